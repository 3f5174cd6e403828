"""A mention polled from the fake X becomes a ticket; the agent's reply goes back as one
signed reply tweet. Tasks run eagerly here; tests/integration runs the same with a worker."""
from __future__ import annotations

import time
from typing import Any
from unittest import mock

import pytest

from channels.inbound import account_poll
from channels.models import InboundEvent
from inbox.actions.delivery import reply_deliver
from inbox.actions.replies import ticket_reply
from inbox.enums import DeliveryStatus, Direction, OutboundStatus, TicketEventType, TicketStatus
from inbox.models import Message, OutboundMessage, Ticket
from routing.actions import presence_set

pytestmark = pytest.mark.django_db(transaction=True)


def test_mention_becomes_ticket_and_reply_goes_back(fake_x: Any, x_account: Any, agent: Any) -> None:
    presence_set(user=agent, presence="online")  # routing gives new work to agents online
    tweet = fake_x.inbound(author="@jnovakova", name="Jana Nováková", text="Kde je moje objednávka? 📦 <b>&")["data"]
    assert account_poll(account_id=x_account.pk) == 1

    ticket = Ticket.objects.get()
    message = ticket.messages.get()
    assert message.platform_id == tweet["id"]
    assert message.text == "@AcmeCare Kde je moje objednávka? 📦 <b>&"  # entities undone, bytes kept
    assert ticket.customer.name == "Jana Nováková"
    assert ticket.waiting_since is not None and ticket.first_response_due_at is not None
    assert ticket.assignee == agent  # the only agent gets it

    reply = ticket_reply(ticket=ticket, agent=agent, text="Dobrý den {{ customer.first_name }}, hned to prověřím.")
    reply.refresh_from_db()
    assert reply.delivery_status == DeliveryStatus.SENT
    sent = fake_x.outbound()
    assert len(sent) == 1
    assert sent[0]["text"] == "Dobrý den Jana, hned to prověřím. ^JD"
    assert sent[0]["in_reply_to_tweet_id"] == tweet["id"]
    assert reply.platform_id == sent[0]["id"]
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.PENDING and ticket.first_response_at is not None
    types = list(ticket.events.values_list("type", flat=True))
    assert types[0] == TicketEventType.CREATED and TicketEventType.REPLY_SENT in types


def test_second_poll_and_redelivery_make_no_duplicates(fake_x: Any, x_account: Any, agent: Any) -> None:
    for i in range(3):
        fake_x.inbound(author=f"@c{i}", name=f"C {i}", text=f"hello {i}")
    assert account_poll(account_id=x_account.pk) == 3
    assert account_poll(account_id=x_account.pk) == 0
    # Forget the cursor: the platform redelivers everything; nothing is stored twice.
    type(x_account).objects.filter(pk=x_account.pk).update(poll_cursor={})
    assert account_poll(account_id=x_account.pk) == 0
    assert InboundEvent.objects.count() == 3
    assert Message.objects.filter(direction=Direction.IN).count() == 3


def test_rate_limit_then_outage_then_ok_sends_exactly_once(fake_x: Any, x_account: Any, agent: Any) -> None:
    fake_x.inbound(author="@kowalski_m", name="Marek Kowalski", text="Gdzie moja paczka?")
    account_poll(account_id=x_account.pk)
    ticket = Ticket.objects.get()
    fake_x.fail(status=429, times=1, path="/2/tweets", reset_in=1)
    fake_x.fail(status=503, times=1, path="/2/tweets")
    # Eager mode would re-run the task at once; drive the attempts by hand instead.
    with mock.patch("inbox.tasks.deliver_outbound.delay"):
        reply = ticket_reply(ticket=ticket, agent=agent, text="Sprawdzam, {{ customer.first_name }}!")
    outbound = OutboundMessage.objects.get(message=reply)
    retry_at = reply_deliver(outbound_id=outbound.pk)
    outbound.refresh_from_db()
    assert outbound.status == OutboundStatus.QUEUED and retry_at is not None
    assert reply_deliver(outbound_id=outbound.pk) == retry_at  # not before the reset
    time.sleep(max(0.0, (retry_at - outbound.created_at).total_seconds()) + 0.2)
    reply_deliver(outbound_id=outbound.pk)  # 503: outcome unknown
    outbound.refresh_from_db()
    assert outbound.status == OutboundStatus.UNKNOWN
    type(outbound).objects.filter(pk=outbound.pk).update(next_attempt_at=outbound.created_at)
    reply_deliver(outbound_id=outbound.pk)  # checks X, finds nothing, sends
    outbound.refresh_from_db()
    assert outbound.status == OutboundStatus.SENT
    assert len(fake_x.outbound()) == 1


def test_response_lost_after_x_posted_does_not_duplicate(
    fake_x: Any, x_account: Any, agent: Any, settings: Any
) -> None:
    settings.HOVOR_HTTP_TIMEOUT = 0.5
    fake_x.inbound(author="@sarah_m", name="Sarah Miller", text="My order is late")
    account_poll(account_id=x_account.pk)
    ticket = Ticket.objects.get()
    fake_x.fail(status=201, times=1, path="/2/tweets", mode="timeout_after_commit", delay=1.5)
    with mock.patch("inbox.tasks.deliver_outbound.delay"):
        reply = ticket_reply(ticket=ticket, agent=agent, text="On it, {{ customer.first_name }}!")
    outbound = OutboundMessage.objects.get(message=reply)
    reply_deliver(outbound_id=outbound.pk)
    outbound.refresh_from_db()
    assert outbound.status == OutboundStatus.UNKNOWN
    assert len(fake_x.outbound()) == 1  # X did post it
    type(outbound).objects.filter(pk=outbound.pk).update(next_attempt_at=outbound.created_at)
    reply_deliver(outbound_id=outbound.pk)
    outbound.refresh_from_db()
    assert outbound.status == OutboundStatus.SENT
    assert outbound.platform_id == fake_x.outbound()[0]["id"]
    assert len(fake_x.outbound()) == 1


def test_failed_reply_puts_the_conversation_back_in_the_queue(fake_x: Any, x_account: Any, agent: Any) -> None:
    fake_x.inbound(author="@tom_h", name="Tom Hughes", text="Refund?")
    account_poll(account_id=x_account.pk)
    ticket = Ticket.objects.get()
    waiting = ticket.waiting_since
    fake_x.fail(status=403, times=1, path="/2/tweets")
    reply = ticket_reply(ticket=ticket, agent=agent, text="Checking, {{ customer.first_name }}.", then_status="solved")
    reply.refresh_from_db()
    ticket.refresh_from_db()
    assert reply.delivery_status == DeliveryStatus.FAILED
    assert reply.outbound.last_error.startswith("X 403")
    # The customer got nothing: still waiting since their message, unanswered, open.
    assert ticket.waiting_since == waiting and ticket.first_response_at is None
    assert ticket.status == TicketStatus.OPEN

    from inbox.actions.replies import reply_retry

    reply_retry(message=reply, actor=agent)
    reply.refresh_from_db()
    ticket.refresh_from_db()
    assert reply.delivery_status == DeliveryStatus.SENT and len(fake_x.outbound()) == 1
    assert ticket.waiting_since is None and ticket.first_response_at is not None
