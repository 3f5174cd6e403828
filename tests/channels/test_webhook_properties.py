"""Property-based tests of the one webhook view (issue 12): random bytes, random JSON and
mutated real deliveries, correctly signed so they get past the signature check. Never a
5xx; garbage (anything the connector cannot split) is a 400 that stores nothing, creates
no ticket and is logged; what is stored is ingested without breaking the pipeline."""
from __future__ import annotations

import json
import logging
import os
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from channels.meta.webhooks import signature_for
from channels.models import InboundEvent, InboundEventStatus
from inbox.models import Message, Ticket
from inbox.pipeline import inbound_events_ingest
from tests.channels.facebook.meta_support import APP_SECRET, connect
from tests.channels.webhook_support import fixture_bytes, post_webhook
from tests.hostile_support import JSON, mutated

pytestmark = pytest.mark.django_db
FIXTURES = {
    "facebook": ["messages__text.json", "feed__comment_add_top_level.json", "messages__batched.json"],
    "instagram": ["messages__text.json", "comments__top_level.json"],
}
# Each example is a request and a database round trip: fewer than the parsers' default
# profile; HYPOTHESIS_PROFILE=deep digs as far as that profile says.
PROPERTY = settings(
    max_examples=10 if os.environ.get("HYPOTHESIS_PROFILE", "hovor") == "hovor" else settings().max_examples,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def signed_post(client: Any, platform: str, account_id: int, body: bytes) -> Any:
    return post_webhook(client, platform, account_id, body, {"X-Hub-Signature-256": signature_for(APP_SECRET, body)})


@pytest.fixture
def accounts(brand: Any) -> dict[str, Any]:
    return {platform: connect(brand, platform) for platform in FIXTURES}


@PROPERTY
@given(
    platform=st.sampled_from(sorted(FIXTURES)),
    body=st.binary(max_size=600) | JSON.map(lambda v: json.dumps(v).encode()),
)
def test_signed_garbage_is_refused_logged_and_creates_nothing(
    client: Any, accounts: dict[str, Any], caplog: pytest.LogCaptureFixture, platform: str, body: bytes
) -> None:
    before = InboundEvent.objects.count()
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="hovor.channels.webhooks"):
        response = signed_post(client, platform, accounts[platform].pk, body)
    assert response.status_code < 500
    if response.status_code >= 400:
        assert InboundEvent.objects.count() == before  # nothing stored from garbage
        assert any("rejected" in r.getMessage() for r in caplog.records), "a refusal must be logged"
    assert not Ticket.objects.exists() or response.status_code == 200


@PROPERTY
@given(data=st.data())
def test_mutated_real_deliveries_never_break_the_view_or_the_pipeline(
    client: Any, accounts: dict[str, Any], caplog: pytest.LogCaptureFixture, data: st.DataObject
) -> None:
    platform = data.draw(st.sampled_from(sorted(FIXTURES)))
    delivery = json.loads(fixture_bytes(platform, data.draw(st.sampled_from(FIXTURES[platform]))))
    body = json.dumps(data.draw(mutated(delivery)), ensure_ascii=True).encode()
    before = set(InboundEvent.objects.values_list("id", flat=True))
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="hovor.channels.webhooks"):
        response = signed_post(client, platform, accounts[platform].pk, body)
    assert response.status_code in (200, 400), response.content
    new = sorted(set(InboundEvent.objects.values_list("id", flat=True)) - before)
    if response.status_code == 400:
        assert not new and any("rejected" in r.getMessage() for r in caplog.records)
        return
    inbound_events_ingest(event_ids=new)  # must not raise, whatever was stored
    for event in InboundEvent.objects.filter(pk__in=new):
        assert event.status != InboundEventStatus.RECEIVED or event.kind.startswith("delivery"), event.kind
        if event.status == InboundEventStatus.FAILED:
            assert event.error  # why it failed is kept with it
    assert all(m.ticket_id for m in Message.objects.filter(inbound_event_id__in=new))


def test_a_bad_signature_is_403_and_logged(
    client: Any, accounts: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    body = fixture_bytes("facebook", "messages__text.json")
    with caplog.at_level(logging.WARNING, logger="hovor.channels.webhooks"):
        response = post_webhook(client, "facebook", accounts["facebook"].pk, body, {"X-Hub-Signature-256": "sha256=00"})
    assert response.status_code == 403 and not InboundEvent.objects.exists()
    assert any("rejected (403)" in r.getMessage() for r in caplog.records)


def test_a_body_with_a_nul_character_is_stored_not_a_500(client: Any, accounts: dict[str, Any]) -> None:
    """Found by test_mutated_real_deliveries_never_break_the_view_or_the_pipeline: jsonb
    refuses \\u0000, so the INSERT failed and the delivery got a 500."""
    delivery = json.loads(fixture_bytes("facebook", "messages__text.json"))
    delivery["entry"][0]["messaging"][0]["message"]["text"] = "ahoj\x00 sv\u011bte"
    response = signed_post(client, "facebook", accounts["facebook"].pk, json.dumps(delivery).encode())
    assert response.status_code == 200
    inbound_events_ingest(event_ids=list(InboundEvent.objects.values_list("id", flat=True)))
    assert Message.objects.get().text == "ahoj světe"
