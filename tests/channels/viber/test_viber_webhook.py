"""Viber callbacks through /webhooks/viber/<account id>/: the signature check, the `webhook`
check answered 200, ingestion byte for byte, redeliveries stored once, skipped events, and
malformed bodies."""
from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from channels.models import InboundEvent, InboundEventStatus
from channels.viber.connector import signature
from inbox.models import Message, Ticket
from tests.channels.viber.viber_support import AUTH_TOKEN, connect, deliver
from tests.channels.webhook_support import fixture_bytes, post_webhook

pytestmark = pytest.mark.django_db(transaction=True)

HEADER = "X-Viber-Content-Signature"


def nothing_created() -> bool:
    return not InboundEvent.objects.exists() and not Message.objects.exists() and not Ticket.objects.exists()


def signed(body: bytes, token: str = AUTH_TOKEN) -> dict[str, str]:
    return {HEADER: signature(body, token)}


# --- the signature ------------------------------------------------------------------------
def test_signed_message_creates_exactly_one_message(client: Client, fake_viber: Any, viber_account: Any) -> None:
    text = "Здравейте! Поръчка 4521 още не е пристигнала 😟 Příliš žluťoučký kůň"
    callback = fake_viber.inbound("@ivan", "Иван Петров", text)
    response = deliver(client, viber_account, fake_viber, callback)
    assert response.status_code == 200 and response.json() == {"received": 1, "new": 1}
    message = Message.objects.select_related("author_identity").get()
    assert message.text == text
    assert message.platform_id == str(callback["message_token"])
    assert message.kind == "message" and message.thread_key == callback["sender"]["id"]
    assert message.author_identity is not None
    assert message.author_identity.external_id == callback["sender"]["id"]
    assert message.author_identity.display_name == "Иван Петров"
    assert Ticket.objects.count() == 1


def test_fixture_as_viber_sent_it(client: Client, viber_account: Any) -> None:
    body = fixture_bytes("viber", "message__text_czech.json")
    response = post_webhook(client, "viber", viber_account.pk, body, signed(body))
    assert response.status_code == 200
    assert Message.objects.get().text == "Dobrý den, kde je můj balík? Příliš žluťoučký kůň 📦"


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({HEADER: "0" * 64}, id="wrong"),
        pytest.param("other-token", id="other-token"),
        pytest.param("tampered", id="body-changed-after-signing"),
        pytest.param({HEADER: ""}, id="empty"),
        pytest.param({}, id="missing"),
        pytest.param({"X-Hub-Signature-256": "sha256=x"}, id="another-platform's-header"),
    ],
)
def test_bad_or_missing_signature_is_403_and_creates_nothing(
    client: Client, fake_viber: Any, viber_account: Any, headers: Any
) -> None:
    body, good = fake_viber.delivery(fake_viber.inbound("@jana", "Jana", "Dobrý den"))
    if headers == "other-token":
        headers = signed(body, "another-bots-token")
    elif headers == "tampered":
        headers = {HEADER: good[HEADER]}
        body = body.replace("Dobrý".encode(), b"Dobry")
    response = post_webhook(client, "viber", viber_account.pk, body, headers)
    assert response.status_code == 403
    assert nothing_created()


def test_signature_in_capitals_is_the_same_hex(client: Client, fake_viber: Any, viber_account: Any) -> None:
    body, headers = fake_viber.delivery(fake_viber.inbound("@jana", "Jana", "Dobrý den"))
    assert post_webhook(client, "viber", viber_account.pk, body, {HEADER: headers[HEADER].upper()}).status_code == 200


def test_non_ascii_signature_header_is_403_not_an_error(client: Client, viber_account: Any) -> None:
    body = fixture_bytes("viber", "message__text_czech.json")
    response = client.post(
        f"/webhooks/viber/{viber_account.pk}/", data=body, content_type="application/json",
        HTTP_X_VIBER_CONTENT_SIGNATURE="podpis-č",
    )
    assert response.status_code == 403 and nothing_created()


def test_account_without_a_token_refuses_every_callback(client: Client, brand: Any, fake_viber: Any) -> None:
    account = connect(brand, fake_viber, auth_token="")
    body = fixture_bytes("viber", "message__text_czech.json")
    assert post_webhook(client, "viber", account.pk, body, signed(body, "")).status_code == 403
    assert nothing_created()


def test_bad_signature_with_a_malformed_body_is_403(client: Client, viber_account: Any) -> None:
    assert post_webhook(client, "viber", viber_account.pk, b"{not json", {HEADER: "00"}).status_code == 403


# --- the webhook check --------------------------------------------------------------------
def test_webhook_check_is_answered_200_and_stores_nothing(client: Client, viber_account: Any) -> None:
    body = fixture_bytes("viber", "webhook__set.json")
    response = post_webhook(client, "viber", viber_account.pk, body, signed(body))
    assert response.status_code == 200 and response.json() == {"received": 0, "new": 0}
    assert nothing_created()


def test_unsigned_webhook_check_is_403(client: Client, viber_account: Any) -> None:
    body = fixture_bytes("viber", "webhook__set.json")
    assert post_webhook(client, "viber", viber_account.pk, body).status_code == 403


# --- redeliveries -------------------------------------------------------------------------
def test_resent_callbacks_are_stored_once(client: Client, fake_viber: Any, viber_account: Any) -> None:
    first = fake_viber.inbound("@jana", "Jana Nováková", "Dobrý den")
    second = fake_viber.inbound("@jana", "Jana Nováková", "Objednávka 12345")
    answers = [deliver(client, viber_account, fake_viber, c).json()["new"] for c in (second, first, second, first)]
    assert answers == [1, 1, 0, 0]
    assert InboundEvent.objects.count() == 2 and Message.objects.count() == 2 and Ticket.objects.count() == 1
    ticket = Ticket.objects.get()
    assert [m.text for m in ticket.messages.order_by("sent_at")] == ["Dobrý den", "Objednávka 12345"]


def test_two_customers_get_two_tickets(client: Client, fake_viber: Any, viber_account: Any) -> None:
    deliver(client, viber_account, fake_viber, fake_viber.inbound("@jana", "Jana", "Dobrý den"))
    deliver(client, viber_account, fake_viber, fake_viber.inbound("@ivan", "Иван", "Здравейте"))
    assert Ticket.objects.count() == 2


def test_a_receipt_from_each_device_is_stored_once(client: Client, viber_account: Any) -> None:
    body = fixture_bytes("viber", "delivered__reply.json")
    for _ in range(3):  # one per device the customer uses Viber on
        assert post_webhook(client, "viber", viber_account.pk, body, signed(body)).status_code == 200
    assert InboundEvent.objects.get().platform_id == "delivered:5741311803571800001"


# --- events that are not messages ---------------------------------------------------------
@pytest.mark.parametrize("name", ["subscribed__user", "unsubscribed__user", "conversation_started__open"])
def test_subscription_events_are_stored_and_marked_ignored(client: Client, viber_account: Any, name: str) -> None:
    body = fixture_bytes("viber", f"{name}.json")
    response = post_webhook(client, "viber", viber_account.pk, body, signed(body))
    assert response.status_code == 200 and response.json()["new"] == 1
    event = InboundEvent.objects.get()
    assert event.status == InboundEventStatus.IGNORED and event.kind == name.split("__")[0]
    assert not Message.objects.exists()


def test_media_arrive_with_attachments(client: Client, fake_viber: Any, viber_account: Any) -> None:
    deliver(client, viber_account, fake_viber, fake_viber.inbound("@jana", "Jana", "Takhle to přišlo", kind="picture"))
    deliver(client, viber_account, fake_viber, fake_viber.inbound("@jana", "Jana", "", kind="file",
                                                                  file_name="faktura.pdf"))
    pictures, files = (m.attachments for m in Message.objects.order_by("sent_at", "id"))
    assert [a["content_type"] for a in pictures] == ["image/jpeg"]
    assert [(a["filename"], a["content_type"], a["size"]) for a in files] == [("faktura.pdf", "application/pdf", 48213)]


# --- malformed bodies ---------------------------------------------------------------------
@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"{not json", id="not-json"),
        pytest.param(b"[]", id="array"),
        pytest.param("ž".encode("cp1250"), id="not-utf8"),
        pytest.param(b"{}", id="no-event"),
        pytest.param(b'{"event": 5}', id="event-not-a-string"),
        pytest.param(fixture_bytes("viber", "message__malformed_no_sender.json"), id="no-sender"),
        pytest.param(fixture_bytes("viber", "message__malformed_text_not_string.json"), id="text-not-string"),
        pytest.param(b'{"event":"delivered","timestamp":1,"user_id":"u"}', id="receipt-without-token"),
    ],
)
def test_malformed_bodies_are_400_and_create_nothing(client: Client, viber_account: Any, body: bytes) -> None:
    response = post_webhook(client, "viber", viber_account.pk, body, signed(body))
    assert response.status_code == 400
    assert nothing_created()


def test_nul_in_text_is_stored_as_a_replacement_character(client: Client, viber_account: Any) -> None:
    callback = json.loads(fixture_bytes("viber", "message__text_czech.json"))
    callback["message"]["text"] = "a\u0000b"
    body = json.dumps(callback).encode()
    assert post_webhook(client, "viber", viber_account.pk, body, signed(body)).status_code == 200
    assert Message.objects.get().text == "a\ufffdb"


def test_get_is_405(client: Client, viber_account: Any) -> None:
    assert client.get(f"/webhooks/viber/{viber_account.pk}/").status_code == 405
