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
from django.db import transaction
from django.utils import timezone

from channels.inbound import (
    inbound_events_mark_processed,
    inbound_events_parse,
    inbound_pending_ids,
    inbound_stale_ids,
    poll_leases_release,
)
from channels.types import EDIT_OF

from .actions.delivery import reply_delivery_update
from .actions.edits import message_edits_apply
from .actions.ingest import IncomingItem, tickets_ingest_batch
from .outbox import outbox_sweep

INGEST_CHUNK = 100
# How long a delivery status for a message we cannot find yet is offered again.
STATUS_GRACE = timedelta(minutes=10)


def inbound_events_ingest(*, event_ids: list[int]) -> list[int]:
    """Ingest the stored events among `event_ids` still waiting; returns the new tickets'
    ids (to route). An event the connector skips or cannot read is marked so by the parse
    and never blocks the others."""
    new_tickets: list[int] = []
    for batch in inbound_events_parse(event_ids=event_ids):
        items = [IncomingItem(m, e.event_id) for e in batch.events for m in e.messages]
        edits = [i for i in items if i.incoming.extra.get(EDIT_OF)]
        with transaction.atomic():
            result = tickets_ingest_batch(account=batch.account, items=[i for i in items if i not in edits])
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
                # a young one stays "received" so the sweep offers it again.
                found = reply_delivery_update(account=batch.account, status=status)
                if not found and event.received_at > young:
                    done.discard(event.event_id)
            inbound_events_mark_processed(event_ids=sorted(done))
        new_tickets.extend(result.new_ticket_ids)
    return new_tickets


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
    """Ingest every event of this account still waiting, oldest first, in chunks; returns
    the new tickets. The marker is cleared before looking, so nothing that arrives later is
    left waiting."""
    if settings.REDIS_URL:
        _redis().delete(_pending_key(account_id))
    else:
        cache.delete(_pending_key(account_id))
    new_tickets: list[int] = []
    for _ in range(100):  # bounded: what arrives during a huge burst gets its own task
        ids = inbound_pending_ids(account_id=account_id, limit=INGEST_CHUNK * 5)
        if not ids:
            break
        new_tickets += inbound_events_ingest(event_ids=ids)
    return new_tickets


def pipeline_sweep() -> dict[str, list[int]]:
    """Rows a crash left mid-way, handed back to the step that owns them."""
    outbound = outbox_sweep()
    inbound = inbound_stale_ids(before=timezone.now() - settings.HOVOR_STUCK_AFTER)
    poll_leases_release()
    return {"outbound": outbound, "inbound": inbound}
