"""The parsing edge every connector shares: one error for a payload we cannot read, one for an
event we deliberately skip, the dispatch helper every parser uses, and the typed accessors
that check a payload's shape at the edge.

What each means downstream (the domain's ingest pipeline):
- MalformedPayload: the stored event is marked failed, with the reason; it never blocks others.
- SkippedEvent (and UnsupportedEventType, an event kind nobody handles): the stored event is
  marked ignored, with the reason, and counted as such on the account page.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from .types import NormalizedMessage, NormalizedStatus

_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON (RFC 8259 has no NaN or Infinity)")


def _check_text(value: Any) -> None:
    if isinstance(value, str):
        if _LONE_SURROGATE.search(value):
            raise ValueError("a \\u escape that is not Unicode text (a lone surrogate)")
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_text(key)
            _check_text(item)
    elif isinstance(value, list):
        for item in value:
            _check_text(item)


def loads_body(raw: bytes) -> Any:
    """A webhook body as JSON exactly as RFC 8259 defines it, or ValueError: invalid UTF-8,
    NaN or Infinity (Python's json takes them; PostgreSQL's jsonb does not), escapes that
    are no Unicode text (lone surrogates), nesting too deep to walk."""
    try:
        data = json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant)
        _check_text(data)
    except RecursionError as exc:
        raise ValueError("nested too deep") from exc
    return data


class MalformedPayload(ValueError):
    """A platform payload that does not have the shape its platform documents."""


class SkippedEvent(Exception):
    """An event Hovor deliberately does not turn into a message (an echo of our own send, a
    reaction, a typing notice …). Stored, marked ignored, never retried."""

    def __init__(self, reason: str = "") -> None:
        super().__init__(reason)
        self.reason = reason


class UnsupportedEventType(SkippedEvent):
    """An event kind no handler is declared for."""

    def __init__(self, kind: str) -> None:
        super().__init__(f"{kind}: not an event kind Hovor handles")
        self.kind = kind


# --- dispatch ---------------------------------------------------------------------------
# A connector's parser declares EVENT_HANDLERS (kind -> handler) and IGNORED_EVENTS (kind ->
# why Hovor deliberately skips it), and parses with dispatch(); see STYLE.md principle 6.
Parsed = list[NormalizedMessage | NormalizedStatus]
Handler = Callable[[dict[str, Any]], Sequence[NormalizedMessage | NormalizedStatus]]


def dispatch(
    kind: str,
    payload: Any,
    *,
    handlers: Mapping[str, Handler],
    ignored: Mapping[str, str],
) -> Parsed:
    """The handler's result for a stored event of this kind. A kind declared ignored raises
    SkippedEvent (with its reason), an undeclared one UnsupportedEventType, a payload that is
    not an object MalformedPayload."""
    if not isinstance(payload, dict):
        raise MalformedPayload("payload is not an object")
    if kind in ignored:
        raise SkippedEvent(f"{kind}: {ignored[kind]}")
    handler = handlers.get(kind)
    if handler is None:
        raise UnsupportedEventType(kind)
    return list(handler(payload))


# --- typed accessors ----------------------------------------------------------------------
# Each reads `key` of a JSON object and checks its type, raising MalformedPayload with what
# is wrong ("missing from.id", "text is not a string"); `where` names the object the key is
# in. The optional_ variants give "" / {} / [] / None for an absent or null value.
def _name(key: str, where: str) -> str:
    return f"{where}.{key}" if where else key


def as_object(value: Any, what: str) -> dict[str, Any]:
    """A value already in hand (a list item, a payload) that must be a JSON object."""
    if not isinstance(value, dict):
        raise MalformedPayload(f"{what} is not an object")
    return value


def as_optional_object(value: Any, what: str) -> dict[str, Any]:
    return {} if value is None else as_object(value, what)


def object_(container: Mapping[str, Any], key: str, *, where: str = "") -> dict[str, Any]:
    return as_object(container.get(key), _name(key, where))


def optional_object(container: Mapping[str, Any], key: str, *, where: str = "") -> dict[str, Any]:
    return as_optional_object(container.get(key), _name(key, where))


def string(container: Mapping[str, Any], key: str, *, where: str = "") -> str:
    value = container.get(key)
    if value is None:
        raise MalformedPayload(f"missing {_name(key, where)}")
    if not isinstance(value, str):
        raise MalformedPayload(f"{_name(key, where)} is not a string")
    return value


def optional_string(container: Mapping[str, Any], key: str, *, where: str = "") -> str:
    return "" if container.get(key) is None else string(container, key, where=where)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def int_(container: Mapping[str, Any], key: str, *, where: str = "") -> int:
    value = container.get(key)
    if value is None:
        raise MalformedPayload(f"missing {_name(key, where)}")
    if not _is_int(value):
        raise MalformedPayload(f"{_name(key, where)} is not an integer")
    return int(value)


def optional_int(container: Mapping[str, Any], key: str, *, where: str = "") -> int | None:
    return None if container.get(key) is None else int_(container, key, where=where)


def number(container: Mapping[str, Any], key: str, *, where: str = "") -> int | float:
    """An integer or a decimal (a coordinate …)."""
    value = container.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise MalformedPayload(f"{_name(key, where)} is not a number")
    return value


def int_id(container: Mapping[str, Any], key: str, *, where: str = "", max_length: int | None = None) -> str:
    """An id as text: platforms send ids as strings, some (older payloads, v1.1 shapes) as
    whole numbers. Empty counts as missing."""
    value = container.get(key)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        value = str(value)
    if value is None or value == "":
        raise MalformedPayload(f"missing {_name(key, where)}")
    if not isinstance(value, str):
        raise MalformedPayload(f"{_name(key, where)} is not an id")
    if max_length is not None and len(value) > max_length:
        raise MalformedPayload(f"{_name(key, where)} is longer than {max_length} characters")
    return value


def optional_int_id(container: Mapping[str, Any], key: str, *, where: str = "", max_length: int | None = None) -> str:
    if container.get(key) is None or container.get(key) == "":
        return ""
    return int_id(container, key, where=where, max_length=max_length)


def numeric_id(container: Mapping[str, Any], key: str, *, where: str = "") -> str:
    """An id that must be all digits (X's snowflakes)."""
    value = int_id(container, key, where=where)
    if not value.isdigit():
        raise MalformedPayload(f"{_name(key, where)} is not a numeric id")
    return value


def list_(container: Mapping[str, Any], key: str, *, where: str = "") -> list[Any]:
    value = container.get(key)
    if value is None:
        raise MalformedPayload(f"missing {_name(key, where)}")
    if not isinstance(value, list):
        raise MalformedPayload(f"{_name(key, where)} is not a list")
    return value


def optional_list(container: Mapping[str, Any], key: str, *, where: str = "") -> list[Any]:
    return [] if container.get(key) is None else list_(container, key, where=where)


def epoch(container: Mapping[str, Any], key: str, *, where: str = "") -> int:
    """A Unix time as a platform sends it: a non-negative whole number, or one written as a
    string of digits (WhatsApp's "1749416383"). Seconds or milliseconds: the caller knows."""
    value = container.get(key)
    if value is None:
        raise MalformedPayload(f"missing {_name(key, where)}")
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise MalformedPayload(f"{_name(key, where)} is not a timestamp: {value!r}")
    return int(value)


def optional_epoch(container: Mapping[str, Any], key: str, *, where: str = "") -> int | None:
    return None if container.get(key) is None else epoch(container, key, where=where)


def timestamp(seconds: int | float, *, what: str = "timestamp") -> datetime:
    """A Unix time in seconds as an aware UTC datetime."""
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise MalformedPayload(f"{what} {seconds!r} is out of range") from exc


# --- the inbox's edge -----------------------------------------------------------------------
# What a parsed message must fit (the domain's columns; a value past them would fail a whole
# batch's INSERT). Checked once here for every connector, after parsing.
ID_MAX = 200
KIND_MAX = 30
LANGUAGE_MAX = 10
NAME_MAX = 300
PHONE_MAX = 32
URL_MAX = 1000


def _clean(value: str, limit: int | None = None) -> str:
    """Text as PostgreSQL stores it (no NUL), cut to `limit` characters."""
    value = value.replace("\x00", "")
    return value[:limit] if limit is not None else value


def fit_for_inbox(item: NormalizedMessage | NormalizedStatus) -> NormalizedMessage | NormalizedStatus:
    """The parsed item as the inbox can store it: ids that do not fit (or are empty) make the
    event unreadable (MalformedPayload); free text loses NUL characters; names, phones and
    links are cut to their columns; a language that is no tag is dropped."""
    for name in ("platform_id",) + (("thread_key", "in_reply_to") if isinstance(item, NormalizedMessage) else ()):
        value = getattr(item, name)
        if not isinstance(value, str) or "\x00" in value or len(value) > ID_MAX:
            raise MalformedPayload(f"{name} is not an id that fits ({ID_MAX} characters)")
    if not item.platform_id:
        raise MalformedPayload("empty platform id")
    if isinstance(item, NormalizedStatus):
        return replace(item, error=_clean(item.error))
    author = item.author
    if not author.external_id or "\x00" in author.external_id or len(author.external_id) > ID_MAX:
        raise MalformedPayload(f"author id is empty or does not fit ({ID_MAX} characters)")
    if not item.kind or len(item.kind) > KIND_MAX:
        raise MalformedPayload(f"kind {item.kind[:40]!r} does not fit")
    phone = author.phone if len(author.phone) <= PHONE_MAX else ""
    return replace(
        item,
        text=_clean(item.text),
        subject=_clean(item.subject, 500),
        language=item.language if len(item.language) <= LANGUAGE_MAX and item.language.isascii() else "",
        author=replace(
            author,
            handle=_clean(author.handle, NAME_MAX),
            display_name=_clean(author.display_name, NAME_MAX),
            email=_clean(author.email, 320),
            phone=_clean(phone),
            avatar_url=_clean(author.avatar_url) if len(author.avatar_url) <= URL_MAX else "",
        ),
        attachments=tuple(
            replace(a, filename=_clean(a.filename, 255), content_type=_clean(a.content_type, 255))
            for a in item.attachments
        ),
    )
