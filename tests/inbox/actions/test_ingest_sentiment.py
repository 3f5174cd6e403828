"""Ingest tags every customer message with its sentiment and keeps the ticket's sentiment
that of the customer's latest message, with an event only when the mood changes."""
from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from inbox.actions.ingest import IncomingItem, tickets_ingest_batch
from inbox.enums import TicketEventType
from inbox.models import Ticket, TicketEvent
from tests.inbox.actions.test_ingest import BORIS, ingest, mention

pytestmark = pytest.mark.django_db


def untagged(**kwargs: Any) -> Any:
    """A message whose platform does not say its language (Messenger, WhatsApp, email …)."""
    return replace(mention(**kwargs), language="")


def mood_events(ticket: Ticket) -> list[dict[str, Any]]:
    return list(
        TicketEvent.objects.filter(ticket=ticket, type=TicketEventType.SENTIMENT_CHANGED)
        .order_by("id")
        .values_list("payload", flat=True)
    )


def test_a_new_conversation_carries_the_messages_language_and_sentiment(x_account: Any) -> None:
    result = ingest(x_account, untagged(text="objednavka nedorazila, jsem nastvany"))
    message = result.message
    assert (message.language, message.sentiment) == ("cs", "negative")
    ticket = Ticket.objects.get(pk=message.ticket_id)
    assert (ticket.language, ticket.sentiment) == ("cs", "negative")
    assert mood_events(ticket) == []  # a new ticket starts with its mood; no change to log


def test_the_ticket_follows_the_latest_customer_message(x_account: Any) -> None:
    first = ingest(x_account, untagged(text="Wciąż czekam na zwrot, mam dość 😡", minutes=0))
    again = ingest(x_account, untagged(text="Nadal nic, to jakiś żart", minutes=2))
    thanks = ingest(x_account, untagged(text="Dzięki, pieniądze już są! 🙂", minutes=5))
    ticket = Ticket.objects.get(pk=first.message.ticket_id)
    assert [m.sentiment for m in (first.message, again.message, thanks.message)] == [
        "negative",
        "negative",
        "positive",
    ]
    assert ticket.sentiment == "positive"
    # Two negative messages in a row change nothing; the thanks is one change.
    assert mood_events(ticket) == [{"message_id": thanks.message.pk, "old": "negative", "new": "positive"}]


def test_an_older_message_arriving_late_does_not_overwrite_the_mood(x_account: Any) -> None:
    """X pages newest first: the customer's earlier complaint may be stored after the thanks."""
    thanks = ingest(x_account, mention(text="Thanks, all sorted now!", minutes=10))
    late = ingest(x_account, mention(text="Still waiting, this is ridiculous", minutes=5))
    assert late.message.ticket_id == thanks.message.ticket_id and late.message.sentiment == "negative"
    ticket = Ticket.objects.get(pk=thanks.message.ticket_id)
    assert ticket.sentiment == "positive"
    assert mood_events(ticket) == []


def test_a_batch_leaves_the_ticket_with_its_newest_message(x_account: Any) -> None:
    items = [
        IncomingItem(untagged(author=BORIS, text="Поръчката не е пристигнала, ужас", minutes=0)),
        IncomingItem(untagged(author=BORIS, text="Благодаря, вече е тук!", minutes=4)),
    ]
    result = tickets_ingest_batch(account=x_account, items=items)
    assert len(result.created) == 2 and len(result.new_ticket_ids) == 1
    ticket = Ticket.objects.get(pk=result.new_ticket_ids[0])
    assert ticket.sentiment == "positive"
    assert [m.sentiment for m in ticket.messages.order_by("sent_at")] == ["negative", "positive"]


def test_an_auto_reply_is_tagged_but_does_not_set_the_tickets_mood(x_account: Any) -> None:
    complaint = ingest(x_account, mention(text="Worst service ever, nobody answers", minutes=0))
    away = replace(mention(text="Thank you for your message! I'm away.", minutes=3), automated="auto_reply")
    auto = ingest(x_account, away)
    assert auto.message.sentiment == "positive"
    ticket = Ticket.objects.get(pk=complaint.message.ticket_id)
    assert ticket.sentiment == "negative"
    assert mood_events(ticket) == []


def test_a_short_message_keeps_the_conversations_language(x_account: Any) -> None:
    first = ingest(x_account, untagged(text="Dzień dobry, moje zamówienie nie dotarło", minutes=0))
    short = ingest(x_account, untagged(text="ok super", minutes=2))
    assert first.message.language == "pl"
    assert short.message.language == "pl" and short.message.sentiment == "positive"


def test_messages_stored_before_sentiment_are_tagged_by_the_command(x_account: Any) -> None:
    from django.core.management import call_command

    from inbox.models import Message

    first = ingest(x_account, mention(text="Still waiting, this is a joke", minutes=0))
    ingest(x_account, mention(text="Thanks, sorted now!", minutes=3))
    ticket_id = first.message.ticket_id
    Message.objects.update(sentiment="")  # as an installation upgraded to this version has them
    Ticket.objects.update(sentiment="")
    call_command("tag_sentiment", "--batch-size", "1")
    assert list(Message.objects.order_by("sent_at").values_list("sentiment", flat=True)) == ["negative", "positive"]
    assert Ticket.objects.get(pk=ticket_id).sentiment == "positive"
    call_command("tag_sentiment")  # again: nothing to do, nothing changes
    assert Ticket.objects.get(pk=ticket_id).sentiment == "positive"
