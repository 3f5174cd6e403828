"""The outbox and the poller under failure: crashes mid-send, broken credentials, rate
limits on polling, and the sweep that picks up what a crash left behind."""
from __future__ import annotations

from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
from django.utils import timezone

from channels.inbound import account_poll, inbound_events_record
from channels.models import AccountStatus, BrandAccount, InboundEvent, InboundEventStatus
from channels.types import RawEvent
from inbox.actions.delivery import reply_deliver
from inbox.actions.replies import ticket_reply
from inbox.enums import DeliveryStatus
from inbox.enums import OutboundStatus as S
from inbox.models import Message, OutboundMessage, Ticket
from inbox.pipeline import pipeline_sweep

pytestmark = pytest.mark.django_db(transaction=True)


def _ticket(fake_x: Any, account: BrandAccount) -> Ticket:
    fake_x.inbound(author="@petr_svoboda", name="Petr Svoboda", text="Kde je moje zásilka?")
    account_poll(account_id=account.pk)
    return Ticket.objects.get()


def _queued_reply(ticket: Ticket, agent: Any, text: str = "Prověřuji, {{ customer.first_name }}.") -> OutboundMessage:
    with mock.patch("inbox.tasks.deliver_outbound.delay"):
        message = ticket_reply(ticket=ticket, agent=agent, text=text)
    return OutboundMessage.objects.get(message=message)


def test_worker_crash_after_x_posted_is_reconciled_by_the_sweep(
    fake_x: Any, x_account: BrandAccount, agent: Any, settings: Any
) -> None:
    ticket = _ticket(fake_x, x_account)
    outbound = _queued_reply(ticket, agent)
    # A worker claimed the row and X posted the tweet, then the worker died.
    from channels.x.connector import client_for

    tweet_id = client_for(x_account).create_reply(text=outbound.text, in_reply_to=outbound.in_reply_to_platform_id)
    long_ago = timezone.now() - settings.HOVOR_STUCK_AFTER - timedelta(seconds=5)
    OutboundMessage.objects.filter(pk=outbound.pk).update(
        status=S.SENDING, attempts=1, attempt_started_at=long_ago, first_attempt_at=long_ago
    )
    pipeline_sweep()
    outbound.refresh_from_db()
    assert outbound.status == S.UNKNOWN
    OutboundMessage.objects.filter(pk=outbound.pk).update(next_attempt_at=long_ago)
    assert pipeline_sweep()["outbound"] == [outbound.pk]  # handed to deliver_outbound by the task
    reply_deliver(outbound_id=outbound.pk)
    outbound.refresh_from_db()
    assert outbound.status == S.SENT and outbound.platform_id == tweet_id
    assert len(fake_x.outbound()) == 1  # found on X, not posted again


def test_a_row_in_flight_is_not_sent_twice(fake_x: Any, x_account: BrandAccount, agent: Any) -> None:
    ticket = _ticket(fake_x, x_account)
    outbound = _queued_reply(ticket, agent)
    OutboundMessage.objects.filter(pk=outbound.pk).update(status=S.SENDING, attempt_started_at=timezone.now())
    assert reply_deliver(outbound_id=outbound.pk) is None  # another worker holds it
    assert fake_x.outbound() == []


def test_sent_row_is_never_sent_again(fake_x: Any, x_account: BrandAccount, agent: Any) -> None:
    ticket = _ticket(fake_x, x_account)
    outbound = _queued_reply(ticket, agent)
    reply_deliver(outbound_id=outbound.pk)
    reply_deliver(outbound_id=outbound.pk)
    assert len(fake_x.outbound()) == 1


def test_revoked_credentials_fail_the_reply_and_flag_the_account(
    fake_x: Any, x_account: BrandAccount, agent: Any
) -> None:
    ticket = _ticket(fake_x, x_account)
    outbound = _queued_reply(ticket, agent)
    fake_x.fail(status=401, times=1, path="/2/tweets")
    reply_deliver(outbound_id=outbound.pk)
    outbound.refresh_from_db()
    x_account.refresh_from_db()
    assert outbound.status == S.FAILED and "401" in outbound.last_error
    assert Message.objects.get(pk=outbound.message_id).delivery_status == DeliveryStatus.FAILED
    assert x_account.status == AccountStatus.BROKEN
    # A broken account is not polled (no hammering) until an admin reconnects it.
    fake_x.inbound(author="@later", name="Later", text="hello?")
    assert account_poll(account_id=x_account.pk) == 0


def test_poll_rate_limited_waits_for_the_reset(fake_x: Any, x_account: BrandAccount) -> None:
    fake_x.inbound(author="@a", name="A", text="hi")
    fake_x.fail(status=429, times=1, path="/2/users", reset_in=60)
    assert account_poll(account_id=x_account.pk) == 0
    x_account.refresh_from_db()
    assert x_account.rate_limited_until is not None
    assert x_account.rate_limited_until > timezone.now() + timedelta(seconds=30)
    assert account_poll(account_id=x_account.pk) == 0  # not before the reset
    BrandAccount.objects.filter(pk=x_account.pk).update(rate_limited_until=timezone.now())
    assert account_poll(account_id=x_account.pk) == 1


def test_poll_outage_backs_off_and_keeps_the_cursor(fake_x: Any, x_account: BrandAccount) -> None:
    fake_x.inbound(author="@a", name="A", text="one")
    account_poll(account_id=x_account.pk)
    cursor = BrandAccount.objects.get(pk=x_account.pk).poll_cursor
    fake_x.fail(status=503, times=1, path="/2/users")
    fake_x.inbound(author="@b", name="B", text="two")
    assert account_poll(account_id=x_account.pk) == 0
    x_account.refresh_from_db()
    assert x_account.poll_cursor == cursor and x_account.consecutive_failures == 1 and "503" in x_account.last_error
    BrandAccount.objects.filter(pk=x_account.pk).update(rate_limited_until=None)
    assert account_poll(account_id=x_account.pk) == 1


def test_malformed_stored_event_is_marked_failed_and_others_go_through(x_account: BrandAccount) -> None:
    from inbox.pipeline import inbound_events_ingest

    good = {
        "tweet": {"id": "1900000000000000001", "text": "@AcmeCare hi", "author_id": "42",
                  "created_at": "2026-11-20T09:00:00.000Z", "conversation_id": "1900000000000000001"},
        "author": {"id": "42", "name": "Good", "username": "good"},
    }
    ids = inbound_events_record(
        account=x_account,
        events=[
            RawEvent("1900000000000000001", "mention", good),
            RawEvent("1900000000000000002", "mention", {"tweet": {"text": 5}}),
            RawEvent("1900000000000000003", "favorite", {}),
        ],
    )
    inbound_events_ingest(event_ids=ids)
    statuses = dict(InboundEvent.objects.values_list("platform_id", "status"))
    assert statuses == {
        "1900000000000000001": InboundEventStatus.PROCESSED,
        "1900000000000000002": InboundEventStatus.FAILED,
        "1900000000000000003": InboundEventStatus.IGNORED,
    }
    assert Message.objects.count() == 1


def test_sweep_requeues_inbound_events_left_unprocessed(x_account: BrandAccount, settings: Any) -> None:
    ids = inbound_events_record(account=x_account, events=[RawEvent("1", "mention", {"tweet": {}})])
    InboundEvent.objects.filter(pk__in=ids).update(
        received_at=timezone.now() - settings.HOVOR_INGEST_GRACE - timedelta(seconds=1)
    )
    assert pipeline_sweep()["inbound_accounts"] == [x_account.pk]
