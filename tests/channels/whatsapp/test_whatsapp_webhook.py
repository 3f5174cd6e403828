"""WhatsApp webhooks end to end: Meta's handshake, the X-Hub-Signature-256 check, the
fake's signed deliveries through Django's test client into tickets, redeliveries and
out-of-order arrival, and bodies that must be refused without creating anything."""
from __future__ import annotations

import json
import time
from typing import Any

import pytest

from channels.meta.webhooks import signature_for
from channels.models import InboundEvent, InboundEventStatus
from inbox.models import Identity, Message, Ticket
from tests.channels.webhook_support import fixture_bytes, post_webhook
from tests.channels.whatsapp.wa_support import WA_CREDENTIALS, deliver, deliver_all

pytestmark = pytest.mark.django_db(transaction=True)

SECRET = WA_CREDENTIALS["app_secret"]
FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"


def signed(body: bytes, secret: str = SECRET) -> dict[str, str]:
    return {"X-Hub-Signature-256": signature_for(secret, body)}


def nothing_created() -> bool:
    return not InboundEvent.objects.exists() and not Message.objects.exists() and not Ticket.objects.exists()


# --- handshake ------------------------------------------------------------------------
def test_handshake_echoes_the_challenge(client: Any, wa_account: Any) -> None:
    response = client.get(
        f"/webhooks/whatsapp/{wa_account.pk}/",
        {"hub.mode": "subscribe", "hub.verify_token": WA_CREDENTIALS["verify_token"], "hub.challenge": "1158201444"},
    )
    assert response.status_code == 200
    assert response.content == b"1158201444"
    assert response["Content-Type"].startswith("text/plain")


@pytest.mark.parametrize(
    "params",
    [
        {"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "1"},
        {"hub.mode": "unsubscribe", "hub.verify_token": WA_CREDENTIALS["verify_token"], "hub.challenge": "1"},
        {"hub.challenge": "1"},
    ],
)
def test_handshake_with_a_wrong_token_or_mode_is_refused(client: Any, wa_account: Any, params: dict[str, str]) -> None:
    response = client.get(f"/webhooks/whatsapp/{wa_account.pk}/", params)
    assert response.status_code == 403
    assert response.content != b"1"


# --- signatures -----------------------------------------------------------------------
def test_valid_signature_is_accepted(client: Any, wa_account: Any, fake_wa: Any) -> None:
    fake_wa.inbound("420601234567", "Dobrý den", name="Jana Nováková")
    [response] = deliver_all(client, wa_account, fake_wa)
    assert response.json() == {"received": 1, "new": 1}
    assert Message.objects.get().text == "Dobrý den"


def test_invalid_signature_is_403_and_creates_nothing(client: Any, wa_account: Any, fake_wa: Any) -> None:
    fake_wa.inbound("420601234567", "Dobrý den")
    [delivery] = fake_wa.take_deliveries()
    wrong = post_webhook(client, "whatsapp", wa_account.pk, delivery.body, signed(delivery.body, "not-the-secret"))
    tampered_body = delivery.body.replace(b"Dobr", b"Zlob")
    tampered = post_webhook(client, "whatsapp", wa_account.pk, tampered_body, {
        "X-Hub-Signature-256": delivery.headers["X-Hub-Signature-256"]})
    assert (wrong.status_code, tampered.status_code) == (403, 403)
    assert nothing_created()


def test_missing_or_legacy_only_signature_is_403(client: Any, wa_account: Any, fake_wa: Any) -> None:
    fake_wa.inbound("420601234567", "Dobrý den")
    [delivery] = fake_wa.take_deliveries()
    missing = post_webhook(client, "whatsapp", wa_account.pk, delivery.body)
    sha1_only = post_webhook(client, "whatsapp", wa_account.pk, delivery.body,
                             {"X-Hub-Signature": delivery.headers["X-Hub-Signature"]})
    not_prefixed = post_webhook(client, "whatsapp", wa_account.pk, delivery.body,
                                {"X-Hub-Signature-256": delivery.headers["X-Hub-Signature-256"][7:]})
    assert [r.status_code for r in (missing, sha1_only, not_prefixed)] == [403, 403, 403]
    assert nothing_created()


def test_signature_is_over_the_raw_bytes_not_a_reserialisation(client: Any, wa_account: Any) -> None:
    """Meta escapes non-ASCII (\\u00e1) and slashes (\\/): a re-serialised body would not match."""
    body = fixture_bytes("whatsapp", "messages__text_czech_emoji.json")
    assert b"\\u00ed" in body and body.isascii()
    response = post_webhook(client, "whatsapp", wa_account.pk, body, signed(body))
    assert response.status_code == 200
    reserialised = json.dumps(json.loads(body), ensure_ascii=False).encode()
    assert post_webhook(client, "whatsapp", wa_account.pk, reserialised, signed(body)).status_code == 403


def test_replayed_delivery_makes_one_message(client: Any, wa_account: Any, fake_wa: Any) -> None:
    fake_wa.inbound("420601234567", "Kde je můj balík?")
    deliver_all(client, wa_account, fake_wa)
    [again, third] = fake_wa.redeliver(times=2)
    assert again.body == fake_wa.deliveries()[0].body
    assert deliver(client, wa_account, again).json() == {"received": 1, "new": 0}
    assert deliver(client, wa_account, third).json() == {"received": 1, "new": 0}
    assert Message.objects.count() == 1 and InboundEvent.objects.count() == 1


def test_another_accounts_secret_does_not_open_this_account(client: Any, wa_account: Any, brand: Any) -> None:
    from channels.services import brand_account_connect

    other = brand_account_connect(brand=brand, platform="whatsapp", handle="+15550000000",
                                  credentials={**WA_CREDENTIALS, "app_secret": "other-secret"})
    body = fixture_bytes("whatsapp", "messages__text.json")
    assert post_webhook(client, "whatsapp", other.pk, body, signed(body)).status_code == 403
    assert post_webhook(client, "whatsapp", wa_account.pk, body, signed(body, "other-secret")).status_code == 403
    assert nothing_created()


# --- end to end -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("Jana Nováková", f"Příliš žluťoučký kůň úpěl ďábelské ódy {FAMILY}🇨🇿 <b>&amp;</b> \"/\\ ok"),
        ("Мария Петрова", "Здравейте! Поръчка № 58213 още не е пристигнала.\nКога да я очаквам? 🙏"),
        ("李雷 🚀", "  leading and trailing spaces stay  \t"),
    ],
)
def test_customer_message_arrives_byte_for_byte(
    client: Any, wa_account: Any, fake_wa: Any, name: str, text: str
) -> None:
    sent = fake_wa.inbound("359881234567", text, name=name)
    [delivery] = fake_wa.take_deliveries()
    assert delivery.body.isascii()  # Meta's \uXXXX escaping, signed as such
    assert deliver(client, wa_account, delivery).status_code == 200

    message = Message.objects.select_related("ticket", "author_identity").get()
    assert message.text == text
    assert message.platform_id == sent["id"]
    assert message.kind == "message" and message.thread_key == "359881234567"
    identity = message.author_identity
    assert (identity.external_id, identity.handle, identity.display_name) == ("359881234567", "+359881234567", name)
    assert message.ticket.customer.name == name
    assert InboundEvent.objects.get().status == InboundEventStatus.PROCESSED


def test_fixture_delivery_with_two_customers_makes_two_tickets(client: Any, wa_account: Any) -> None:
    body = fixture_bytes("whatsapp", "messages__batched_two_customers.json")
    response = post_webhook(client, "whatsapp", wa_account.pk, body, signed(body))
    assert response.json() == {"received": 2, "new": 2}
    assert sorted(Message.objects.values_list("text", flat=True)) == [
        "Dobrý večer, máte otevřeno i zítra?",
        "Благодаря за бързия отговор! 👍",
    ]
    assert Ticket.objects.count() == 2
    assert set(Identity.objects.values_list("display_name", flat=True)) == {"Jana Nováková", "Мария Петрова"}


def test_media_message_keeps_caption_and_attachment(client: Any, wa_account: Any, fake_wa: Any) -> None:
    fake_wa.inbound("420601234567", "Faktura", kind="document", filename="Faktura č. 12.pdf")
    fake_wa.inbound("420601234567", "", kind="audio")
    deliver_all(client, wa_account, fake_wa)
    document, voice = Message.objects.order_by("id")
    assert document.text == "Faktura"
    assert document.attachments == [
        {"filename": "Faktura č. 12.pdf", "content_type": "application/pdf", "size": None, "url": ""}
    ]
    assert document.extra["media"][0]["id"].isdigit()
    assert voice.text == "" and voice.attachments[0]["content_type"] == "audio/ogg; codecs=opus"
    assert voice.attachments[0]["filename"].endswith(".ogg")


def test_each_message_once_whatever_the_order_and_repeats(client: Any, wa_account: Any, fake_wa: Any) -> None:
    now = time.time()
    first = fake_wa.inbound("48601234567", "Dzień dobry", name="Piotr Nowak", at=now - 60)
    second = fake_wa.inbound("48601234567", "Gdzie moja paczka?", name="Piotr Nowak", at=now - 30)
    one, two = fake_wa.take_deliveries()
    for delivery in (two, one, two, one, one, two):
        assert deliver(client, wa_account, delivery).status_code == 200
    messages = list(Message.objects.order_by("sent_at"))
    assert [m.platform_id for m in messages] == [first["id"], second["id"]]
    assert [m.text for m in messages] == ["Dzień dobry", "Gdzie moja paczka?"]
    assert Ticket.objects.count() == 1 and InboundEvent.objects.count() == 2


def test_ignored_types_make_no_message_and_unsupported_ones_a_placeholder(client: Any, wa_account: Any) -> None:
    for name in ("messages__reaction.json", "messages__unsupported.json", "messages__system_changed_number.json"):
        body = fixture_bytes("whatsapp", name)
        assert post_webhook(client, "whatsapp", wa_account.pk, body, signed(body)).status_code == 200
    data = json.loads(fixture_bytes("whatsapp", "messages__text.json"))
    data["entry"][0]["changes"][0]["value"]["messages"][0].update(type="poll_vote", poll_vote={"option": 1})
    body = json.dumps(data).encode()
    assert post_webhook(client, "whatsapp", wa_account.pk, body, signed(body)).status_code == 200
    # What the Cloud API cannot show, and types newer than Hovor: placeholders, never silence.
    placeholders = Message.objects.all()
    assert sorted((m.text, m.extra["unsupported"]["what"]) for m in placeholders) == [
        ("", "poll_vote"), ("", "unsupported")
    ]
    statuses = dict(InboundEvent.objects.values_list("kind", "status"))
    # Skipped on purpose (declared): stored, marked ignored.
    assert statuses == {
        "message.reaction": InboundEventStatus.IGNORED,
        "message.unsupported": InboundEventStatus.PROCESSED,
        "message.system": InboundEventStatus.IGNORED,
        "message.poll_vote": InboundEventStatus.PROCESSED,
    }


def test_business_app_echoes_are_stored_and_ignored(client: Any, wa_account: Any) -> None:
    """A message sent from the WhatsApp Business app on the brand's number is our side's, as
    an echo is on every platform: stored, marked ignored (with why), never a message."""
    body = fixture_bytes("whatsapp", "smb_message_echoes__text.json")
    response = post_webhook(client, "whatsapp", wa_account.pk, body, signed(body))
    assert response.status_code == 200 and response.json() == {"received": 1, "new": 1}
    event = InboundEvent.objects.get()
    assert (event.kind, event.platform_id) == ("message_echo", "echo:wamid.CAsVAgASGDQyMDYwMTIzNDU2NzpFQ0hPMQ==")
    assert event.status == InboundEventStatus.IGNORED
    assert not Message.objects.exists() and not Ticket.objects.exists()
    # A redelivery dedupes.
    assert post_webhook(client, "whatsapp", wa_account.pk, body, signed(body)).json() == {"received": 1, "new": 0}


@pytest.mark.parametrize(
    "name", ["message_template_status_update__approved.json", "errors__value_errors.json"],
)
def test_other_fields_and_value_errors_are_acknowledged(client: Any, wa_account: Any, name: str) -> None:
    body = fixture_bytes("whatsapp", name)
    response = post_webhook(client, "whatsapp", wa_account.pk, body, signed(body))
    assert response.status_code == 200 and response.json() == {"received": 0, "new": 0}
    assert nothing_created()


def test_delivery_for_another_number_of_the_app_is_still_taken(client: Any, wa_account: Any) -> None:
    """Meta sends every number of an app to one callback URL: a customer message is never dropped."""
    data = json.loads(fixture_bytes("whatsapp", "messages__text.json"))
    data["entry"][0]["changes"][0]["value"]["metadata"]["phone_number_id"] = "999999999999999"
    body = json.dumps(data, ensure_ascii=True).encode()
    assert post_webhook(client, "whatsapp", wa_account.pk, body, signed(body)).status_code == 200
    assert Message.objects.count() == 1


def test_quoted_reply_threads_into_the_ticket_of_the_quoted_message(
    client: Any, wa_account: Any, fake_wa: Any
) -> None:
    first = fake_wa.inbound("420601234567", "Objednávka 4411?", name="Jana")
    deliver_all(client, wa_account, fake_wa)
    ticket = Ticket.objects.get()
    Ticket.objects.filter(pk=ticket.pk).update(status="solved")
    fake_wa.inbound("420601234567", "Ještě jedna věc k té objednávce", in_reply_to=first["id"])
    deliver_all(client, wa_account, fake_wa)
    follow_up = Message.objects.get(in_reply_to_platform_id=first["id"])
    assert follow_up.ticket_id == ticket.pk
    assert Ticket.objects.count() == 1


# --- malformed bodies -----------------------------------------------------------------
def _signed_post(client: Any, account: Any, body: bytes) -> Any:
    return post_webhook(client, "whatsapp", account.pk, body, signed(body))


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(fixture_bytes("whatsapp", "messages__text.json")[:-40], id="truncated-json"),
        pytest.param(b"", id="empty"),
        pytest.param(b"[]", id="json-list"),
        pytest.param(b'"whatsapp_business_account"', id="json-string"),
        pytest.param(b'{"object":"page","entry":[]}', id="wrong-object"),
        pytest.param(b'{"object":"whatsapp_business_account"}', id="no-entry"),
        pytest.param(b'{"object":"whatsapp_business_account","entry":{"id":"1"}}', id="entry-object"),
        pytest.param(b'{"object":"whatsapp_business_account","entry":[{"changes":"messages"}]}', id="changes-string"),
        pytest.param(b'{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":7}]}]}',
                     id="value-number"),
        pytest.param(b'{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages",'
                     b'"value":{"messages":[{"id":"wamid.x","type":"text","from":"1","timestamp":"1",'
                     b'"text":{"body":4411}}]}}]}]}', id="text-body-number"),
        pytest.param(b'{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages",'
                     b'"value":{"messages":[{"id":["wamid.x"],"type":"text"}]}}]}]}', id="id-list"),
        pytest.param(b'{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages",'
                     b'"value":{"statuses":[{"id":"wamid.x","status":"read","timestamp":"soon"}]}}]}]}',
                     id="status-timestamp-words"),
        pytest.param(fixture_bytes("whatsapp", "messages__malformed_body_number.json"), id="fixture-body-number"),
        pytest.param(fixture_bytes("whatsapp", "messages__malformed_missing_from.json"), id="fixture-missing-from"),
        pytest.param(b'{"object":"whatsapp_business_account","entry":[\xff\xfe]}', id="invalid-utf8"),
        pytest.param("{\"object\":\"whatsapp_business_account\",\"entry\":[]}".encode("utf-16"), id="utf16"),
    ],
)
def test_malformed_signed_bodies_are_400_and_create_nothing(client: Any, wa_account: Any, body: bytes) -> None:
    response = _signed_post(client, wa_account, body)
    assert response.status_code == 400
    assert nothing_created()


def test_ten_megabyte_body_is_refused_before_reading(client: Any, wa_account: Any) -> None:
    body = b'{"object":"whatsapp_business_account","entry":[' + b" " * (10 * 1024 * 1024) + b"]}"
    response = _signed_post(client, wa_account, body)
    assert response.status_code == 413
    assert nothing_created()


def test_unsigned_garbage_is_403_not_400(client: Any, wa_account: Any) -> None:
    """The signature is checked first: without it nobody learns how we parse."""
    assert post_webhook(client, "whatsapp", wa_account.pk, b"\xff{not json").status_code == 403
    assert nothing_created()


def test_unknown_or_disabled_account_is_404(client: Any, wa_account: Any) -> None:
    body = fixture_bytes("whatsapp", "messages__text.json")
    assert post_webhook(client, "whatsapp", wa_account.pk + 999, body, signed(body)).status_code == 404
    type(wa_account).objects.filter(pk=wa_account.pk).update(status="disabled")
    assert _signed_post(client, wa_account, body).status_code == 404
    assert nothing_created()
