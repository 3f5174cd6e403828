"""Stored platform events into tickets: the domain's half of inbound. The connector side
stores raw events and parses them (channels.inbound); this threads the messages into tickets,
applies delivery reports to our replies, and marks the events done, one account's batch in
one transaction. Every step is idempotent (ingest dedupes messages, processed events are
skipped), so a crash or a redelivered task changes nothing the second time."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import redis
from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, transaction
from django.utils import timezone

from channels.inbound import (
    inbound_backlog,
    inbound_events_claim,
    inbound_events_mark_processed,
    inbound_events_parse,
    inbound_events_release,
    inbound_pending_ids,
    inbound_unclaimed_accounts,
    poll_leases_release,
)
from channels.types import EDIT_OF

from .actions.attachments import attachments_unleased
from .actions.csat import csat_presses_apply, csat_surveys_unasked
from .actions.delivery import reply_delivery_update
from .actions.edits import message_edits_apply
from .actions.ingest import IncomingItem, tickets_ingest_batch
from .outbox import outbox_backlog, outbox_sweep

INGEST_CHUNK = 100
# How long a delivery status for a message we cannot find yet is offered again.
STATUS_GRACE = timedelta(minutes=10)
# How long such a status waits before it is offered again.
STATUS_RETRY = timedelta(seconds=30)


def inbound_events_ingest(*, event_ids: list[int]) -> list[int]:
    """Ingest the stored events among `event_ids` still waiting that no other worker holds;
    returns the new tickets' ids (to route). The events are claimed first (a short lease),
    so two workers never ingest one event, and a crashed worker's claim runs out within
    seconds for the sweep to hand on. An event the connector skips or cannot read is marked
    so by the parse and never blocks the others."""
    claimed = inbound_events_claim(event_ids=event_ids)
    if not claimed:
        return []
    try:
        return _ingest_claimed(claimed)
    except BaseException:
        # Whatever did not commit goes back at once (a killed worker's lease just runs out).
        _release_quietly(claimed)
        raise


def _ingest_claimed(event_ids: list[int]) -> list[int]:
    new_tickets: list[int] = []
    for batch in inbound_events_parse(event_ids=event_ids):
        items = [IncomingItem(m, e.event_id) for e in batch.events for m in e.messages]
        presses = [i for i in items if i.incoming.press is not None]
        edits = [i for i in items if i.incoming.extra.get(EDIT_OF) and i.incoming.press is None]
        with transaction.atomic():
            # A pressed rating button answers its survey and is no message; another app's
            # button that also posted words is threaded as the message it is.
            words = csat_presses_apply(account_id=batch.account.pk, presses=[i.incoming for i in presses])
            kept = {id(w) for w in words}
            messages = [i for i in items if i not in edits and (i.incoming.press is None or id(i.incoming) in kept)]
            result = tickets_ingest_batch(account=batch.account, items=messages)
            # An edit of a message the inbox has (stored now, even from this batch) updates
            # it; one whose original never arrived is threaded as a message of its own.
            unmatched = message_edits_apply(account=batch.account, items=edits)
            if unmatched:
                result.extend(tickets_ingest_batch(account=batch.account, items=unmatched))
            done = {e.event_id for e in batch.events}
            young = timezone.now() - STATUS_GRACE
            reports = sorted(((e, s) for e in batch.events for s in e.statuses), key=lambda pair: pair[1].at)
            for event, status in reports:
                # A status can overtake the commit that records our message's platform id:
                # a young one stays "received" so the sweep offers it again a little later.
                found = reply_delivery_update(account=batch.account, status=status)
                if not found and event.received_at > young:
                    done.discard(event.event_id)
            inbound_events_mark_processed(event_ids=sorted(done))
            waiting = sorted({e.event_id for e in batch.events} - done)
            inbound_events_release(event_ids=waiting, until=timezone.now() + STATUS_RETRY)
        new_tickets.extend(result.new_ticket_ids)
    return new_tickets


def _release_quietly(event_ids: list[int]) -> None:
    try:
        inbound_events_release(event_ids=event_ids)
    except DatabaseError:
        pass  # the database is what failed: the lease runs out by itself


# --- one ingest per burst ---------------------------------------------------------------
def _pending_key(account_id: int) -> str:
    return f"hovor:ingest-pending:{account_id}"


_redis_clients: dict[str, Any] = {}


def _redis() -> Any:
    """A kept-open Redis client (the marker is touched on every webhook delivery; the
    cache framework would build a new client per call)."""
    if settings.REDIS_URL not in _redis_clients:
        _redis_clients[settings.REDIS_URL] = redis.Redis.from_url(settings.REDIS_URL)
    return _redis_clients[settings.REDIS_URL]


def ingest_mark_pending(*, account_id: int) -> bool:
    """SET NX: true for the first delivery of a burst (it queues the one ingest task). The
    embedded mode uses the cache."""
    if not settings.REDIS_URL:
        return bool(cache.add(_pending_key(account_id), 1, timeout=5))
    return bool(_redis().set(_pending_key(account_id), 1, nx=True, ex=5))


def account_ingest_pending(*, account_id: int) -> list[int]:
    """Ingest every event of this account still waiting and held by no one, oldest first,
    in chunks; returns the new tickets. The marker is cleared before looking, so nothing
    that arrives later is left waiting. Two workers on the same account share the work:
    each claims its own chunks."""
    ingest_clear_pending(account_id=account_id)
    new_tickets: list[int] = []
    for _ in range(100):  # bounded: what arrives during a huge burst gets its own task
        ids = inbound_pending_ids(account_id=account_id, limit=INGEST_CHUNK * 5)
        if not ids:
            break
        new_tickets += inbound_events_ingest(event_ids=ids)
    return new_tickets


def ingest_clear_pending(*, account_id: int) -> None:
    if settings.REDIS_URL:
        try:
            _redis().delete(_pending_key(account_id))
        except redis.RedisError:
            pass  # the marker expires by itself in seconds
    else:
        cache.delete(_pending_key(account_id))


def pipeline_sweep() -> dict[str, list[int]]:
    """Rows a crash left mid-way, handed back to the step that owns them: replies due or
    whose sender died (their leases ran out), the accounts with stored events no worker
    holds after HOVOR_INGEST_GRACE, customers' files whose download task is gone (their
    lease ran out), and satisfaction questions whose ask task was lost."""
    outbound = outbox_sweep()
    accounts = inbound_unclaimed_accounts(before=timezone.now() - settings.HOVOR_INGEST_GRACE)
    poll_leases_release()
    return {
        "outbound": outbound, "inbound_accounts": accounts,
        "attachments": attachments_unleased(), "csat_surveys": csat_surveys_unasked(),
    }


def pipeline_backlog() -> dict[str, Any]:
    """What waits, for the admin page and /metrics: stored events not yet ingested (how many,
    since when) and replies not yet sent by state (and the oldest). When workers fall behind,
    webhooks are still accepted (stored first) and this is where it shows."""
    now = timezone.now()
    inbound = inbound_backlog()
    outbound = outbox_backlog()
    return {
        "inbound_waiting": inbound["waiting"],
        "inbound_oldest_seconds": (now - inbound["oldest"]).total_seconds() if inbound["oldest"] else 0.0,
        "outbox_queued": outbound["queued"],
        "outbox_sending": outbound["sending"],
        "outbox_unknown": outbound["unknown"],
        "outbox_oldest_seconds": (now - outbound["oldest"]).total_seconds() if outbound["oldest"] else 0.0,
    }


# --- one delivery task per reply in the broker --------------------------------------------
# Whoever queues a reply's delivery marks it (for as long as the task may wait, plus a
# minute); the task clears the mark when it starts. The sweep queues a due reply again only
# when no mark says a task for it is waiting: a backlog is never flooded with copies, and a
# task lost with a restarted Redis (its marks vanish with it) or a killed worker (at most a
# minute) is replaced.
DELIVERY_MARK_SLACK = 60.0


def _delivery_key(outbound_id: int) -> str:
    return f"hovor:delivery-queued:{outbound_id}"


def delivery_mark_queued(*, outbound_id: int, countdown: float = 0.0) -> None:
    ttl = int(countdown + DELIVERY_MARK_SLACK)
    try:
        if settings.REDIS_URL:
            _redis().set(_delivery_key(outbound_id), 1, ex=ttl)
        else:
            cache.set(_delivery_key(outbound_id), 1, timeout=ttl)
    except redis.RedisError:
        pass  # the broker is likely away too: queueing will say so


def delivery_clear_queued(*, outbound_id: int) -> None:
    try:
        if settings.REDIS_URL:
            _redis().delete(_delivery_key(outbound_id))
        else:
            cache.delete(_delivery_key(outbound_id))
    except redis.RedisError:
        pass  # it expires by itself


def delivery_unqueued(*, outbound_ids: list[int]) -> list[int]:
    """The replies among `outbound_ids` with no delivery task marked as waiting."""
    if not outbound_ids:
        return []
    keys = [_delivery_key(i) for i in outbound_ids]
    if settings.REDIS_URL:
        marks = list(_redis().mget(keys))
    else:
        found = cache.get_many(keys)
        marks = [found.get(k) for k in keys]
    return [i for i, mark in zip(outbound_ids, marks, strict=True) if mark is None]
