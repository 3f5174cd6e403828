"""/webhooks/instagram/<account id>/ end to end: handshake, signatures over Meta's escaped
bytes, the fake's deliveries becoming messages byte for byte, batching, redelivery and
order, echoes and unsends, and malformed bodies that create nothing."""
from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from channels.models import InboundEvent, InboundEventStatus
from fakes.facebook import FakeMeta
from inbox.models import Message, Ticket
from tests.channels.facebook.meta_support import IG_USER_ID, VERIFY_TOKEN, post_delivery, post_signed
from tests.channels.webhook_support import fixture_bytes, post_webhook

pytestmark = pytest.mark.django_db(transaction=True)


def nothing_created() -> bool:
    return not InboundEvent.objects.exists() and not Message.objects.exists() and not Ticket.objects.exists()


def test_handshake(client: Client, account: Any) -> None:
    url = f"/webhooks/instagram/{account.pk}/"
    good = client.get(url, {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "8412"})
    assert good.status_code == 200 and good.content == b"8412" and good["Content-Type"].startswith("text/plain")
    bad = client.get(url, {"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "8412"})
    assert bad.status_code == 403


def test_signature_over_escaped_bytes(client: Client, account: Any) -> None:
    body = fixture_bytes("instagram", "messages__cyrillic_emoji.json")
    assert b"\\u0417\\u0434\\u0440" in body
    assert post_signed(client, "instagram", account.pk, body).status_code == 200
    assert Message.objects.get().text == "Здравейте! Кога ще имате отново размер S? 😍🔥"


def test_reserialised_missing_or_wrong_signature_is_403(client: Client, account: Any, fake: FakeMeta) -> None:
    fake.inbound("katerina", None, "Dobrý den, máte ä?", push=False)
    delivery = fake.last_delivery
    signature = {"X-Hub-Signature-256": delivery.headers["X-Hub-Signature-256"]}
    reserialised = json.dumps(json.loads(delivery.body), ensure_ascii=False).encode()
    assert post_webhook(client, "instagram", account.pk, reserialised, signature).status_code == 403
    assert post_webhook(client, "instagram", account.pk, delivery.body, {}).status_code == 403
    wrong = {"X-Hub-Signature-256": "sha256=" + "f" * 64}
    assert post_webhook(client, "instagram", account.pk, delivery.body, wrong).status_code == 403
    assert nothing_created()


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("Dobrý den, máte mikinu v černé? 🖤", id="czech"),
        pytest.param("Здравейте! Кога ще имате размер S? 😍", id="bulgarian"),
        pytest.param("👩🏽‍💻 🇵🇱 “quoted” \\ / <b>", id="emoji-escapes"),
    ],
)
def test_dm_byte_for_byte(client: Client, account: Any, fake: FakeMeta, text: str) -> None:
    item = fake.inbound("katerina", None, text, push=False)
    assert post_delivery(client, "instagram", account.pk, fake.last_delivery).status_code == 200
    message = Message.objects.get()
    assert message.text == text and message.kind == "dm"
    assert message.platform_id == item["message"]["mid"]
    assert message.thread_key == item["sender"]["id"]


def test_comment_byte_for_byte_and_thread(client: Client, account: Any, fake: FakeMeta) -> None:
    top = fake.inbound("katerina.novakova", None, "Máte tuhle mikinu i v černé? 🖤", kind="comment", push=False)
    post_delivery(client, "instagram", account.pk, fake.last_delivery)
    fake.inbound("ivan", None, "+1 👍", kind="comment", in_reply_to=top["id"], push=False)
    post_delivery(client, "instagram", account.pk, fake.last_delivery)
    ticket = Ticket.objects.get()
    assert list(ticket.messages.order_by("id").values_list("kind", "text", "thread_key")) == [
        ("comment", "Máte tuhle mikinu i v černé? 🖤", top["id"]),
        ("comment", "+1 👍", top["id"]),
    ]
    identity = ticket.messages.order_by("id").first().author_identity
    assert identity.handle == "@katerina.novakova"


def test_three_times_and_out_of_order(client: Client, account: Any, fake: FakeMeta) -> None:
    deliveries = []
    for i, text in enumerate(["a", "б", "č"]):
        fake.inbound("katerina", None, text, at=f"2026-11-20T10:0{i}:00Z", push=False)
        deliveries.append(fake.last_delivery)
    for delivery in [deliveries[2], deliveries[0], deliveries[1]] * 3:
        assert post_delivery(client, "instagram", account.pk, delivery).status_code == 200
    assert list(Message.objects.order_by("sent_at").values_list("text", flat=True)) == ["a", "б", "č"]
    assert Ticket.objects.count() == 1


def test_batched_delivery(client: Client, account: Any, fake: FakeMeta) -> None:
    events = [fake.inbound_event(f"user{i}", None, f"zpráva {i}") for i in range(5)]
    events.append(fake.inbound_event("user9", None, "komentář", kind="comment"))
    delivery = fake.delivery(events, per_entry=3)
    assert delivery.payload["object"] == "instagram"
    assert all(entry["id"] == IG_USER_ID for entry in delivery.payload["entry"])
    assert post_delivery(client, "instagram", account.pk, delivery).json() == {"received": 6, "new": 6}
    assert Message.objects.count() == 6
    body = fixture_bytes("instagram", "messages__batched.json")
    assert post_signed(client, "instagram", account.pk, body).json() == {"received": 4, "new": 4}
    assert Message.objects.count() == 10


def test_echoes_unsends_and_own_comments_are_not_customer_messages(
    client: Client, account: Any, fake: FakeMeta, agent: Any
) -> None:
    from inbox.actions.replies import ticket_reply

    item = fake.inbound("katerina", None, "Ahoj", push=False)
    post_delivery(client, "instagram", account.pk, fake.last_delivery)
    before = len(fake.deliveries)
    ticket_reply(ticket=Ticket.objects.get(), agent=agent, text="Dobrý den!")
    [echo] = fake.deliveries_since(before)  # Instagram sends no delivery receipts
    fake.unsend(item["message"]["mid"], push=False)
    unsend = fake.last_delivery
    fake.read("katerina", push=False)
    read = fake.last_delivery
    for delivery in (echo, unsend, read):
        assert post_delivery(client, "instagram", account.pk, delivery).status_code == 200
    for name in ("messages__echo.json", "comments__by_account.json", "messages__unsupported.json"):
        assert post_signed(client, "instagram", account.pk, fixture_bytes("instagram", name)).status_code == 200
    # Only the customer's own words, and the attachment Instagram cannot show as a placeholder
    # (is_unsupported: never silence); the echo, the unsend and our own comment are no message.
    inbound = list(Message.objects.filter(direction="in").order_by("id"))
    assert [m.text for m in inbound] == ["Ahoj", ""]
    assert "unsupported" in inbound[1].extra
    assert Message.objects.get(direction="out").delivery_status == "read"  # messaging_seen names our mid
    ignored = set(InboundEvent.objects.filter(status=InboundEventStatus.IGNORED).values_list("kind", flat=True))
    assert ignored == {"message_echo", "message_deleted", "comment.own"}


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b'{"object":"instagram","entry":[{"id":"1","messaging":[', id="truncated"),
        pytest.param(b'{"object":"page","entry":[]}', id="page-object"),
        pytest.param(b'{"object":"instagram","entry":[{"id":"1","changes":[{"field":"comments","value":'
                     b'{"id":"2","text":"\xc3\x28"}}]}]}', id="invalid-utf8"),
        pytest.param(fixture_bytes("instagram", "comments__malformed_text_object.json"), id="text-object"),
        pytest.param(fixture_bytes("instagram", "messages__malformed_timestamp_string.json"), id="timestamp-string"),
    ],
)
def test_malformed_bodies_are_400(client: Client, account: Any, body: bytes) -> None:
    assert post_signed(client, "instagram", account.pk, body).status_code == 400
    assert nothing_created()


def test_ten_megabytes_is_413(client: Client, account: Any) -> None:
    body = b'{"object":"instagram","entry":[' + b"0," * (5 * 1024 * 1024) + b"0]}"
    assert post_signed(client, "instagram", account.pk, body).status_code == 413
    assert nothing_created()
