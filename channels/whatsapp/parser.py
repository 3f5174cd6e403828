"""WhatsApp Cloud API webhook items -> NormalizedMessage / NormalizedStatus.

A delivery is split (see connector.split_delivery) into one stored event per
`value.messages[]` item and one per `value.statuses[]` item. Each stored payload is
self-contained, so it re-parses later without the delivery it came in:

- a message: ``{"message": <messages[] item>, "contact": <its contacts[] entry or null>,
  "metadata": <value.metadata>}``, kind ``message.<type>`` (``message.text`` …);
- a status: ``{"status": <statuses[] item>, "metadata": <value.metadata>}``, kind
  ``status.<status>`` (``status.delivered`` …).

Reactions are ignored on purpose: a thumbs-up on our reply is not something to answer,
and turning it into a message would reopen a solved conversation. `unsupported` (what
WhatsApp sends for message types the Cloud API cannot show, e.g. polls or deleted
messages), `system` (the customer changed number), `order` and `request_welcome` are
ignored explicitly too. Any other type raises UnsupportedEventType, so the stored event
is marked ignored and stays inspectable.
"""
from __future__ import annotations

import mimetypes
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from channels.base import UnsupportedEventType
from channels.types import Attachment, NormalizedAuthor, NormalizedMessage, NormalizedStatus

KIND = "message"  # every WhatsApp conversation is one private chat per customer number
STATUSES = ("sent", "delivered", "read", "failed")

Parsed = Sequence[NormalizedMessage | NormalizedStatus]

# The common media types, by the extension people expect to see (mimetypes has some odd
# first choices, e.g. .jpe for image/jpeg on some systems).
EXTENSIONS = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/webp": ".webp",
    "video/mp4": ".mp4",
    "video/3gpp": ".3gp",
    "audio/ogg": ".ogg",
    "audio/mpeg": ".mp3",
    "audio/mp4": ".m4a",
    "audio/aac": ".aac",
    "audio/amr": ".amr",
    "application/pdf": ".pdf",
    "text/plain": ".txt",
}


class MalformedPayload(ValueError):
    pass


# --- typed accessors ------------------------------------------------------------------
def _obj(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise MalformedPayload(f"{what} is not an object")
    return value


def _str(obj: dict[str, Any], key: str, *, required: bool = True) -> str:
    value = obj.get(key)
    if value is None:
        if required:
            raise MalformedPayload(f"missing {key}")
        return ""
    if not isinstance(value, str):
        raise MalformedPayload(f"{key} is not a string")
    return value


def _number(obj: dict[str, Any], key: str) -> int | float:
    value = obj.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise MalformedPayload(f"{key} is not a number")
    return value


def parse_timestamp(value: Any) -> datetime:
    """WhatsApp sends Unix seconds as a string ("1749416383"); accept a plain integer too."""
    if isinstance(value, str) and value.isascii() and value.isdigit():
        seconds = int(value)
    elif isinstance(value, int) and not isinstance(value, bool):
        seconds = value
    else:
        raise MalformedPayload(f"bad timestamp {value!r}")
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise MalformedPayload(f"timestamp out of range: {value!r}") from exc


def _extension(mime_type: str) -> str:
    base = mime_type.split(";", 1)[0].strip().lower()
    return EXTENSIONS.get(base) or mimetypes.guess_extension(base) or ""


# --- messages -------------------------------------------------------------------------
def _message_parts(payload: dict[str, Any]) -> tuple[dict[str, Any], NormalizedAuthor]:
    payload = _obj(payload, "payload")
    message = _obj(payload.get("message"), "message")
    wa_id = _str(message, "from")
    if not wa_id:
        raise MalformedPayload("from is empty")
    name = ""
    contact = payload.get("contact")
    if contact is not None:
        profile = _obj(contact, "contact").get("profile")
        if profile is not None:
            name = _str(_obj(profile, "contact profile"), "name", required=False)
    return message, NormalizedAuthor(external_id=wa_id, handle=f"+{wa_id}", display_name=name, phone=f"+{wa_id}")


def _normalized(
    payload: dict[str, Any],
    *,
    text: str,
    attachments: tuple[Attachment, ...] = (),
    extra: dict[str, Any] | None = None,
) -> NormalizedMessage:
    message, author = _message_parts(payload)
    wamid = _str(message, "id")
    if not wamid:
        raise MalformedPayload("id is empty")
    sent_at = parse_timestamp(message.get("timestamp"))
    in_reply_to = ""
    context = message.get("context")
    if context is not None:
        # A forwarded message has a context without an id; only a quoted reply has one.
        in_reply_to = _str(_obj(context, "context"), "id", required=False)
    return NormalizedMessage(
        platform_id=wamid,
        author=author,
        text=text,
        sent_at=sent_at,
        kind=KIND,
        thread_key=author.external_id,
        in_reply_to=in_reply_to,
        attachments=attachments,
        public=False,
        # The customer's own timestamp travels with the reply, so the sender can refuse a
        # reply the 24-hour window no longer allows without asking WhatsApp.
        extra={"timestamp": int(sent_at.timestamp()), **(extra or {})},
    )


def _section(payload: dict[str, Any], key: str) -> dict[str, Any]:
    message = _obj(_obj(payload, "payload").get("message"), "message")
    return _obj(message.get(key), key)


def parse_text(payload: dict[str, Any]) -> list[NormalizedMessage]:
    return [_normalized(payload, text=_str(_section(payload, "text"), "body"))]


def _media_handler(media_type: str) -> Callable[[dict[str, Any]], list[NormalizedMessage]]:
    """image, document, audio, video and sticker share one shape: {id, mime_type, sha256,
    caption?, filename?}. The media id is what GET /{media-id} exchanges for a download URL
    (valid for minutes, behind the access token), so it is kept in `extra`, not as a URL."""

    def parse_media(payload: dict[str, Any]) -> list[NormalizedMessage]:
        media = _section(payload, media_type)
        media_id = _str(media, "id")
        mime_type = _str(media, "mime_type", required=False)
        filename = _str(media, "filename", required=False)
        if not filename:
            filename = f"{media_type}-{media_id}{_extension(mime_type)}"
        caption = _str(media, "caption", required=False)
        info: dict[str, Any] = {"id": media_id, "type": media_type, "mime_type": mime_type}
        sha256 = _str(media, "sha256", required=False)
        if sha256:
            info["sha256"] = sha256
        for flag in ("voice", "animated"):
            if isinstance(media.get(flag), bool):
                info[flag] = media[flag]
        return [
            _normalized(
                payload,
                text=caption,
                attachments=(Attachment(filename=filename, content_type=mime_type or "application/octet-stream"),),
                extra={"media": [info]},
            )
        ]

    parse_media.__name__ = f"parse_{media_type}"
    return parse_media


def _coordinate(value: int | float) -> str:
    return str(value) if isinstance(value, int) else repr(value)


def parse_location(payload: dict[str, Any]) -> list[NormalizedMessage]:
    """A shared pin, rendered as text an agent can read and click."""
    location = _section(payload, "location")
    latitude = _coordinate(_number(location, "latitude"))
    longitude = _coordinate(_number(location, "longitude"))
    place = [p for p in (_str(location, "name", required=False), _str(location, "address", required=False)) if p]
    lines = ["Location: " + ", ".join(place) if place else "Location"]
    lines.append(f"{latitude}, {longitude} https://www.google.com/maps/search/?api=1&query={latitude},{longitude}")
    url = _str(location, "url", required=False)
    if url:
        lines.append(url)
    where = {"location": {"latitude": latitude, "longitude": longitude}}
    return [_normalized(payload, text="\n".join(lines), extra=where)]


def parse_interactive(payload: dict[str, Any]) -> list[NormalizedMessage]:
    """The customer tapped a reply button or picked a list row of one of our messages:
    the title is what they saw and chose."""
    interactive = _section(payload, "interactive")
    reply_type = _str(interactive, "type")
    if reply_type not in ("button_reply", "list_reply"):
        raise UnsupportedEventType(f"message.interactive.{reply_type}")
    reply = _obj(interactive.get(reply_type), reply_type)
    return [
        _normalized(
            payload,
            text=_str(reply, "title"),
            extra={"reply": {"type": reply_type, "id": _str(reply, "id", required=False)}},
        )
    ]


def parse_button(payload: dict[str, Any]) -> list[NormalizedMessage]:
    """A quick-reply button of a template message: `text` is the button's label."""
    button = _section(payload, "button")
    return [
        _normalized(
            payload,
            text=_str(button, "text"),
            extra={"reply": {"type": "button", "id": _str(button, "payload", required=False)}},
        )
    ]


def parse_contacts(payload: dict[str, Any]) -> list[NormalizedMessage]:
    """Shared contact cards, one line each: name and phone numbers."""
    message = _obj(_obj(payload, "payload").get("message"), "message")
    cards = message.get("contacts")
    if not isinstance(cards, list) or not cards:
        raise MalformedPayload("contacts is not a non-empty list")
    lines = []
    for card in cards:
        card = _obj(card, "contact card")
        name = _str(_obj(card.get("name") or {}, "contact name"), "formatted_name", required=False)
        phones = card.get("phones") or []
        if not isinstance(phones, list):
            raise MalformedPayload("phones is not a list")
        numbers = [_str(_obj(p, "phone"), "phone", required=False) for p in phones]
        numbers = [n for n in numbers if n]
        lines.append("Contact: " + (name or "(no name)") + (f" ({', '.join(numbers)})" if numbers else ""))
    return [_normalized(payload, text="\n".join(lines))]


# --- statuses -------------------------------------------------------------------------
def status_error(errors: Any) -> str:
    """errors[0] as one sentence for the agent: title, code and WhatsApp's details."""
    if not errors:
        return ""
    if not isinstance(errors, list):
        raise MalformedPayload("errors is not a list")
    error = _obj(errors[0], "error")
    title = _str(error, "title", required=False) or _str(error, "message", required=False) or "Not delivered"
    code = error.get("code")
    text = f"WhatsApp: {title}" + (f" (code {code})" if isinstance(code, int | str) and code != "" else "")
    data = error.get("error_data")
    details = _str(_obj(data, "error_data"), "details", required=False) if data is not None else ""
    if details and details != title:
        text += f". {details}"
    return text


def parse_status(payload: dict[str, Any]) -> list[NormalizedStatus]:
    status = _obj(_obj(payload, "payload").get("status"), "status")
    wamid = _str(status, "id")
    value = _str(status, "status")
    if not wamid:
        raise MalformedPayload("status id is empty")
    if value not in STATUSES:
        raise UnsupportedEventType(f"status.{value}")
    return [
        NormalizedStatus(
            platform_id=wamid,
            status=value,
            at=parse_timestamp(status.get("timestamp")),
            error=status_error(status.get("errors")) if value == "failed" else "",
        )
    ]


# --- dispatch -------------------------------------------------------------------------
EVENT_HANDLERS: dict[str, Callable[[dict[str, Any]], Parsed]] = {
    "message.text": parse_text,
    "message.image": _media_handler("image"),
    "message.document": _media_handler("document"),
    "message.audio": _media_handler("audio"),
    "message.video": _media_handler("video"),
    "message.sticker": _media_handler("sticker"),
    "message.location": parse_location,
    "message.interactive": parse_interactive,
    "message.button": parse_button,
    "message.contacts": parse_contacts,
    **{f"status.{s}": parse_status for s in STATUSES},
}
IGNORED_EVENTS: frozenset[str] = frozenset(
    {
        "message.reaction",  # see the module docstring
        "message.unsupported",
        "message.system",
        "message.order",
        "message.request_welcome",
    }
)


def parse(kind: str, payload: dict[str, Any]) -> Parsed:
    if kind in IGNORED_EVENTS:
        return []
    handler = EVENT_HANDLERS.get(kind)
    if handler is None:
        raise UnsupportedEventType(kind)
    return handler(payload)
