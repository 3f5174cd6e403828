"""Robot phrases: the form-letter openings and refusals ("Dear valued customer", "Vážený
zákazníku") that make a reply sound like nobody wrote it. The reply preview names the one it
found and a kinder way to say it; Send is never blocked. Admins keep the list per language
(RobotPhrase, /settings/replies/). Every language's phrases are checked whatever the
conversation's language: agents answer in the customer's language, which the tag may miss."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from .models import RobotPhrase

# Ellipses, quotes and stops around a phrase as an admin typed it ("It is not our policy…").
_EDGES = " \t\n.,;:!?…\"'„“”«»‚‘’-–—"


@dataclass(frozen=True)
class RobotMatch:
    phrase: str  # as the admin wrote it
    hint: str
    language: str
    found: str  # the words as they stand in the reply


def fold(text: str) -> str:
    """Lower case, no diacritics, one space between words: "VÁŽENÝ  zákazníku" -> "vazeny zakazniku".
    One character in, one character out, so positions in the folded text are the text's."""
    out = []
    for ch in text:
        base = unicodedata.normalize("NFKD", ch)
        kept = "".join(c for c in base if not unicodedata.combining(c)).casefold()
        # A character that folds to nothing or to several keeps its place as one character.
        out.append(kept if len(kept) == 1 else (ch.casefold()[:1] or " "))
    return "".join(" " if c.isspace() else c for c in out)


@lru_cache(maxsize=2048)  # a phrase's pattern never changes; the list is read fresh each time
def _pattern(phrase: str) -> re.Pattern[str] | None:
    words = fold(phrase.strip(_EDGES)).split()
    if not words:
        return None
    # Whole words only ("dear valued customers" still counts; "endear" never does).
    return re.compile(r"(?<!\w)" + r"\s+".join(re.escape(w) for w in words) + r"(?!\w)")


def robot_phrases_in(text: str, *, phrases: list[RobotPhrase] | None = None) -> list[RobotMatch]:
    """The robot phrases in `text`, in the order they appear (each phrase once)."""
    if not text.strip():
        return []
    rows = phrases if phrases is not None else list(RobotPhrase.objects.all())
    folded = fold(text)
    found: list[tuple[int, RobotMatch]] = []
    for row in rows:
        pattern = _pattern(row.phrase)
        match = pattern.search(folded) if pattern else None
        if match is not None:
            found.append((match.start(), RobotMatch(
                phrase=row.phrase, hint=row.hint, language=row.language, found=text[match.start():match.end()]
            )))
    found.sort(key=lambda item: item[0])
    return [m for _pos, m in found]
