"""The domain's Celery tasks: ingest stored events, route new tickets, deliver replies, sweep
what a crash left. Thin, ids in, idempotent; each owns its retry policy (helpdesk.celery)."""
from __future__ import annotations

import logging
from datetime import timedelta

from celery import Task
from celery.exceptions import Retry
from django.conf import settings
from django.db import OperationalError
from django.utils import timezone
from kombu.exceptions import KombuError
from redis.exceptions import RedisError

from channels.http import ApiOutcomeUnknown, ApiRateLimited, ApiUnavailable
from helpdesk.celery import app, step_task

from .actions.assignment import tickets_route
from .actions.attachments import (
    FETCH_LEASE,
    MAX_ATTEMPTS,
    TRANSIENT,
    attachment_fetch,
    attachment_lease,
)
from .actions.csat import csat_reply_in_flight, csat_review_invite, csat_survey_ask
from .actions.delivery import reply_deliver
from .actions.escalation import sla_check as sla_check_run
from .actions.profiles import MAX_PROFILE_ATTEMPTS, identity_profile_fetch
from .actions.receipts import message_read_receipt_send
from .actions.triage import tickets_wake_due
from .pipeline import (
    account_ingest_pending,
    delivery_clear_queued,
    delivery_mark_queued,
    delivery_unqueued,
    inbound_events_ingest,
    ingest_mark_pending,
    pipeline_sweep,
)

logger = logging.getLogger("hovor.inbox.tasks")


@step_task("inbox.ingest_events")
def ingest_events(event_ids: list[int]) -> None:
    _route_soon(inbound_events_ingest(event_ids=event_ids))


@step_task("inbox.ingest_account")
def ingest_account(account_id: int) -> None:
    _route_soon(account_ingest_pending(account_id=account_id))


def _route_soon(ticket_ids: list[int]) -> None:
    """Route the new tickets on the routing queue; with the broker away, here and now (the
    tickets are committed: their routing must not be lost with the task)."""
    if not ticket_ids:
        return
    try:
        route_tickets.delay(ticket_ids)
    except (KombuError, RedisError, OSError) as exc:
        logger.warning("routing %d new ticket(s) in place: the broker is away (%s)", len(ticket_ids), exc)
        tickets_route(ticket_ids=ticket_ids)


@step_task("inbox.route_ticket", max_retries=5)
def route_ticket(ticket_id: int) -> None:
    tickets_route(ticket_ids=[ticket_id])


@step_task("inbox.route_tickets", max_retries=5)
def route_tickets(ticket_ids: list[int]) -> None:
    tickets_route(ticket_ids=ticket_ids)


FETCH_BACKOFF, FETCH_BACKOFF_MAX = 2, 300  # seconds: 2, 4, 8 … at most 5 minutes


def fetch_retry_delay(exc: Exception, retries: int) -> float:
    """Seconds before the next download attempt: the platform's own reset for a rate limit,
    else exponential backoff."""
    backoff = float(min(FETCH_BACKOFF * 2**retries, FETCH_BACKOFF_MAX))
    if isinstance(exc, ApiRateLimited):
        return max((exc.retry_at - timezone.now()).total_seconds(), backoff)
    return backoff


@app.task(name="inbox.fetch_attachment", bind=True, ignore_result=True, acks_late=True, max_retries=MAX_ATTEMPTS)
def fetch_attachment(self: Task, attachment_id: int) -> Retry | None:
    """Download one customer file and store it (idempotent: a stored one is left alone).

    It owns its retries, the same with a worker and run eagerly: a transient error (the
    platform's, or the database away) schedules the next attempt with self.retry (backoff,
    the file's lease stretched over the wait so the sweep leaves it) and this run ends; the
    Retry is returned, not raised, so an eager run carries on with the next attempt in place
    instead of throwing it at whoever queued the file. The action counts attempts and marks
    the file failed after MAX_ATTEMPTS; a retry lost with the broker is the sweep's."""
    try:
        attachment_fetch(attachment_id=attachment_id)
    except (*TRANSIENT, OperationalError) as exc:
        countdown = fetch_retry_delay(exc, self.request.retries)
        try:
            attachment_lease(
                attachment_id=attachment_id, until=timezone.now() + timedelta(seconds=countdown) + FETCH_LEASE
            )
        except OperationalError:
            pass  # the database is away: the lease it has runs out, and the sweep has the file
        retry: Retry = self.retry(exc=exc, countdown=countdown, throw=False)
        return retry
    return None


@step_task("inbox.deliver_outbound")
def deliver_outbound(outbound_id: int) -> None:
    """The retry policy lives with the outbox row (rate-limit resets, unknown outcomes);
    this task re-enqueues itself for the time delivery asks for. The sweep catches anything
    whose wait is longer than a broker should hold a message."""
    delivery_clear_queued(outbound_id=outbound_id)
    next_at = reply_deliver(outbound_id=outbound_id)
    if next_at is None:
        return
    delay = max((next_at - timezone.now()).total_seconds(), 0.0)
    if delay <= settings.HOVOR_MAX_RETRY_DELAY:
        deliver_soon(outbound_id=outbound_id, countdown=delay + 0.05)


def deliver_soon(*, outbound_id: int, countdown: float = 0.0) -> None:
    """Queue one delivery attempt, marked so the sweep does not queue another meanwhile."""
    delivery_mark_queued(outbound_id=outbound_id, countdown=countdown)
    try:
        if countdown > 0:
            deliver_outbound.apply_async((outbound_id,), countdown=countdown)
        else:
            deliver_outbound.delay(outbound_id)
    except BaseException:
        delivery_clear_queued(outbound_id=outbound_id)  # nothing waits: the sweep may queue it
        raise


@app.task(
    name="inbox.send_read_receipt",
    ignore_result=True,
    acks_late=True,
    autoretry_for=(OperationalError, ApiRateLimited, ApiUnavailable, ApiOutcomeUnknown),
    retry_backoff=True,
    max_retries=3,
)
def send_read_receipt(message_id: int) -> None:
    """Mark one customer message read on the platform (claimed first: sent once)."""
    message_read_receipt_send(message_id=message_id)


@app.task(
    name="inbox.fetch_profile",
    ignore_result=True,
    acks_late=True,
    autoretry_for=(OperationalError, ApiRateLimited, ApiUnavailable, ApiOutcomeUnknown),
    retry_backoff=True,
    max_retries=MAX_PROFILE_ATTEMPTS - 1,
)
def fetch_profile(identity_id: int, account_id: int) -> None:
    """The person's name and picture from the platform, once per identity (never blocking
    ingest; every attempt is counted on the identity, so retries end)."""
    identity_profile_fetch(identity_id=identity_id, account_id=account_id)


@step_task("inbox.sweep_stuck")
def sweep_stuck() -> None:
    """Every few seconds (beat): replies whose sender died or whose task was lost, and the
    accounts with stored events no worker holds. An account's ingest is queued once per
    burst window however often the sweep finds it (the same marker webhooks use), so a
    backlog is not flooded with copies."""
    found = pipeline_sweep()
    for outbound_id in delivery_unqueued(outbound_ids=found["outbound"]):
        deliver_soon(outbound_id=outbound_id)
    queued = [a for a in found["inbound_accounts"] if ingest_mark_pending(account_id=a)]
    for account_id in queued:
        ingest_account.delay(account_id)
    if queued:
        logger.info("sweep: ingest queued for account(s) %s with stored events no worker holds", queued)
    for attachment_id in found["attachments"]:
        fetch_attachment.delay(attachment_id)
    for survey_id in found["csat_surveys"]:
        csat_ask.delay(survey_id)
    if found["attachments"] or found["csat_surveys"]:
        logger.info("sweep: queued the download of file(s) %s and the question of survey(s) %s whose task was lost",
                    found["attachments"], found["csat_surveys"])


@step_task("inbox.apply_retention")
def apply_retention() -> None:
    """Beat: each brand with a retention erases its conversations older than that, in
    batches; a brand with more left than one run takes is continued by the next run."""
    from channels.models import Brand

    from .actions.privacy import retention_apply

    for brand in Brand.objects.filter(retention_days__isnull=False).order_by("pk"):
        erased = retention_apply(brand=brand)
        if erased.tickets:
            logger.info("retention: brand %s erased %d conversations", brand.pk, erased.tickets)


@step_task("inbox.wake_snoozed")
def wake_snoozed() -> None:
    """Snoozes whose time has come end, each with its event (beat, every few seconds)."""
    tickets_wake_due()


@step_task("inbox.sla_check")
def sla_check() -> None:
    """SLA warnings and escalations due now (beat, every 30 s); each at most once."""
    result = sla_check_run()
    if result.escalated:
        logger.info("sla: escalated %d conversations", len(result.escalated))


CSAT_STUCK_SECONDS = 300  # a reply stuck this long does not hold the question back


@step_task("inbox.csat_ask")
def csat_ask(survey_id: int, waited: int = 0) -> None:
    """The satisfaction question of a solved conversation; asked once however often this runs,
    and only after the conversation's replies have gone out (the answer comes before "How did
    we do?"). While one is on its way, its sent (or failed) transition asks
    (csat_reply_settled); one check five minutes on (`waited`) asks anyway, should it be stuck."""
    if not waited and csat_reply_in_flight(survey_id=survey_id):
        csat_ask.apply_async((survey_id, 1), countdown=CSAT_STUCK_SECONDS)
        return
    outbound_id = csat_survey_ask(survey_id=survey_id)
    if outbound_id is not None:
        deliver_soon(outbound_id=outbound_id)


@step_task("inbox.csat_invite_review")
def csat_invite_review(survey_id: int) -> None:
    """After a 5, where the brand asks for public praise: invited once per customer."""
    outbound_id = csat_review_invite(survey_id=survey_id)
    if outbound_id is not None:
        deliver_soon(outbound_id=outbound_id)
