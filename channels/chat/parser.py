"""Stored chat raw events → NormalizedMessage. The payload is ours (written by
services.chat_message_receive from a validated widget request), but it is read back from the
database like any platform's, so it is checked again at this edge."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from channels import parsing
from channels.parsing import Handler, MalformedPayload, Parsed
from channels.types import NormalizedAuthor, NormalizedMessage

ANONYMOUS_NAME = "Website visitor"


def _str(payload: Mapping[str, Any], key: str, *, required: bool = True) -> str:
    """A string; a required one must not be empty either (ids, the text, the time)."""
    if not required:
        return parsing.optional_string(payload, key)
    value = parsing.string(payload, key)
    if not value:
        raise MalformedPayload(f"{key} is empty")
    return value


def _time(value: str) -> datetime:
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        raise MalformedPayload(f"bad timestamp {value!r}")
    if at.tzinfo is None:
        raise MalformedPayload(f"timestamp without a time zone: {value!r}")
    return at


def platform_id_for(session_key: str, client_msg_id: str) -> str:
    return f"{session_key}:{client_msg_id}"


def parse_visitor_message(payload: Mapping[str, Any]) -> list[NormalizedMessage]:
    session = _str(payload, "session")
    client_msg_id = _str(payload, "client_msg_id")
    name = _str(payload, "name", required=False).strip()
    email = _str(payload, "email", required=False).strip()
    page = _str(payload, "page", required=False)
    return [
        NormalizedMessage(
            platform_id=platform_id_for(session, client_msg_id),
            # The address a visitor gives is their email (a match key across channels, so
            # merge suggestions find them), shown as their handle too; "Website visitor"
            # stands in until they give a name.
            author=NormalizedAuthor(
                external_id=_str(payload, "visitor_id"), handle=email, display_name=name or ANONYMOUS_NAME,
                email=email,
            ),
            text=_str(payload, "text"),
            sent_at=_time(_str(payload, "received_at")),
            kind="chat",
            thread_key=session,
            public=False,
            extra={"page": page} if page else {},
        )
    ]


EVENT_HANDLERS: dict[str, Handler] = {
    "chat": parse_visitor_message,
}
# Never stored as raw events by Hovor itself, but named so an old or hand-made row is
# skipped rather than failed: typing and presence are ephemeral and live in the cache.
IGNORED_EVENTS: dict[str, str] = {
    "typing": "a typing notice (ephemeral; kept in the cache, never a message)",
    "presence": "a presence notice (ephemeral; kept in the cache, never a message)",
}


def parse(kind: str, payload: Mapping[str, Any]) -> Parsed:
    return parsing.dispatch(kind, payload, handlers=EVENT_HANDLERS, ignored=IGNORED_EVENTS)
