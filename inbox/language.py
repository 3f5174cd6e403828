"""Which language a customer wrote in, when the platform does not say (X does; Messenger,
WhatsApp, Telegram, email and chat do not). Tickets carry it for agents and for routing
by language skill. py3langid (the langid.py model, offline, deterministic) restricted to
the languages Hovor's teams answer in and their close neighbours, so that Slovak is not
taken for Czech nor Russian for Bulgarian; a guess it is unsure of is left blank.

On a message of a few words the character model alone is shaky (Czech against Slovak and
Croatian, Bulgarian against Macedonian and Russian, text typed without diacritics), so its
probabilities are combined with cues a person would use (inbox/lexicons/language_cues.py):
common words, matched without diacritics, and letters only one neighbour writes. What the
customer wrote in before (the conversation's language) settles a guess still in doubt."""
from __future__ import annotations

import math
import re
from functools import cache
from typing import Any

from django.conf import settings

from .lexicons import fold
from .lexicons.language_cues import CUE_LETTERS, CUE_WORDS

# Text with fewer letters than this says too little ("ok 👍", "?!", an order number).
MIN_LETTERS = 4
MIN_PROBABILITY = 0.6
# Weights, in the model's log-probability units, of one cue word and one cue letter.
CUE_WORD_WEIGHT = 1.2
CUE_LETTER_WEIGHT = 1.5
# The earlier language is kept when it is at least this likely (a customer rarely switches).
PRIOR_PROBABILITY = 0.25
_URL_OR_HANDLE = re.compile(r"https?://\S+|www\.\S+|[@#][\w.]+|\S+@\S+\.\w+")
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")


@cache
def _identifier(languages: tuple[str, ...]) -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(languages))
    return identifier


def detect_language(text: str, *, prior: str = "") -> str:
    """ISO 639-1 code of the text's language, or "" when unsure. `prior`: the language the
    customer wrote in before, taken when the text leaves it among the likely ones or says
    too little to tell."""
    cleaned = _URL_OR_HANDLE.sub(" ", text or "")
    if sum(ch.isalpha() for ch in cleaned) < MIN_LETTERS:
        return prior
    probabilities = language_probabilities(cleaned)
    code, probability = max(probabilities.items(), key=lambda kv: kv[1])
    if probability >= MIN_PROBABILITY and (not prior or probabilities.get(prior, 0.0) < PRIOR_PROBABILITY):
        return code
    return prior if prior else ""


def language_probabilities(text: str) -> dict[str, float]:
    """The model's probabilities over the configured languages, moved by the cues."""
    languages = tuple(settings.HOVOR_DETECT_LANGUAGES)
    ranked = _identifier(languages).rank(text)
    scores = {str(code): math.log(max(float(p), 1e-9)) for code, p in ranked}
    for code, cue in _cues(text).items():
        if code in scores:
            scores[code] += cue
    top = max(scores.values())
    weights = {code: math.exp(score - top) for code, score in scores.items()}
    total = sum(weights.values())
    return {code: weight / total for code, weight in weights.items()}


def _cues(text: str) -> dict[str, float]:
    words = [fold(w) for w in _WORD.findall(text)]
    lowered = text.lower()
    cues: dict[str, float] = {}
    for code, vocabulary in CUE_WORDS.items():
        hits = sum(w in vocabulary for w in words)
        letters = sum(ch in CUE_LETTERS.get(code, "") for ch in lowered)
        cues[code] = CUE_WORD_WEIGHT * hits + CUE_LETTER_WEIGHT * min(letters, 3)
    return cues
