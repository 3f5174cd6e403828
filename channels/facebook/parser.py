"""Facebook Page payloads -> NormalizedMessage / NormalizedStatus.

A stored event's payload is `{"entry_id", "entry_time", "item"}` for a Messenger item and
`{"entry_id", "entry_time", "field", "value"}` for a change (see events.py). Dispatch is by
table: EVENT_HANDLERS for what becomes a message or a delivery status, IGNORED_EVENTS
(kind -> why) for what Hovor deliberately skips (channels.parsing.dispatch raises SkippedEvent
with the reason); anything else is UnsupportedEventType.

Threading:
- Messenger: kind "dm"; thread_key is the customer's PSID (one Page conversation per
  person), in_reply_to is `reply_to.mid` when the customer quoted a message.
- Page comments: kind "comment"; a customer's comment thread is keyed by its **top-level
  comment** (`parent_id == post_id` means top-level, so the key is the comment's own id;
  a reply carries its parent comment's id). Keying by post would put every commenter of a
  busy post into one ticket; keying by comment gives each conversation under a post its
  own ticket, and replies (the customer's, other people's, ours) stay with it. A reply's
  in_reply_to is its parent comment.
- An edited comment (`verb: edited`) carries extra["edited_comment_of"] (channels.types.EDIT_OF): the
  inbox updates that comment's message and keeps the earlier text in its history. Should
  the comment itself never have arrived, it becomes a message of kind "comment_edit" in
  the comment's thread (in_reply_to: the comment).
  A removed comment is ignored: what the customer wrote stays on the ticket.

What Facebook shares with Instagram (Messenger items, attachments, a comment's author) is
channels.meta.messaging."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from channels import parsing
from channels.meta.events import digest, id_of, token
from channels.meta.messaging import (
    comment_author,
    content_type_for,
    filename_from_url,
    from_timestamp,
    meta_id,
    optional_meta_id,
    parse_delivery,
    parse_message,
    parse_unsupported,
)
from channels.meta.windows import COMMENT, COMMENT_EDIT
from channels.parsing import Handler, Parsed, SkippedEvent
from channels.types import EDIT_OF, Attachment, NormalizedMessage


# --- Page comments --------------------------------------------------------------------
def _comment_fields(payload: dict[str, Any]) -> tuple[dict[str, Any], str, str, str, str]:
    value = parsing.object_(payload, "value")
    comment_id = meta_id(value, "comment_id")
    post_id = meta_id(value, "post_id")
    parent_id = optional_meta_id(value, "parent_id") or post_id
    top = comment_id if parent_id == post_id else parent_id
    who = parsing.optional_object(value, "from")
    if who and optional_meta_id(who, "id", where="from") == payload.get("entry_id"):
        raise SkippedEvent("the Page's own comment")
    return value, comment_id, post_id, parent_id, top


def _comment_attachments(value: Mapping[str, Any]) -> tuple[Attachment, ...]:
    found = []
    for key, kind in (("photo", "image"), ("video", "video")):
        url = parsing.optional_string(value, key)
        if url:
            filename = filename_from_url(url) or kind
            found.append(Attachment(filename=filename, content_type=content_type_for(kind, filename), url=url))
    return tuple(found)


def parse_comment(payload: dict[str, Any]) -> Parsed:
    """A new comment on one of the Page's posts (`item: comment, verb: add`)."""
    value, comment_id, post_id, parent_id, top = _comment_fields(payload)
    created = parsing.optional_epoch(value, "created_time") or parsing.epoch(payload, "entry_time")
    text = parsing.optional_string(value, "message")
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
    text = parsing.optional_string(value, "message")
    edited = parsing.optional_epoch(payload, "entry_time") or parsing.epoch(value, "created_time")
    created = parsing.optional_epoch(value, "created_time")
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
                EDIT_OF: comment_id,
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


# --- dispatch (channels.parsing.dispatch) ---------------------------------------------
EVENT_HANDLERS: dict[str, Handler] = {
    "message": parse_message,
    "message_unsupported": parse_unsupported,
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


def parse(kind: str, payload: dict[str, Any]) -> Parsed:
    return parsing.dispatch(kind, payload, handlers=EVENT_HANDLERS, ignored=IGNORED_EVENTS)
