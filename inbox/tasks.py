"""The domain's Celery tasks: ingest stored events, route new tickets, deliver replies, sweep
what a crash left. Thin, ids in, idempotent; each owns its retry policy (helpdesk.celery)."""
from __future__ import annotations

import logging

from django.conf import settings
from django.utils import timezone

from helpdesk.celery import step_task

from .actions.assignment import tickets_route
from .actions.delivery import reply_deliver
from .actions.triage import tickets_wake_due
from .pipeline import INGEST_CHUNK, account_ingest_pending, inbound_events_ingest, pipeline_sweep

logger = logging.getLogger("hovor.inbox.tasks")


@step_task("inbox.ingest_events")
def ingest_events(event_ids: list[int]) -> None:
    new_tickets = inbound_events_ingest(event_ids=event_ids)
    if new_tickets:
        route_tickets.delay(new_tickets)


@step_task("inbox.ingest_account")
def ingest_account(account_id: int) -> None:
    new_tickets = account_ingest_pending(account_id=account_id)
    if new_tickets:
        route_tickets.delay(new_tickets)


@step_task("inbox.route_ticket", max_retries=5)
def route_ticket(ticket_id: int) -> None:
    tickets_route(ticket_ids=[ticket_id])


@step_task("inbox.route_tickets", max_retries=5)
def route_tickets(ticket_ids: list[int]) -> None:
    tickets_route(ticket_ids=ticket_ids)


@step_task("inbox.deliver_outbound")
def deliver_outbound(outbound_id: int) -> None:
    """The retry policy lives with the outbox row (rate-limit resets, unknown outcomes);
    this task re-enqueues itself for the time delivery asks for. The sweep catches anything
    whose wait is longer than a broker should hold a message."""
    next_at = reply_deliver(outbound_id=outbound_id)
    if next_at is None:
        return
    delay = max((next_at - timezone.now()).total_seconds(), 0.0)
    if delay <= settings.HOVOR_MAX_RETRY_DELAY:
        deliver_outbound.apply_async((outbound_id,), countdown=delay + 0.05)


@step_task("inbox.sweep_stuck")
def sweep_stuck() -> None:
    found = pipeline_sweep()
    for outbound_id in found["outbound"]:
        deliver_outbound.delay(outbound_id)
    if found["inbound"]:
        logger.warning("re-queueing %d inbound events left unprocessed", len(found["inbound"]))
        for start in range(0, len(found["inbound"]), INGEST_CHUNK):
            ingest_events.delay(found["inbound"][start : start + INGEST_CHUNK])


@step_task("inbox.wake_snoozed")
def wake_snoozed() -> None:
    """Snoozes whose time has come end, each with its event (beat, every few seconds)."""
    tickets_wake_due()
