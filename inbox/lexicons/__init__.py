"""Sentiment lexicons for the languages Hovor's teams answer in (inbox/sentiment.py reads
them). Each language module lists its words by strength in plain text, as a person writes
them (with diacritics); they are folded here once (lower case, diacritics stripped) so that
"naštvaný" also matches "nastvany". A word ending in "*" is a stem: it matches every word
that begins with it ("naštvan*" → naštvaný, naštvaná, naštvaní), the longest stem winning.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

STRONG = 2.0
NORMAL = 1.0
MILD = 0.5


def fold(text: str) -> str:
    """Lower case without combining marks: "Objednávka" → "objednavka", "още" → "още".
    Cyrillic й folds to и on both sides of a lookup, so matching stays consistent."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).replace("ł", "l")


@dataclass(frozen=True)
class Lexicon:
    """One language's words and rules, already folded."""

    language: str
    words: dict[str, float]
    stems: dict[str, float]
    # token sequences → valence; a token ending in "*" is a stem. 0.0 neutralises words
    # that would otherwise count ("dobrý den" greets; "díky předem" thanks for nothing yet).
    phrases: dict[tuple[str, ...], float]
    negators: frozenset[str]
    # A word that is not listed but starts with one of these and then a listed word is that
    # word negated: "nefunguje" = ne + funguje; "niezadowolony" = nie + zadowolony.
    negating_prefixes: tuple[str, ...]
    intensifiers: frozenset[str]
    # "…, but it still does not work": what follows the contrast weighs more.
    contrast: frozenset[str]
    # "still"/"pořád"/"wciąż"/"още" before a negation: the thing is still not done.
    persistence: frozenset[str] = frozenset()
    # Czech, Polish and Bulgarian negate twice for emphasis ("nikdo nic nedělá", "няма
    # никой"): there a negator leaves a negative word negative.
    negative_concord: bool = False
    phrase_index: dict[str, list[tuple[tuple[str, ...], float]]] = field(default_factory=dict)


def build(
    language: str,
    *,
    strong_positive: str = "",
    positive: str = "",
    mild_positive: str = "",
    mild_negative: str = "",
    negative: str = "",
    strong_negative: str = "",
    phrases: dict[str, float] | None = None,
    negators: str = "",
    negating_prefixes: str = "",
    intensifiers: str = "",
    contrast: str = "",
    persistence: str = "",
    negative_concord: bool = False,
) -> Lexicon:
    words: dict[str, float] = {}
    stems: dict[str, float] = {}
    for listed, valence in (
        (mild_positive, MILD),
        (positive, NORMAL),
        (strong_positive, STRONG),
        (mild_negative, -MILD),
        (negative, -NORMAL),
        (strong_negative, -STRONG),
    ):
        for entry in fold(listed).split():
            if entry.endswith("*"):
                stems[entry[:-1]] = valence
            else:
                words[entry] = valence
    folded_phrases = {tuple(fold(p).split()): v for p, v in (phrases or {}).items()}
    index: dict[str, list[tuple[tuple[str, ...], float]]] = {}
    # Longest phrases first, so "thanks in advance" is tried before "thanks".
    for tokens, valence in sorted(folded_phrases.items(), key=lambda kv: -len(kv[0])):
        index.setdefault(tokens[0].rstrip("*")[:3], []).append((tokens, valence))
    return Lexicon(
        language=language,
        words=words,
        stems=stems,
        phrases=folded_phrases,
        negators=frozenset(fold(negators).split()),
        negating_prefixes=tuple(sorted(fold(negating_prefixes).split(), key=len, reverse=True)),
        intensifiers=frozenset(fold(intensifiers).split()),
        contrast=frozenset(fold(contrast).split()),
        persistence=frozenset(fold(persistence).split()),
        negative_concord=negative_concord,
        phrase_index=index,
    )
