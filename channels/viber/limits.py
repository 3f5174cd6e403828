"""Viber's rules for a text message: up to 7,000 characters, a sender name of at most 28.

Viber does not say how it counts; its clients are Java and Objective-C, which count UTF-16
code units, so Hovor counts the same way: exact for Latin, Czech and Cyrillic text, and an
emoji outside the BMP counts 2, so a reply Hovor accepts is never one Viber refuses."""
from __future__ import annotations

from channels.base import ChannelLimits

MAX_TEXT_LENGTH = 7000
MAX_SENDER_NAME = 28
# A Viber conversation is one person and the brand's bot: always private.
LIMITS = ChannelLimits(max_length=MAX_TEXT_LENGTH, counting="utf16", public=False)


def text_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def text_problem(text: str) -> str:
    """Why Viber would refuse this text ("" when it would take it)."""
    if not text.strip():
        return "The message text is empty."
    length = text_length(text)
    if length > MAX_TEXT_LENGTH:
        return f"Too long for Viber: {length}/{MAX_TEXT_LENGTH} characters."
    return ""


def sender_name(name: str) -> str:
    """The `sender.name` Viber shows above the brand's messages (required, ≤ 28 characters)."""
    name = " ".join(name.split())
    return name[:MAX_SENDER_NAME].rstrip() or "Support"
