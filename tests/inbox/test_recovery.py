"""Nothing lost, nothing twice, recovered in seconds: a stored webhook is answered 2xx
whatever the broker does; stored events are claimed by one worker at a time and a crashed
worker's claim runs out for the sweep; a reply whose worker died while sending is checked
with the platform and never sent twice; a slow send keeps its lease."""
from __future__ import annotations

import json
import logging
import time
from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
import redis
from django.utils import timezone
from kombu.exceptions import OperationalError as KombuOperationalError

from channels.inbound import inbound_events_claim, inbound_unclaimed_accounts
from channels.meta.webhooks import signature_for
from channels.models import BrandAccount, InboundEvent, InboundEventStatus
from channels.services import brand_account_connect
from inbox.actions.delivery import reply_deliver
from inbox.actions.replies import ticket_reply
from inbox.enums import OutboundStatus as S
from inbox.models import Message, OutboundMessage, Ticket
from inbox.outbox import outbox_claim, outbox_sweep
from inbox.pipeline import account_ingest_pending, inbound_events_ingest, ingest_clear_pending, pipeline_sweep

pytestmark = pytest.mark.django_db(transaction=True)

APP_SECRET = "recovery-app-secret"
PHONE_NUMBER_ID = "106540352242922"


@pytest.fixture
def wa_account(brand: Any) -> BrandAccount:
    return brand_account_connect(
        brand=brand, platform="whatsapp", handle="+15550783881", base_url="http://127.0.0.1:9",
        credentials={"phone_number_id": PHONE_NUMBER_ID, "access_token": "t", "app_secret": APP_SECRET,
                     "verify_token": "v"},
    )


def delivery(i: int) -> bytes:
    wa_id = f"42060{i:07d}"
    return json.dumps({
        "object": "whatsapp_business_account",
        "entry": [{"id": "102290129340398", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550783881", "phone_number_id": PHONE_NUMBER_ID},
            "contacts": [{"profile": {"name": f"Zákazník {i}"}, "wa_id": wa_id}],
            "messages": [{"from": wa_id, "id": f"wamid.RECOVERY{i:08d}", "timestamp": str(int(time.time())),
                          "type": "text", "text": {"body": f"Dobrý den, zpráva {i}"}}],
        }}]}],
    }).encode()


def post(client: Any, account: BrandAccount, i: int) -> Any:
    body = delivery(i)
    return client.post(f"/webhooks/whatsapp/{account.pk}/", data=body, content_type="application/json",
                       HTTP_X_HUB_SIGNATURE_256=signature_for(APP_SECRET, body))


# --- (a) stored is what counts ------------------------------------------------------------
class _ResetRedis:
    def set(self, *args: Any, **kwargs: Any) -> None:
        raise redis.ConnectionError("Connection reset by peer")

    def delete(self, *args: Any) -> None:
        raise redis.ConnectionError("Connection reset by peer")


def test_a_stored_webhook_is_answered_200_when_redis_resets_in_the_trigger(
    client: Any, wa_account: BrandAccount, settings: Any, caplog: Any
) -> None:
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    with mock.patch("inbox.pipeline._redis", return_value=_ResetRedis()), caplog.at_level(logging.WARNING):
        response = post(client, wa_account, 1)
    assert response.status_code == 200
    assert response.json() == {"received": 1, "new": 1}
    assert InboundEvent.objects.get().status == InboundEventStatus.RECEIVED
    assert "the sweep will ingest them" in caplog.text and "ConnectionError" in caplog.text


def test_a_stored_webhook_is_answered_200_when_the_broker_refuses_the_task(
    client: Any, wa_account: BrandAccount
) -> None:
    with mock.patch("inbox.tasks.ingest_account.apply_async", side_effect=KombuOperationalError("reset")):
        response = post(client, wa_account, 2)
    assert response.status_code == 200
    assert InboundEvent.objects.filter(status=InboundEventStatus.RECEIVED).count() == 1
    assert not Message.objects.exists()
    # ... and the sweep ingests it once the grace has passed.
    InboundEvent.objects.update(received_at=timezone.now() - timedelta(seconds=10))
    assert pipeline_sweep()["inbound_accounts"] == [wa_account.pk]
    account_ingest_pending(account_id=wa_account.pk)
    assert Message.objects.count() == 1
    assert InboundEvent.objects.get().status == InboundEventStatus.PROCESSED


# --- (b) claims on stored events -------------------------------------------------------
def _stored(account: BrandAccount, n: int) -> list[int]:
    """n deliveries stored by the webhook view, their ingest task lost on the way."""
    from django.test import Client

    with mock.patch("inbox.tasks.ingest_account.apply_async"):
        for i in range(n):
            assert post(Client(), account, 100 + i).status_code == 200
    return sorted(InboundEvent.objects.values_list("id", flat=True))


def test_an_event_claimed_by_one_worker_is_not_taken_by_another(wa_account: BrandAccount) -> None:
    ids = _stored(wa_account, 3)
    assert inbound_events_claim(event_ids=ids[:2]) == ids[:2]
    assert inbound_events_claim(event_ids=ids) == ids[2:]  # the second worker gets only the free one
    assert inbound_events_ingest(event_ids=ids) == []  # everything is held: nothing ingested twice
    assert not Message.objects.exists()


def test_a_crashed_workers_claim_runs_out_and_the_sweep_hands_the_events_on(
    wa_account: BrandAccount, settings: Any
) -> None:
    ids = _stored(wa_account, 3)
    InboundEvent.objects.update(received_at=timezone.now() - timedelta(seconds=30))
    inbound_events_claim(event_ids=ids)  # ... and the worker was killed
    assert inbound_unclaimed_accounts(before=timezone.now()) == []  # still held: nobody else
    InboundEvent.objects.update(lease_until=timezone.now() - timedelta(seconds=1))
    assert pipeline_sweep()["inbound_accounts"] == [wa_account.pk]
    account_ingest_pending(account_id=wa_account.pk)
    assert Message.objects.count() == 3 and Ticket.objects.count() == 3
    assert set(InboundEvent.objects.values_list("status", flat=True)) == {InboundEventStatus.PROCESSED}
    assert pipeline_sweep()["inbound_accounts"] == []


def test_young_events_are_left_to_the_task_already_queued(wa_account: BrandAccount) -> None:
    _stored(wa_account, 1)
    assert pipeline_sweep()["inbound_accounts"] == []  # inside the grace: its own task will come


def test_a_failed_ingest_gives_its_claim_back_at_once(wa_account: BrandAccount) -> None:
    ids = _stored(wa_account, 2)
    with mock.patch("inbox.pipeline.tickets_ingest_batch", side_effect=RuntimeError("boom")), pytest.raises(
        RuntimeError
    ):
        inbound_events_ingest(event_ids=ids)
    assert list(InboundEvent.objects.values_list("lease_until", flat=True)) == [None, None]
    inbound_events_ingest(event_ids=ids)
    assert Message.objects.count() == 2


def test_the_sweep_queues_one_ingest_per_account_however_often_it_finds_it(
    wa_account: BrandAccount, settings: Any
) -> None:
    from inbox import tasks

    _stored(wa_account, 2)
    InboundEvent.objects.update(received_at=timezone.now() - timedelta(seconds=30))
    ingest_clear_pending(account_id=wa_account.pk)  # the webhooks' own burst window has passed
    with mock.patch.object(tasks.ingest_account, "delay") as delay:
        tasks.sweep_stuck()
        tasks.sweep_stuck()
    assert delay.call_args_list == [mock.call(wa_account.pk)]


# --- (b) a reply whose worker died while sending ------------------------------------------
def _ticket(fake_x: Any, account: BrandAccount) -> Ticket:
    from channels.inbound import account_poll

    fake_x.inbound(author="@petr_svoboda", name="Petr Svoboda", text="Kde je moje zásilka?")
    account_poll(account_id=account.pk)
    return Ticket.objects.get()


def _queued_reply(ticket: Ticket, agent: Any) -> OutboundMessage:
    with mock.patch("inbox.tasks.deliver_outbound.delay"):
        message = ticket_reply(ticket=ticket, agent=agent, text="Prověřuji, {{ customer.first_name }}.")
    return OutboundMessage.objects.get(message=message)


def test_a_reply_whose_worker_died_mid_send_is_recovered_when_its_lease_runs_out_and_not_sent_twice(
    fake_x: Any, x_account: BrandAccount, agent: Any
) -> None:
    from channels.x.connector import client_for

    outbound = _queued_reply(_ticket(fake_x, x_account), agent)
    claim = outbox_claim(outbound_id=outbound.pk)
    assert claim is not None and not isinstance(claim, type(timezone.now()))
    # The claimed attempt reached X, then the worker was killed (no answer recorded).
    tweet_id = client_for(x_account).create_reply(text=outbound.text, in_reply_to=outbound.in_reply_to_platform_id)
    assert outbox_sweep() == []  # the lease still runs: the worker may be alive
    OutboundMessage.objects.filter(pk=outbound.pk).update(lease_until=timezone.now() - timedelta(seconds=1))
    assert outbox_sweep() == [outbound.pk]  # handed to deliver_outbound at once, not in minutes
    outbound.refresh_from_db()
    assert outbound.status == S.UNKNOWN
    reply_deliver(outbound_id=outbound.pk)
    outbound.refresh_from_db()
    assert outbound.status == S.SENT and outbound.platform_id == tweet_id
    assert len(fake_x.outbound()) == 1  # found on X, not posted again


def test_a_slow_send_keeps_its_lease_so_no_one_takes_it_over(
    fake_x: Any, x_account: BrandAccount, agent: Any, settings: Any
) -> None:
    settings.HOVOR_SENDING_LEASE = timedelta(seconds=0.6)
    outbound = _queued_reply(_ticket(fake_x, x_account), agent)
    seen: list[Any] = []

    def slow_send(*args: Any, **kwargs: Any) -> Any:
        from channels.types import Sent

        for _ in range(4):  # 1.2 s: twice the lease
            time.sleep(0.3)
            seen.append(outbox_sweep())
        return Sent(platform_id="1900000000000000999")

    with mock.patch("inbox.actions.delivery.outbound_send", side_effect=slow_send):
        reply_deliver(outbound_id=outbound.pk)
    assert seen == [[], [], [], []]  # the heartbeat kept the lease: never taken for dead
    outbound.refresh_from_db()
    assert outbound.status == S.SENT


def test_a_reply_is_accepted_when_the_broker_is_away_and_the_sweep_sends_it(
    fake_x: Any, x_account: BrandAccount, agent: Any
) -> None:
    from datetime import timedelta as td

    from inbox.outbox import LOST_TASK_AFTER

    ticket = _ticket(fake_x, x_account)
    with mock.patch("inbox.tasks.deliver_outbound.delay", side_effect=KombuOperationalError("Connection refused")):
        message = ticket_reply(ticket=ticket, agent=agent, text="Hned to prověřím.")
    outbound = OutboundMessage.objects.get(message=message)
    assert outbound.status == S.QUEUED and fake_x.outbound() == []
    lost_since = timezone.now() - LOST_TASK_AFTER - td(seconds=1)
    OutboundMessage.objects.filter(pk=outbound.pk).update(next_attempt_at=lost_since)
    assert outbox_sweep() == [outbound.pk]
    reply_deliver(outbound_id=outbound.pk)
    assert len(fake_x.outbound()) == 1


def test_a_poller_killed_mid_poll_holds_the_account_for_seconds_not_minutes(
    fake_x: Any, x_account: BrandAccount, settings: Any
) -> None:
    from channels.inbound import account_poll
    from channels.registry import get_connector

    settings.HOVOR_POLL_LEASE = timedelta(seconds=20)
    leases: list[float] = []

    def poll(account: BrandAccount, cursor: dict[str, Any], record: Any) -> dict[str, Any]:
        leases.append((BrandAccount.objects.get(pk=account.pk).poll_lease_until - timezone.now()).total_seconds())
        time.sleep(0.2)
        record([])  # a page stored: the lease runs on from here
        leases.append((BrandAccount.objects.get(pk=account.pk).poll_lease_until - timezone.now()).total_seconds())
        return cursor

    with mock.patch.object(get_connector("x"), "poll", side_effect=poll):
        account_poll(account_id=x_account.pk)
    assert 0 < leases[0] <= 20 and leases[1] > leases[0] - 0.2 + 0.1  # short, and renewed with the page


def test_new_tickets_are_routed_in_place_when_the_broker_is_away(wa_account: BrandAccount) -> None:
    from inbox import tasks

    ids = _stored(wa_account, 2)
    with mock.patch.object(tasks.route_tickets, "delay", side_effect=KombuOperationalError("refused")), \
            mock.patch.object(tasks, "tickets_route") as route:
        tasks.ingest_events(ids)
    assert route.call_args.kwargs["ticket_ids"] == sorted(Ticket.objects.values_list("id", flat=True))


def test_the_sweep_never_floods_a_backlog_with_copies_of_a_waiting_delivery(
    fake_x: Any, x_account: BrandAccount, agent: Any
) -> None:
    from inbox import tasks
    from inbox.outbox import LOST_TASK_AFTER
    from inbox.pipeline import delivery_clear_queued

    ticket = _ticket(fake_x, x_account)
    with mock.patch("inbox.tasks.deliver_outbound.delay"):  # queued, and still waiting in a long queue
        message = ticket_reply(ticket=ticket, agent=agent, text="Hned to prověřím.")
    outbound = OutboundMessage.objects.get(message=message)
    OutboundMessage.objects.filter(pk=outbound.pk).update(
        next_attempt_at=timezone.now() - LOST_TASK_AFTER - timedelta(seconds=1)
    )
    with mock.patch.object(tasks.deliver_outbound, "delay") as delay:
        tasks.sweep_stuck()
        tasks.sweep_stuck()
        assert delay.call_count == 0  # its task is marked as waiting: no copies
        delivery_clear_queued(outbound_id=outbound.pk)  # ... the task was lost (the mark with it)
        tasks.sweep_stuck()
        tasks.sweep_stuck()
    assert delay.call_args_list == [mock.call(outbound.pk)]
