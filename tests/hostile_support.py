"""Shared by the hostile-input property tests (issue 12): hypothesis profiles, every
connector's real fixtures as the raw events Hovor stores, and strategies that mutate them.

Profiles: "hovor" (the default: a modest number of examples, so the property suite stays
well under a minute on a busy 2-core machine) and "deep" (HYPOTHESIS_PROFILE=deep, for a
local run that digs much further)."""
from __future__ import annotations

import base64
import json
import os
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from channels.base import MalformedWebhook
from channels.parsing import MalformedPayload
from channels.registry import get_connector, supported_platforms
from channels.types import RawEvent

settings.register_profile(
    "hovor", max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=False
)
settings.register_profile("deep", max_examples=2000, deadline=None, suppress_health_check=list(HealthCheck))
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "hovor"))

CHANNELS = Path(__file__).resolve().parents[1] / "channels"
X_BRAND_ID = "1000000000000000001"


def _x_events(path: Path, data: Any) -> list[RawEvent]:
    from channels.x import parser
    from channels.x.connector import mention_events

    prefix = path.stem.split("__", 1)[0]
    pages: dict[str, Callable[[Any], list[RawEvent]]] = {
        "mentions_page": mention_events,
        "search_page": lambda page: parser.tweet_events(page, "search", brand_id=X_BRAND_ID),
        "dm_events_page": lambda page: parser.dm_events(page, brand_id=X_BRAND_ID),
    }
    if prefix in pages:
        return pages[prefix](data)
    if prefix in parser.AAA_HANDLED | parser.AAA_IGNORED | {"user_event"}:
        return parser.aaa_events(data, brand_id=X_BRAND_ID)
    return [RawEvent("", prefix, data)]


def _events_of(platform: str, path: Path) -> list[RawEvent]:
    if platform == "email":
        raw = path.read_bytes()
        payload = {"raw": base64.b64encode(raw).decode("ascii"), "address": "support@acme.example"}
        return [RawEvent("", "email", payload)]
    data = json.loads(path.read_bytes())
    if platform in ("facebook", "instagram"):
        return list(get_connector(platform).split(data, own_ids=frozenset()))  # type: ignore[attr-defined]
    if platform == "whatsapp":
        from channels.whatsapp.connector import split_delivery

        return split_delivery(data)
    if platform == "telegram":
        from channels.telegram.parser import update_event

        return [update_event(data)]
    if platform == "x":
        return _x_events(path, data)
    return [RawEvent("", path.stem.split("__", 1)[0], data)]


@cache
def stored_events(platform: str) -> tuple[RawEvent, ...]:
    """Every connector fixture of `platform` as the raw events Hovor would store."""
    found: list[RawEvent] = []
    for path in sorted((CHANNELS / platform / "fixtures").glob("*")):
        if not path.is_file():
            continue
        try:
            found.extend(_events_of(platform, path))
        except (MalformedWebhook, MalformedPayload):
            continue  # refused at the edge already (the fixture is named malformed)
    return tuple(found)


def platforms() -> list[str]:
    return supported_platforms()


# --- strategies -----------------------------------------------------------------------------
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.sampled_from(["", " ", "0", "-1", "1e309", "9" * 400, "\u0000", "\ud7ff\ufffd", "<script>alert(1)</script>",
                     "=?utf-8?Q?x=40y.cz?=", "2026-13-45T99:99:99Z", "x" * 5000]),
)
JSON = st.recursive(
    SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*prefix, index))
    return found


def _replaced(value: Any, path: tuple[Any, ...], new: Any, delete: bool) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        copy = dict(value)
        if delete and not rest:
            copy.pop(head, None)
        else:
            copy[head] = _replaced(value[head], rest, new, delete)
        return copy
    copy_list = list(value)
    if delete and not rest:
        del copy_list[head]
    else:
        copy_list[head] = _replaced(value[head], rest, new, delete)
    return copy_list


@st.composite
def mutated(draw: st.DrawFn, payload: Any, *, rounds: int = 3) -> Any:
    """`payload` with up to `rounds` values replaced by random JSON, or keys removed."""
    for _ in range(draw(st.integers(min_value=1, max_value=rounds))):
        paths = _paths(payload)
        path = draw(st.sampled_from(paths))
        delete = bool(path) and draw(st.booleans())
        payload = _replaced(payload, path, None if delete else draw(JSON), delete)
    return payload


@st.composite
def mutated_mail(draw: st.DrawFn, payload: dict[str, Any]) -> dict[str, Any]:
    """A stored e-mail event whose raw message has bytes flipped, cut, or lines shuffled."""
    raw = bytearray(base64.b64decode(payload["raw"]))
    for _ in range(draw(st.integers(min_value=1, max_value=6))):
        choice = draw(st.sampled_from(["flip", "cut", "insert", "dupline"]))
        at = draw(st.integers(min_value=0, max_value=max(0, len(raw) - 1)))
        if choice == "flip" and raw:
            raw[at] = draw(st.integers(min_value=0, max_value=255))
        elif choice == "cut":
            del raw[at : at + draw(st.integers(min_value=1, max_value=200))]
        elif choice == "insert":
            raw[at:at] = draw(st.sampled_from([
                b"\n", b"\r\n\r\n", b"=?utf-8?B?", b"?=", b"--", b"Content-Type: multipart/mixed; boundary=x\n",
                b"\x00", b"\xff\xfe", b"=?gb2312?Q?=C4=E3?=", b"begin 644 x\n",
                b"Content-Transfer-Encoding: x-uuencode\n",
                b"From: =?utf-8?Q?a=40b.c?=@evil.example\n", b"Date: Mon, 99 Foo 2026 99:99:99 +9999\n",
            ]))
        elif choice == "dupline":
            lines = bytes(raw).split(b"\n")
            index = draw(st.integers(min_value=0, max_value=len(lines) - 1))
            lines.insert(index, lines[index])
            raw = bytearray(b"\n".join(lines))
    return {**payload, "raw": base64.b64encode(bytes(raw)).decode("ascii")}
