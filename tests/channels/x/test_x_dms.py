"""Replies by direct message: answering a DM, moving a public mention to a DM, the 10,000
character limit, and exactly-once delivery under X's failures (the fake records every
DM it accepted, with the participant it went to)."""
from __future__ import annotations

from typing import Any
from unittest import mock

import pytest

from channels.inbound import account_poll
from channels.models import AccountStatus, BrandAccount
from channels.types import OutboundRequest
from channels.x.connector import connector
from fakes.x import FakeX
from inbox.actions.delivery import reply_deliver
from inbox.actions.replies import ReplyError, reply_compose, ticket_reply
from inbox.enums import DeliveryStatus
from inbox.enums import OutboundStatus as S
from inbox.models import Message, OutboundMessage, Ticket

pytestmark = pytest.mark.django_db(transaction=True)

BRAND_ID = "1000000000000000001"


def dm_ticket(fake: FakeX, account: BrandAccount, text: str = "Dobrý den, platba nejde.") -> tuple[Ticket, str]:
    item = fake.inbound(author="@jnovakova", name="Jana Nováková", text=text, kind="dm")
    account_poll(account_id=account.pk)
    return Ticket.objects.get(), item["includes"]["users"][0]["id"]


def mention_ticket(fake: FakeX, account: BrandAccount, **extra: Any) -> tuple[Ticket, dict[str, Any]]:
    item = fake.inbound(author="@petr_svoboda", name="Petr Svoboda", text="Kde je moje zásilka?", **extra)
    account_poll(account_id=account.pk)
    return Ticket.objects.get(), item


def queued(ticket: Ticket, agent: Any, text: str, mode: str = "") -> OutboundMessage:
    with mock.patch("inbox.tasks.deliver_outbound.delay"):
        message = ticket_reply(ticket=ticket, agent=agent, text=text, mode=mode)
    return OutboundMessage.objects.get(message=message)


def dms_sent(fake: FakeX) -> list[dict[str, Any]]:
    return [o for o in fake.outbound() if o["kind"] == "dm"]


def test_reply_to_a_dm_is_one_dm_to_the_customer(fake_x: FakeX, x_account: BrandAccount, agent: Any) -> None:
    ticket, customer_id = dm_ticket(fake_x, x_account)
    reply = ticket_reply(ticket=ticket, agent=agent, text="Dobrý den {{ customer.first_name }}, hned to prověřím 🙏")
    reply.refresh_from_db()
    assert reply.delivery_status == DeliveryStatus.SENT
    [sent] = fake_x.outbound()
    assert sent["kind"] == "dm" and sent["participant_id"] == customer_id
    assert sent["text"] == "Dobrý den Jana, hned to prověřím 🙏 ^JD"
    assert sent["dm_conversation_id"] == f"{BRAND_ID}-{customer_id}"
    assert reply.platform_id == sent["dm_event_id"]
    # The brand's own DM comes back in the next poll: stored once, ignored, no new message.
    assert account_poll(account_id=x_account.pk) == 1
    assert Message.objects.count() == 2


def test_move_to_dm_sends_a_dm_not_a_reply_post(fake_x: FakeX, x_account: BrandAccount, agent: Any) -> None:
    ticket, tweet = mention_ticket(fake_x, x_account)
    assert connector.can_reply_privately("mention") and connector.can_reply_privately("search_mention")
    assert not connector.can_reply_privately("dm")
    reply = ticket_reply(ticket=ticket, agent=agent, text="Pošlete nám prosím číslo objednávky.", mode="private")
    reply.refresh_from_db()
    assert reply.delivery_status == DeliveryStatus.SENT
    [sent] = fake_x.outbound()
    assert sent["kind"] == "dm"
    assert sent["participant_id"] == tweet["data"]["author_id"]
    assert sent["text"] == "Pošlete nám prosím číslo objednávky. ^JD"
    assert reply.platform_id == sent["dm_event_id"]
    # And a reply in kind is still a reply post.
    ticket_reply(ticket=ticket, agent=agent, text="Díky!")
    assert [o["kind"] for o in fake_x.outbound()] == ["dm", "tweet"]
    assert fake_x.outbound()[1]["in_reply_to_tweet_id"] == tweet["data"]["id"]


def test_dm_limits_are_10000_plain_characters(fake_x: FakeX, x_account: BrandAccount, agent: Any) -> None:
    limits = connector.limits_for("dm")
    assert limits.max_length == 10_000 and limits.counting == "chars" and not limits.public
    assert connector.limits_for("mention").max_length == 280
    assert connector.count_for("dm", "日本語 😀 example.com") == len("日本語 😀 example.com")
    assert connector.count_for("mention", "日本語") == 6
    ticket, _ = dm_ticket(fake_x, x_account)
    assert reply_compose(ticket=ticket, agent=agent, text="a" * 9000).ok  # far beyond a post's 280
    too_long = reply_compose(ticket=ticket, agent=agent, text="a" * 10_000)
    assert too_long.error.startswith("Too long for X") and too_long.max_length == 10_000
    with pytest.raises(ReplyError):
        ticket_reply(ticket=ticket, agent=agent, text="a" * 10_000)
    assert fake_x.outbound() == []


def test_moving_to_dm_measures_against_the_dm_limit(fake_x: FakeX, x_account: BrandAccount, agent: Any) -> None:
    ticket, _ = mention_ticket(fake_x, x_account)
    assert not reply_compose(ticket=ticket, agent=agent, text="a" * 500).ok
    private = reply_compose(ticket=ticket, agent=agent, text="a" * 500, mode="private")
    assert private.ok and private.max_length == 10_000


def test_the_fake_refuses_dms_over_10000(fake_x: FakeX, x_account: BrandAccount) -> None:
    from channels.http import ApiPermanentError
    from channels.x.connector import client_for

    ticket, customer_id = dm_ticket(fake_x, x_account)
    with pytest.raises(ApiPermanentError) as info:
        client_for(x_account).create_dm(participant_id=customer_id, text="x" * 10_001)
    assert "400" in info.value.message
    assert client_for(x_account).create_dm(participant_id=customer_id, text="x" * 10_000)


def test_dm_503_is_retried_and_sent_exactly_once(fake_x: FakeX, x_account: BrandAccount, agent: Any) -> None:
    ticket, customer_id = dm_ticket(fake_x, x_account)
    outbound = queued(ticket, agent, "Prověřuji.")
    fake_x.fail(status=503, times=1, path="/2/dm_conversations", method="POST")
    reply_deliver(outbound_id=outbound.pk)
    outbound.refresh_from_db()
    assert outbound.status == S.UNKNOWN and dms_sent(fake_x) == []
    OutboundMessage.objects.filter(pk=outbound.pk).update(next_attempt_at=outbound.created_at)
    reply_deliver(outbound_id=outbound.pk)  # looks in the conversation, finds nothing, sends
    outbound.refresh_from_db()
    [sent] = dms_sent(fake_x)
    assert outbound.status == S.SENT and outbound.platform_id == sent["dm_event_id"]
    assert sent["participant_id"] == customer_id
    lookups = [r for r in fake_x.requests_log() if r["path"] == f"/2/dm_conversations/with/{customer_id}/dm_events"]
    assert len(lookups) == 1


def test_dm_lost_answer_is_found_not_sent_again(
    fake_x: FakeX, x_account: BrandAccount, agent: Any, settings: Any
) -> None:
    ticket, customer_id = dm_ticket(fake_x, x_account)
    settings.HOVOR_HTTP_TIMEOUT = 0.5
    outbound = queued(ticket, agent, "Omlouváme se & posíláme náhradu <dnes>.")
    fake_x.fail(times=1, path="/2/dm_conversations", method="POST", mode="timeout_after_commit", delay=1.0)
    reply_deliver(outbound_id=outbound.pk)  # X took it, the answer never came
    outbound.refresh_from_db()
    assert outbound.status == S.UNKNOWN
    assert len(dms_sent(fake_x)) == 1
    OutboundMessage.objects.filter(pk=outbound.pk).update(next_attempt_at=outbound.created_at)
    reply_deliver(outbound_id=outbound.pk)
    outbound.refresh_from_db()
    [sent] = dms_sent(fake_x)
    assert outbound.status == S.SENT and outbound.platform_id == sent["dm_event_id"]


def test_move_to_dm_lost_answer_is_found_too(
    fake_x: FakeX, x_account: BrandAccount, agent: Any, settings: Any
) -> None:
    ticket, tweet = mention_ticket(fake_x, x_account)
    settings.HOVOR_HTTP_TIMEOUT = 0.5
    outbound = queued(ticket, agent, "Napište nám sem.", mode="private")
    fake_x.fail(times=1, path="/2/dm_conversations", method="POST", mode="timeout_after_commit", delay=1.0)
    reply_deliver(outbound_id=outbound.pk)
    OutboundMessage.objects.filter(pk=outbound.pk).update(next_attempt_at=outbound.created_at)
    reply_deliver(outbound_id=outbound.pk)
    outbound.refresh_from_db()
    [sent] = fake_x.outbound()
    assert sent["kind"] == "dm" and sent["participant_id"] == tweet["data"]["author_id"]
    assert outbound.status == S.SENT and outbound.platform_id == sent["dm_event_id"]


def test_find_sent_skips_our_other_dms_and_older_ones(fake_x: FakeX, x_account: BrandAccount) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from channels.x.connector import client_for

    _, customer_id = dm_ticket(fake_x, x_account)
    client = client_for(x_account)
    earlier = client.create_dm(participant_id=customer_id, text="Same words")
    request = OutboundRequest(text="Same words", kind="dm", recipient=customer_id,
                              not_before=timezone.now(), exclude_ids=frozenset({earlier}))
    assert connector.find_sent(x_account, request) is None
    later = client.create_dm(participant_id=customer_id, text="Same words")
    assert connector.find_sent(x_account, request) == later
    old = OutboundRequest(text="Different", kind="dm", recipient=customer_id,
                          not_before=timezone.now() + timedelta(minutes=5))
    assert connector.find_sent(x_account, old) is None


def test_dm_rate_limited_waits(fake_x: FakeX, x_account: BrandAccount, agent: Any) -> None:
    ticket, _ = dm_ticket(fake_x, x_account)
    outbound = queued(ticket, agent, "Chvilku strpení.")
    fake_x.fail(status=429, times=1, path="/2/dm_conversations", method="POST", reset_in=60)
    retry_at = reply_deliver(outbound_id=outbound.pk)
    outbound.refresh_from_db()
    assert outbound.status == S.QUEUED and retry_at is not None
    assert (retry_at - outbound.created_at).total_seconds() > 50
    assert reply_deliver(outbound_id=outbound.pk) == retry_at
    assert dms_sent(fake_x) == []


def test_dm_token_revoked_fails_the_reply_and_breaks_the_account(
    fake_x: FakeX, x_account: BrandAccount, agent: Any
) -> None:
    ticket, _ = dm_ticket(fake_x, x_account)
    outbound = queued(ticket, agent, "Hned.")
    fake_x.fail(status=401, times=1, path="/2/dm_conversations")
    reply_deliver(outbound_id=outbound.pk)
    outbound.refresh_from_db()
    x_account.refresh_from_db()
    assert outbound.status == S.FAILED and "401" in outbound.last_error
    assert x_account.status == AccountStatus.BROKEN
    assert Message.objects.get(pk=outbound.message_id).delivery_status == DeliveryStatus.FAILED


def test_customer_who_does_not_accept_dms(fake_x: FakeX, x_account: BrandAccount, agent: Any) -> None:
    """X refuses a DM to someone who does not accept DMs from the brand: the reply fails
    with X's words, for the agent to answer publicly instead."""
    ticket, _ = mention_ticket(fake_x, x_account, dms_open=False)
    reply = ticket_reply(ticket=ticket, agent=agent, text="Napište nám DM.", mode="private")
    reply.refresh_from_db()
    outbound = OutboundMessage.objects.get(message=reply)
    assert reply.delivery_status == DeliveryStatus.FAILED
    assert "403" in outbound.last_error and "cannot send messages" in outbound.last_error
    assert fake_x.outbound() == []
    x_account.refresh_from_db()
    assert x_account.status == AccountStatus.ACTIVE


def test_dm_without_a_recipient_fails_cleanly(x_account: BrandAccount) -> None:
    from channels.http import ApiPermanentError

    with pytest.raises(ApiPermanentError):
        connector.send(x_account, OutboundRequest(text="hi", kind="dm", recipient="", thread_key=""))


def test_dm_recipient_from_the_conversation_id(fake_x: FakeX, x_account: BrandAccount) -> None:
    _, customer_id = dm_ticket(fake_x, x_account)
    x_account.refresh_from_db()
    event_id = connector.send(
        x_account, OutboundRequest(text="hi", kind="dm", thread_key=f"{BRAND_ID}-{customer_id}")
    )
    assert fake_x.outbound()[0]["participant_id"] == customer_id and fake_x.outbound()[0]["id"] == event_id
