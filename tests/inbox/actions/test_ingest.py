"""ticket_ingest_message: threading, idempotency, identities and the event log."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any
from unittest import mock

import pytest

from channels.models import Brand
from channels.services import brand_account_connect
from channels.types import NormalizedAuthor, NormalizedMessage
from inbox.actions.tickets import IngestResult, ticket_ingest_message, ticket_set_status
from inbox.enums import DeliveryStatus, Direction, TicketEventType, TicketStatus
from inbox.models import Customer, Identity, Message, Ticket, TicketEvent

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
_ids = count(2123706425275387904, 4194304)

ANNA = NormalizedAuthor(external_id="1432768094315454465", handle="@anna_k", display_name="Anna Kowalska")
BORIS = NormalizedAuthor(external_id="1276543210987654321", handle="@boris_bg", display_name="Борис Петров")


def next_id() -> str:
    return str(next(_ids))


def mention(
    *,
    author: NormalizedAuthor = ANNA,
    minutes: float = 0,
    platform_id: str | None = None,
    thread_key: str | None = None,
    in_reply_to: str = "",
    text: str = "@AcmeCare hello",
) -> NormalizedMessage:
    pid = platform_id or next_id()
    return NormalizedMessage(
        platform_id=pid,
        author=author,
        text=text,
        sent_at=T0 + timedelta(minutes=minutes),
        kind="mention",
        thread_key=thread_key or pid,  # a root tweet is its own conversation
        in_reply_to=in_reply_to,
        language="en",
    )


def ingest(account: Any, incoming: NormalizedMessage) -> IngestResult:
    return ticket_ingest_message(account=account, incoming=incoming)


def brand_sent_reply(ticket: Ticket, *, agent: Any = None, minutes: float = 1) -> Message:
    """The brand's reply as it is after delivery: an outbound Message with X's tweet id."""
    last_in = ticket.messages.filter(direction=Direction.IN).last()
    assert last_in is not None
    return Message.objects.create(
        ticket=ticket,
        account=ticket.account,
        direction=Direction.OUT,
        text="We're on it. ^JD",
        author_user=agent,
        platform_id=next_id(),
        in_reply_to_platform_id=last_in.platform_id or "",
        thread_key=last_in.thread_key,
        delivery_status=DeliveryStatus.SENT,
        sent_at=T0 + timedelta(minutes=minutes),
    )


def event_types(ticket: Ticket) -> list[str]:
    return list(TicketEvent.objects.filter(ticket=ticket).order_by("id").values_list("type", flat=True))


# --- creation and the event log -------------------------------------------------------
def test_first_mention_creates_ticket_customer_identity_and_event(x_account: Any) -> None:
    incoming = mention(text="@AcmeCare Kde je můj balík? 📦 <b>&")
    result = ingest(x_account, incoming)

    assert result.created and result.new_ticket
    ticket = result.message.ticket
    assert ticket.status == TicketStatus.NEW
    assert ticket.account == x_account and ticket.brand == x_account.brand
    assert ticket.waiting_since == incoming.sent_at
    assert ticket.last_message_at == incoming.sent_at
    assert ticket.first_response_due_at == incoming.sent_at + timedelta(hours=1)
    message = result.message
    assert message.direction == Direction.IN
    assert message.text == "@AcmeCare Kde je můj balík? 📦 <b>&"
    assert message.platform_id == incoming.platform_id
    assert message.thread_key == incoming.platform_id
    assert message.delivery_status == DeliveryStatus.RECEIVED
    identity = message.author_identity
    assert identity is not None
    assert (identity.platform, identity.external_id, identity.handle) == ("x", ANNA.external_id, "@anna_k")
    assert identity.customer.name == "Anna Kowalska" and identity.customer.brand == x_account.brand
    assert event_types(ticket) == [TicketEventType.CREATED]
    assert TicketEvent.objects.get(ticket=ticket).payload == {"message_id": message.pk}


def test_second_message_appends_message_received(x_account: Any) -> None:
    first = ingest(x_account, mention(minutes=0))
    second = ingest(x_account, mention(minutes=3))

    assert not second.new_ticket
    ticket = Ticket.objects.get(pk=first.message.ticket_id)
    assert ticket.status == TicketStatus.OPEN
    # The customer wrote again, so the new conversation is open: the log says so too.
    assert event_types(ticket) == [
        TicketEventType.CREATED,
        TicketEventType.MESSAGE_RECEIVED,
        TicketEventType.STATUS_CHANGED,
    ]
    received = TicketEvent.objects.get(ticket=ticket, type=TicketEventType.MESSAGE_RECEIVED)
    assert received.payload == {"message_id": second.message.pk}
    status = TicketEvent.objects.get(ticket=ticket, type=TicketEventType.STATUS_CHANGED)
    assert status.payload == {"old": TicketStatus.NEW, "new": TicketStatus.OPEN}
    assert status.actor is None
    assert ticket.last_message_at == T0 + timedelta(minutes=3)


# --- threading ------------------------------------------------------------------------
def test_reply_to_brand_reply_lands_in_that_ticket(x_account: Any, agent: Any) -> None:
    root = ingest(x_account, mention(author=ANNA)).message
    ours = brand_sent_reply(root.ticket, agent=agent)
    # Someone else answers the brand's tweet: the platform thread wins over "the customer's ticket".
    reply = ingest(
        x_account, mention(author=BORIS, minutes=5, in_reply_to=ours.platform_id or "", thread_key=root.platform_id)
    )
    assert not reply.new_ticket
    assert reply.message.ticket_id == root.ticket_id
    assert Ticket.objects.count() == 1


def test_in_reply_to_beats_the_customers_newest_open_ticket(x_account: Any, agent: Any) -> None:
    """Anna has two open tickets; her reply into the older one's thread goes there."""
    older = ingest(x_account, mention(minutes=0)).message
    ours = brand_sent_reply(older.ticket, agent=agent, minutes=1)
    ticket_set_status(ticket=older.ticket, status=TicketStatus.SOLVED, actor=agent)
    newer = ingest(x_account, mention(minutes=10)).message
    assert newer.ticket_id != older.ticket_id
    ticket_set_status(ticket=older.ticket, status=TicketStatus.OPEN, actor=agent)

    # A reply whose conversation id X reports as the root, replying to our tweet.
    reply = ingest(x_account, mention(minutes=20, in_reply_to=ours.platform_id or "", thread_key=older.platform_id))
    assert reply.message.ticket_id == older.ticket_id


def test_same_thread_key_same_ticket(x_account: Any) -> None:
    root = ingest(x_account, mention(author=ANNA)).message
    # Boris replies somewhere deeper in Anna's conversation, to a tweet Hovor never saw.
    deeper = ingest(
        x_account, mention(author=BORIS, minutes=2, thread_key=root.platform_id, in_reply_to="2123000000000000001")
    )
    assert deeper.message.ticket_id == root.ticket_id
    assert deeper.message.thread_key == root.platform_id
    assert Customer.objects.count() == 2


def test_second_root_mention_while_open_joins_the_ticket(x_account: Any) -> None:
    first = ingest(x_account, mention(minutes=0))
    second = ingest(x_account, mention(minutes=7, text="@AcmeCare any news?"))
    assert not second.new_ticket
    assert second.message.ticket_id == first.message.ticket_id


def test_root_mention_while_pending_joins_the_ticket(x_account: Any, agent: Any) -> None:
    first = ingest(x_account, mention(minutes=0)).message
    ticket_set_status(ticket=first.ticket, status=TicketStatus.PENDING, actor=agent)
    second = ingest(x_account, mention(minutes=30))
    assert second.message.ticket_id == first.ticket_id
    second.message.ticket.refresh_from_db()
    assert second.message.ticket.status == TicketStatus.OPEN


def test_after_solved_new_root_mention_opens_new_ticket(x_account: Any, agent: Any) -> None:
    first = ingest(x_account, mention(minutes=0)).message
    ticket_set_status(ticket=first.ticket, status=TicketStatus.SOLVED, actor=agent)

    again = ingest(x_account, mention(minutes=60, text="@AcmeCare new problem"))
    assert again.new_ticket
    assert again.message.ticket_id != first.ticket_id
    assert again.message.ticket.customer_id == first.ticket.customer_id
    first.ticket.refresh_from_db()
    assert first.ticket.status == TicketStatus.SOLVED


def test_reply_into_solved_thread_reopens_it(x_account: Any, agent: Any) -> None:
    root = ingest(x_account, mention(minutes=0)).message
    ours = brand_sent_reply(root.ticket, agent=agent, minutes=2)
    ticket_set_status(ticket=root.ticket, status=TicketStatus.SOLVED, actor=agent)
    root.ticket.refresh_from_db()
    assert root.ticket.waiting_since is None

    reply = ingest(x_account, mention(minutes=90, in_reply_to=ours.platform_id or "", thread_key=root.platform_id))
    assert not reply.new_ticket
    ticket = Ticket.objects.get(pk=root.ticket_id)
    assert reply.message.ticket_id == ticket.pk
    assert ticket.status == TicketStatus.OPEN
    assert ticket.waiting_since == T0 + timedelta(minutes=90)
    assert event_types(ticket)[-2:] == [TicketEventType.REOPENED, TicketEventType.STATUS_CHANGED]
    reopened = TicketEvent.objects.filter(ticket=ticket, type=TicketEventType.REOPENED).get()
    assert reopened.payload == {"message_id": reply.message.pk}
    status = TicketEvent.objects.filter(ticket=ticket, type=TicketEventType.STATUS_CHANGED).order_by("id").last()
    assert status is not None and status.payload == {"old": TicketStatus.SOLVED, "new": TicketStatus.OPEN}
    assert Ticket.objects.count() == 1


def test_thread_key_into_solved_ticket_reopens_it(x_account: Any, agent: Any) -> None:
    root = ingest(x_account, mention(minutes=0)).message
    ticket_set_status(ticket=root.ticket, status=TicketStatus.SOLVED, actor=agent)
    later = ingest(x_account, mention(minutes=45, thread_key=root.platform_id, in_reply_to="2123000000000000002"))
    assert later.message.ticket_id == root.ticket_id
    assert TicketEventType.REOPENED in event_types(root.ticket)


def test_two_customers_two_tickets(x_account: Any) -> None:
    a = ingest(x_account, mention(author=ANNA))
    b = ingest(x_account, mention(author=BORIS, minutes=1))
    assert a.new_ticket and b.new_ticket
    assert a.message.ticket_id != b.message.ticket_id
    assert a.message.ticket.customer_id != b.message.ticket.customer_id
    assert Ticket.objects.count() == 2


# --- idempotency ----------------------------------------------------------------------
def test_same_platform_message_twice_is_stored_once(x_account: Any) -> None:
    incoming = mention()
    first = ingest(x_account, incoming)
    again = ingest(x_account, incoming)

    assert first.created and not again.created
    assert not again.new_ticket
    assert again.message.pk == first.message.pk
    assert Message.objects.count() == 1
    assert Ticket.objects.count() == 1
    assert event_types(first.message.ticket) == [TicketEventType.CREATED]


def test_redelivery_after_solve_does_not_reopen(x_account: Any, agent: Any) -> None:
    incoming = mention()
    first = ingest(x_account, incoming).message
    ticket_set_status(ticket=first.ticket, status=TicketStatus.SOLVED, actor=agent)
    again = ingest(x_account, incoming)
    assert not again.created
    first.ticket.refresh_from_db()
    assert first.ticket.status == TicketStatus.SOLVED


def test_same_platform_id_on_two_accounts_is_two_messages(x_account: Any, fake_x: Any) -> None:
    other = brand_account_connect(
        brand=x_account.brand, platform="x", handle="@AcmeHelp", base_url=fake_x.base_url, credentials={}
    )
    incoming = mention()
    assert ingest(x_account, incoming).created
    assert ingest(other, incoming).created
    assert Message.objects.count() == 2


# --- identities and customers ---------------------------------------------------------
def test_identity_handle_and_name_refresh(x_account: Any) -> None:
    ingest(x_account, mention(author=ANNA))
    renamed = NormalizedAuthor(external_id=ANNA.external_id, handle="@anna_nowak", display_name="Anna Nowak")
    result = ingest(x_account, mention(author=renamed, minutes=5))

    identity = Identity.objects.get()
    assert identity.handle == "@anna_nowak"
    assert identity.display_name == "Anna Nowak"
    assert result.message.author_identity_id == identity.pk
    assert Customer.objects.count() == 1


def test_identity_keeps_name_when_platform_shows_none(x_account: Any) -> None:
    ingest(x_account, mention(author=ANNA))
    # A page without the author expansion: only the id is known.
    ingest(x_account, mention(author=NormalizedAuthor(external_id=ANNA.external_id), minutes=5))
    identity = Identity.objects.get()
    assert (identity.handle, identity.display_name) == ("@anna_k", "Anna Kowalska")


def test_customer_without_name_gets_handle(x_account: Any) -> None:
    author = NormalizedAuthor(external_id="1544412345678901234", handle="@lukas_b")
    result = ingest(x_account, mention(author=author))
    assert result.message.ticket.customer.name == "lukas_b"


def test_customers_are_per_brand(x_account: Any, fake_x: Any) -> None:
    other_brand = Brand.objects.create(name="Globex")
    globex = brand_account_connect(
        brand=other_brand, platform="x", handle="@GlobexCare", base_url=fake_x.base_url, credentials={}
    )
    a = ingest(x_account, mention(author=ANNA))
    b = ingest(globex, mention(author=ANNA, minutes=1))

    assert a.new_ticket and b.new_ticket
    ca, cb = a.message.ticket.customer, b.message.ticket.customer
    assert ca.pk != cb.pk
    assert (ca.brand, cb.brand) == (x_account.brand, other_brand)
    assert Identity.objects.filter(external_id=ANNA.external_id).count() == 2
    assert b.message.ticket.brand == other_brand


# --- waiting_since --------------------------------------------------------------------
def test_waiting_since_stays_the_earliest_unanswered(x_account: Any) -> None:
    first = ingest(x_account, mention(minutes=0)).message
    ingest(x_account, mention(minutes=5))
    ingest(x_account, mention(minutes=9))
    ticket = Ticket.objects.get(pk=first.ticket_id)
    assert ticket.waiting_since == T0
    assert ticket.last_message_at == T0 + timedelta(minutes=9)


def test_waiting_since_is_earliest_when_ingested_newest_first(x_account: Any) -> None:
    """X pages newest first: an older mention can arrive after a newer one."""
    newer = ingest(x_account, mention(minutes=10)).message
    ingest(x_account, mention(minutes=2))  # the same poll's older mention, ingested second
    ticket = Ticket.objects.get(pk=newer.ticket_id)
    assert ticket.last_message_at == T0 + timedelta(minutes=10)
    assert ticket.waiting_since == T0 + timedelta(minutes=2)


def test_waiting_since_restarts_after_an_answer(x_account: Any, agent: Any) -> None:
    from inbox.actions.replies import ticket_reply

    first = ingest(x_account, mention(minutes=0)).message
    ticket_reply(ticket=first.ticket, agent=agent, text="Checking, {{ customer.first_name }}.")
    ticket = Ticket.objects.get(pk=first.ticket_id)
    assert ticket.waiting_since is None and ticket.status == TicketStatus.PENDING

    ingest(x_account, mention(minutes=30))
    ingest(x_account, mention(minutes=31))
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN
    assert ticket.waiting_since == T0 + timedelta(minutes=30)


def test_first_response_due_follows_the_earliest_message(x_account: Any) -> None:
    """The SLA clock starts when the customer first wrote, not when Hovor saw it first."""
    newer = ingest(x_account, mention(minutes=10)).message
    ingest(x_account, mention(minutes=2))
    ticket = Ticket.objects.get(pk=newer.ticket_id)
    assert ticket.first_response_due_at == T0 + timedelta(minutes=2) + timedelta(hours=1)


@pytest.mark.django_db(transaction=True)
def test_polled_mentions_across_pages_wait_since_the_oldest(fake_x: Any, x_account: Any) -> None:
    """Pages are recorded and ingested as they arrive, newest page first."""
    from channels.inbound import account_poll

    def at(minute: int) -> str:
        return f"2026-11-20T{9 + minute // 60:02d}:{minute % 60:02d}:00Z"

    items = [{"author": "@anna_k", "name": "Anna Kowalska", "text": "@AcmeCare first", "created_at": at(0)}]
    items += [
        {"author": f"@c{i}", "name": f"C {i}", "text": f"@AcmeCare {i}", "created_at": at(1 + i)} for i in range(100)
    ]
    items.append({"author": "@anna_k", "name": "Anna Kowalska", "text": "@AcmeCare again?", "created_at": at(110)})
    fake_x.inbound_bulk(items)  # page 1 (100, newest first) holds "again?", page 2 holds "first"
    assert account_poll(account_id=x_account.pk) == 102
    ticket = Ticket.objects.get(customer__name="Anna Kowalska")
    assert ticket.messages.count() == 2
    assert ticket.last_message_at == datetime(2026, 11, 20, 10, 50, tzinfo=UTC)
    assert ticket.waiting_since == datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


@pytest.mark.django_db(transaction=True)
def test_polled_mentions_on_one_page_make_one_ticket(fake_x: Any, x_account: Any) -> None:
    from channels.inbound import account_poll

    fake_x.inbound(author="@anna_k", name="Anna Kowalska", text="@AcmeCare first", created_at="2026-11-20T09:00:00Z")
    fake_x.inbound(author="@anna_k", name="Anna Kowalska", text="@AcmeCare again?", created_at="2026-11-20T09:05:00Z")
    assert account_poll(account_id=x_account.pk) == 2

    ticket = Ticket.objects.get()
    assert [m.text for m in ticket.messages.all()] == ["@AcmeCare first", "@AcmeCare again?"]
    assert ticket.waiting_since == datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    assert ticket.first_response_due_at == datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    assert ticket.last_message_at == datetime(2026, 11, 20, 9, 5, tzinfo=UTC)
    assert event_types(ticket)[:2] == [TicketEventType.CREATED, TicketEventType.MESSAGE_RECEIVED]


# --- a poll's page is one batch -------------------------------------------------------
def test_batch_reply_reopens_and_later_root_mention_joins(x_account: Any, agent: Any) -> None:
    from inbox.actions.ingest import IncomingItem, tickets_ingest_batch

    root = ingest(x_account, mention(minutes=0)).message
    ours = brand_sent_reply(root.ticket, agent=agent, minutes=2)
    ticket_set_status(ticket=root.ticket, status=TicketStatus.SOLVED, actor=agent)

    reply = mention(minutes=30, in_reply_to=ours.platform_id or "", thread_key=root.platform_id)
    fresh = mention(minutes=31, text="@AcmeCare and one more thing")
    result = tickets_ingest_batch(account=x_account, items=[IncomingItem(fresh), IncomingItem(reply)])

    assert result.new_ticket_ids == []
    assert {m.ticket_id for m in result.created} == {root.ticket_id}
    ticket = Ticket.objects.get(pk=root.ticket_id)
    assert ticket.status == TicketStatus.OPEN
    assert ticket.waiting_since == T0 + timedelta(minutes=30)
    assert event_types(ticket)[-3:] == [
        TicketEventType.REOPENED,
        TicketEventType.MESSAGE_RECEIVED,
        TicketEventType.STATUS_CHANGED,
    ]


def test_one_at_a_time_reply_reopens_and_later_root_mention_joins(x_account: Any, agent: Any) -> None:
    """The behaviour a batch must match."""
    root = ingest(x_account, mention(minutes=0)).message
    ours = brand_sent_reply(root.ticket, agent=agent, minutes=2)
    ticket_set_status(ticket=root.ticket, status=TicketStatus.SOLVED, actor=agent)

    ingest(x_account, mention(minutes=30, in_reply_to=ours.platform_id or "", thread_key=root.platform_id))
    fresh = ingest(x_account, mention(minutes=31, text="@AcmeCare and one more thing"))
    assert not fresh.new_ticket
    assert fresh.message.ticket_id == root.ticket_id


# --- ticket token fallback (email clients that drop In-Reply-To/References) -----------
def test_ticket_token_threads_only_for_that_tickets_customer(x_account: Any) -> None:
    from dataclasses import replace

    from inbox.actions.tickets import ticket_set_status

    first = ingest(x_account, mention(minutes=0)).message
    ticket_set_status(ticket=first.ticket, status="solved", actor=None)
    later = replace(mention(minutes=30), thread_key="", in_reply_to="", extra={"ticket_token": str(first.ticket_id)})
    assert ingest(x_account, later).message.ticket_id == first.ticket_id  # reopened by its token
    stranger = replace(
        mention(minutes=31, author=NormalizedAuthor("999", "@stranger", "Stranger")),
        thread_key="", in_reply_to="", extra={"ticket_token": str(first.ticket_id)},
    )
    assert ingest(x_account, stranger).message.ticket_id != first.ticket_id  # a guessed number threads nothing


def test_every_status_and_assignment_change_is_in_the_log(x_account: Any, agent: Any) -> None:
    """Ingest, reply, assign and status changes all write through inbox.actions.state: the
    ticket's status history can be rebuilt from its events alone."""
    from inbox.actions.replies import ticket_reply
    from inbox.actions.tickets import ticket_assign

    first = ingest(x_account, mention(minutes=0)).message
    ticket = first.ticket
    ticket_assign(ticket=ticket, assignee=agent, actor=None)
    with mock.patch("inbox.tasks.deliver_outbound.delay"):
        ticket_reply(ticket=ticket, agent=agent, text="We are on it")
    ingest(x_account, mention(minutes=5))
    ticket_set_status(ticket=ticket, status=TicketStatus.SOLVED, actor=agent)

    ticket.refresh_from_db()
    history = [
        (e.payload["old"], e.payload["new"])
        for e in TicketEvent.objects.filter(ticket=ticket, type=TicketEventType.STATUS_CHANGED).order_by("id")
    ]
    assert history == [("new", "open"), ("open", "pending"), ("pending", "open"), ("open", "solved")]
    assigned = TicketEvent.objects.get(ticket=ticket, type=TicketEventType.ASSIGNED)
    assert assigned.payload["assignee_id"] == agent.pk and assigned.payload["previous_id"] is None
    assert assigned.payload["assignee_name"]
    assert ticket.status == TicketStatus.SOLVED
