"""A long public reply as a numbered thread of posts: split within X's weighting, posted
in order (each replying to the one before), and never posted twice on a retry."""
from __future__ import annotations

from typing import Any
from unittest import mock

import pytest

from channels.inbound import account_poll
from channels.x.limits import weighted_length
from channels.x.threads import split_into_thread
from inbox.actions.delivery import reply_deliver
from inbox.actions.replies import reply_compose, ticket_reply
from inbox.enums import OutboundStatus
from inbox.models import OutboundMessage, Ticket

LONG = " ".join(["Dobrý den, omlouváme se za zpoždění vaší objednávky č. 12345 🙏"] * 9)


def test_short_text_is_one_post() -> None:
    assert split_into_thread("Díky! ^JD") == ["Díky! ^JD"]


def test_long_text_is_numbered_posts_within_the_budget() -> None:
    parts = split_into_thread(LONG + " ^JD")
    assert len(parts) > 1
    assert all(weighted_length(p) <= 280 for p in parts)
    assert [p.rsplit(" ", 1)[1] for p in parts] == [f"({i}/{len(parts)})" for i in range(1, len(parts) + 1)]
    assert parts[-1].endswith("^JD " + f"({len(parts)}/{len(parts)})")
    assert " ".join(p.rsplit(" ", 1)[0] for p in parts) == LONG + " ^JD"  # nothing lost or cut


def test_a_word_longer_than_a_post_is_cut_as_a_last_resort() -> None:
    parts = split_into_thread("x" * 600)
    assert all(weighted_length(p) <= 280 for p in parts) and "".join(p.rsplit(" ", 1)[0] for p in parts) == "x" * 600


@pytest.mark.django_db(transaction=True)
def test_thread_reply_posts_in_order_and_a_retry_does_not_repeat(fake_x: Any, x_account: Any, agent: Any) -> None:
    tweet = fake_x.inbound(author="@jnovakova", name="Jana Nováková", text="Kde je objednávka?")["data"]
    account_poll(account_id=x_account.pk)
    ticket = Ticket.objects.get()
    assert "too long" in reply_compose(ticket=ticket, agent=agent, text=LONG).error.lower()
    composed = reply_compose(ticket=ticket, agent=agent, text=LONG, mode="thread")
    assert composed.ok and composed.parts > 1
    # X answers 503 to the first post: the outcome is unknown, so the retry looks first.
    fake_x.fail(status=503, times=1, path="/2/tweets", method="POST")
    with mock.patch("inbox.tasks.deliver_outbound.delay"):
        reply = ticket_reply(ticket=ticket, agent=agent, text=LONG, mode="thread")
    outbound = OutboundMessage.objects.get(message=reply)
    reply_deliver(outbound_id=outbound.pk)
    outbound.refresh_from_db()
    assert outbound.status == OutboundStatus.UNKNOWN
    OutboundMessage.objects.filter(pk=outbound.pk).update(next_attempt_at=outbound.created_at)
    reply_deliver(outbound_id=outbound.pk)
    outbound.refresh_from_db()
    sent = fake_x.outbound()
    assert outbound.status == OutboundStatus.SENT and len(sent) == composed.parts  # each post exactly once
    assert sent[0]["in_reply_to_tweet_id"] == tweet["id"]
    assert [s["in_reply_to_tweet_id"] for s in sent[1:]] == [s["id"] for s in sent[:-1]]
    assert outbound.platform_id == sent[-1]["id"]


@pytest.mark.django_db(transaction=True)
def test_partial_thread_is_completed_not_restarted(fake_x: Any, x_account: Any, agent: Any) -> None:
    fake_x.inbound(author="@kowalski_m", name="Marek Kowalski", text="Gdzie paczka?")
    account_poll(account_id=x_account.pk)
    ticket = Ticket.objects.get()
    with mock.patch("inbox.tasks.deliver_outbound.delay"):
        reply = ticket_reply(ticket=ticket, agent=agent, text=LONG, mode="thread")
    outbound = OutboundMessage.objects.get(message=reply)
    parts = split_into_thread(outbound.text)
    # A worker posted the first two parts and died.
    from channels.x.connector import client_for

    first = client_for(x_account).create_reply(text=parts[0], in_reply_to=outbound.in_reply_to_platform_id)
    client_for(x_account).create_reply(text=parts[1], in_reply_to=first)
    OutboundMessage.objects.filter(pk=outbound.pk).update(status=OutboundStatus.UNKNOWN)
    reply_deliver(outbound_id=outbound.pk)
    assert [s["text"] for s in fake_x.outbound()] == parts
