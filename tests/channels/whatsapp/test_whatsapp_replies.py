"""Replies to WhatsApp customers: what the fake receives, the status webhooks that follow
(sent → delivered → read, or failed), the 24-hour window, templates, read receipts and the
errors WhatsApp answers with."""
from __future__ import annotations

import random
import time
from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
import requests
from django.utils import timezone

from channels.http import ApiPermanentError
from channels.models import AccountStatus, InboundEvent
from channels.services import brand_account_test
from channels.types import OutboundRequest
from channels.whatsapp.client import WINDOW_CLOSED_SENT
from channels.whatsapp.connector import client_for, connector
from inbox.actions.delivery import reply_deliver
from inbox.actions.replies import ReplyError, reply_compose, ticket_reply
from inbox.enums import DeliveryStatus, OutboundStatus, TicketEventType, TicketStatus
from inbox.models import Message, OutboundMessage, Ticket
from tests.channels.whatsapp.wa_support import deliver, deliver_all

pytestmark = pytest.mark.django_db(transaction=True)

WA_ID = "420601234567"


def customer_writes(client: Any, account: Any, fake: Any, text: str = "Kde je můj balík?", **kwargs: Any) -> Any:
    sent = fake.inbound(WA_ID, text, name="Jana Nováková", **kwargs)
    deliver_all(client, account, fake)
    return Message.objects.select_related("ticket").get(platform_id=sent["id"])


def queued_reply(ticket: Ticket, agent: Any, text: str = "Dobrý den, hned to prověřím.") -> OutboundMessage:
    with mock.patch("inbox.tasks.deliver_outbound.delay"):
        message = ticket_reply(ticket=ticket, agent=agent, text=text)
    return OutboundMessage.objects.get(message=message)


def status_of(message: Message) -> str:
    message.refresh_from_db()
    return message.delivery_status


# --- the reply ------------------------------------------------------------------------
def test_reply_goes_out_once_with_the_threading_whatsapp_needs(
    client: Any, wa_account: Any, fake_wa: Any, agent: Any
) -> None:
    asked = customer_writes(client, wa_account, fake_wa)
    reply = ticket_reply(ticket=asked.ticket, agent=agent, text="Dobrý den {{ customer.first_name }}, prověřím to. 📦")
    [sent] = fake_wa.outbound()
    assert sent["to"] == WA_ID
    assert sent["type"] == "text"
    assert sent["text"] == "Dobrý den Jana, prověřím to. 📦 ^JD"
    assert sent["preview_url"] is False
    assert sent["context_message_id"] == asked.platform_id
    assert sent["phone_number_id"] == wa_account.credentials["phone_number_id"]
    reply.refresh_from_db()
    assert reply.platform_id == sent["id"] and reply.delivery_status == DeliveryStatus.SENT


def test_request_body_is_the_documented_shape(wa_account: Any, fake_wa: Any) -> None:
    fake_wa.inbound(WA_ID, "hi")
    original = requests.Session.request
    with mock.patch.object(requests.Session, "request", autospec=True, side_effect=original) as spy:
        connector.send(wa_account, OutboundRequest(text="Hello", recipient=WA_ID, in_reply_to="wamid.Q1"))
    _, method, url = spy.call_args.args
    assert method == "POST" and url == f"{fake_wa.base_url}/v21.0/{wa_account.credentials['phone_number_id']}/messages"
    assert spy.call_args.kwargs["json"] == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": WA_ID,
        "type": "text",
        "text": {"body": "Hello", "preview_url": False},
        "context": {"message_id": "wamid.Q1"},
    }


# --- statuses -------------------------------------------------------------------------
def test_status_webhooks_move_the_reply_to_delivered_then_read(
    client: Any, wa_account: Any, fake_wa: Any, agent: Any
) -> None:
    asked = customer_writes(client, wa_account, fake_wa)
    reply = ticket_reply(ticket=asked.ticket, agent=agent, text="Prověřuji.")
    sent, delivered, read = fake_wa.take_deliveries()
    assert [d.kind for d in (sent, delivered, read)] == ["statuses"] * 3
    deliver(client, wa_account, sent)
    assert status_of(reply) == DeliveryStatus.SENT
    deliver(client, wa_account, delivered)
    assert status_of(reply) == DeliveryStatus.DELIVERED
    deliver(client, wa_account, read)
    assert status_of(reply) == DeliveryStatus.READ
    assert set(InboundEvent.objects.filter(kind__startswith="status.").values_list("platform_id", flat=True)) == {
        f"{reply.platform_id}:sent", f"{reply.platform_id}:delivered", f"{reply.platform_id}:read"
    }


def test_statuses_three_times_and_out_of_order_end_at_read(
    client: Any, wa_account: Any, fake_wa: Any, agent: Any
) -> None:
    asked = customer_writes(client, wa_account, fake_wa)
    reply = ticket_reply(ticket=asked.ticket, agent=agent, text="Prověřuji.")
    sent, delivered, read = fake_wa.take_deliveries()
    order = [read, delivered, sent] + random.Random(7).sample([sent, delivered, read] * 2, 6)
    for delivery in order:
        assert deliver(client, wa_account, delivery).status_code == 200
    assert status_of(reply) == DeliveryStatus.READ
    assert InboundEvent.objects.filter(kind__startswith="status.").count() == 3
    updates = reply.ticket.events.filter(type=TicketEventType.REPLY_DELIVERY)
    assert [e.payload.get("status") for e in updates] == ["read"]


def test_delivered_after_read_in_one_batch_ends_at_read(
    client: Any, wa_account: Any, fake_wa: Any, agent: Any
) -> None:
    asked = customer_writes(client, wa_account, fake_wa)
    reply = ticket_reply(ticket=asked.ticket, agent=agent, text="Prověřuji.")
    statuses = [d.payload["entry"][0]["changes"][0]["value"]["statuses"][0] for d in fake_wa.take_deliveries()]
    batch = fake_wa.sign(fake_wa.envelope({"statuses": list(reversed(statuses))}), "statuses")
    assert deliver(client, wa_account, batch).json() == {"received": 3, "new": 3}
    assert status_of(reply) == DeliveryStatus.READ


def test_failed_status_fails_the_reply_and_the_customer_waits_again(
    client: Any, wa_account: Any, fake_wa: Any, agent: Any
) -> None:
    asked = customer_writes(client, wa_account, fake_wa)
    fake_wa.fail_delivery(code=131026)
    reply = ticket_reply(ticket=asked.ticket, agent=agent, text="Prověřuji.")
    ticket = Ticket.objects.get(pk=asked.ticket_id)
    assert ticket.status == TicketStatus.PENDING and ticket.waiting_since is None
    [failed] = fake_wa.take_deliveries()
    assert b'"status":"failed"' in failed.body
    deliver(client, wa_account, failed)
    deliver(client, wa_account, failed)  # a redelivery changes nothing more
    assert status_of(reply) == DeliveryStatus.FAILED
    outbound = OutboundMessage.objects.get(message=reply)
    assert outbound.status == OutboundStatus.FAILED
    assert outbound.last_error == "WhatsApp: Message undeliverable (code 131026). Message Undeliverable."
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN
    assert ticket.waiting_since == asked.sent_at and ticket.first_response_at is None
    assert ticket.events.filter(type=TicketEventType.REPLY_FAILED).count() == 1


def test_late_delivered_after_failed_does_not_revive_the_reply(
    client: Any, wa_account: Any, fake_wa: Any, agent: Any
) -> None:
    asked = customer_writes(client, wa_account, fake_wa)
    fake_wa.fail_delivery(code=131026)
    reply = ticket_reply(ticket=asked.ticket, agent=agent, text="Prověřuji.")
    deliver_all(client, wa_account, fake_wa)
    status = {"id": reply.platform_id, "status": "delivered", "timestamp": str(int(time.time())), "recipient_id": WA_ID}
    late = fake_wa.sign(fake_wa.envelope({"statuses": [status]}), "statuses")
    deliver(client, wa_account, late)
    assert status_of(reply) == DeliveryStatus.FAILED


# --- errors while sending -------------------------------------------------------------
@pytest.mark.parametrize("code", [130429, 131056, 131048, 80007, 4])
def test_rate_limited_reply_waits_and_then_goes_once(
    client: Any, wa_account: Any, fake_wa: Any, agent: Any, code: int
) -> None:
    asked = customer_writes(client, wa_account, fake_wa)
    outbound = queued_reply(asked.ticket, agent)
    fake_wa.fail(code=code)
    before = timezone.now()
    retry_at = reply_deliver(outbound_id=outbound.pk)
    assert retry_at is not None and retry_at >= before + timedelta(seconds=50)
    outbound.refresh_from_db()
    assert outbound.status == OutboundStatus.QUEUED and f"code {code}" in outbound.last_error
    assert outbound.next_attempt_at == retry_at
    assert fake_wa.outbound() == []
    assert reply_deliver(outbound_id=outbound.pk) == retry_at  # not before its time
    OutboundMessage.objects.filter(pk=outbound.pk).update(next_attempt_at=timezone.now())
    assert reply_deliver(outbound_id=outbound.pk) is None
    assert len(fake_wa.outbound()) == 1
    outbound.refresh_from_db()
    assert outbound.status == OutboundStatus.SENT


def test_server_error_is_retried_and_sent_exactly_once(
    client: Any, wa_account: Any, fake_wa: Any, agent: Any
) -> None:
    asked = customer_writes(client, wa_account, fake_wa)
    outbound = queued_reply(asked.ticket, agent)
    fake_wa.fail(status=500, times=2)
    for _ in range(2):
        assert reply_deliver(outbound_id=outbound.pk) is not None
        outbound.refresh_from_db()
        assert outbound.status == OutboundStatus.UNKNOWN
        OutboundMessage.objects.filter(pk=outbound.pk).update(next_attempt_at=timezone.now())
    assert reply_deliver(outbound_id=outbound.pk) is None
    outbound.refresh_from_db()
    assert outbound.status == OutboundStatus.SENT and outbound.attempts == 3
    assert len(fake_wa.outbound()) == 1


def test_unknown_outcome_after_whatsapp_acted_is_sent_again(
    client: Any, wa_account: Any, fake_wa: Any, agent: Any
) -> None:
    """The Cloud API cannot look up sent messages (find_sent is None): a reply that went out
    before a 5xx goes out a second time. Documented in doc.md."""
    asked = customer_writes(client, wa_account, fake_wa)
    outbound = queued_reply(asked.ticket, agent)
    fake_wa.fail(status=500, mode="after")
    reply_deliver(outbound_id=outbound.pk)
    OutboundMessage.objects.filter(pk=outbound.pk).update(next_attempt_at=timezone.now())
    reply_deliver(outbound_id=outbound.pk)
    assert len(fake_wa.outbound()) == 2
    assert connector.find_sent(wa_account, OutboundRequest(text="x", recipient=WA_ID)) is None


def test_revoked_token_fails_the_reply_and_breaks_the_account(
    client: Any, wa_account: Any, fake_wa: Any, agent: Any
) -> None:
    asked = customer_writes(client, wa_account, fake_wa)
    fake_wa.fail(code=190)
    reply = ticket_reply(ticket=asked.ticket, agent=agent, text="Prověřuji.")
    assert status_of(reply) == DeliveryStatus.FAILED
    wa_account.refresh_from_db()
    assert wa_account.status == AccountStatus.BROKEN and "code 190" in wa_account.last_error
    assert fake_wa.outbound() == []
    # The next reply fails at once, without calling WhatsApp, until an admin reconnects.
    second = ticket_reply(ticket=asked.ticket, agent=agent, text="Ještě jednou.")
    assert status_of(second) == DeliveryStatus.FAILED
    assert "reconnecting" in OutboundMessage.objects.get(message=second).last_error


def test_wrong_token_from_the_start_is_an_auth_error(
    client: Any, wa_account: Any, fake_wa: Any, agent: Any
) -> None:
    asked = customer_writes(client, wa_account, fake_wa)
    wa_account.credentials = {**wa_account.credentials, "access_token": "revoked"}
    wa_account.save()
    reply = ticket_reply(ticket=asked.ticket, agent=agent, text="Prověřuji.")
    assert status_of(reply) == DeliveryStatus.FAILED
    wa_account.refresh_from_db()
    assert wa_account.status == AccountStatus.BROKEN


def test_window_error_from_whatsapp_fails_the_reply_with_a_clear_message(
    client: Any, wa_account: Any, fake_wa: Any, agent: Any
) -> None:
    asked = customer_writes(client, wa_account, fake_wa)
    fake_wa.fail(code=131047)
    reply = ticket_reply(ticket=asked.ticket, agent=agent, text="Prověřuji.")
    assert status_of(reply) == DeliveryStatus.FAILED
    assert OutboundMessage.objects.get(message=reply).last_error == WINDOW_CLOSED_SENT
    wa_account.refresh_from_db()
    assert wa_account.status == AccountStatus.ACTIVE


# --- the 24-hour window and templates -------------------------------------------------
def test_after_24_hours_the_composer_refuses_free_text_and_names_the_templates(
    client: Any, wa_account: Any, fake_wa: Any, agent: Any
) -> None:
    asked = customer_writes(client, wa_account, fake_wa, at=time.time() - 25 * 3600)
    composed = reply_compose(ticket=asked.ticket, agent=agent, text="Omlouváme se za zpoždění.")
    assert not composed.ok
    assert "24 hours" in composed.error and "25 hours ago" in composed.error
    assert "follow_up (en_US), order_update (cs)" in composed.error
    with pytest.raises(ReplyError):
        ticket_reply(ticket=asked.ticket, agent=agent, text="Omlouváme se za zpoždění.")
    assert fake_wa.outbound() == []
    assert not OutboundMessage.objects.exists()


def test_inside_the_window_the_composer_allows_free_text(
    client: Any, wa_account: Any, fake_wa: Any, agent: Any
) -> None:
    asked = customer_writes(client, wa_account, fake_wa, at=time.time() - 23 * 3600)
    assert reply_compose(ticket=asked.ticket, agent=agent, text="Hned to bude.").ok


def test_a_new_customer_message_reopens_the_window(client: Any, wa_account: Any, fake_wa: Any, agent: Any) -> None:
    old = customer_writes(client, wa_account, fake_wa, at=time.time() - 30 * 3600)
    assert not reply_compose(ticket=old.ticket, agent=agent, text="Hello").ok
    customer_writes(client, wa_account, fake_wa, text="Haló?")
    assert reply_compose(ticket=old.ticket, agent=agent, text="Hello").ok
    ticket_reply(ticket=old.ticket, agent=agent, text="Hello")
    assert len(fake_wa.outbound()) == 1


def test_template_goes_out_after_the_window_while_free_text_is_refused(
    client: Any, wa_account: Any, fake_wa: Any, agent: Any
) -> None:
    asked = customer_writes(client, wa_account, fake_wa, at=time.time() - 48 * 3600)
    assert not reply_compose(ticket=asked.ticket, agent=agent, text="Free text").ok
    # The fake refuses free text too (131047) …
    with pytest.raises(ApiPermanentError) as refused:
        client_for(wa_account).send_text(to=WA_ID, body="Free text")
    assert refused.value.message == WINDOW_CLOSED_SENT
    # … but an approved template goes out.
    wamid = connector.send_template(wa_account, WA_ID, "follow_up", "en_US", ["Jana", "#4411"])
    [sent] = fake_wa.outbound()
    assert sent["id"] == wamid and sent["type"] == "template" and sent["to"] == WA_ID
    assert sent["template"] == {"name": "follow_up", "language": "en_US", "params": ["Jana", "#4411"]}
    assert sent["text"] == "Hi Jana, we have an update on your request #4411."


def test_send_outside_the_window_is_a_permanent_error_without_calling_whatsapp(
    wa_account: Any, fake_wa: Any
) -> None:
    old = int(time.time()) - 25 * 3600
    request = OutboundRequest(text="Hello", recipient=WA_ID, in_reply_to="wamid.OLD", extra={"timestamp": old})
    with pytest.raises(ApiPermanentError) as info:
        connector.send(wa_account, request)
    assert "24 hours" in info.value.message and "follow_up (en_US)" in info.value.message
    assert fake_wa.requests_log() == []


def test_template_checks_against_the_accounts_list(wa_account: Any, fake_wa: Any) -> None:
    with pytest.raises(ApiPermanentError, match="not one of this account's approved templates"):
        connector.send_template(wa_account, WA_ID, "hello_world", "en_US", [])
    with pytest.raises(ApiPermanentError, match="takes 2 parameter"):
        connector.send_template(wa_account, WA_ID, "follow_up", "en_US", ["only one"])
    assert fake_wa.requests_log() == []


def test_template_unknown_to_whatsapp_is_refused_by_whatsapp(wa_account: Any, fake_wa: Any) -> None:
    wa_account.credentials = {**wa_account.credentials, "templates": []}
    wa_account.save()
    with pytest.raises(ApiPermanentError, match="132001"):
        connector.send_template(wa_account, WA_ID, "no_such_template", "en_US", [])
    assert fake_wa.outbound() == []


def test_mark_read_sends_a_read_receipt(client: Any, wa_account: Any, fake_wa: Any) -> None:
    asked = customer_writes(client, wa_account, fake_wa)
    assert connector.mark_read(wa_account, asked.platform_id) is True
    assert [r["message_id"] for r in fake_wa.reads()] == [asked.platform_id]
    with pytest.raises(ApiPermanentError):
        connector.mark_read(wa_account, "wamid.unknown")


# --- length ---------------------------------------------------------------------------
def test_length_limit_is_4096_characters(client: Any, wa_account: Any, fake_wa: Any, agent: Any) -> None:
    asked = customer_writes(client, wa_account, fake_wa)
    fits = "č" * (4096 - len(" ^JD"))
    assert reply_compose(ticket=asked.ticket, agent=agent, text=fits).ok
    too_long = reply_compose(ticket=asked.ticket, agent=agent, text=fits + "x")
    assert too_long.error == "Too long for WhatsApp: 4097/4096."
    ticket_reply(ticket=asked.ticket, agent=agent, text=fits)
    assert len(fake_wa.outbound()[0]["text"]) == 4096
    with pytest.raises(ApiPermanentError, match="4097/4096"):
        connector.send(wa_account, OutboundRequest(text="x" * 4097, recipient=WA_ID))


# --- admin ----------------------------------------------------------------------------
def test_connection_test_names_the_number(wa_account: Any, fake_wa: Any) -> None:
    check = brand_account_test(account=wa_account)
    assert check.ok, check.error
    assert check.details["name"] == "Acme Care" and check.details["display_phone_number"] == "15550783881"
    fake_wa.fail(code=190)
    assert "code 190" in brand_account_test(account=wa_account).error


def test_check_reply_without_a_ticket_still_explains_the_window(wa_account: Any) -> None:
    """Called outside reply_compose (no ticket to read the account from), the sentence
    refers to the account's templates without naming them."""
    from dataclasses import dataclass

    from channels.base import ReplyContext

    now = timezone.now()
    assert connector.check_reply(ReplyContext(kind="message", last_customer_message_at=now, now=now)) == ""
    closed = ReplyContext(kind="message", last_customer_message_at=now - timedelta(hours=30), now=now)
    assert "approved message templates" in connector.check_reply(closed)

    @dataclass(frozen=True)
    class ContextWithAccount(ReplyContext):  # what a ReplyContext carrying the account would give
        account: Any = None

    with_account = ContextWithAccount(
        kind="message", last_customer_message_at=closed.last_customer_message_at, now=now, account=wa_account
    )
    named = connector.check_reply(with_account)
    assert "follow_up (en_US), order_update (cs)" in named
