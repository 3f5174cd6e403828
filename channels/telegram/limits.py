"""Telegram's length rule for a text message: 1–4096 characters after entity parsing.

Hovor never sends a parse_mode, so no entity parsing happens and the text goes out as
typed. Telegram measures message text and entity offsets in UTF-16 code units; counting
the same way is exact for Latin, Czech, Cyrillic and other BMP text and never lets an
emoji-heavy reply slip past the limit (an emoji outside the BMP counts 2)."""
from __future__ import annotations

from channels.base import AttachmentLimits, ChannelLimits

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
# Bot API uploads (multipart/form-data): photos up to 10 MB, other files up to 50 MB;
# a photo Telegram re-encodes, so only the picture types it takes go as sendPhoto.
PHOTO_TYPES = frozenset({"image/jpeg", "image/png", "image/webp"})
ATTACHMENT_LIMITS = AttachmentLimits(max_bytes=50 * 1024 * 1024, max_files=5, image_max_bytes=10 * 1024 * 1024)

# A private chat is a one-to-one conversation; group messages are seen by the group.
PRIVATE_LIMITS = ChannelLimits(max_length=MAX_TEXT_LENGTH, counting="utf16", public=False)
GROUP_LIMITS = ChannelLimits(max_length=MAX_TEXT_LENGTH, counting="utf16", public=True)


def text_length(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def text_problem(text: str) -> str:
    """Why Telegram would refuse this text ("" when it would take it). Telegram strips
    leading and trailing whitespace, so a blank text counts as empty."""
    if not text.strip():
        return "The message text is empty."
    length = text_length(text)
    if length > MAX_TEXT_LENGTH:
        return f"Too long for Telegram: {length}/{MAX_TEXT_LENGTH} characters."
    return ""
