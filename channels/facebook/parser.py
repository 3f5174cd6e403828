"""Facebook Page payloads -> NormalizedMessage / NormalizedStatus.

A stored event's payload is `{"entry_id", "entry_time", "item"}` for a Messenger item and
`{"entry_id", "entry_time", "field", "value"}` for a change (see events.py). Dispatch is by
table: EVENT_HANDLERS for what becomes a message or a delivery status, IGNORED_EVENTS
(kind -> why) for what Hovor deliberately drops; anything else is UnsupportedEventType.

Threading:
- Messenger: kind "dm"; thread_key is the customer's PSID (one Page conversation per
  person), in_reply_to is `reply_to.mid` when the customer quoted a message.
- Page comments: kind "comment"; a customer's comment thread is keyed by its **top-level
  comment** (`parent_id == post_id` means top-level, so the key is the comment's own id;
  a reply carries its parent comment's id). Keying by post would put every commenter of a
  busy post into one ticket; keying by comment gives each conversation under a post its
  own ticket, and replies (the customer's, other people's, ours) stay with it. A reply's
  in_reply_to is its parent comment.
- An edited comment (`verb: edited`) becomes a new message of kind "comment_edit" in the
  same ticket (in_reply_to: the comment), so the agent sees the text before and after.
  A removed comment is ignored: what the customer wrote stays on the ticket.

The shared helpers here are used by the Instagram parser too."""
from __future__ import annotations

import mimetypes
import posixpath
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote, urlsplit

from channels.base import UnsupportedEventType
from channels.types import Attachment, NormalizedAuthor, NormalizedMessage, NormalizedStatus

from .events import digest, id_of, token
from .limits import COMMENT, COMMENT_EDIT, DM

Parsed = list[NormalizedMessage | NormalizedStatus]
Handler = Callable[[dict[str, Any]], Parsed]


# Message.platform_id holds 200 characters; Meta's ids are far shorter (an Instagram mid ~150).
MAX_ID_LENGTH = 200


class MalformedPayload(ValueError):
    pass


class IgnoredEvent(UnsupportedEventType):
    """A kind Hovor knows and drops on purpose; the reason is kept on the stored event."""


# --- typed accessors ------------------------------------------------------------------
def obj(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise MalformedPayload(f"{what} is not an object")
    return value


def opt_obj(value: Any, what: str) -> dict[str, Any]:
    return {} if value is None else obj(value, what)


def string(container: Mapping[str, Any], key: str, *, required: bool = True) -> str:
    value = container.get(key)
    if value is None:
        if required:
            raise MalformedPayload(f"missing {key}")
        return ""
    if not isinstance(value, str):
        raise MalformedPayload(f"{key} is not a string")
    return value


def ident(container: Mapping[str, Any], key: str, *, required: bool = True) -> str:
    """An id: a string as Meta sends it today (a whole number in some older payloads)."""
    value = container.get(key)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        value = str(value)
    if value is None or value == "":
        if required:
            raise MalformedPayload(f"missing {key}")
        return ""
    if not isinstance(value, str):
        raise MalformedPayload(f"{key} is not an id")
    if len(value) > MAX_ID_LENGTH:
        raise MalformedPayload(f"{key} is longer than {MAX_ID_LENGTH} characters")
    return value


def number(container: Mapping[str, Any], key: str, *, required: bool = True) -> int | None:
    value = container.get(key)
    if value is None:
        if required:
            raise MalformedPayload(f"missing {key}")
        return None
    if isinstance(value, str) and value.isdigit():
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise MalformedPayload(f"{key} is not a timestamp")
    return value


def from_timestamp(value: int) -> datetime:
    """Meta sends Messenger times in milliseconds and feed times in seconds."""
    seconds = value / 1000 if value > 100_000_000_000 else value
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise MalformedPayload(f"timestamp {value} is out of range") from exc


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


def _filename_from_url(url: str) -> str:
    path = urlsplit(url).path
    name = unquote(posixpath.basename(path))
    return name if "." in name.strip(".") else ""


def _content_type(kind: str, filename: str) -> str:
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
    raw = message.get("attachments")
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise MalformedPayload("attachments is not a list")
    items = []
    stickers: set[str] = set()
    for entry in raw:
        entry = obj(entry, "attachment")
        kind = string(entry, "type")
        payload = opt_obj(entry.get("payload"), "attachment payload")
        url = string(payload, "url", required=False) or string(entry, "url", required=False)
        sticker_id = ident(payload, "sticker_id", required=False)
        if kind == "sticker" or (kind == "image" and sticker_id):
            kind = "sticker"
            key = sticker_id or url
            if key in stickers:
                continue
            stickers.add(key)
        items.append((kind, payload, entry, url, sticker_id))
    found = []
    for kind, payload, entry, url, sticker_id in items:
        title = string(payload, "title", required=False) or string(entry, "title", required=False)
        if kind == "sticker":
            filename = f"sticker-{sticker_id}.png" if sticker_id else (_filename_from_url(url) or "sticker.png")
        elif kind in LINK_TYPES:
            filename = title or kind
        else:
            filename = _filename_from_url(url) or title or kind
        found.append(Attachment(filename=filename, content_type=_content_type(kind, filename), url=url))
    return tuple(found)


# --- Messenger items ------------------------------------------------------------------
def _item(payload: dict[str, Any]) -> dict[str, Any]:
    return obj(payload.get("item"), "item")


def parse_message(payload: dict[str, Any]) -> Parsed:
    """A customer's message to the Page (or Instagram account): kind "dm"."""
    item = _item(payload)
    sender = ident(obj(item.get("sender"), "sender"), "id")
    timestamp = number(item, "timestamp")
    assert timestamp is not None
    message = obj(item.get("message"), "message")
    if message.get("is_echo") is True or sender == payload.get("entry_id"):
        raise IgnoredEvent("an echo of the Page's own message")
    mid = ident(message, "mid")
    text = string(message, "text", required=False)
    attachments = attachments_of(message)
    reply_to = opt_obj(message.get("reply_to"), "reply_to")
    in_reply_to = ident(reply_to, "mid", required=False)
    extra: dict[str, Any] = {"timestamp": to_millis(timestamp)}
    story = opt_obj(reply_to.get("story"), "reply_to.story")
    if story:
        extra["reply_to_story"] = {
            "id": ident(story, "id", required=False),
            "url": string(story, "url", required=False),
        }
    quick_reply = opt_obj(message.get("quick_reply"), "quick_reply")
    if quick_reply:
        extra["quick_reply_payload"] = string(quick_reply, "payload", required=False)
    if not text and not attachments:
        raise IgnoredEvent("a message with neither text nor attachments")
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
        )
    ]


def parse_delivery(payload: dict[str, Any]) -> Parsed:
    """Messenger delivery receipt: every listed mid (ours) was delivered by `watermark`."""
    item = _item(payload)
    delivery = obj(item.get("delivery"), "delivery")
    watermark = number(delivery, "watermark", required=False) or number(item, "timestamp")
    assert watermark is not None
    mids = delivery.get("mids") or []
    if not isinstance(mids, list) or not all(isinstance(m, str) for m in mids):
        raise MalformedPayload("delivery.mids is not a list of ids")
    at = from_timestamp(watermark)
    return [NormalizedStatus(platform_id=mid, status="delivered", at=at) for mid in mids]


def parse_read_mid(payload: dict[str, Any]) -> Parsed:
    """Instagram's messaging_seen names the message read (`read.mid`); Messenger's read
    receipt has only a watermark, which cannot be tied to a message of ours without a
    lookup, and is ignored."""
    item = _item(payload)
    read = obj(item.get("read"), "read")
    mid = ident(read, "mid", required=False)
    if not mid:
        raise IgnoredEvent("a read receipt by watermark only")
    timestamp = number(item, "timestamp")
    assert timestamp is not None
    return [NormalizedStatus(platform_id=mid, status="read", at=from_timestamp(timestamp))]


# --- Page comments --------------------------------------------------------------------
def comment_author(value: Mapping[str, Any], comment_id: str, *, platform: str) -> NormalizedAuthor:
    """The commenter; Meta leaves `from` out for some people (e.g. when privacy settings
    hide them from the app): such a comment still becomes a message, from "someone"."""
    who = opt_obj(value.get("from"), "from")
    author_id = ident(who, "id", required=False)
    if not author_id:
        return NormalizedAuthor(external_id=f"unknown-commenter:{comment_id}", display_name=f"{platform} user")
    username = string(who, "username", required=False)
    return NormalizedAuthor(
        external_id=author_id,
        handle=f"@{username}" if username else "",
        display_name=string(who, "name", required=False) or username,
    )


def _comment_fields(payload: dict[str, Any]) -> tuple[dict[str, Any], str, str, str, str]:
    value = obj(payload.get("value"), "value")
    comment_id = ident(value, "comment_id")
    post_id = ident(value, "post_id")
    parent_id = ident(value, "parent_id", required=False) or post_id
    top = comment_id if parent_id == post_id else parent_id
    who = opt_obj(value.get("from"), "from")
    if who and ident(who, "id", required=False) == payload.get("entry_id"):
        raise IgnoredEvent("the Page's own comment")
    return value, comment_id, post_id, parent_id, top


def _comment_attachments(value: Mapping[str, Any]) -> tuple[Attachment, ...]:
    found = []
    for key, kind in (("photo", "image"), ("video", "video")):
        url = string(value, key, required=False)
        if url:
            filename = _filename_from_url(url) or kind
            found.append(Attachment(filename=filename, content_type=_content_type(kind, filename), url=url))
    return tuple(found)


def parse_comment(payload: dict[str, Any]) -> Parsed:
    """A new comment on one of the Page's posts (`item: comment, verb: add`)."""
    value, comment_id, post_id, parent_id, top = _comment_fields(payload)
    created = number(value, "created_time", required=False) or number(payload, "entry_time")
    assert created is not None
    text = string(value, "message", required=False)
    return [
        NormalizedMessage(
            platform_id=comment_id,
            author=comment_author(value, comment_id, platform="Facebook"),
            text=text,
            sent_at=from_timestamp(created),
            kind=COMMENT,
            thread_key=top,
            in_reply_to="" if parent_id == post_id else parent_id,
            attachments=_comment_attachments(value),
            public=True,
            extra={
                "comment_id": comment_id,
                "post_id": post_id,
                "parent_id": parent_id,
                "thread_comment_id": top,
                "created_time": created,
            },
        )
    ]


def edit_platform_id(comment_id: str, text: str) -> str:
    """Each distinct edit of a comment is its own message; a redelivery of it is not."""
    return f"{comment_id}:edited:{digest(text, 16)}"


def parse_comment_edit(payload: dict[str, Any]) -> Parsed:
    """An edited comment (`verb: edited`): the new text, threaded onto the comment."""
    value, comment_id, post_id, parent_id, top = _comment_fields(payload)
    text = string(value, "message", required=False)
    edited = number(payload, "entry_time", required=False) or number(value, "created_time")
    assert edited is not None
    created = number(value, "created_time", required=False)
    return [
        NormalizedMessage(
            platform_id=edit_platform_id(comment_id, text),
            author=comment_author(value, comment_id, platform="Facebook"),
            text=text,
            sent_at=from_timestamp(edited),
            kind=COMMENT_EDIT,
            thread_key=top,
            in_reply_to=comment_id,
            attachments=_comment_attachments(value),
            public=True,
            extra={
                "comment_id": comment_id,
                "post_id": post_id,
                "parent_id": parent_id,
                "thread_comment_id": top,
                "created_time": created if created is not None else edited,
                "edit_of": comment_id,
            },
        )
    ]


def classify_change(field: str, value: dict[str, Any], entry_id: str, own_ids: frozenset[str]) -> tuple[str, str]:
    """Kind and platform id of a Page change. Comments: `comment.<verb>` keyed by comment
    id + verb (an edit reuses the id, so it also carries a fingerprint of the new text);
    the Page's own comments (our replies) are `comment.own`."""
    if field != "feed":
        return f"field.{token(field)}", f"field:{field}:{digest(value)}"
    item = token(value.get("item"))
    if item != "comment":
        return f"feed.{item}", f"feed:{item}:{token(value.get('verb'))}:{digest(value)}"
    verb = token(value.get("verb"))
    comment_id = id_of(value.get("comment_id")) or digest(value)
    who = value.get("from")
    author = id_of(who.get("id")) if isinstance(who, dict) else ""
    if author and author in own_ids:
        return "comment.own", f"{comment_id}:own:{verb}:{digest(value, 12)}"
    if verb == "edited":
        text = value.get("message") if isinstance(value.get("message"), str) else ""
        return "comment.edited", edit_platform_id(comment_id, str(text))
    return f"comment.{verb}", f"{comment_id}:{verb}"


# --- dispatch -------------------------------------------------------------------------
EVENT_HANDLERS: dict[str, Handler] = {
    "message": parse_message,
    "delivery": parse_delivery,
    "comment.add": parse_comment,
    "comment.edited": parse_comment_edit,
}
IGNORED_EVENTS: dict[str, str] = {
    "message_echo": "an echo of a message the Page sent (ours, or from the Page inbox)",
    "message_edit": "the customer edited a Messenger message; the original stays on the ticket",
    "read": "a read receipt by watermark only; it names no message",
    "reaction": "a reaction to a message, not a message",
    "postback": "a button tap, not a message",
    "referral": "a referral (ad or m.me link), not a message",
    "optin": "an opt-in, not a message",
    "standby": "a message while another app controls the conversation",
    "messaging_other": "a Messenger event Hovor does not use",
    "comment.remove": "the customer removed a comment; what they wrote stays on the ticket",
    "comment.hide": "a comment was hidden",
    "comment.unhide": "a comment was unhidden",
    "comment.own": "a comment by the Page itself (our reply)",
    "feed.reaction": "a reaction on a post or comment",
    "feed.like": "a like",
    "feed.status": "a Page post",
    "feed.post": "a Page post",
    "feed.photo": "a Page post",
    "feed.video": "a Page post",
    "feed.share": "a share of a post",
    "feed.event": "a Page event",
}


def dispatch(
    kind: str, payload: dict[str, Any], handlers: Mapping[str, Handler], ignored: Mapping[str, str]
) -> Parsed:
    if not isinstance(payload, dict):
        raise MalformedPayload("payload is not an object")
    if kind in ignored:
        raise IgnoredEvent(f"{kind}: {ignored[kind]}")
    handler = handlers.get(kind)
    if handler is None:
        raise UnsupportedEventType(kind)
    return handler(payload)


def parse(kind: str, payload: dict[str, Any]) -> Parsed:
    return dispatch(kind, payload, EVENT_HANDLERS, IGNORED_EVENTS)
