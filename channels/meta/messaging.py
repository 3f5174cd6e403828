"""The Messenger-shaped webhook items Facebook Pages and Instagram accounts share (a stored
event's payload is `{"entry_id", "entry_time", "item"}`, see channels.meta.events), parsed
into NormalizedMessage / NormalizedStatus: a customer's message (kind "dm", threaded by the
customer's PSID / IGSID, in_reply_to the quoted `reply_to.mid`), delivery receipts,
Instagram's read receipts by mid, message attachments and a comment's author. Each
platform's parser (channels/facebook/parser.py, channels/instagram/parser.py) declares which
kinds these handle."""
from __future__ import annotations

import mimetypes
import posixpath
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import unquote, urlsplit

from channels import parsing
from channels.parsing import Parsed, SkippedEvent
from channels.types import (
    UNSUPPORTED,
    Attachment,
    ButtonPress,
    NormalizedAuthor,
    NormalizedMessage,
    NormalizedStatus,
)

from .windows import DM

# Message.platform_id holds 200 characters; Meta's ids are far shorter (an Instagram mid ~150).
MAX_ID_LENGTH = 200


# --- typed accessors ------------------------------------------------------------------
def meta_id(container: Mapping[str, Any], key: str, *, where: str = "") -> str:
    """An id: a string as Meta sends it today (a whole number in some older payloads)."""
    return parsing.int_id(container, key, where=where, max_length=MAX_ID_LENGTH)


def optional_meta_id(container: Mapping[str, Any], key: str, *, where: str = "") -> str:
    return parsing.optional_int_id(container, key, where=where, max_length=MAX_ID_LENGTH)


def from_timestamp(value: int) -> datetime:
    """Meta sends Messenger times in milliseconds and feed times in seconds."""
    seconds = value / 1000 if value > 100_000_000_000 else value
    return parsing.timestamp(seconds)


def to_millis(value: int) -> int:
    return value if value > 100_000_000_000 else value * 1000


# --- attachments ----------------------------------------------------------------------
DEFAULT_CONTENT_TYPES = {
    "image": "image/jpeg",
    "video": "video/mp4",
    "audio": "audio/mpeg",
    "file": "application/octet-stream",
    "sticker": "image/png",
    "animated_image": "image/gif",
    "reel": "video/mp4",
    "ig_reel": "video/mp4",
    "story_mention": "image/jpeg",
}
LINK_TYPES = frozenset({"fallback", "share", "post", "ig_post", "template", "location", "product"})


def filename_from_url(url: str) -> str:
    path = urlsplit(url).path
    name = unquote(posixpath.basename(path))
    return name if "." in name.strip(".") else ""


def content_type_for(kind: str, filename: str) -> str:
    if kind in LINK_TYPES:
        return "text/uri-list"
    guessed = mimetypes.guess_type(filename)[0] if filename else None
    default = DEFAULT_CONTENT_TYPES.get(kind, "application/octet-stream")
    major = default.split("/")[0]
    if guessed and (kind == "file" or guessed.split("/")[0] == major):
        return guessed
    if kind == "audio" and filename.endswith(".mp4"):
        return "audio/mp4"  # Messenger voice clips are audioclip-….mp4
    return default


def attachments_of(message: Mapping[str, Any]) -> tuple[Attachment, ...]:
    """Messenger/Instagram `message.attachments` -> Attachment rows (URL, no download).
    During Meta's sticker transition a sticker arrives both as `sticker` and as `image`
    with the same sticker_id/url: it is kept once, as the sticker."""
    raw = parsing.optional_list(message, "attachments")
    items = []
    stickers: set[str] = set()
    for entry in raw:
        entry = parsing.as_object(entry, "attachment")
        kind = parsing.string(entry, "type")
        payload = parsing.as_optional_object(entry.get("payload"), "attachment payload")
        url = parsing.optional_string(payload, "url") or parsing.optional_string(entry, "url")
        sticker_id = optional_meta_id(payload, "sticker_id")
        if kind == "sticker" or (kind == "image" and sticker_id):
            kind = "sticker"
            key = sticker_id or url
            if key in stickers:
                continue
            stickers.add(key)
        items.append((kind, payload, entry, url, sticker_id))
    found = []
    for kind, payload, entry, url, sticker_id in items:
        title = parsing.optional_string(payload, "title") or parsing.optional_string(entry, "title")
        if kind == "sticker":
            filename = f"sticker-{sticker_id}.png" if sticker_id else (filename_from_url(url) or "sticker.png")
        elif kind in LINK_TYPES:
            filename = title or kind
        else:
            filename = filename_from_url(url) or title or kind
        found.append(Attachment(filename=filename, content_type=content_type_for(kind, filename), url=url))
    return tuple(found)


# --- Messenger items ------------------------------------------------------------------
def _item(payload: dict[str, Any]) -> dict[str, Any]:
    return parsing.object_(payload, "item")


def parse_message(payload: dict[str, Any]) -> Parsed:
    """A customer's message to the Page (or Instagram account): kind "dm"."""
    item = _item(payload)
    sender = meta_id(parsing.object_(item, "sender"), "id", where="sender")
    timestamp = parsing.epoch(item, "timestamp")
    message = parsing.object_(item, "message")
    if message.get("is_echo") is True or sender == payload.get("entry_id"):
        raise SkippedEvent("an echo of the Page's own message")
    mid = meta_id(message, "mid")
    text = parsing.optional_string(message, "text")
    attachments = attachments_of(message)
    reply_to = parsing.optional_object(message, "reply_to")
    in_reply_to = optional_meta_id(reply_to, "mid", where="reply_to")
    extra: dict[str, Any] = {"timestamp": to_millis(timestamp)}
    story = parsing.optional_object(reply_to, "story", where="reply_to")
    if story:
        extra["reply_to_story"] = {
            "id": optional_meta_id(story, "id"),
            "url": parsing.optional_string(story, "url"),
        }
    # A tapped quick reply: its title is the message's text, its payload the press.
    quick_reply = parsing.optional_object(message, "quick_reply")
    pressed = parsing.optional_string(quick_reply, "payload", where="quick_reply")
    press = ButtonPress(payload=pressed) if pressed else None
    if not text and not attachments:
        # Something the Send API's webhook cannot describe (Messenger's equivalent of an
        # unsupported type): shown to the agent as a placeholder, never dropped.
        extra[UNSUPPORTED] = {"what": "", "detail": ""}
    return [
        NormalizedMessage(
            platform_id=mid,
            author=NormalizedAuthor(external_id=sender),
            text=text,
            sent_at=from_timestamp(timestamp),
            kind=DM,
            thread_key=sender,
            in_reply_to=in_reply_to,
            attachments=attachments,
            public=False,
            extra=extra,
            press=press,
        )
    ]


def parse_unsupported(payload: dict[str, Any]) -> Parsed:
    """`is_unsupported: true` (a message type the API does not show, e.g. an Instagram
    voice effect or a poll): no text, a placeholder for the agent."""
    item = _item(payload)
    sender = meta_id(parsing.object_(item, "sender"), "id", where="sender")
    timestamp = parsing.epoch(item, "timestamp")
    message = parsing.object_(item, "message")
    if sender == payload.get("entry_id"):
        raise SkippedEvent("an echo of the Page's own message")
    return [
        NormalizedMessage(
            platform_id=meta_id(message, "mid"),
            author=NormalizedAuthor(external_id=sender),
            text="",
            sent_at=from_timestamp(timestamp),
            kind=DM,
            thread_key=sender,
            public=False,
            extra={"timestamp": to_millis(timestamp), UNSUPPORTED: {"what": "", "detail": ""}},
        )
    ]


def parse_delivery(payload: dict[str, Any]) -> Parsed:
    """Messenger delivery receipt: every listed mid (ours) was delivered by `watermark`."""
    item = _item(payload)
    delivery = parsing.object_(item, "delivery")
    watermark = parsing.optional_epoch(delivery, "watermark", where="delivery") or parsing.epoch(item, "timestamp")
    mids = delivery.get("mids") or []
    if not isinstance(mids, list) or not all(isinstance(m, str) and m for m in mids):
        raise parsing.MalformedPayload("delivery.mids is not a list of ids")
    if not mids:
        raise SkippedEvent("a delivery receipt by watermark only; it names no message")
    at = from_timestamp(watermark)
    return [NormalizedStatus(platform_id=mid, status="delivered", at=at) for mid in mids]


def parse_read_mid(payload: dict[str, Any]) -> Parsed:
    """Instagram's messaging_seen names the message read (`read.mid`); Messenger's read
    receipt has only a watermark, which cannot be tied to a message of ours without a
    lookup, and is ignored."""
    item = _item(payload)
    read = parsing.object_(item, "read")
    mid = optional_meta_id(read, "mid", where="read")
    if not mid:
        raise SkippedEvent("a read receipt by watermark only")
    timestamp = parsing.epoch(item, "timestamp")
    return [NormalizedStatus(platform_id=mid, status="read", at=from_timestamp(timestamp))]


# --- comments -------------------------------------------------------------------------
def comment_author(value: Mapping[str, Any], comment_id: str, *, platform: str) -> NormalizedAuthor:
    """The commenter; Meta leaves `from` out for some people (e.g. when privacy settings
    hide them from the app): such a comment still becomes a message, from "someone"."""
    who = parsing.optional_object(value, "from")
    author_id = optional_meta_id(who, "id", where="from")
    if not author_id:
        return NormalizedAuthor(external_id=f"unknown-commenter:{comment_id}", display_name=f"{platform} user")
    username = parsing.optional_string(who, "username")
    return NormalizedAuthor(
        external_id=author_id,
        handle=f"@{username}" if username else "",
        display_name=parsing.optional_string(who, "name") or username,
    )


def profile_author(external_id: str, data: Any) -> NormalizedAuthor | None:
    """The user-profile API's answer about a person (Messenger: first_name, last_name,
    profile_pic; Instagram: name, username, profile_pic) as an author; None when it names
    nobody. Graph data: anything not a string is ignored."""
    if not isinstance(data, dict):
        return None

    def text(key: str) -> str:
        value = data.get(key)
        return value.strip()[:300] if isinstance(value, str) else ""

    name = text("name") or " ".join(p for p in (text("first_name"), text("last_name")) if p)
    username = text("username")
    picture = text("profile_pic") if len(str(data.get("profile_pic") or "")) <= 1000 else ""
    if not picture.startswith(("https://", "http://")):
        picture = ""
    if not (name or username or picture):
        return None
    return NormalizedAuthor(
        external_id=external_id, handle=f"@{username}" if username else "", display_name=name, avatar_url=picture
    )
