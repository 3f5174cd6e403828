"""Which language a customer wrote in, when the platform does not say (X does; Messenger,
WhatsApp, Telegram, email and chat do not). Tickets carry it for agents and for routing
by language skill. py3langid (the langid.py model, offline, deterministic) restricted to
the languages Hovor's teams answer in and their close neighbours, so that Slovak is not
taken for Czech nor Russian for Bulgarian; a guess it is unsure of is left blank."""
from __future__ import annotations

import re
from functools import cache
from typing import Any

from django.conf import settings

# Text with fewer letters than this says too little ("ok 👍", "?!", an order number).
MIN_LETTERS = 4
MIN_PROBABILITY = 0.6
_URL_OR_HANDLE = re.compile(r"https?://\S+|www\.\S+|[@#][\w.]+|\S+@\S+\.\w+")


@cache
def _identifier(languages: tuple[str, ...]) -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(languages))
    return identifier


def detect_language(text: str) -> str:
    """ISO 639-1 code of the text's language, or "" when unsure."""
    cleaned = _URL_OR_HANDLE.sub(" ", text or "")
    if sum(ch.isalpha() for ch in cleaned) < MIN_LETTERS:
        return ""
    code, probability = _identifier(tuple(settings.HOVOR_DETECT_LANGUAGES)).classify(cleaned)
    return str(code) if probability >= MIN_PROBABILITY else ""
