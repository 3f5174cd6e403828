"""Property-based tests of every connector's parser (issue 12): real fixtures, mutated at
random, and random JSON under every declared event kind. Whatever arrives, a parser either
gives well-formed messages and statuses (that fit the inbox's columns), or says why not in
the way the pipeline understands (SkippedEvent: ignored; MalformedPayload or another
ValueError/TypeError/KeyError/AttributeError: failed). Anything else would stop a whole
ingest batch, so it is a bug. Regression examples of bugs found sit beside each property."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from channels.inbound import UNREADABLE
from channels.parsing import MalformedPayload, SkippedEvent, fit_for_inbox
from channels.registry import get_connector
from channels.types import Attachment, NormalizedMessage, NormalizedStatus
from tests.hostile_support import JSON, mutated, mutated_mail, platforms, stored_events

# The inbox's columns (inbox.models.Message): what a parsed message must fit.
ID_MAX, KIND_MAX, LANGUAGE_MAX, AUTOMATED = 200, 30, 10, {None, "auto_reply", "bulk", "bounce"}


def check_result(items: Any) -> None:
    for item in items:
        assert isinstance(item, NormalizedMessage | NormalizedStatus), item
        if isinstance(item, NormalizedStatus):
            assert isinstance(item.platform_id, str) and 0 < len(item.platform_id) <= ID_MAX
            assert item.status in ("sent", "delivered", "read", "failed")
            assert isinstance(item.at, datetime) and item.at.tzinfo is not None
            continue
        assert isinstance(item.platform_id, str) and 0 < len(item.platform_id) <= ID_MAX, item.platform_id
        assert isinstance(item.text, str) and "\x00" not in item.text  # PostgreSQL text refuses NUL
        assert isinstance(item.sent_at, datetime) and item.sent_at.tzinfo is not None
        assert isinstance(item.kind, str) and 0 < len(item.kind) <= KIND_MAX
        assert isinstance(item.thread_key, str) and len(item.thread_key) <= ID_MAX
        assert isinstance(item.in_reply_to, str) and len(item.in_reply_to) <= ID_MAX
        assert isinstance(item.language, str) and len(item.language) <= LANGUAGE_MAX
        assert item.automated in AUTOMATED
        assert isinstance(item.author.external_id, str) and item.author.external_id
        assert "\x00" not in item.author.display_name + item.author.handle + item.subject
        for attachment in item.attachments:
            assert isinstance(attachment, Attachment) and isinstance(attachment.filename, str)
            assert "\x00" not in attachment.filename


def parse_or_refuse(platform: str, kind: str, payload: Any) -> None:
    """The contract channels.inbound.inbound_events_parse relies on."""
    connector = get_connector(platform)
    try:
        items = [fit_for_inbox(i) for i in connector.parse(kind, payload)]  # as inbound_events_parse does
    except SkippedEvent as exc:
        assert exc.reason or type(exc).__name__
        return
    except UNREADABLE:
        return
    check_result(items)


@pytest.mark.parametrize("platform", platforms())
def test_every_fixture_parses_or_is_refused(platform: str) -> None:
    events = stored_events(platform)
    assert events, f"{platform} has no fixtures"
    for event in events:
        parse_or_refuse(platform, event.kind, event.payload)


@pytest.mark.parametrize("platform", [p for p in platforms() if p != "email"])
@given(data=st.data())
def test_mutated_fixtures_parse_or_are_refused(platform: str, data: st.DataObject) -> None:
    event = data.draw(st.sampled_from(stored_events(platform)))
    payload = data.draw(mutated(event.payload))
    parse_or_refuse(platform, event.kind, payload)


@given(data=st.data())
def test_mutated_mail_parses_or_is_refused(data: st.DataObject) -> None:
    event = data.draw(st.sampled_from(stored_events("email")))
    parse_or_refuse("email", "email", data.draw(mutated_mail(event.payload)))


@pytest.mark.parametrize("platform", platforms())
@given(data=st.data())
def test_random_json_under_every_kind_is_refused_or_parsed(platform: str, data: st.DataObject) -> None:
    from importlib import import_module

    parser = import_module(f"channels.{platform}.parser")
    kinds = sorted({*parser.EVENT_HANDLERS, *parser.IGNORED_EVENTS, "no-such-kind"})
    kind = data.draw(st.sampled_from(kinds))
    parse_or_refuse(platform, kind, data.draw(JSON))


# --- regression examples (bugs the properties found) ---------------------------------------
def test_an_x_language_that_is_no_tag_is_dropped() -> None:
    """Found by test_mutated_fixtures_parse_or_are_refused[x]: `lang: "00000000000"` would
    not fit Message.language (10 characters) and fail the whole batch's INSERT."""
    event = next(e for e in stored_events("x") if e.kind == "mention")
    payload = {**event.payload, "tweet": {**event.payload["tweet"], "lang": "00000000000"}}
    [message] = get_connector("x").parse("mention", payload)
    assert isinstance(message, NormalizedMessage) and message.language == ""

def test_a_messenger_delivery_naming_an_empty_mid_is_refused() -> None:
    """Found by test_mutated_fixtures_parse_or_are_refused[facebook]: a status for "" would
    be looked up as a platform id."""
    [event] = [e for e in stored_events("facebook") if e.kind == "delivery"][:1]
    payload = {**event.payload, "item": {**event.payload["item"], "delivery": {"mids": [""], "watermark": 1}}}
    with pytest.raises(MalformedPayload):
        get_connector("facebook").parse("delivery", payload)


@given(payload=st.just({}))
@example(payload={"raw": "AAAA"})
@example(payload={"raw": "RnJvbTogYUBiLmMKCg=="})  # "From: a@b.c\n\n": no body at all
def test_mail_edge_payloads(payload: dict[str, Any]) -> None:
    parse_or_refuse("email", "email", payload)
