"""The parsing edge every connector shares (channels/parsing.py): every connector's fixtures map
to a declared handler or a declared skip (STYLE.md principle 6), dispatch means one thing
everywhere, and the typed accessors say what is wrong with a payload."""
from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from importlib import import_module
from pathlib import Path
from typing import Any

import pytest

from channels import parsing
from channels.base import MalformedWebhook
from channels.meta.page import MetaPageConnector
from channels.parsing import MalformedPayload, SkippedEvent, UnsupportedEventType
from channels.registry import get_connector, supported_platforms
from channels.types import NormalizedMessage, NormalizedStatus
from tests.channels.parsing_support import skipped

CHANNELS = Path(__file__).resolve().parents[2] / "channels"
X_BRAND_ID = "1000000000000000001"  # the brand account of the X fixtures


# --- how each platform's fixtures become stored events ------------------------------------
# fixture path -> the kinds of the raw events it is stored as ([] when the platform
# acknowledges it without storing anything; see NOT_STORED). A platform whose fixtures are
# each one stored payload named after its kind needs no entry: that is the convention.
def _name_kind(path: Path) -> list[str]:
    """A fixture that is one stored payload, named `<kind>__<variant>`."""
    return [path.stem.split("__", 1)[0]]


def _meta_page_kinds(platform: str) -> Callable[[Path], list[str]]:
    def kinds(path: Path) -> list[str]:
        connector = get_connector(platform)
        assert isinstance(connector, MetaPageConnector)
        return [e.kind for e in connector.split(json.loads(path.read_bytes()), own_ids=frozenset())]

    return kinds


def _whatsapp_kinds(path: Path) -> list[str]:
    from channels.whatsapp.connector import split_delivery

    return [e.kind for e in split_delivery(json.loads(path.read_bytes()))]


def _x_kinds(path: Path) -> list[str]:
    from channels.x import parser
    from channels.x.connector import mention_events

    prefix = path.stem.split("__", 1)[0]
    data = json.loads(path.read_bytes())
    pages = {
        "mentions_page": mention_events,
        "search_page": lambda page: parser.tweet_events(page, "search", brand_id=X_BRAND_ID),
        "dm_events_page": lambda page: parser.dm_events(page, brand_id=X_BRAND_ID),
    }
    if prefix in pages:
        return [e.kind for e in pages[prefix](data)]
    if prefix in parser.AAA_HANDLED | parser.AAA_IGNORED:
        return [e.kind for e in parser.aaa_events(data, brand_id=X_BRAND_ID)]
    return [prefix]


def _telegram_kinds(path: Path) -> list[str]:
    from channels.telegram.parser import update_event

    return [update_event(json.loads(path.read_bytes())).kind]


def _email_kinds(path: Path) -> list[str]:
    from channels.email.parser import EVENT_KIND

    return [EVENT_KIND]


STORED_AS: dict[str, Callable[[Path], list[str]]] = {
    "email": _email_kinds,
    "facebook": _meta_page_kinds("facebook"),
    "instagram": _meta_page_kinds("instagram"),
    "telegram": _telegram_kinds,
    "whatsapp": _whatsapp_kinds,
    "x": _x_kinds,
}


# fixture path -> why the platform declares it is not stored (None: it should have been).
def _x_not_stored(path: Path) -> str | None:
    from channels.x.parser import AAA_IGNORED

    prefix = path.stem.split("__", 1)[0]
    if prefix in AAA_IGNORED:
        return f"Account Activity {prefix}: declared in AAA_IGNORED"
    if prefix.endswith("_page") and not json.loads(path.read_bytes()).get("data"):
        return "an empty page"
    return None


def _whatsapp_not_stored(path: Path) -> str | None:
    from channels.whatsapp.connector import UNSTORED_FIELDS

    changes = [c for e in json.loads(path.read_bytes())["entry"] for c in e.get("changes", [])]
    if changes and all(c["field"] in UNSTORED_FIELDS for c in changes):
        return "declared in UNSTORED_FIELDS"
    values = [c["value"] for c in changes if c["field"] == "messages"]
    if values and all(v.get("errors") and not v.get("messages") and not v.get("statuses") for v in values):
        return "errors Meta reports, logged"
    return None


NOT_STORED: dict[str, Callable[[Path], str | None]] = {"x": _x_not_stored, "whatsapp": _whatsapp_not_stored}


def _fixtures() -> list[tuple[str, Path]]:
    return [
        (platform, path)
        for platform in supported_platforms()
        for path in sorted((CHANNELS / platform / "fixtures").glob("*"))
        if path.is_file()
    ]


def _parser(platform: str) -> Any:
    return import_module(f"channels.{platform}.parser")


@pytest.mark.parametrize("platform", supported_platforms())
def test_every_connector_declares_its_events(platform: str) -> None:
    parser = _parser(platform)
    handlers, ignored = parser.EVENT_HANDLERS, parser.IGNORED_EVENTS
    assert isinstance(handlers, dict) and handlers, f"{platform}: EVENT_HANDLERS"
    assert isinstance(ignored, dict), f"{platform}: IGNORED_EVENTS is kind -> why it is skipped"
    assert all(isinstance(why, str) and why.strip() for why in ignored.values()), f"{platform}: a skip without a reason"
    assert not set(handlers) & set(ignored), f"{platform}: handled and ignored at once"
    assert any((CHANNELS / platform / "fixtures").glob("*")), f"{platform} has no fixtures"


@pytest.mark.parametrize(("platform", "path"), _fixtures(), ids=lambda v: v if isinstance(v, str) else v.name)
def test_every_fixture_maps_to_a_handler_or_a_declared_skip(platform: str, path: Path) -> None:
    parser = _parser(platform)
    try:
        kinds = STORED_AS.get(platform, _name_kind)(path)
    except (MalformedWebhook, MalformedPayload):
        assert "malformed" in path.stem, f"{path.name} is refused at the edge but not named malformed"
        return
    if not kinds:
        why = NOT_STORED[platform](path) if platform in NOT_STORED else None
        assert why, f"{path.name} stores nothing and {platform} does not declare why"
        return
    for kind in kinds:
        assert kind in parser.EVENT_HANDLERS or kind in parser.IGNORED_EVENTS, f"{path.name}: {kind!r} undeclared"
        if kind in parser.IGNORED_EVENTS:
            assert parser.IGNORED_EVENTS[kind] in skipped(parser.parse, kind, {})


# --- dispatch -----------------------------------------------------------------------------
AT = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def _status(payload: dict[str, Any]) -> list[NormalizedStatus]:
    return [NormalizedStatus(platform_id=payload["id"], status="read", at=AT)]


def _skips(payload: dict[str, Any]) -> list[NormalizedMessage]:
    raise SkippedEvent("a message with nothing in it")


HANDLERS: dict[str, parsing.Handler] = {"read": _status, "message": _skips}
IGNORED = {"typing": "a typing notice"}


def test_dispatch_calls_the_handler_of_the_kind() -> None:
    assert parsing.dispatch("read", {"id": "m1"}, handlers=HANDLERS, ignored=IGNORED) == [
        NormalizedStatus(platform_id="m1", status="read", at=AT)
    ]


def test_dispatch_skips_a_declared_kind_with_its_reason() -> None:
    with pytest.raises(SkippedEvent) as caught:
        parsing.dispatch("typing", {}, handlers=HANDLERS, ignored=IGNORED)
    assert type(caught.value) is SkippedEvent
    assert caught.value.reason == "typing: a typing notice" == str(caught.value)


def test_dispatch_refuses_an_undeclared_kind() -> None:
    with pytest.raises(UnsupportedEventType) as caught:
        parsing.dispatch("poll", {}, handlers=HANDLERS, ignored=IGNORED)
    assert caught.value.kind == "poll" and "poll" in caught.value.reason
    assert isinstance(caught.value, SkippedEvent)  # stored and marked ignored downstream


def test_a_handler_may_skip_an_event_that_yields_nothing() -> None:
    with pytest.raises(SkippedEvent, match="nothing in it"):
        parsing.dispatch("message", {}, handlers=HANDLERS, ignored=IGNORED)


@pytest.mark.parametrize("payload", [None, [], "x", 3])
def test_dispatch_refuses_a_payload_that_is_not_an_object(payload: Any) -> None:
    with pytest.raises(MalformedPayload, match="payload is not an object"):
        parsing.dispatch("read", payload, handlers=HANDLERS, ignored=IGNORED)


def test_the_errors_mean_what_the_pipeline_expects() -> None:
    assert issubclass(MalformedPayload, ValueError)
    assert issubclass(UnsupportedEventType, SkippedEvent) and not issubclass(SkippedEvent, ValueError)
    assert SkippedEvent("why").reason == "why"


# --- typed accessors ----------------------------------------------------------------------
def malformed(call: Callable[[], Any]) -> str:
    with pytest.raises(MalformedPayload) as caught:
        call()
    return str(caught.value)


def test_string() -> None:
    assert parsing.string({"text": "Dobrý den"}, "text") == "Dobrý den"
    assert parsing.string({"text": ""}, "text") == ""
    assert malformed(lambda: parsing.string({}, "text")) == "missing text"
    assert malformed(lambda: parsing.string({"id": None}, "id", where="from")) == "missing from.id"
    assert malformed(lambda: parsing.string({"text": 5}, "text")) == "text is not a string"
    assert parsing.optional_string({}, "text") == parsing.optional_string({"text": None}, "text") == ""
    assert malformed(lambda: parsing.optional_string({"text": ["a"]}, "text")) == "text is not a string"


def test_objects() -> None:
    assert parsing.object_({"from": {"id": "1"}}, "from") == {"id": "1"}
    assert malformed(lambda: parsing.object_({}, "from")) == "from is not an object"
    assert malformed(lambda: parsing.object_({"story": "x"}, "story", where="reply_to")) == (
        "reply_to.story is not an object"
    )
    assert parsing.optional_object({}, "from") == {} == parsing.optional_object({"from": None}, "from")
    assert malformed(lambda: parsing.optional_object({"from": []}, "from")) == "from is not an object"
    assert parsing.as_object({"a": 1}, "item") == {"a": 1}
    assert malformed(lambda: parsing.as_object([1], "messaging item")) == "messaging item is not an object"
    assert parsing.as_optional_object(None, "payload") == {}


def test_integers_and_numbers() -> None:
    assert parsing.int_({"id": -100123}, "id") == -100123
    assert malformed(lambda: parsing.int_({"id": True}, "id")) == "id is not an integer"
    assert malformed(lambda: parsing.int_({"id": "5"}, "id")) == "id is not an integer"
    assert malformed(lambda: parsing.int_({}, "id", where="chat")) == "missing chat.id"
    assert parsing.optional_int({}, "width") is None and parsing.optional_int({"width": 90}, "width") == 90
    assert parsing.number({"latitude": 50.08}, "latitude") == 50.08 and parsing.number({"x": 14}, "x") == 14
    assert malformed(lambda: parsing.number({"latitude": "50.08"}, "latitude")) == "latitude is not a number"
    assert malformed(lambda: parsing.number({"latitude": False}, "latitude")) == "latitude is not a number"


def test_ids() -> None:
    assert parsing.int_id({"id": "m_abc"}, "id") == "m_abc"
    assert parsing.int_id({"id": 104512345678901}, "id") == "104512345678901"  # older payloads send numbers
    assert malformed(lambda: parsing.int_id({"id": ""}, "id", where="sender")) == "missing sender.id"
    assert malformed(lambda: parsing.int_id({"id": -1}, "id")) == "id is not an id"
    assert malformed(lambda: parsing.int_id({"id": True}, "id")) == "id is not an id"
    assert malformed(lambda: parsing.int_id({"id": "x" * 11}, "id", max_length=10)) == (
        "id is longer than 10 characters"
    )
    assert parsing.optional_int_id({}, "parent_id") == "" == parsing.optional_int_id({"parent_id": ""}, "parent_id")
    assert parsing.numeric_id({"id_str": "2123706425275387904"}, "id_str") == "2123706425275387904"
    assert parsing.numeric_id({"id": 42}, "id") == "42"
    assert malformed(lambda: parsing.numeric_id({"id": "12a"}, "id")) == "id is not a numeric id"


def test_lists() -> None:
    assert parsing.list_({"mids": ["a"]}, "mids") == ["a"]
    assert malformed(lambda: parsing.list_({}, "mids")) == "missing mids"
    assert malformed(lambda: parsing.list_({"mids": "a"}, "mids", where="delivery")) == "delivery.mids is not a list"
    assert parsing.optional_list({}, "attachments") == [] == parsing.optional_list({"attachments": None}, "attachments")
    assert malformed(lambda: parsing.optional_list({"attachments": {}}, "attachments")) == (
        "attachments is not a list"
    )


def test_times() -> None:
    assert parsing.epoch({"timestamp": "1749416383"}, "timestamp") == 1749416383  # WhatsApp: a digit string
    assert parsing.epoch({"timestamp": 1763629200000}, "timestamp") == 1763629200000
    for bad in (-1, True, "12a", "١٢٣", 1.5):
        said = malformed(lambda bad=bad: parsing.epoch({"timestamp": bad}, "timestamp"))
        assert said.startswith("timestamp is not a timestamp"), bad
    assert malformed(lambda: parsing.epoch({}, "timestamp", where="item")) == "missing item.timestamp"
    assert parsing.optional_epoch({}, "watermark") is None
    assert parsing.timestamp(1763629200) == datetime(2025, 11, 20, 9, 0, tzinfo=UTC)
    assert parsing.timestamp(0).tzinfo is UTC
    assert "out of range" in malformed(lambda: parsing.timestamp(10**20))
