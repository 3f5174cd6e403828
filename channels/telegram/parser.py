"""Telegram Bot API Updates -> NormalizedMessage.

A stored event's payload is one whole `Update` (as getUpdates returns it and as the
webhook POSTs it), so it can be parsed again later. The event's kind is the Update's type
(`message`, `edited_message`, `callback_query` …); `EVENT_HANDLERS` and `IGNORED_EVENTS`
(kind -> why it is skipped) dispatch on it through channels.parsing.dispatch.

Identity: a message is identified by (chat.id, message_id), written `<chat id>:<message id>`.
The same message reaches us with the same identity whether it was polled or pushed, and
however often Telegram redelivers it, so that is the dedupe key. An edit is a new version
of a message: `<chat id>:<message id>:edit:<edit_date>`. `update_id` only drives the polling
cursor; updates that never become messages are keyed `update:<update_id>`."""
from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from channels import parsing
from channels.parsing import Handler, MalformedPayload, Parsed, SkippedEvent
from channels.types import Attachment, ButtonPress, NormalizedAuthor, NormalizedMessage, RawEvent

# Update types that carry a customer's message (what Hovor asks Telegram for).
MESSAGE_UPDATES = ("message", "edited_message")

KIND_MESSAGE = "message"  # in a private chat with the bot
KIND_GROUP_MESSAGE = "group_message"  # in a group or supergroup the bot is in
KIND_MESSAGE_EDIT = "message_edit"  # a new version of an earlier message (either chat type)

GROUP_CHAT_TYPES = frozenset({"group", "supergroup"})

# Messages that are events in the chat, not something a person wrote to the brand.
SERVICE_MESSAGE_FIELDS = frozenset(
    {
        "new_chat_members", "left_chat_member", "new_chat_title", "new_chat_photo", "delete_chat_photo",
        "group_chat_created", "supergroup_chat_created", "channel_chat_created",
        "message_auto_delete_timer_changed", "migrate_to_chat_id", "migrate_from_chat_id", "pinned_message",
        "successful_payment", "refunded_payment", "users_shared", "chat_shared", "connected_website",
        "write_access_allowed", "passport_data", "proximity_alert_triggered", "boost_added",
        "chat_background_set", "forum_topic_created", "forum_topic_edited", "forum_topic_closed",
        "forum_topic_reopened", "general_forum_topic_hidden", "general_forum_topic_unhidden",
        "giveaway_created", "giveaway_completed", "giveaway_winners", "video_chat_scheduled",
        "video_chat_started", "video_chat_ended", "video_chat_participants_invited", "web_app_data",
        "gift", "unique_gift", "paid_message_price_changed", "checklist_tasks_done", "checklist_tasks_added",
        "direct_message_price_changed",
    }
)


def _time(value: int) -> datetime:
    return parsing.timestamp(value, what="unix time")


def message_id_of(chat_id: int | str, message_id: int | str) -> str:
    """The platform id of a message: `<chat id>:<message id>`."""
    return f"{chat_id}:{message_id}"


def edit_id_of(chat_id: int | str, message_id: int | str, edit_date: int) -> str:
    return f"{message_id_of(chat_id, message_id)}:edit:{edit_date}"


def split_message_id(platform_id: str) -> tuple[int, int] | None:
    """(chat id, message id) from `<chat>:<message>[:edit:<date>]`, or None."""
    parts = platform_id.split(":")
    if len(parts) < 2:
        return None
    try:
        return int(parts[0]), int(parts[1])
    except ValueError:
        return None


# --- storable text ------------------------------------------------------------------------
# NUL cannot be stored in PostgreSQL text or jsonb, and a lone surrogate cannot be encoded
# as UTF-8 at all; neither is something a person typed.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def has_lone_surrogates(value: Any) -> bool:
    if isinstance(value, str):
        return bool(_SURROGATE.search(value))
    if isinstance(value, dict):
        return any(has_lone_surrogates(k) or has_lone_surrogates(v) for k, v in value.items())
    if isinstance(value, list):
        return any(has_lone_surrogates(v) for v in value)
    return False


def storable(value: Any) -> Any:
    """`value` with NUL and lone surrogates replaced by U+FFFD in every string."""
    if isinstance(value, str):
        return _UNSTORABLE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {storable(k): storable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [storable(v) for v in value]
    return value


# --- Update -> RawEvent --------------------------------------------------------------------
def update_id(update: dict[str, Any]) -> int:
    if not isinstance(update, dict):
        raise MalformedPayload("an Update is not an object")
    return parsing.int_(update, "update_id")


def update_type(update: dict[str, Any]) -> str:
    """The Update's one optional field that is set (message, callback_query …)."""
    for key, value in update.items():
        if key != "update_id" and value is not None:
            return key
    raise MalformedPayload("the Update carries nothing besides update_id")


def update_event(update: dict[str, Any]) -> RawEvent:
    """One Update as a raw event keyed by the message's identity (see module docstring)."""
    uid = update_id(update)
    kind = update_type(update)
    if kind not in MESSAGE_UPDATES:
        return RawEvent(platform_id=f"update:{uid}", kind=kind, payload=update)
    message = parsing.object_(update, kind)
    chat_id = parsing.int_(parsing.object_(message, "chat"), "id", where="chat")
    mid = parsing.int_(message, "message_id")
    if kind == "edited_message":
        platform_id = edit_id_of(chat_id, mid, parsing.int_(message, "edit_date"))
    else:
        platform_id = message_id_of(chat_id, mid)
    return RawEvent(platform_id=platform_id, kind=kind, payload=update)


# --- message content ---------------------------------------------------------------------
def _file(media: dict[str, Any], *, filename: str, content_type: str) -> Attachment:
    size = media.get("file_size")
    if size is not None and (not isinstance(size, int) or isinstance(size, bool)):
        raise MalformedPayload("file_size is not an integer")
    # Telegram serves files only through getFile and a URL that embeds the bot token, so
    # no URL is stored; the file_id stays in the message's stored event.
    return Attachment(
        filename=parsing.optional_string(media, "file_name") or filename,
        content_type=parsing.optional_string(media, "mime_type") or content_type,
        size=size,
        url="",
        ref=parsing.optional_string(media, "file_id"),
    )


def _photo(message: dict[str, Any]) -> Attachment:
    sizes = message.get("photo")
    if not isinstance(sizes, list) or not sizes or not all(isinstance(s, dict) for s in sizes):
        raise MalformedPayload("photo is not a list of PhotoSize")
    # Telegram lists the sizes smallest first; the largest is the original.
    def area(size: dict[str, Any]) -> int:
        return (parsing.optional_int(size, "width") or 0) * (parsing.optional_int(size, "height") or 0)

    largest = max(sizes, key=area)
    return _file(largest, filename="photo.jpg", content_type="image/jpeg")


def _sticker(sticker: dict[str, Any]) -> Attachment:
    if sticker.get("is_animated") is True:
        return _file(sticker, filename="sticker.tgs", content_type="application/x-tgsticker")
    if sticker.get("is_video") is True:
        return _file(sticker, filename="sticker.webm", content_type="video/webm")
    return _file(sticker, filename="sticker.webp", content_type="image/webp")


# Media a customer can send with an optional caption: field -> default file name, type.
MEDIA_FIELDS: dict[str, tuple[str, str]] = {
    "animation": ("animation.mp4", "video/mp4"),
    "audio": ("audio.mp3", "audio/mpeg"),
    "document": ("document", "application/octet-stream"),
    "video": ("video.mp4", "video/mp4"),
    "video_note": ("video_note.mp4", "video/mp4"),
    "voice": ("voice.ogg", "audio/ogg"),
}


def _placeholder(message: dict[str, Any]) -> str | None:
    """A readable stand-in for content that has no text (a location, a contact …)."""
    if "location" in message:
        loc = parsing.object_(message, "location")
        return f"[location {loc.get('latitude')}, {loc.get('longitude')}]"
    if "venue" in message:
        venue = parsing.object_(message, "venue")
        return f"[venue {parsing.optional_string(venue, 'title')}, {parsing.optional_string(venue, 'address')}]"
    if "contact" in message:
        contact = parsing.object_(message, "contact")
        fields = tuple(parsing.optional_string(contact, key) for key in ("first_name", "last_name", "phone_number"))
        return "[contact " + " ".join(p for p in fields if p) + "]"
    if "dice" in message:
        dice = parsing.object_(message, "dice")
        return f"[dice {parsing.optional_string(dice, 'emoji')} {dice.get('value')}]"
    if "poll" in message:
        return f"[poll: {parsing.optional_string(parsing.object_(message, 'poll'), 'question')}]"
    for key in ("story", "game", "invoice", "paid_media", "giveaway", "checklist"):
        if key in message:
            return f"[{key.replace('_', ' ')}]"
    return None


def message_content(message: dict[str, Any]) -> tuple[str, tuple[Attachment, ...]]:
    """The text exactly as written (text, or the media caption) and the attachments."""
    if "text" in message:
        return parsing.string(message, "text"), ()
    attachments: list[Attachment] = []
    if "sticker" in message:
        sticker = parsing.object_(message, "sticker")
        emoji = parsing.optional_string(sticker, "emoji")
        return (f"[sticker {emoji}]" if emoji else "[sticker]"), (_sticker(sticker),)
    if "photo" in message:
        attachments.append(_photo(message))
    for key, (filename, content_type) in MEDIA_FIELDS.items():
        if key == "document" and "animation" in message:
            continue  # Telegram repeats an animation as `document` for old clients
        if key in message:
            attachments.append(_file(parsing.object_(message, key), filename=filename, content_type=content_type))
    if attachments:
        return parsing.optional_string(message, "caption"), tuple(attachments)
    placeholder = _placeholder(message)
    if placeholder is not None:
        return placeholder, ()
    service = SERVICE_MESSAGE_FIELDS.intersection(message)
    if service:
        raise SkippedEvent(
            f"a service message ({sorted(service)[0]}): an event in the chat, not something a person wrote"
        )
    return "[a Telegram message Hovor cannot show]", ()


def message_author(message: dict[str, Any]) -> NormalizedAuthor:
    """`from` (a person), or `sender_chat` when the message was sent on behalf of a chat (an
    anonymous group admin, a linked channel): then `from` is only a stand-in bot user."""
    if message.get("sender_chat") is None:
        user = parsing.object_(message, "from")
        username = parsing.optional_string(user, "username")
        first, last = parsing.string(user, "first_name", where="from"), parsing.optional_string(user, "last_name")
        name = " ".join(p for p in (first, last) if p)
        return NormalizedAuthor(
            external_id=str(parsing.int_(user, "id")), handle=f"@{username}" if username else "", display_name=name
        )
    chat = parsing.object_(message, "sender_chat")
    username = parsing.optional_string(chat, "username")
    return NormalizedAuthor(
        external_id=str(parsing.int_(chat, "id")),
        handle=f"@{username}" if username else "",
        display_name=parsing.optional_string(chat, "title"),
    )


def _normalize(message: dict[str, Any], *, edited: bool) -> NormalizedMessage:
    chat = parsing.object_(message, "chat")
    chat_id = parsing.int_(chat, "id", where="chat")
    chat_type = parsing.string(chat, "type", where="chat")
    if chat_type == "channel":
        raise SkippedEvent("a channel post (the brand's own broadcast)")
    mid = parsing.int_(message, "message_id")
    author = message_author(message)
    text, attachments = message_content(message)
    extra: dict[str, Any] = {"chat_id": chat_id, "message_id": mid, "chat_type": chat_type}
    thread_id = parsing.optional_int(message, "message_thread_id") or 0
    if thread_id and message.get("is_topic_message") is True:
        extra["message_thread_id"] = thread_id
    group = chat_type in GROUP_CHAT_TYPES
    if edited:
        edit_date = parsing.int_(message, "edit_date")
        platform_id = edit_id_of(chat_id, mid, edit_date)
        # The edit joins the ticket of the message it changes.
        in_reply_to = message_id_of(chat_id, mid)
        extra["edit_of"] = in_reply_to
        sent_at = _time(edit_date)
        kind = KIND_MESSAGE_EDIT
    else:
        platform_id = message_id_of(chat_id, mid)
        replied = parsing.optional_object(message, "reply_to_message")
        in_reply_to = message_id_of(chat_id, parsing.int_(replied, "message_id")) if replied else ""
        sent_at = _time(parsing.int_(message, "date"))
        kind = KIND_GROUP_MESSAGE if group else KIND_MESSAGE
    return NormalizedMessage(
        platform_id=platform_id,
        author=author,
        text=text,
        sent_at=sent_at,
        kind=kind,
        thread_key=str(chat_id),
        in_reply_to=in_reply_to,
        attachments=attachments,
        public=group,
        extra=extra,
    )


def parse_message(update: dict[str, Any]) -> list[NormalizedMessage]:
    return [_normalize(parsing.object_(update, "message"), edited=False)]


def parse_edited_message(update: dict[str, Any]) -> list[NormalizedMessage]:
    return [_normalize(parsing.object_(update, "edited_message"), edited=True)]


def parse_callback_query(update: dict[str, Any]) -> list[NormalizedMessage]:
    """A press of an inline button of ours (the satisfaction question's): no message in the
    chat, only the button's `data` as ButtonPress.payload and the query's id, which Hovor
    answers (answerCallbackQuery) so the customer's client stops waiting. Telegram gives the
    query no time: the time of the message the button is on stands in (now, when Telegram
    no longer shows that message), so parsing it again gives the same. Keyed by the query's id."""
    query = parsing.object_(update, "callback_query")
    query_id = parsing.string(query, "id")
    data = parsing.optional_string(query, "data")
    if not query_id or not data:
        raise SkippedEvent("a press with no data (a game's button), not one of Hovor's")
    user = parsing.object_(query, "from")
    author = message_author({"from": user})
    message = parsing.optional_object(query, "message")
    chat = parsing.optional_object(message, "chat", where="message")
    chat_id = parsing.optional_int(chat, "id") if chat else None
    chat_type = parsing.optional_string(chat, "type") if chat else ""
    mid = parsing.optional_int(message, "message_id") if message else None
    date = parsing.optional_int(message, "date") if message else None
    group = chat_type in GROUP_CHAT_TYPES
    return [
        NormalizedMessage(
            platform_id=f"callback:{query_id}",
            author=author,
            text="",
            sent_at=_time(date) if date else datetime.now(UTC),
            kind=KIND_GROUP_MESSAGE if group else KIND_MESSAGE,
            thread_key=str(chat_id) if chat_id is not None else author.external_id,
            in_reply_to=message_id_of(chat_id, mid) if chat_id is not None and mid else "",
            language=parsing.optional_string(user, "language_code", where="from"),
            public=group,
            press=ButtonPress(payload=data, ack=query_id),
        )
    ]


EVENT_HANDLERS: dict[str, Handler] = {
    "message": parse_message,
    "edited_message": parse_edited_message,
    "callback_query": parse_callback_query,
}

_KEYBOARDS = "an inline-mode query (Hovor offers no inline mode)"
_MEMBERSHIP = (
    "a membership change (a user blocking the bot arrives as my_chat_member; the next reply then "
    "fails with a clear 403)"
)
_PAYMENTS = "a payment step, not a message"
_BUSINESS = "Telegram Business-account traffic, which Hovor does not handle"
# Update types Hovor knowingly does nothing with, and why.
IGNORED_EVENTS: dict[str, str] = {
    "inline_query": _KEYBOARDS,
    "chosen_inline_result": _KEYBOARDS,
    "shipping_query": _PAYMENTS,
    "pre_checkout_query": _PAYMENTS,
    "purchased_paid_media": _PAYMENTS,
    "poll": "a poll's state, not a message",
    "poll_answer": "a vote in a poll, not a message",
    "my_chat_member": _MEMBERSHIP,
    "chat_member": _MEMBERSHIP,
    "chat_join_request": _MEMBERSHIP,
    "message_reaction": "a reaction to a message, not a message",
    "message_reaction_count": "reaction counts, not a message",
    "chat_boost": "a chat boost",
    "removed_chat_boost": "a chat boost removed",
    "channel_post": "a channel post (the brand's own broadcast)",
    "edited_channel_post": "an edited channel post (the brand's own broadcast)",
    "business_connection": _BUSINESS,
    "business_message": _BUSINESS,
    "edited_business_message": _BUSINESS,
    "deleted_business_messages": _BUSINESS,
}


def parse(kind: str, payload: dict[str, Any]) -> Parsed:
    return parsing.dispatch(kind, payload, handlers=EVENT_HANDLERS, ignored=IGNORED_EVENTS)
