"""How a customer feels in one message: negative, neutral or positive. Agents see it on inbox
rows and in the conversation; routing may let an angry customer jump the queue.

A lexicon-and-rules classifier in the manner of VADER (Hutto & Gilbert, 2014), with lexicons
of our own for Czech, Polish, Bulgarian and English (inbox/lexicons/): words and stems by
strength, care phrases ("pořád nic", "wciąż czekam", "още чакам", "still waiting"), phrases
that neutralise ("díky předem", "dzień dobry"), negation (a negator before a word and the
"ne-"/"nie-"/"не-" prefix of an unlisted word), intensifiers, a contrast ("…, ale pořád
nefunguje") shifting weight to what follows, capitals, "!" and "??", emoji and emoticons.
Matching is on folded text, so messages without diacritics score the same. Offline,
deterministic, no model to download; a rule an agent disagrees with is a line to change.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .lexicons import Lexicon, fold
from .lexicons import bg as _bg
from .lexicons import cs as _cs
from .lexicons import en as _en
from .lexicons import pl as _pl
from .lexicons.emoji import EMOJI, EMOTICONS, SARCASM
from .lexicons.language_cues import CUE_WORDS

NEGATIVE = "negative"
NEUTRAL = "neutral"
POSITIVE = "positive"

LEXICONS: dict[str, Lexicon] = {lex.language: lex for lex in (_cs.LEXICON, _pl.LEXICON, _bg.LEXICON, _en.LEXICON)}
# A close neighbour is read with the lexicon of the team language it is nearest to.
NEIGHBOURS = {"sk": "cs", "ru": "bg", "uk": "bg", "mk": "bg", "sr": "bg"}

# Beyond this the message clearly leans one way; in between it is neutral.
THRESHOLD = 0.75
NEGATION_SCALE = -0.75
INTENSIFIER_SCALE = 1.5
CAPS_SCALE = 1.3
QUESTION_SCALE = 0.6
BEFORE_CONTRAST, AFTER_CONTRAST = 0.5, 1.5
NEGATION_WINDOW = 3
EXCLAMATION_SCALE = 1.2
PERSISTENCE_VALENCE = -1.5
UNLISTED_NEGATED_VALENCE = -0.5
MIN_STEM = 3

_URL_OR_HANDLE = re.compile(r"https?://\S+|www\.\S+|[@#][\w.]+|\S+@\S+\.\w+")
_WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*")
_SENTENCE = re.compile(r"[^.!?;\n]+[.!?;\n]*")
# A lone word trailing off after a complaint: "Super...", "Great…".
_SARCASM = re.compile(r"\s*[^\W\d_]+\s*(?:\.{3,}|…)")
_RUN = re.compile(r"(.)\1{2,}")
_EMOTICON = re.compile("|".join(re.escape(e) for e in sorted(EMOTICONS, key=len, reverse=True)))


@dataclass(frozen=True)
class Hit:
    position: int
    valence: float


def detect_sentiment(text: str, *, language: str = "") -> str:
    """negative, neutral or positive for a customer's message in this language ("" when
    unknown, or when its lexicon recognises no word: then the lexicon that recognises most
    words is used)."""
    score = sentiment_score(text, language=language)
    if score >= THRESHOLD:
        return POSITIVE
    if score <= -THRESHOLD:
        return NEGATIVE
    return NEUTRAL


def sentiment_score(text: str, *, language: str = "") -> float:
    cleaned = _URL_OR_HANDLE.sub(" ", text or "")
    code = NEIGHBOURS.get(language, language)
    sarcastic = any(ch in SARCASM for ch in cleaned)
    words, recognised = _score_words(cleaned, LEXICONS[code], sarcastic=sarcastic) if code in LEXICONS else (0.0, 0)
    if not recognised and not _written_in(cleaned, code):
        # No language, or a tag the words do not bear out (a platform's tag can be wrong:
        # "objednavka nedorazila" tagged English): the lexicon that knows most of them.
        words = max(
            (_score_words(cleaned, lex, sarcastic=sarcastic) for lex in LEXICONS.values()),
            key=lambda r: (r[1], abs(r[0])),
        )[0]
    return words + _score_symbols(cleaned)


def _written_in(text: str, language: str) -> bool:
    """Whether the text has any of the language's common words ("je", "dzień", "the")."""
    vocabulary = CUE_WORDS.get(language, frozenset())
    return any(fold(w) in vocabulary for w in _WORD.findall(text))


def _score_symbols(text: str) -> float:
    score = 0.0
    for ch in text:
        score += EMOJI.get(ch, 0.0)
    score += sum(EMOTICONS[m.group(0)] for m in _EMOTICON.finditer(text.lower()))
    if "??" in text or "?!" in text:
        score -= 0.5  # impatience
    return score


def _score_words(text: str, lexicon: Lexicon, *, sarcastic: bool = False) -> tuple[float, int]:
    """The words' score and how many words the lexicon recognised. In a sarcastic message
    praise counts against: "Thanks for cancelling my order 🙄"."""
    hits: list[Hit] = []
    contrast_at = -1
    position = 0
    for sentence in _SENTENCE.findall(text):
        end = sentence.rstrip()
        scale = QUESTION_SCALE if end.endswith("?") else 1.0
        if _SARCASM.fullmatch(end) and position:
            scale = -1.0  # "…, a pak že to nemáte. Super..." is no praise
        if end.endswith("!"):
            scale *= EXCLAMATION_SCALE
        # Negation and phrases stay within a comma's part: "nečekal jsem to, super".
        for part in sentence.split(","):
            raw = _WORD.findall(part)
            tokens = [fold(t) for t in raw]
            for hit_at, valence, is_contrast in _score_part(raw, tokens, lexicon):
                if is_contrast:
                    contrast_at = position + hit_at
                else:
                    hits.append(Hit(position + hit_at, valence * scale))
            position += len(tokens)
    score = 0.0
    for hit in hits:
        if sarcastic and hit.valence > 0:
            hit = Hit(hit.position, hit.valence * NEGATION_SCALE)
        if contrast_at >= 0:
            score += hit.valence * (AFTER_CONTRAST if hit.position > contrast_at else BEFORE_CONTRAST)
        else:
            score += hit.valence
    return score, len(hits)


def _score_part(raw: list[str], tokens: list[str], lexicon: Lexicon) -> list[tuple[int, float, bool]]:
    """(token index, valence, is a contrast word) for one comma-separated part."""
    found: list[tuple[int, float, bool]] = []
    negated_until = -1  # a negator covers the next few words
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token in lexicon.contrast:
            found.append((i, 0.0, True))
        matched = _match_phrase(tokens, i, lexicon)
        if matched is not None:
            length, valence = matched
            found.append((i, valence, False))  # a neutraliser counts as recognised
            i += length
            continue
        if token in lexicon.persistence and _negation_follows(tokens, i, lexicon):
            found.append((i, PERSISTENCE_VALENCE, False))
        if token in lexicon.negators:
            negated_until = i + NEGATION_WINDOW
            # A negated event nobody listed ("nie przyszedł", "hasn't shipped") is a
            # complaint more often than not.
            following = tokens[i + 1] if i + 1 < len(tokens) else ""
            if following and following not in lexicon.negators and not _word_valence(following, lexicon):
                found.append((i, UNLISTED_NEGATED_VALENCE, False))
            i += 1
            continue
        valence = _word_valence(token, lexicon)
        if valence:
            if i <= negated_until and (valence > 0 or not lexicon.negative_concord):
                valence *= NEGATION_SCALE
            if i and tokens[i - 1] in lexicon.intensifiers:
                valence *= INTENSIFIER_SCALE
            if len(raw[i]) >= 3 and raw[i].isupper():
                valence *= CAPS_SCALE
            found.append((i, valence, False))
        i += 1
    return found


def _negation_follows(tokens: list[str], i: int, lexicon: Lexicon) -> bool:
    for token in tokens[i + 1 : i + 3]:
        if token in lexicon.negators:
            return True
        if any(token.startswith(p) and len(token) > len(p) + 2 for p in lexicon.negating_prefixes):
            return True
    return False


def _match_phrase(tokens: list[str], i: int, lexicon: Lexicon) -> tuple[int, float] | None:
    for phrase, valence in lexicon.phrase_index.get(tokens[i][:3], ()):
        if len(phrase) <= len(tokens) - i and all(
            _token_matches(tokens[i + k], part) for k, part in enumerate(phrase)
        ):
            return len(phrase), valence
    return None


def _token_matches(token: str, part: str) -> bool:
    return token.startswith(part[:-1]) if part.endswith("*") else token == part


def _word_valence(token: str, lexicon: Lexicon) -> float:
    valence = _listed(token, lexicon)
    if valence is None and _RUN.search(token):  # "suuuper", "díííky"
        valence = _listed(_RUN.sub(r"\1", token), lexicon)
        if valence is None:
            valence = _listed(_RUN.sub(r"\1\1", token), lexicon)
    if valence is None:
        for prefix in lexicon.negating_prefixes:
            if token.startswith(prefix) and len(token) - len(prefix) >= MIN_STEM + 1:
                base = _listed(token[len(prefix) :], lexicon)
                if base:
                    return base * NEGATION_SCALE if base > 0 else base
    return valence or 0.0


def _listed(token: str, lexicon: Lexicon) -> float | None:
    if token in lexicon.words:
        return lexicon.words[token]
    for end in range(len(token), MIN_STEM - 1, -1):
        valence = lexicon.stems.get(token[:end])
        if valence is not None:
            return valence
    return None
