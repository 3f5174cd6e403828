"""WhatsApp Cloud API webhook items -> NormalizedMessage / NormalizedStatus.

A delivery is split (see connector.split_delivery) into one stored event per
`value.messages[]` item and one per `value.statuses[]` item. Each stored payload is
self-contained, so it re-parses later without the delivery it came in:

- a message: ``{"message": <messages[] item>, "contact": <its contacts[] entry or null>,
  "metadata": <value.metadata>}``, kind ``message.<type>`` (``message.text`` …);
- a status: ``{"status": <statuses[] item>, "metadata": <value.metadata>}``, kind
  ``status.<status>`` (``status.delivered`` …);
- an echo of a message sent from the WhatsApp Business app: ``{"echo": <message_echoes[]
  item>, "metadata": …}``, kind ``message_echo`` (skipped, as every platform's echoes are).

Reactions are skipped on purpose: a thumbs-up on our reply is not something to answer,
and turning it into a message would reopen a solved conversation. `system` (the customer
changed number), `order` and `request_welcome` are skipped explicitly too (IGNORED_EVENTS,
each with its reason: channels.parsing.dispatch raises SkippedEvent). `unsupported` (what
WhatsApp sends for message types the Cloud API cannot show, e.g. polls), and any message
type this parser does not know, become a message with no text marked
extra["unsupported"] (the type and WhatsApp's `errors` details): the customer wrote, and
the agent must see that they did. Unknown status values raise UnsupportedEventType.
"""
from __future__ import annotations

import mimetypes
from collections.abc import Callable
from datetime import datetime
from typing import Any

from channels import parsing
from channels.parsing import Handler, Parsed, UnsupportedEventType
from channels.types import (
    UNSUPPORTED,
    Attachment,
    ButtonPress,
    NormalizedAuthor,
    NormalizedMessage,
    NormalizedStatus,
)

KIND = "message"  # every WhatsApp conversation is one private chat per customer number
STATUSES = ("sent", "delivered", "read", "failed")


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


def parse_timestamp(message: dict[str, Any]) -> datetime:
    """WhatsApp sends Unix seconds as a string ("1749416383"); accept a plain integer too."""
    return parsing.timestamp(parsing.epoch(message, "timestamp"))


def _extension(mime_type: str) -> str:
    base = mime_type.split(";", 1)[0].strip().lower()
    return EXTENSIONS.get(base) or mimetypes.guess_extension(base) or ""


# --- messages -------------------------------------------------------------------------
def _message_parts(payload: dict[str, Any]) -> tuple[dict[str, Any], NormalizedAuthor]:
    payload = parsing.as_object(payload, "payload")
    message = parsing.object_(payload, "message")
    wa_id = parsing.string(message, "from")
    if not wa_id:
        raise parsing.MalformedPayload("from is empty")
    name = ""
    contact = payload.get("contact")
    if contact is not None:
        profile = parsing.optional_object(parsing.as_object(contact, "contact"), "profile", where="contact")
        name = parsing.optional_string(profile, "name", where="contact.profile")
    return message, NormalizedAuthor(external_id=wa_id, handle=f"+{wa_id}", display_name=name, phone=f"+{wa_id}")


def _normalized(
    payload: dict[str, Any],
    *,
    text: str,
    attachments: tuple[Attachment, ...] = (),
    extra: dict[str, Any] | None = None,
    press: ButtonPress | None = None,
) -> NormalizedMessage:
    message, author = _message_parts(payload)
    wamid = parsing.string(message, "id")
    if not wamid:
        raise parsing.MalformedPayload("id is empty")
    sent_at = parse_timestamp(message)
    in_reply_to = ""
    context = message.get("context")
    if context is not None:
        # A forwarded message has a context without an id; only a quoted reply has one.
        in_reply_to = parsing.optional_string(parsing.as_object(context, "context"), "id", where="context")
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
        press=press,
    )


def _section(payload: dict[str, Any], key: str) -> dict[str, Any]:
    message = parsing.object_(parsing.as_object(payload, "payload"), "message")
    return parsing.object_(message, key)


def parse_text(payload: dict[str, Any]) -> list[NormalizedMessage]:
    return [_normalized(payload, text=parsing.string(_section(payload, "text"), "body"))]


def _media_handler(media_type: str) -> Callable[[dict[str, Any]], list[NormalizedMessage]]:
    """image, document, audio, video and sticker share one shape: {id, mime_type, sha256,
    caption?, filename?}. The media id is what GET /{media-id} exchanges for a download URL
    (valid for minutes, behind the access token), so it is kept in `extra`, not as a URL."""

    def parse_media(payload: dict[str, Any]) -> list[NormalizedMessage]:
        media = _section(payload, media_type)
        media_id = parsing.string(media, "id")
        mime_type = parsing.optional_string(media, "mime_type")
        filename = parsing.optional_string(media, "filename")
        if not filename:
            filename = f"{media_type}-{media_id}{_extension(mime_type)}"
        caption = parsing.optional_string(media, "caption")
        info: dict[str, Any] = {"id": media_id, "type": media_type, "mime_type": mime_type}
        sha256 = parsing.optional_string(media, "sha256")
        if sha256:
            info["sha256"] = sha256
        for flag in ("voice", "animated"):
            if isinstance(media.get(flag), bool):
                info[flag] = media[flag]
        return [
            _normalized(
                payload,
                text=caption,
                attachments=(
                    Attachment(filename=filename, content_type=mime_type or "application/octet-stream", ref=media_id),
                ),
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
    latitude = _coordinate(parsing.number(location, "latitude"))
    longitude = _coordinate(parsing.number(location, "longitude"))
    place = [p for p in (parsing.optional_string(location, "name"), parsing.optional_string(location, "address")) if p]
    lines = ["Location: " + ", ".join(place) if place else "Location"]
    lines.append(f"{latitude}, {longitude} https://www.google.com/maps/search/?api=1&query={latitude},{longitude}")
    url = parsing.optional_string(location, "url")
    if url:
        lines.append(url)
    where = {"location": {"latitude": latitude, "longitude": longitude}}
    return [_normalized(payload, text="\n".join(lines), extra=where)]


def parse_interactive(payload: dict[str, Any]) -> list[NormalizedMessage]:
    """The customer tapped a reply button or picked a list row of one of our messages:
    the title is what they saw and chose."""
    interactive = _section(payload, "interactive")
    reply_type = parsing.string(interactive, "type")
    if reply_type not in ("button_reply", "list_reply"):
        raise UnsupportedEventType(f"message.interactive.{reply_type}")
    reply = parsing.as_object(interactive.get(reply_type), reply_type)
    reply_id = parsing.optional_string(reply, "id")
    return [
        _normalized(
            payload,
            text=parsing.string(reply, "title"),
            extra={"reply": {"type": reply_type, "id": reply_id}},
            press=ButtonPress(payload=reply_id) if reply_id else None,
        )
    ]


def parse_button(payload: dict[str, Any]) -> list[NormalizedMessage]:
    """A quick-reply button of a template message: `text` is the button's label."""
    button = _section(payload, "button")
    button_payload = parsing.optional_string(button, "payload")
    return [
        _normalized(
            payload,
            text=parsing.string(button, "text"),
            extra={"reply": {"type": "button", "id": button_payload}},
            press=ButtonPress(payload=button_payload) if button_payload else None,
        )
    ]


def parse_contacts(payload: dict[str, Any]) -> list[NormalizedMessage]:
    """Shared contact cards, one line each: name and phone numbers."""
    message = parsing.object_(parsing.as_object(payload, "payload"), "message")
    cards = parsing.optional_list(message, "contacts")
    if not cards:
        raise parsing.MalformedPayload("contacts is not a non-empty list")
    lines = []
    for card in cards:
        card = parsing.as_object(card, "contact card")
        name = parsing.optional_string(parsing.optional_object(card, "name"), "formatted_name", where="name")
        phones = parsing.optional_list(card, "phones")
        numbers = [parsing.optional_string(parsing.as_object(p, "phone"), "phone") for p in phones]
        numbers = [n for n in numbers if n]
        lines.append("Contact: " + (name or "(no name)") + (f" ({', '.join(numbers)})" if numbers else ""))
    return [_normalized(payload, text="\n".join(lines))]


def parse_unsupported(payload: dict[str, Any]) -> list[NormalizedMessage]:
    """A message the Cloud API cannot show (`type: unsupported`, or a type newer than this
    parser): no text, a placeholder for the agent, with what WhatsApp says about it."""
    message = parsing.object_(parsing.as_object(payload, "payload"), "message")
    what = parsing.optional_string(message, "type")
    detail = status_error(message.get("errors")).removeprefix("WhatsApp: ")
    return [_normalized(payload, text="", extra={UNSUPPORTED: {"what": what, "detail": detail}})]


# --- statuses -------------------------------------------------------------------------
def status_error(errors: Any) -> str:
    """errors[0] as one sentence for the agent: title, code and WhatsApp's details."""
    if not errors:
        return ""
    if not isinstance(errors, list):
        raise parsing.MalformedPayload("errors is not a list")
    error = parsing.as_object(errors[0], "error")
    title = parsing.optional_string(error, "title") or parsing.optional_string(error, "message") or "Not delivered"
    code = error.get("code")
    text = f"WhatsApp: {title}" + (f" (code {code})" if isinstance(code, int | str) and code != "" else "")
    data = error.get("error_data")
    details = parsing.optional_string(parsing.as_object(data, "error_data"), "details") if data is not None else ""
    if details and details != title:
        text += f". {details}"
    return text


def parse_status(payload: dict[str, Any]) -> list[NormalizedStatus]:
    status = parsing.object_(parsing.as_object(payload, "payload"), "status")
    wamid = parsing.string(status, "id")
    value = parsing.string(status, "status")
    if not wamid:
        raise parsing.MalformedPayload("status id is empty")
    if value not in STATUSES:
        raise UnsupportedEventType(f"status.{value}")
    return [
        NormalizedStatus(
            platform_id=wamid,
            status=value,
            at=parse_timestamp(status),
            error=status_error(status.get("errors")) if value == "failed" else "",
        )
    ]


# --- dispatch -------------------------------------------------------------------------
EVENT_HANDLERS: dict[str, Handler] = {
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
    "message.unsupported": parse_unsupported,
    **{f"status.{s}": parse_status for s in STATUSES},
}
IGNORED_EVENTS: dict[str, str] = {
    "message.reaction": "a reaction to a message, not a message (answering it would reopen a solved conversation)",
    "message.system": "a system notice (the customer changed number)",
    "message.order": "an order from the catalogue, not a message",
    "message.request_welcome": "the customer opened the chat for the first time; nothing written yet",
    "message_echo": "a message sent from the WhatsApp Business app on the brand's number (ours, not the customer's)",
}


def parse(kind: str, payload: dict[str, Any]) -> Parsed:
    if kind.startswith("message.") and kind not in EVENT_HANDLERS and kind not in IGNORED_EVENTS:
        # A message type newer than this parser: shown as a placeholder, never dropped.
        return parsing.dispatch("message.unsupported", payload, handlers=EVENT_HANDLERS, ignored=IGNORED_EVENTS)
    return parsing.dispatch(kind, payload, handlers=EVENT_HANDLERS, ignored=IGNORED_EVENTS)
