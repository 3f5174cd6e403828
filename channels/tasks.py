"""Celery tasks: thin, take ids, own their retry policy. Queues: inbound, routing, outbound."""
from __future__ import annotations

import logging

from django.conf import settings
from django.utils import timezone

from helpdesk.celery import step_task

from . import services

logger = logging.getLogger("hovor.channels.tasks")


@step_task("channels.poll_due_accounts")
def poll_due_accounts() -> None:
    for account_id in services.due_polling_accounts():
        poll_account.delay(account_id)


@step_task("channels.poll_account", max_retries=5)
def poll_account(account_id: int) -> int:
    return services.account_poll(account_id=account_id)


@step_task("channels.ingest_events")
def ingest_events(event_ids: list[int]) -> None:
    from inbox.tasks import route_tickets

    new_tickets = services.inbound_events_process(event_ids=event_ids)
    if new_tickets:
        route_tickets.delay(new_tickets)


@step_task("channels.ingest_account")
def ingest_account(account_id: int) -> None:
    from inbox.tasks import route_tickets

    new_tickets = services.account_ingest_pending(account_id=account_id)
    if new_tickets:
        route_tickets.delay(new_tickets)


@step_task("channels.ingest_event")
def ingest_event(event_id: int) -> None:
    ingest_events([event_id])


@step_task("channels.deliver_outbound")
def deliver_outbound(outbound_id: int) -> None:
    """The retry policy lives with the outbox row (rate-limit resets, unknown outcomes);
    this task re-enqueues itself for the time the service asks for. The sweep catches
    anything whose wait is longer than a broker should hold a message."""
    next_at = services.outbound_deliver(outbound_id=outbound_id)
    if next_at is None:
        return
    delay = max((next_at - timezone.now()).total_seconds(), 0.0)
    if delay <= settings.HOVOR_MAX_RETRY_DELAY:
        deliver_outbound.apply_async((outbound_id,), countdown=delay + 0.05)


@step_task("channels.backfill_account", max_retries=3)
def backfill_account(account_id: int) -> None:
    services.account_backfill(account_id=account_id)


@step_task("channels.sweep_stuck")
def sweep_stuck() -> None:
    found = services.sweep_stuck()
    for outbound_id in found["outbound"]:
        deliver_outbound.delay(outbound_id)
    if found["inbound"]:
        logger.warning("re-queueing %d inbound events left unprocessed", len(found["inbound"]))
        for start in range(0, len(found["inbound"]), services.INGEST_CHUNK):
            ingest_events.delay(found["inbound"][start : start + services.INGEST_CHUNK])


