"""A long public reply split into a numbered thread of posts, each within X's weighted
280 (the agent asks for it; the signature ends the last post)."""
from __future__ import annotations

from .limits import TWEET_LIMITS, weighted_length

# Room kept in every post for its number, " (12/12)" at most.
NUMBER_ROOM = len(" (99/99)")


def split_into_thread(text: str, *, limit: int = TWEET_LIMITS.max_length) -> list[str]:
    """Words are never cut (a single over-long word is, as a last resort); each post ends
    with " (i/n)"; a text that fits in one post is returned as it is."""
    text = text.strip()
    if weighted_length(text) <= limit:
        return [text]
    budget = limit - NUMBER_ROOM
    parts: list[str] = []
    current = ""
    for word in text.split(" "):
        candidate = f"{current} {word}" if current else word
        if weighted_length(candidate) <= budget:
            current = candidate
            continue
        if current:
            parts.append(current)
        while weighted_length(word) > budget:  # no space to break at: cut the word itself
            cut = len(word)
            while weighted_length(word[:cut]) > budget:
                cut -= 1
            parts.append(word[:cut])
            word = word[cut:]
        current = word
    if current:
        parts.append(current)
    return [f"{part} ({i}/{len(parts)})" for i, part in enumerate(parts, start=1)]
