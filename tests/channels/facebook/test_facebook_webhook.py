"""/webhooks/facebook/<account id>/ end to end: Meta's handshake, X-Hub-Signature-256 over
the exact bytes, the fake's signed deliveries becoming ticket messages byte for byte,
batching, redelivery and order, echoes, comments and their edits, and malformed bodies
that must create nothing."""
from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from channels.models import InboundEvent, InboundEventStatus
from fakes.facebook import FakeMeta, meta_json
from inbox.enums import TicketEventType
from inbox.models import Message, Ticket
from tests.channels.facebook.meta_support import (
    APP_SECRET,
    PAGE_ID,
    VERIFY_TOKEN,
    post_delivery,
    post_signed,
    signed_headers,
)
from tests.channels.webhook_support import fixture_bytes, post_webhook

pytestmark = pytest.mark.django_db(transaction=True)

FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"


def url(account: Any) -> str:
    return f"/webhooks/facebook/{account.pk}/"


def nothing_created() -> bool:
    return not InboundEvent.objects.exists() and not Message.objects.exists() and not Ticket.objects.exists()


# --- handshake ------------------------------------------------------------------------
def test_handshake_echoes_the_challenge_as_plain_text(client: Client, account: Any) -> None:
    response = client.get(
        url(account), {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158201444"}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert response.content == b"1158201444"


@pytest.mark.parametrize(
    "params",
    [
        {"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "1"},
        {"hub.mode": "subscribe", "hub.challenge": "1"},
        {"hub.mode": "unsubscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1"},
        {},
    ],
)
def test_handshake_with_a_wrong_token_is_403(client: Client, account: Any, params: dict[str, str]) -> None:
    response = client.get(url(account), params)
    assert response.status_code == 403
    assert response.content != b"1"


def test_the_fake_verifies_the_subscription_like_meta(live_server: Any, account: Any, fake: FakeMeta) -> None:
    fake.webhook = live_server.url + url(account)
    assert fake.verify_webhook()["verified"] is True
    fake.verify_token = "not-what-hovor-has"
    refused = fake.verify_webhook()
    assert refused["verified"] is False and refused["status"] == 403


# --- signatures -----------------------------------------------------------------------
def test_signature_over_meta_escaped_bytes_verifies(client: Client, account: Any) -> None:
    """The fixture is as Meta sends it: ý as \\u00fd, emoji as surrogate pairs, / as \\/."""
    body = fixture_bytes("facebook", "messages__czech_emoji.json")
    assert b"\\u00fd" in body and b"\\ud83d\\udce6" in body
    response = post_signed(client, "facebook", account.pk, body)
    assert response.status_code == 200, response.content
    [message] = Message.objects.all()
    assert message.text == f"Dobrý den, kde je moje objednávka č. 4411? 📦 Čekám už týden… Děkuji! {FAMILY}🇨🇿"


def test_a_reserialised_body_does_not_verify(client: Client, account: Any, fake: FakeMeta) -> None:
    """Whoever parses and re-serialises the body breaks Meta's signature: Hovor hashes the raw bytes."""
    fake.inbound("anna", "Anna", "Dobrý den, chci vrátit zboží – ä ö ü", push=False)
    delivery = fake.last_delivery
    assert b"\\u00e4" in delivery.body
    reserialised = json.dumps(json.loads(delivery.body), ensure_ascii=False).encode()
    assert reserialised != delivery.body
    headers = {"X-Hub-Signature-256": delivery.headers["X-Hub-Signature-256"]}
    assert post_webhook(client, "facebook", account.pk, reserialised, headers).status_code == 403
    assert nothing_created()
    assert post_delivery(client, "facebook", account.pk, delivery).status_code == 200
    assert Message.objects.get().text == "Dobrý den, chci vrátit zboží – ä ö ü"


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({}, id="missing"),
        pytest.param({"X-Hub-Signature-256": "sha256=" + "0" * 64}, id="wrong"),
        pytest.param({"X-Hub-Signature-256": "0" * 64}, id="no-prefix"),
        pytest.param({"X-Hub-Signature": "sha1=" + "0" * 40}, id="sha1-only"),
        pytest.param("other-secret", id="other-secret"),
    ],
)
def test_bad_or_missing_signature_is_403_and_creates_nothing(
    client: Client, account: Any, fake: FakeMeta, headers: Any
) -> None:
    fake.inbound("anna", "Anna", "hello", push=False)
    body = fake.last_delivery.body
    if headers == "other-secret":
        headers = signed_headers(body, secret="other-secret")
    if "X-Hub-Signature" in headers:
        headers["X-Hub-Signature"] = fake.last_delivery.headers["X-Hub-Signature"]  # the real SHA-1 one
    response = post_webhook(client, "facebook", account.pk, body, headers)
    assert response.status_code == 403
    assert nothing_created()


def test_replayed_delivery_gives_one_message(client: Client, account: Any, fake: FakeMeta) -> None:
    fake.inbound("anna", "Anna", "Kde je můj balík?", push=False)
    delivery = fake.last_delivery
    answers = [post_delivery(client, "facebook", account.pk, delivery).json() for _ in range(3)]
    assert answers == [{"received": 1, "new": 1}, {"received": 1, "new": 0}, {"received": 1, "new": 0}]
    assert Message.objects.count() == 1
    assert InboundEvent.objects.count() == 1


# --- deliveries to tickets ------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        pytest.param("Dobrý den, kde je moje zásilka? Objednávka č. 4411 🙏", id="czech"),
        pytest.param("Здравейте! Поръчката ми не е пристигнала 😞", id="bulgarian"),
        pytest.param(f"Family order {FAMILY} 🇨🇿 – “quotes” & <tags> \\ back\\slash / slash", id="emoji-and-escapes"),
        pytest.param("Zażółć gęślą jaźń\nnew line\ttab", id="polish-whitespace"),
    ],
)
def test_fake_delivery_becomes_one_message_byte_for_byte(
    client: Client, account: Any, fake: FakeMeta, text: str
) -> None:
    item = fake.inbound("jana.novakova", "Jana Nováková", text, push=False)
    assert post_delivery(client, "facebook", account.pk, fake.last_delivery).status_code == 200
    [message] = Message.objects.select_related("ticket", "author_identity").all()
    assert message.text == text
    assert message.kind == "dm"
    assert message.platform_id == item["message"]["mid"]
    assert message.thread_key == item["sender"]["id"] == message.author_identity.external_id
    assert message.ticket.account_id == account.pk


def test_same_deliveries_three_times_and_out_of_order(client: Client, account: Any, fake: FakeMeta) -> None:
    texts = ["první", "druhá", "třetí"]
    deliveries = []
    for i, text in enumerate(texts):
        fake.inbound("petr", "Petr", text, at=f"2026-11-20T10:0{i}:00Z", push=False)
        deliveries.append(fake.last_delivery)
    first, second, third = deliveries
    for delivery in [third, first, second, third, first, second, second, third, first]:
        assert post_delivery(client, "facebook", account.pk, delivery).status_code == 200
    assert Ticket.objects.count() == 1
    assert list(Message.objects.order_by("sent_at").values_list("text", flat=True)) == texts
    assert InboundEvent.objects.count() == 3


def test_batched_delivery_gives_every_message_once(client: Client, account: Any, fake: FakeMeta) -> None:
    """Meta batches: several entries, several messaging items and changes in one POST."""
    events = [
        fake.inbound_event("anna", "Anna", "jedna"),
        fake.inbound_event("boris", "Boris", "два"),
        fake.inbound_event("anna", "Anna", "tři"),
        fake.inbound_event("cyril", "Cyril", "four 🎉"),
        fake.inbound_event("dana", "Dana", "komentář", kind="comment"),
        fake.inbound_event("boris", "Boris", "пет"),
    ]
    delivery = fake.delivery(events, per_entry=2)
    payload = delivery.payload
    assert len(payload["entry"]) >= 3
    assert any(len(entry.get("messaging", [])) == 2 for entry in payload["entry"])
    response = post_delivery(client, "facebook", account.pk, delivery)
    assert response.json() == {"received": 6, "new": 6}
    assert sorted(Message.objects.values_list("text", flat=True)) == sorted(
        ["jedna", "два", "tři", "four 🎉", "komentář", "пет"]
    )
    assert Ticket.objects.count() == 4  # anna, boris, cyril (DMs) and dana (comment)
    post_delivery(client, "facebook", account.pk, delivery)
    assert Message.objects.count() == 6


def test_batched_fixture(client: Client, account: Any) -> None:
    body = fixture_bytes("facebook", "messages__batched.json")
    response = post_signed(client, "facebook", account.pk, body)
    assert response.json() == {"received": 4, "new": 4}
    assert sorted(Message.objects.values_list("text", flat=True)) == ["Druhá zpráva ✅", "First of three",
                                                                     "Трето съобщение"]


def test_echoes_never_become_customer_messages(client: Client, account: Any, fake: FakeMeta, agent: Any) -> None:
    from inbox.actions.replies import ticket_reply

    fake.inbound("anna", "Anna", "Pomoc!", push=False)
    post_delivery(client, "facebook", account.pk, fake.last_delivery)
    ticket = Ticket.objects.get()
    before = len(fake.deliveries)
    reply = ticket_reply(ticket=ticket, agent=agent, text="Hned to řešíme.")
    echo, receipt = fake.deliveries_since(before)
    assert echo.payload["entry"][0]["messaging"][0]["message"]["is_echo"] is True
    for delivery in (echo, receipt, echo):
        assert post_delivery(client, "facebook", account.pk, delivery).status_code == 200
    assert list(Message.objects.filter(direction="in").values_list("text", flat=True)) == ["Pomoc!"]
    assert InboundEvent.objects.get(kind="message_echo").status == InboundEventStatus.IGNORED
    reply.refresh_from_db()
    assert reply.delivery_status == "delivered"  # from the receipt naming our mid


def test_echo_fixture_is_stored_and_ignored(client: Client, account: Any) -> None:
    for name in ("message_echoes__hovor_reply.json", "message_echoes__page_inbox.json"):
        assert post_signed(client, "facebook", account.pk, fixture_bytes("facebook", name)).status_code == 200
    assert not Message.objects.exists()
    assert set(InboundEvent.objects.values_list("status", flat=True)) == {InboundEventStatus.IGNORED}


def test_attachments_become_attachment_rows(client: Client, account: Any) -> None:
    post_signed(client, "facebook", account.pk, fixture_bytes("facebook", "messages__file_audio_video.json"))
    message = Message.objects.get()
    assert message.text == ""
    assert [(a["filename"], a["content_type"]) for a in message.attachments] == [
        ("Faktura-2026-0411.pdf", "application/pdf"),
        ("audioclip-1795176610000-2871.mp4", "audio/mp4"),
        ("video-1795176611.mp4", "video/mp4"),
    ]
    assert message.attachments[0]["url"].startswith("https://cdn.fbsbx.com/")


def test_comment_thread_edit_and_removal(client: Client, account: Any, fake: FakeMeta) -> None:
    top = fake.inbound("anna", "Anna Dvořáková", "Kdy bude skladem velikost M?", kind="comment")
    post_delivery(client, "facebook", account.pk, fake.last_delivery)
    other = fake.inbound("boris", "Boris", "Taky by mě to zajímalo", kind="comment", in_reply_to=top["comment_id"])
    post_delivery(client, "facebook", account.pk, fake.last_delivery)
    fake.edit_comment(top["comment_id"], "Kdy bude skladem velikost M a L?")
    edit_delivery = fake.last_delivery
    post_delivery(client, "facebook", account.pk, edit_delivery)
    post_delivery(client, "facebook", account.pk, edit_delivery)
    fake.remove_comment(top["comment_id"])
    post_delivery(client, "facebook", account.pk, fake.last_delivery)

    ticket = Ticket.objects.get()  # the whole thread under Anna's comment is one ticket
    messages = list(ticket.messages.order_by("sent_at", "id").values_list("kind", "text", "thread_key"))
    # The edit updates Anna's comment (once, though delivered twice) and keeps the earlier text.
    assert messages == [
        ("comment", "Kdy bude skladem velikost M a L?", top["comment_id"]),
        ("comment", "Taky by mě to zajímalo", top["comment_id"]),
    ]
    edited = Message.objects.get(platform_id=top["comment_id"])
    assert [h["text"] for h in edited.extra["history"]] == ["Kdy bude skladem velikost M?"]
    assert ticket.events.filter(type=TicketEventType.MESSAGE_EDITED).count() == 1
    fake.edit_comment(top["comment_id"], "Kdy bude skladem velikost M, L a XL?")
    post_delivery(client, "facebook", account.pk, fake.last_delivery)
    edited.refresh_from_db()
    assert edited.text == "Kdy bude skladem velikost M, L a XL?"
    assert [h["text"] for h in edited.extra["history"]] == [
        "Kdy bude skladem velikost M?", "Kdy bude skladem velikost M a L?"
    ]
    assert Message.objects.get(platform_id=other["comment_id"]).in_reply_to_platform_id == top["comment_id"]
    removal = InboundEvent.objects.get(kind="comment.remove")
    assert removal.status == InboundEventStatus.IGNORED


def test_a_new_top_level_comment_threads_on_its_own(client: Client, account: Any, fake: FakeMeta) -> None:
    fake.inbound("anna", "Anna", "první komentář", kind="comment")
    post_delivery(client, "facebook", account.pk, fake.last_delivery)
    Ticket.objects.update(status="solved")
    fake.inbound("boris", "Boris", "jiný komentář", kind="comment")
    post_delivery(client, "facebook", account.pk, fake.last_delivery)
    assert Ticket.objects.count() == 2


# --- malformed bodies -----------------------------------------------------------------
def _signed_post(client: Client, account: Any, body: bytes) -> Any:
    return post_signed(client, "facebook", account.pk, body)


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b'{"object":"page","entry":[{"id":"' + PAGE_ID.encode() + b'","messaging":[{"sender"',
                     id="truncated"),
        pytest.param(b"", id="empty"),
        pytest.param(b"[]", id="array"),
        pytest.param(b'"page"', id="string"),
        pytest.param(b'{"object":"instagram","entry":[]}', id="wrong-object"),
        pytest.param(b'{"object":"page","entry":{}}', id="entry-object"),
        pytest.param(b'{"object":"page","entry":[{"id":"1","messaging":[{"sender":{"id":"2"},'
                     b'"timestamp":1,"message":{"mid":"m_1","text":"\xff\xfe"}}]}]}', id="invalid-utf8"),
        pytest.param(fixture_bytes("facebook", "messages__malformed_text_number.json"), id="text-number"),
        pytest.param(fixture_bytes("facebook", "messages__malformed_mid_object.json"), id="mid-object"),
        pytest.param(fixture_bytes("facebook", "feed__malformed_message_list.json"), id="comment-message-list"),
    ],
)
def test_malformed_signed_bodies_are_400_and_create_nothing(client: Client, account: Any, body: bytes) -> None:
    response = _signed_post(client, account, body)
    assert response.status_code == 400
    assert nothing_created()


def test_one_bad_item_refuses_the_whole_delivery(client: Client, account: Any, fake: FakeMeta) -> None:
    good = fake.inbound_event("anna", "Anna", "ok")
    delivery = fake.delivery([good])
    data = delivery.payload
    bad = json.loads(json.dumps(data["entry"][0]["messaging"][0]))
    bad["message"]["text"] = {"nested": True}
    bad["message"]["mid"] = "m_other"
    data["entry"][0]["messaging"].append(bad)
    assert _signed_post(client, account, meta_json(data)).status_code == 400
    assert nothing_created()


def test_ten_megabyte_body_is_refused(client: Client, account: Any) -> None:
    body = b'{"object":"page","entry":[' + b" " * (10 * 1024 * 1024) + b"]}"
    response = _signed_post(client, account, body)
    assert response.status_code == 413
    assert nothing_created()


def test_unknown_account_or_wrong_platform_is_404(client: Client, account: Any, fake: FakeMeta) -> None:
    fake.inbound("anna", "Anna", "hi", push=False)
    assert post_delivery(client, "facebook", account.pk + 99, fake.last_delivery).status_code == 404
    assert post_delivery(client, "instagram", account.pk, fake.last_delivery).status_code == 404
    assert nothing_created()


def test_events_hovor_ignores_are_stored_as_ignored(client: Client, account: Any) -> None:
    for name in ("feed__reaction.json", "feed__status_post.json", "message_reads__watermark.json",
                 "message_reactions__love.json", "standby__message.json", "feed__comment_by_page.json"):
        assert post_signed(client, "facebook", account.pk, fixture_bytes("facebook", name)).status_code == 200
    assert not Message.objects.exists()
    assert InboundEvent.objects.count() == 6
    assert set(InboundEvent.objects.values_list("status", flat=True)) == {InboundEventStatus.IGNORED}
    assert all(APP_SECRET not in str(e.payload) for e in InboundEvent.objects.all())


def test_absurdly_nested_json_is_400(client: Client, account: Any) -> None:
    body = b'{"object":"page","entry":' + b"[" * 200_000 + b"]" * 200_000 + b"}"
    assert _signed_post(client, account, body).status_code == 400
    assert nothing_created()
