"""Viber's rules for a message: text up to 7,000 characters, a sender name of at most 28,
and the pictures and files a reply may carry (below).

Viber does not say how it counts; its clients are Java and Objective-C, which count UTF-16
code units, so Hovor counts the same way: exact for Latin, Czech and Cyrillic text, and an
emoji outside the BMP counts 2, so a reply Hovor accepts is never one Viber refuses."""
from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from channels.base import AttachmentLimits, ChannelLimits

MAX_TEXT_LENGTH = 7000
MAX_SENDER_NAME = 28
# A Viber conversation is one person and the brand's bot: always private.
LIMITS = ChannelLimits(max_length=MAX_TEXT_LENGTH, counting="utf16", public=False)

# Media go by URL, fetched by Viber (send_message types `picture` and `file`): a picture is
# JPEG, PNG or a still GIF up to 1 MB with its text (≤ 512 characters); anything else, a
# bigger picture included, goes as a file of up to 50 MB named by `file_name` (≤ 256
# characters, with its extension). One file a message: several files are several messages.
PICTURE_TYPES = frozenset({"image/jpeg", "image/png", "image/gif"})
PICTURE_MAX_BYTES = 1024 * 1024
PICTURE_TEXT_MAX = 512
FILE_MAX_BYTES = 50 * 1024 * 1024
FILE_NAME_MAX = 256
# Executables and scripts, of the file types Viber lists as forbidden for file messages.
FORBIDDEN_EXTENSIONS = frozenset({
    "apk", "app", "bat", "cmd", "com", "cpl", "dll", "exe", "hta", "inf", "jar", "js", "jse", "lnk", "msi", "msp",
    "pif", "ps1", "reg", "scr", "sct", "shb", "shs", "vb", "vbe", "vbs", "ws", "wsf",
})
ATTACHMENTS = AttachmentLimits(
    max_bytes=FILE_MAX_BYTES, max_files=5, forbidden_extensions=FORBIDDEN_EXTENSIONS,
    note=_("pictures (JPEG, PNG, GIF) up to 1 MB are shown in the chat, anything else arrives as a file"),
)


def file_name(name: str) -> str:
    """`file_name` as Viber takes it: at most 256 characters, the extension kept."""
    name = name.replace("/", "_").strip() or "file"
    if len(name) <= FILE_NAME_MAX:
        return name
    stem, dot, extension = name.rpartition(".")
    if not dot or len(extension) > 16:
        return name[:FILE_NAME_MAX]
    return stem[: FILE_NAME_MAX - len(extension) - 1] + "." + extension


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
