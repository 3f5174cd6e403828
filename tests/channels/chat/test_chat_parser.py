"""Every chat fixture maps to a handler or is ignored; handlers keep text exactly and
build the author, thread and platform id the way the inbox and send() expect."""
from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from channels.chat import parser
from channels.chat.connector import connector
from channels.parsing import UnsupportedEventType
from channels.registry import get_connector
from channels.types import NormalizedMessage
from tests.channels.parsing_support import skipped
from tests.channels.webhook_support import fixture_json

FIXTURE_DIR = Path(__file__).resolve().parents[3] / "channels" / "chat" / "fixtures"
FIXTURES = sorted(p.name for p in FIXTURE_DIR.glob("*.json"))


def kind_of(name: str) -> str:
    return name.split("__")[0]


@pytest.mark.parametrize("name", FIXTURES)
def test_every_fixture_is_handled_or_ignored(name: str) -> None:
    kind = kind_of(name)
    payload = fixture_json("chat", name)
    if kind in parser.IGNORED_EVENTS:
        skipped(connector.parse, kind, payload)
        return
    assert kind in parser.EVENT_HANDLERS, f"{name}: no handler and not ignored"
    (message,) = connector.parse(kind, payload)
    assert isinstance(message, NormalizedMessage)
    assert message.text == payload["text"]  # byte for byte, whitespace and markup included
    assert message.platform_id == f"{payload['session']}:{payload['client_msg_id']}"
    assert message.thread_key == payload["session"]
    assert message.kind == "chat"
    assert message.public is False
    assert message.author.external_id == payload["visitor_id"]
    assert message.sent_at.tzinfo is not None


def test_fixture_set_covers_the_kinds() -> None:
    assert {kind_of(n) for n in FIXTURES} == set(parser.EVENT_HANDLERS) | {"typing"}


def test_anonymous_visitor() -> None:
    (message,) = connector.parse("chat", fixture_json("chat", "chat__anonymous.json"))
    assert message.author.display_name == "Website visitor"
    assert message.author.handle == ""
    assert message.sent_at == datetime(2025, 3, 14, 9, 26, 53, 589793, tzinfo=UTC)
    assert message.extra == {"page": "https://shop.example/orders?id=12345"}


def test_named_visitor_with_email() -> None:
    (message,) = connector.parse("chat", fixture_json("chat", "chat__named_with_email.json"))
    assert message.author.display_name == "Jana Nováková"
    assert message.author.handle == "jana.novakova@example.cz"
    assert message.text == "Dobrý den, kde je moje objednávka č. 12345? 📦"


def test_multiline_text_is_kept_exactly() -> None:
    (message,) = connector.parse("chat", fixture_json("chat", "chat__multiline_no_page.json"))
    assert message.text == "Line one\n\n  indented line two\r\nline three  "
    assert message.extra == {}


@pytest.mark.parametrize(
    "change",
    [
        {"text": None},
        {"text": 42},
        {"text": ""},
        {"session": ["x"]},
        {"client_msg_id": None},
        {"visitor_id": 7},
        {"received_at": "yesterday"},
        {"received_at": "2025-03-14T09:26:53"},  # no time zone
        {"name": {"first": "Jana"}},
    ],
)
def test_malformed_payloads_raise_value_errors(change: dict[str, object]) -> None:
    payload = {**fixture_json("chat", "chat__anonymous.json"), **change}
    with pytest.raises(ValueError):
        connector.parse("chat", payload)


def test_unknown_kind_is_unsupported() -> None:
    with pytest.raises(UnsupportedEventType):
        connector.parse("reaction", {})


def test_connector_is_registered_and_takes_no_webhooks() -> None:
    assert get_connector("chat") is connector
    assert connector.polls is False
    assert connector.limits.public is False
