"""Instagram payloads (`object: "instagram"`) -> NormalizedMessage / NormalizedStatus.

Messages arrive as `entry[].messaging[]` shaped like Messenger's (parsed by
channels.meta.messaging, as Facebook's are): kind "dm", thread_key the customer's IGSID, in_reply_to the
quoted `reply_to.mid` (a reply to a story keeps the story in `extra`). Echoes of the
account's own messages (`is_echo`), unsent messages (`is_deleted`) and messages Instagram
cannot show through the API (`is_unsupported`) are ignored. `messaging_seen` names the
message read, and updates our reply's delivery status.

Comments arrive as `entry[].changes[]` with `field: "comments"` and value
`{id, from: {id, username}, text, media: {id, media_product_type}, parent_id?}`: kind
"comment", threaded by the top-level comment (a reply's `parent_id`, else its own id), as
on Facebook. The account's own comments (our replies) are ignored. Instagram sends no
webhook for edited or deleted comments."""
from __future__ import annotations

from typing import Any

from channels import parsing
from channels.meta.events import digest, id_of, token
from channels.meta.messaging import (
    comment_author,
    from_timestamp,
    meta_id,
    optional_meta_id,
    parse_message,
    parse_read_mid,
    parse_unsupported,
)
from channels.meta.windows import COMMENT
from channels.parsing import Handler, Parsed, SkippedEvent
from channels.types import NormalizedMessage


def parse_comment(payload: dict[str, Any]) -> Parsed:
    value = parsing.object_(payload, "value")
    comment_id = meta_id(value, "id")
    who = parsing.optional_object(value, "from")
    if who and optional_meta_id(who, "id", where="from") == payload.get("entry_id"):
        raise SkippedEvent("the account's own comment")
    parent_id = optional_meta_id(value, "parent_id")
    media = parsing.optional_object(value, "media")
    written = parsing.epoch(payload, "entry_time")
    top = parent_id or comment_id
    return [
        NormalizedMessage(
            platform_id=comment_id,
            author=comment_author(value, comment_id, platform="Instagram"),
            text=parsing.optional_string(value, "text"),
            sent_at=from_timestamp(written),
            kind=COMMENT,
            thread_key=top,
            in_reply_to=parent_id,
            public=True,
            extra={
                "comment_id": comment_id,
                "parent_id": parent_id,
                "thread_comment_id": top,
                "media_id": optional_meta_id(media, "id", where="media"),
                "media_product_type": parsing.optional_string(media, "media_product_type", where="media"),
                "created_time": written,
            },
        )
    ]


def classify_change(field: str, value: dict[str, Any], entry_id: str, own_ids: frozenset[str]) -> tuple[str, str]:
    """`comments` -> "comment" keyed by the comment id ("comment.own" for the account's
    own); other fields are named after themselves."""
    if field != "comments":
        return f"field.{token(field)}", f"field:{field}:{id_of(value.get('id')) or digest(value)}"
    comment_id = id_of(value.get("id")) or digest(value)
    who = value.get("from")
    author = id_of(who.get("id")) if isinstance(who, dict) else ""
    if author and author in own_ids:
        return "comment.own", f"own:{comment_id}"
    return "comment", comment_id


EVENT_HANDLERS: dict[str, Handler] = {
    "message": parse_message,
    "message_unsupported": parse_unsupported,
    "read": parse_read_mid,
    "comment": parse_comment,
}
IGNORED_EVENTS: dict[str, str] = {
    "message_echo": "an echo of a message the account sent (ours, or from the Instagram app)",
    "message_deleted": "the customer unsent a message; what they wrote stays on the ticket",
    "message_edit": "the customer edited a message; the original stays on the ticket",
    "reaction": "a reaction to a message, not a message",
    "postback": "a button tap, not a message",
    "referral": "a referral (ig.me link or ad), not a message",
    "standby": "a message while another app controls the conversation",
    "messaging_other": "a messaging event Hovor does not use",
    "comment.own": "a comment by the account itself (our reply)",
    "field.live_comments": "a comment on a live broadcast (cannot be answered once it ends)",
    "field.mentions": "an @mention in a comment on someone else's media",
    "field.story_insights": "story metrics",
}


def parse(kind: str, payload: dict[str, Any]) -> Parsed:
    return parsing.dispatch(kind, payload, handlers=EVENT_HANDLERS, ignored=IGNORED_EVENTS)
