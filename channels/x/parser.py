"""X payloads -> NormalizedMessage. The stored payload of a mention is
`{"tweet": <v2 tweet>, "author": <v2 user or null>}`, self-contained so it can be
re-parsed later without the page it came from."""
from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from channels.base import UnsupportedEventType
from channels.types import NormalizedAuthor, NormalizedMessage


class MalformedPayload(ValueError):
    pass


def _str(obj: dict[str, Any], key: str, *, required: bool = True, id_like: bool = False) -> str:
    value = obj.get(key)
    if value is None:
        if required:
            raise MalformedPayload(f"missing {key}")
        return ""
    if id_like and isinstance(value, int) and not isinstance(value, bool):
        return str(value)  # ids are strings in v2, numbers in some v1.1-shaped payloads
    if not isinstance(value, str):
        raise MalformedPayload(f"{key} is not a string")
    return value


def unescape_text(text: str) -> str:
    """X returns tweet text with &, < and > as HTML entities; undo exactly those."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def parse_time(value: str) -> datetime:
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise MalformedPayload(f"bad created_at {value!r}") from exc


def replied_to(tweet: dict[str, Any]) -> str:
    refs = tweet.get("referenced_tweets") or []
    if not isinstance(refs, list):
        raise MalformedPayload("referenced_tweets is not a list")
    for ref in refs:
        if isinstance(ref, dict) and ref.get("type") == "replied_to":
            return _str(ref, "id", id_like=True)
    return ""


def parse_mention(payload: dict[str, Any]) -> list[NormalizedMessage]:
    tweet = payload.get("tweet")
    if not isinstance(tweet, dict):
        raise MalformedPayload("payload has no tweet object")
    author = payload.get("author") or {}
    if not isinstance(author, dict):
        raise MalformedPayload("author is not an object")
    author_id = _str(tweet, "author_id", id_like=True)
    username = _str(author, "username", required=False)
    created = tweet.get("created_at")
    lang = _str(tweet, "lang", required=False)
    tweet_id = _str(tweet, "id", id_like=True)
    return [
        NormalizedMessage(
            platform_id=tweet_id,
            author=NormalizedAuthor(
                external_id=author_id,
                handle=f"@{username}" if username else "",
                display_name=_str(author, "name", required=False),
            ),
            text=unescape_text(_str(tweet, "text")),
            sent_at=parse_time(created) if isinstance(created, str) else datetime.now(UTC),
            kind="mention",
            thread_key=_str(tweet, "conversation_id", required=False, id_like=True) or tweet_id,
            in_reply_to=replied_to(tweet),
            language="" if lang in ("", "und", "zxx", "qme", "qht") else lang,
            public=True,
        )
    ]


EVENT_HANDLERS: dict[str, Callable[[dict[str, Any]], list[NormalizedMessage]]] = {
    "mention": parse_mention,
}
IGNORED_EVENTS: frozenset[str] = frozenset()


def parse(kind: str, payload: dict[str, Any]) -> list[NormalizedMessage]:
    if kind in IGNORED_EVENTS:
        return []
    handler = EVENT_HANDLERS.get(kind)
    if handler is None:
        raise UnsupportedEventType(kind)
    return handler(payload)
