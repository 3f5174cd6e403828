"""The connector side of inbound: store raw events first, parse stored events into
platform-neutral messages and statuses, and poll the platforms that are polled. What the
messages mean for tickets is the domain's (it listens to channels.signals.inbound_stored and
calls inbound_events_parse); nothing here knows of tickets."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Q
from django.utils import timezone

from .health import account_failed, account_polled
from .hours import team_hours
from .http import ApiError
from .models import AccountStatus, BrandAccount, InboundEvent, InboundEventStatus
from .parsing import SkippedEvent, fit_for_inbox
from .registry import get_connector, polling_platforms
from .signals import inbound_stored
from .types import NormalizedMessage, NormalizedStatus, RawEvent

logger = logging.getLogger("hovor.channels")

# How long a queued poll keeps the next beat tick from queueing another for the same account
# (the marker is cleared when the poll starts; this only frees an account whose task was lost).
POLL_QUEUED_SECONDS = 60
# What a parser may raise for a payload it cannot read: the event is marked failed.
UNREADABLE = (ValueError, TypeError, KeyError, AttributeError)

# Called with the ids of events a poller just stored (the domain queues their ingestion).
OnStored = Callable[[list[int]], None]


# --- storing --------------------------------------------------------------------------
def inbound_events_record(*, account: BrandAccount, events: list[RawEvent]) -> list[int]:
    """Store raw events (before anything else happens to them); returns the ids of the
    ones stored now. A redelivered event is stored once (unique per account + platform
    id) and not returned again: what was stored earlier is the sweep's to pick up."""
    unique = list({e.platform_id: e for e in events}.values())
    if not unique:
        return []
    table = InboundEvent._meta.db_table
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    rows = ", ".join(["(%s, %s, %s, %s, %s, '', %s)"] * len(unique))
    params: list[Any] = []
    for e in unique:
        params += [account.pk, e.platform_id, e.kind, _storable_json(e.payload), InboundEventStatus.RECEIVED, now]
    # One statement that inserts the new ones and tells which they were (PostgreSQL and
    # SQLite both speak ON CONFLICT … RETURNING); the webhook tier's hot path.
    sql = (
        f"INSERT INTO {table} (account_id, platform_id, kind, payload, status, error, received_at) "  # noqa: S608
        f"VALUES {rows} ON CONFLICT (account_id, platform_id) DO NOTHING RETURNING id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return sorted(row[0] for row in cursor.fetchall())


def _without_nul(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, list):
        return [_without_nul(v) for v in value]
    if isinstance(value, dict):
        return {_without_nul(k): _without_nul(v) for k, v in value.items()}
    return value


def _storable_json(payload: dict[str, Any]) -> str:
    """The payload as JSON PostgreSQL's jsonb takes: it refuses the NUL character (U+0000),
    which a hostile body may carry; such a body would otherwise fail its INSERT (a 500
    for the whole delivery). NULs carry nothing a customer wrote: they are dropped."""
    text = json.dumps(payload)
    return json.dumps(_without_nul(payload)) if "\\u0000" in text else text


def inbound_events_store(*, account: BrandAccount, events: list[RawEvent], source: str = "webhook") -> list[int]:
    """Store, then tell the domain there is something to ingest (only when something new
    was stored: a redelivery wakes nobody)."""
    ids = inbound_events_record(account=account, events=events)
    if ids:
        inbound_stored_signal(account_id=account.pk, event_ids=ids, source=source)
    return ids


def inbound_stored_signal(*, account_id: int, event_ids: list[int], source: str) -> None:
    """Tell the domain. Stored is what counts: a receiver that fails (the broker away, a
    connection reset while queueing) is logged and never undoes the store or fails the
    caller; the sweep ingests what it stored within seconds (inbound_unclaimed_accounts)."""
    results = inbound_stored.send_robust(sender=BrandAccount, account_id=account_id, event_ids=event_ids, source=source)
    for receiver, outcome in results:
        if isinstance(outcome, Exception):
            logger.warning(
                "account %s: %d %s event(s) stored, but queueing their ingest failed (%s: %s); "
                "the sweep will ingest them",
                account_id,
                len(event_ids),
                source,
                type(outcome).__name__,
                outcome,
                extra={"receiver": getattr(receiver, "__qualname__", str(receiver))},
            )


# --- parsing --------------------------------------------------------------------------
@dataclass(frozen=True)
class ParsedEvent:
    event_id: int
    received_at: datetime
    messages: list[NormalizedMessage] = field(default_factory=list)
    statuses: list[NormalizedStatus] = field(default_factory=list)


@dataclass(frozen=True)
class ParsedBatch:
    account: BrandAccount
    events: list[ParsedEvent]


def _unleased(now: datetime) -> Q:
    return Q(lease_until__isnull=True) | Q(lease_until__lt=now)


def inbound_pending_ids(*, account_id: int, limit: int) -> list[int]:
    """The account's events waiting and held by no one, oldest first."""
    return list(
        InboundEvent.objects.filter(account_id=account_id, status=InboundEventStatus.RECEIVED)
        .filter(_unleased(timezone.now()))
        .order_by("id")
        .values_list("id", flat=True)[:limit]
    )


def inbound_events_claim(*, event_ids: list[int], lease: timedelta | None = None) -> list[int]:
    """Take the waiting events among `event_ids` that no one holds, for `lease` (default
    HOVOR_INGEST_LEASE); returns the ids taken. One conditional UPDATE: of two workers
    claiming the same event, the second finds it leased and leaves it (PostgreSQL re-checks
    the condition after waiting for the first's row lock)."""
    if not event_ids:
        return []
    now = timezone.now()
    until = now + (lease or settings.HOVOR_INGEST_LEASE)
    table = InboundEvent._meta.db_table
    marks = ", ".join(["%s"] * len(event_ids))
    adapt = connection.ops.adapt_datetimefield_value
    sql = (
        f"UPDATE {table} SET lease_until = %s WHERE id IN ({marks}) AND status = %s "  # noqa: S608
        "AND (lease_until IS NULL OR lease_until < %s) RETURNING id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [adapt(until), *event_ids, InboundEventStatus.RECEIVED, adapt(now)])
        return sorted(row[0] for row in cursor.fetchall())


def inbound_events_release(*, event_ids: list[int], until: datetime | None = None) -> None:
    """Give claimed events back: at once (None: an ingest that failed, for the next worker)
    or from `until` (a status waiting for its message is offered again then, not on every
    sweep)."""
    if event_ids:
        InboundEvent.objects.filter(pk__in=event_ids, status=InboundEventStatus.RECEIVED).update(lease_until=until)


def inbound_events_parse(*, event_ids: list[int]) -> list[ParsedBatch]:
    """Parse the stored events among `event_ids` still waiting, a batch per account. An event
    the connector deliberately skips is marked ignored (with why) and one it cannot read is
    marked failed (with the reason); neither blocks the others nor comes back. The rest stay
    "received" until the domain marks them processed (inbound_events_mark_processed)."""
    pending = list(InboundEvent.objects.filter(pk__in=event_ids, status=InboundEventStatus.RECEIVED).order_by("id"))
    accounts = BrandAccount.objects.select_related("brand").in_bulk({e.account_id for e in pending})
    batches: list[ParsedBatch] = []
    for account_id, account in accounts.items():
        connector = get_connector(account.platform)
        parsed: list[ParsedEvent] = []
        for event in (e for e in pending if e.account_id == account_id):
            try:
                items = [fit_for_inbox(i) for i in connector.parse(event.kind, event.payload)]
            except SkippedEvent as exc:
                _mark(event.pk, InboundEventStatus.IGNORED, exc.reason or type(exc).__name__)
                continue
            except UNREADABLE as exc:
                logger.warning("inbound event %s could not be parsed: %s", event.pk, exc)
                _mark(event.pk, InboundEventStatus.FAILED, f"{type(exc).__name__}: {exc}")
                continue
            parsed.append(
                ParsedEvent(
                    event_id=event.pk,
                    received_at=event.received_at,
                    messages=[i for i in items if isinstance(i, NormalizedMessage)],
                    statuses=[i for i in items if isinstance(i, NormalizedStatus)],
                )
            )
        batches.append(ParsedBatch(account=account, events=parsed))
    return batches


def _mark(event_id: int, status: str, error: str) -> None:
    InboundEvent.objects.filter(pk=event_id).update(status=status, error=error[:2000], processed_at=timezone.now())


def inbound_events_mark_processed(*, event_ids: list[int]) -> None:
    if event_ids:
        InboundEvent.objects.filter(pk__in=event_ids).update(
            status=InboundEventStatus.PROCESSED, processed_at=timezone.now()
        )


def inbound_unclaimed_accounts(*, before: datetime) -> list[int]:
    """Accounts with events stored before `before` that still wait and that no worker holds:
    their ingest task was lost (a worker killed mid-task, a broker restarted, queueing
    failed) or is still queued behind a backlog. Cheap enough for a sweep every few seconds
    (the status + received_at index)."""
    return sorted(
        set(
            InboundEvent.objects.filter(status=InboundEventStatus.RECEIVED, received_at__lt=before)
            .filter(_unleased(timezone.now()))
            .values_list("account_id", flat=True)
            .distinct()
        )
    )


def inbound_backlog() -> dict[str, Any]:
    """What waits to be ingested: how many events and since when (the health page and
    /metrics show it)."""
    waiting = InboundEvent.objects.filter(status=InboundEventStatus.RECEIVED)
    oldest = waiting.order_by("received_at").values_list("received_at", flat=True).first()
    return {"waiting": waiting.count(), "oldest": oldest}


# --- polling --------------------------------------------------------------------------
def _signal_stored(account_id: int, source: str) -> OnStored:
    def on_stored(event_ids: list[int]) -> None:
        inbound_stored_signal(account_id=account_id, event_ids=event_ids, source=source)

    return on_stored


def account_poll(*, account_id: int, on_stored: OnStored | None = None) -> int:
    """Fetch what is new on a polling platform, storing each page as it comes and handing the
    new ids to `on_stored` (by default: channels.signals.inbound_stored). Returns how many new
    events were stored. A lease on the row keeps two workers from polling the same account at
    once; it is short (HOVOR_POLL_LEASE) and renewed with every page, so a poller killed mid-way
    holds the account for seconds, not minutes."""
    now = timezone.now()
    leased = (
        BrandAccount.objects.filter(pk=account_id, status=AccountStatus.ACTIVE)
        .filter(Q(poll_lease_until__isnull=True) | Q(poll_lease_until__lt=now))
        .filter(Q(rate_limited_until__isnull=True) | Q(rate_limited_until__lte=now))
        .update(poll_lease_until=now + settings.HOVOR_POLL_LEASE)
    )
    if not leased:
        return 0
    account = BrandAccount.objects.select_related("brand").get(pk=account_id)
    stored = 0
    handed = on_stored or _signal_stored(account_id, "poll")

    def record(events: list[RawEvent]) -> None:
        nonlocal stored
        BrandAccount.objects.filter(pk=account_id).update(poll_lease_until=timezone.now() + settings.HOVOR_POLL_LEASE)
        ids = inbound_events_record(account=account, events=events)
        stored += len(ids)
        if ids:
            handed(ids)

    try:
        cursor = get_connector(account.platform).poll(account, dict(account.poll_cursor), record)
    except ApiError as exc:
        account_failed(account=account, exc=exc)
    else:
        account_polled(account=account, cursor=cursor)
    finally:
        BrandAccount.objects.filter(pk=account.pk).update(poll_lease_until=None)
    return stored


def account_backfill(*, account_id: int, on_stored: OnStored | None = None) -> dict[str, Any]:
    """Import an account's recent history, recording progress on the account so its page can
    show it. What it stores is handed to `on_stored` (by default: the signal) for ingestion."""
    account = BrandAccount.objects.select_related("brand").get(pk=account_id)
    handed = on_stored or _signal_stored(account_id, "backfill")
    state: dict[str, Any] = {"state": "running", "fetched": 0, "new": 0, "started_at": timezone.now().isoformat()}
    BrandAccount.objects.filter(pk=account_id).update(backfill=state)

    def record(events: list[RawEvent]) -> None:
        ids = inbound_events_record(account=account, events=events)
        state["fetched"] += len(events)
        state["new"] += len(ids)
        BrandAccount.objects.filter(pk=account_id).update(backfill=dict(state))
        if ids:
            handed(ids)

    try:
        get_connector(account.platform).backfill(account, record)
    except NotImplementedError as exc:
        state.update(state="unavailable", error=str(exc))
    except ApiError as exc:
        state.update(state="failed", error=exc.message)
    else:
        state["state"] = "done"
    state["finished_at"] = timezone.now().isoformat()
    BrandAccount.objects.filter(pk=account_id).update(backfill=state)
    return state


def webhook_fed(account: BrandAccount) -> bool:
    """Whether the account's messages come by a registered webhook that still works (X
    invalidates one whose CRC re-check fails, silently; the X connector checks hourly)."""
    cursor = account.poll_cursor if isinstance(account.poll_cursor, dict) else {}
    webhook = cursor.get("webhook")
    invalid = isinstance(webhook, dict) and webhook.get("valid") is False
    return "webhook_registered_at" in (account.options or {}) and not invalid


def due_polling_accounts() -> list[int]:
    """Accounts to poll now: every beat tick inside the brand's staffed hours, every
    HOVOR_POLL_INTERVAL_OFF_HOURS seconds outside them (brands without hours: always) and
    for accounts whose messages arrive by a registered webhook."""
    now = timezone.now()
    due = (
        BrandAccount.objects.filter(status=AccountStatus.ACTIVE, platform__in=polling_platforms())
        .filter(Q(rate_limited_until__isnull=True) | Q(rate_limited_until__lte=now))
        .filter(Q(poll_lease_until__isnull=True) | Q(poll_lease_until__lt=now))
    )
    recently = now - timedelta(seconds=settings.HOVOR_POLL_INTERVAL_OFF_HOURS)
    off_hours = team_hours().off_hours_brand_ids(now)
    if off_hours:
        due = due.exclude(brand_id__in=off_hours, last_polled_at__gt=recently)
    # Polling stays, slowly, as the net for what a webhook can miss, and at full speed again
    # once a poll finds the webhook invalid.
    fed = [a.pk for a in BrandAccount.objects.filter(options__has_key="webhook_registered_at") if webhook_fed(a)]
    if fed:
        due = due.exclude(pk__in=fed, last_polled_at__gt=recently)
    return list(due.values_list("id", flat=True))


def poll_rhythm(account: BrandAccount) -> tuple[str, float]:
    """How often beat polls this account now: ("webhook" | "staffed" | "always" | "off-hours",
    seconds)."""
    if webhook_fed(account):
        return "webhook", settings.HOVOR_POLL_INTERVAL_OFF_HOURS
    hours = team_hours()
    if hours.is_staffed(account.brand_id, timezone.now()):
        return ("staffed" if hours.has_hours(account.brand_id) else "always"), settings.HOVOR_POLL_INTERVAL
    return "off-hours", settings.HOVOR_POLL_INTERVAL_OFF_HOURS


def _poll_queued_key(account_id: int) -> str:
    return f"hovor:poll-queued:{account_id}"


def poll_queue_claim(*, account_id: int) -> bool:
    """True if no poll of this account is waiting in the queue yet (and now one is). Beat
    ticks faster than a busy worker polls; without this, polls of the same account piled up
    in the inbound queue and every webhook's ingest waited behind them."""
    return bool(cache.add(_poll_queued_key(account_id), 1, timeout=POLL_QUEUED_SECONDS))


def poll_queue_release(*, account_id: int) -> None:
    """The queued poll has started: the next tick may queue the one after it."""
    cache.delete(_poll_queued_key(account_id))


def poll_leases_release() -> None:
    """Leases a crashed poller left behind."""
    BrandAccount.objects.filter(poll_lease_until__lt=timezone.now()).update(poll_lease_until=None)
