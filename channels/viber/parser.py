"""Viber REST Bot API callbacks -> NormalizedMessage / NormalizedStatus.

One callback is one JSON object with an `event` (message, delivered, seen, failed,
subscribed, unsubscribed, conversation_started, webhook), a `timestamp` in epoch
milliseconds and a `message_token` (a 64-bit integer). A stored event's payload is the whole
callback, so it can be parsed again later; its kind is the callback's `event`, and
`EVENT_HANDLERS` / `IGNORED_EVENTS` dispatch on it.

Identity: Viber resends a callback it got no 200 for (for up to an hour), and a message read
on several devices is reported `delivered` once per device, so the dedupe key is the event
and the token: `<event>:<message_token>`. A customer's message is then known by its token
alone (the id `delivered`/`seen`/`failed` of our own messages name, too). A conversation is
one person: the thread key is the sender's Viber id."""
from __future__ import annotations

import json
import mimetypes
import re
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from channels import parsing
from channels.parsing import Handler, MalformedPayload, Parsed, SkippedEvent
from channels.types import (
    Attachment,
    ButtonPress,
    NormalizedAuthor,
    NormalizedMessage,
    NormalizedStatus,
    RawEvent,
)

KIND_MESSAGE = "message"  # what a customer wrote to the brand's bot (always one to one)

# Events that carry no message; Viber sends `webhook` once, when set_webhook is called.
EVENT_WEBHOOK = "webhook"
EVENT_TOKEN_RE = re.compile(r"[a-z][a-z0-9_]{0,39}")
MAX_TOKEN_LENGTH = 30  # a 64-bit integer has 20 digits
MAX_ID_LENGTH = 150  # InboundEvent.platform_id holds 200: "<event>:<token>"


# --- typed accessors (channels.parsing's, and what Viber adds) ----------------------------
def _required(container: dict[str, Any], key: str, *, where: str = "") -> str:
    """A string that must be there and not be empty (an id, a message's type)."""
    value = parsing.string(container, key, where=where)
    if not value:
        raise MalformedPayload(f"{f'{where}.' if where else ''}{key} is empty")
    return value


def token_of(callback: dict[str, Any], *, required: bool = True) -> str:
    """`message_token` as a string of digits (Viber sends a JSON integer; a string of digits
    from a proxy that could not keep 64 bits is taken as the same token)."""
    if not required and callback.get("message_token") is None:
        return ""
    token = parsing.numeric_id(callback, "message_token")
    if not token.isascii():
        raise MalformedPayload("message_token is not a numeric id")
    if len(token) > MAX_TOKEN_LENGTH:
        raise MalformedPayload("message_token is too long")
    return token


def time_of(callback: dict[str, Any]) -> datetime:
    """`timestamp`: epoch milliseconds."""
    return parsing.timestamp(parsing.epoch(callback, "timestamp") / 1000, what="timestamp")


def millis(at: datetime) -> int:
    """A datetime as Viber writes it (epoch milliseconds)."""
    return round(at.timestamp() * 1000)


def event_of(callback: Any) -> str:
    return _required(parsing.as_object(callback, "a callback"), "event")


# --- storable text ------------------------------------------------------------------------
# NUL cannot be stored in PostgreSQL text or jsonb, and a lone surrogate (a \\ud83d escape
# without its pair) cannot be encoded at all; neither is something a person typed.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def storable(value: Any) -> Any:
    """`value` with NUL and lone surrogates replaced by U+FFFD in every string."""
    if isinstance(value, str):
        return _UNSTORABLE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {storable(k): storable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [storable(v) for v in value]
    return value


# --- callback -> RawEvent ----------------------------------------------------------------
def raw_event(callback: dict[str, Any]) -> RawEvent | None:
    """One callback as a raw event keyed `<event>:<message_token>`, or None for the
    `webhook` check Viber sends when the webhook is set (answered 200, nothing stored).
    An event kind Hovor does not know is kept (and will be marked ignored) under a bounded
    kind; without a token it is keyed by its user and time."""
    event = event_of(callback)
    if event == EVENT_WEBHOOK:
        return None
    kind = event if EVENT_TOKEN_RE.fullmatch(event) else "other"
    token = token_of(callback, required=kind in TOKEN_REQUIRED)
    if not token:
        user = parsing.optional_string(callback, "user_id") or parsing.optional_string(
            parsing.optional_object(callback, "user"), "id", where="user"
        )
        token = f"{user[:100]}:{callback.get('timestamp')}"
    platform_id = f"{kind}:{token}"
    if len(platform_id) > MAX_ID_LENGTH:
        raise MalformedPayload("message_token is too long")
    return RawEvent(platform_id=platform_id, kind=kind, payload=callback)


# --- message content ---------------------------------------------------------------------
def _size(message: dict[str, Any]) -> int | None:
    size = parsing.optional_int(message, "size", where="message")
    return size if size is None or size >= 0 else None


def _media(message: dict[str, Any], *, filename: str, content_type: str) -> Attachment:
    """A file the customer sent: Viber hosts it at `media` (a URL that expires)."""
    return Attachment(
        filename=parsing.optional_string(message, "file_name", where="message") or filename,
        content_type=content_type,
        size=_size(message),
        url=parsing.optional_string(message, "media", where="message"),
    )


def _content_type(file_name: str) -> str:
    guessed, _encoding = mimetypes.guess_type(file_name)
    return guessed or "application/octet-stream"


Content = tuple[str, tuple[Attachment, ...]]


def _caption(message: dict[str, Any]) -> str:
    return parsing.optional_string(message, "text", where="message")


def _text(message: dict[str, Any]) -> Content:
    return _required(message, "text", where="message"), ()


def _picture(message: dict[str, Any]) -> Content:
    name = parsing.optional_string(message, "file_name", where="message") or "picture.jpg"
    return _caption(message), (_media(message, filename=name, content_type=_content_type(name)),)


def _video(message: dict[str, Any]) -> Content:
    name = parsing.optional_string(message, "file_name", where="message") or "video.mp4"
    return _caption(message), (_media(message, filename=name, content_type=_content_type(name)),)


def _file(message: dict[str, Any]) -> Content:
    name = _required(message, "file_name", where="message")
    return _caption(message), (_media(message, filename=name, content_type=_content_type(name)),)


def _sticker(message: dict[str, Any]) -> Content:
    sticker_id = parsing.optional_int(message, "sticker_id", where="message")
    attachments: tuple[Attachment, ...] = ()
    if parsing.optional_string(message, "media", where="message"):
        attachments = (_media(message, filename=f"sticker-{sticker_id or 0}.png", content_type="image/png"),)
    return "[sticker]", attachments


def _location(message: dict[str, Any]) -> Content:
    location = parsing.object_(message, "location", where="message")
    lat = parsing.number(location, "lat", where="location")
    lon = parsing.number(location, "lon", where="location")
    lat, lon = float(lat), float(lon)
    address = parsing.optional_string(location, "address", where="location")
    return (f"[location {lat}, {lon}: {address}]" if address else f"[location {lat}, {lon}]"), ()


def _contact(message: dict[str, Any]) -> Content:
    contact = parsing.object_(message, "contact", where="message")
    parts = (
        parsing.optional_string(contact, "name", where="contact"),
        parsing.optional_string(contact, "phone_number", where="contact"),
    )
    return "[contact " + " ".join(p for p in parts if p) + "]", ()


def _url(message: dict[str, Any]) -> Content:
    # A shared link: the URL is in `media`, and is what the customer sent.
    return _required(message, "media", where="message"), ()


def _rich_media(message: dict[str, Any]) -> Content:
    return parsing.optional_string(message, "alt_text", where="message") or "[rich media]", ()


CONTENT_HANDLERS: dict[str, Callable[[dict[str, Any]], Content]] = {
    "text": _text,
    "picture": _picture,
    "video": _video,
    "file": _file,
    "sticker": _sticker,
    "location": _location,
    "contact": _contact,
    "url": _url,
    "rich_media": _rich_media,
}


def message_content(message: dict[str, Any]) -> Content:
    """The text exactly as written (a caption for media) and the attachments."""
    kind = _required(message, "type", where="message")
    handler = CONTENT_HANDLERS.get(kind)
    if handler is None:
        # A message type newer than Hovor: still the customer's message, never dropped.
        return f"[{kind[:40]}]", ()
    return handler(message)


def author_of(user: dict[str, Any], *, where: str) -> NormalizedAuthor:
    """A Viber user (`sender` of a message, `user` of other events). Viber has no public
    handle: the name the person chose stands in for one; `id` is stable per bot."""
    name = parsing.optional_string(user, "name", where=where)
    return NormalizedAuthor(
        external_id=_required(user, "id", where=where),
        handle=name,
        display_name=name,
        avatar_url=parsing.optional_string(user, "avatar", where=where),
    )


# --- our keyboards -----------------------------------------------------------------------
# The key of send_message's tracking_data under which our keyboard's labels map to their
# payloads (Viber returns the tracking_data with the customer's next message).
TRACKING_KEY = "hovor_buttons"


def pressed_payload(text: str, tracking_data: str) -> str:
    """The payload of the button whose label the customer sent back, when the message
    answers one of our keyboards (its tracking_data maps labels to payloads); else ""."""
    if not tracking_data.startswith("{"):
        return ""
    try:
        data = json.loads(tracking_data)
    except (ValueError, RecursionError):  # another app's tracking_data, anything at all
        return ""
    mapping = data.get(TRACKING_KEY) if isinstance(data, dict) else None
    payload = mapping.get(text) if isinstance(mapping, dict) else None
    return payload if isinstance(payload, str) else ""


# --- handlers ----------------------------------------------------------------------------
def _message(callback: dict[str, Any]) -> Parsed:
    sender = parsing.object_(callback, "sender")
    author = author_of(sender, where="sender")
    message = parsing.object_(callback, "message")
    text, attachments = message_content(message)
    extra: dict[str, Any] = {
        "sender_id": author.external_id,
        "message_type": parsing.optional_string(message, "type", where="message"),
        "timestamp": callback.get("timestamp"),
    }
    for key in ("language", "country"):
        value = parsing.optional_string(sender, key, where="sender")
        if value:
            extra[key] = value
    tracking = parsing.optional_string(message, "tracking_data", where="message")
    if tracking:
        extra["tracking_data"] = tracking
    # A reply button of our keyboard sends its label as the message's text; the payload is
    # found through the tracking_data (a label typed by hand means the same answer).
    payload = pressed_payload(text, tracking) if tracking and not attachments else ""
    return [
        NormalizedMessage(
            platform_id=token_of(callback),
            author=author,
            text=text,
            sent_at=time_of(callback),
            kind=KIND_MESSAGE,
            thread_key=author.external_id,
            attachments=attachments,
            public=False,
            extra=extra,
            press=ButtonPress(payload=payload) if payload else None,
        )
    ]


def _receipt(status: str) -> Handler:
    def handler(callback: dict[str, Any]) -> Parsed:
        error = ""
        if status == "failed":
            desc = parsing.optional_string(callback, "desc")
            error = f"Viber could not deliver the message: {desc}" if desc else "Viber could not deliver the message."
        return [NormalizedStatus(platform_id=token_of(callback), status=status, at=time_of(callback), error=error)]

    return handler


def _subscription(reason: str) -> Handler:
    """A change of whether the bot may write to this person: no message of its own, kept
    (stored, marked ignored) for the reply check, which reads it back (connector.py)."""

    def handler(callback: dict[str, Any]) -> Parsed:
        time_of(callback)
        if callback.get("event") == "unsubscribed":
            _required(callback, "user_id")
        else:
            author_of(parsing.object_(callback, "user"), where="user")
        raise SkippedEvent(reason)

    return handler


EVENT_HANDLERS: dict[str, Handler] = {
    "message": _message,
    "delivered": _receipt("delivered"),
    "seen": _receipt("read"),
    "failed": _receipt("failed"),
    "subscribed": _subscription("the customer subscribed to the bot"),
    "unsubscribed": _subscription("the customer unsubscribed: replies are refused until they write again"),
    "conversation_started": _subscription("the customer opened the conversation and has not written yet"),
}
# Events Hovor is told about and deliberately does nothing with.
IGNORED_EVENTS: dict[str, str] = {
    EVENT_WEBHOOK: "Viber's check when the webhook is set (answered 200, never stored)",
    "client_status": "a device status notice",
    "action": "a keyboard action other than a reply (Hovor's keyboards send replies: messages)",
}
# Events whose identity is their token (a receipt names our message by it).
TOKEN_REQUIRED = frozenset({"message", "delivered", "seen", "failed"})


def parse(kind: str, payload: dict[str, Any]) -> Sequence[NormalizedMessage | NormalizedStatus]:
    """A stored callback -> what it means. Raises MalformedPayload when it does not have the
    shape Viber documents, SkippedEvent for an event Hovor keeps but turns into nothing
    (UnsupportedEventType for a kind it does not know)."""
    return parsing.dispatch(kind, payload, handlers=EVENT_HANDLERS, ignored=IGNORED_EVENTS)
