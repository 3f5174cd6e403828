"""Property-based tests of the one webhook view (issue 12): random bytes, random JSON and
mutated real deliveries of every platform that sends webhooks (X, Messenger, Instagram,
WhatsApp, Telegram, Viber), each signed as its platform signs, so they get past the check. Never a
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
from channels.registry import get_connector
from channels.services import brand_account_connect
from channels.telegram.connector import SECRET_HEADER as TELEGRAM_SECRET_HEADER
from channels.types import NormalizedStatus
from channels.viber.connector import SIGNATURE_HEADER as VIBER_SIGNATURE_HEADER
from channels.viber.connector import signature as viber_signature
from channels.x.connector import SIGNATURE_HEADER as X_SIGNATURE_HEADER
from channels.x.connector import signature_for as x_signature_for
from inbox.models import Message, Ticket
from inbox.pipeline import inbound_events_ingest
from tests.channels.facebook.meta_support import APP_SECRET, connect
from tests.channels.webhook_support import fixture_bytes, post_webhook
from tests.channels.whatsapp.wa_support import WA_CREDENTIALS
from tests.hostile_support import JSON, mutated
from tests.support import X_CREDENTIALS

pytestmark = pytest.mark.django_db
FIXTURES = {
    "facebook": ["messages__text.json", "feed__comment_add_top_level.json", "messages__batched.json"],
    "instagram": ["messages__text.json", "comments__top_level.json"],
    "whatsapp": ["messages__text.json", "messages__image_caption.json", "statuses__batched_delivered_read.json"],
    "telegram": [
        "message__private_text_czech.json", "message__photo_caption.json", "edited_message__private_text.json",
    ],
    "viber": ["message__text_czech.json", "message__picture.json", "delivered__reply.json"],
    "x": ["tweet_create_events__mention.json", "direct_message_events__received.json"],
}
TELEGRAM_SECRET = "test-telegram_webhook-secret-42"
VIBER_TOKEN = "4a5b6c7d8e9f0a1b-2c3d4e5f6a7b8c9d-0e1f2a3b4c5d6e7f"
# Each example is a request and a database round trip: fewer than the parsers' default
# profile; HYPOTHESIS_PROFILE=deep digs as far as that profile says.
PROPERTY = settings(
    max_examples=25 if os.environ.get("HYPOTHESIS_PROFILE", "hovor") == "hovor" else settings().max_examples,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def only_statuses(platform: str, event: InboundEvent) -> bool:
    items = get_connector(platform).parse(event.kind, event.payload)
    return bool(items) and all(isinstance(item, NormalizedStatus) for item in items)


def signature_headers(platform: str, body: bytes) -> dict[str, str]:
    """The headers the platform itself would send with this exact body."""
    if platform == "whatsapp":
        return {"X-Hub-Signature-256": signature_for(WA_CREDENTIALS["app_secret"], body)}
    if platform == "telegram":
        return {TELEGRAM_SECRET_HEADER: TELEGRAM_SECRET}
    if platform == "viber":
        return {VIBER_SIGNATURE_HEADER: viber_signature(body, VIBER_TOKEN)}
    if platform == "x":
        return {X_SIGNATURE_HEADER: x_signature_for(X_CREDENTIALS["consumer_secret"], body)}
    return {"X-Hub-Signature-256": signature_for(APP_SECRET, body)}


def signed_post(client: Any, platform: str, account_id: int, body: bytes) -> Any:
    return post_webhook(client, platform, account_id, body, signature_headers(platform, body))


@pytest.fixture
def accounts(brand: Any) -> dict[str, Any]:
    made = {platform: connect(brand, platform) for platform in ("facebook", "instagram")}
    made["whatsapp"] = brand_account_connect(brand=brand, platform="whatsapp", handle="+1 555",
                                             credentials=WA_CREDENTIALS)
    made["telegram"] = brand_account_connect(brand=brand, platform="telegram", handle="@AcmeCareBot", credentials={
        "bot_token": "123456789:AAtestTelegramToken_for-Hovor42", "webhook_secret": TELEGRAM_SECRET,
        "mode": "webhook"})
    made["viber"] = brand_account_connect(brand=brand, platform="viber", handle="Acme Care",
                                          credentials={"auth_token": VIBER_TOKEN})
    made["x"] = brand_account_connect(brand=brand, platform="x", handle="@AcmeCare", credentials=X_CREDENTIALS)
    return made


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
        # Only a delivery status whose message is not found yet stays received (offered again).
        assert event.status != InboundEventStatus.RECEIVED or only_statuses(platform, event), event.kind
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


def test_a_whatsapp_sender_that_is_no_string_is_refused_not_a_500(client: Any, accounts: dict[str, Any]) -> None:
    """Found by test_mutated_real_deliveries_never_break_the_view_or_the_pipeline: an object
    as `from` was looked up in the contacts by value, and the delivery got a 500."""
    delivery = json.loads(fixture_bytes("whatsapp", "messages__text.json"))
    delivery["entry"][0]["changes"][0]["value"]["messages"][0]["from"] = {"wa_id": "420601234567"}
    response = signed_post(client, "whatsapp", accounts["whatsapp"].pk, json.dumps(delivery).encode())
    assert response.status_code == 400
    assert not InboundEvent.objects.exists()


@pytest.mark.parametrize("platform", ["facebook", "whatsapp", "telegram", "viber", "x"])
@pytest.mark.parametrize("poison", ["NaN", "Infinity", '"\\ud83d"'])
def test_json_python_reads_but_no_platform_sends_is_refused(
    client: Any, accounts: dict[str, Any], platform: str, poison: str
) -> None:
    """Found by the mutated deliveries: NaN, Infinity and lone surrogates are read by Python's
    json but refused by PostgreSQL's jsonb, so the INSERT failed and the delivery got a 500."""
    body = json.dumps(json.loads(fixture_bytes(platform, FIXTURES[platform][0])))
    body = body[:-1] + f', "hovor_poison": {poison}}}'
    response = signed_post(client, platform, accounts[platform].pk, body.encode())
    assert response.status_code == 400
    assert not InboundEvent.objects.exists()


def test_an_id_with_a_nul_character_is_refused_not_a_500(client: Any, accounts: dict[str, Any]) -> None:
    """Found by the mutated deliveries: a Messenger mid with a NUL reached the INSERT of the
    event's key (only the payload was cleaned) and the delivery got a 500."""
    delivery = json.loads(fixture_bytes("facebook", "messages__text.json"))
    delivery["entry"][0]["messaging"][0]["message"]["mid"] = "m_abc\x00def"
    response = signed_post(client, "facebook", accounts["facebook"].pk, json.dumps(delivery).encode())
    assert response.status_code == 400
    assert not InboundEvent.objects.exists()
