"""Connector-side services: polling, storing raw events, turning them into inbox
messages, and delivering the outbox. Tasks call these; they call inbox actions."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from inbox.actions.ingest import IncomingItem, tickets_ingest_batch
from inbox.actions.replies import reply_delivery_update, reply_mark_failed, reply_mark_sent
from inbox.models import Message

from .base import OAuthChoice
from .http import ApiAuthError, ApiError, ApiOutcomeUnknown, ApiPermanentError, ApiRateLimited
from .models import (
    AccountStatus,
    Brand,
    BrandAccount,
    InboundEvent,
    InboundEventStatus,
    OutboundMessage,
    OutboundStatus,
)
from .parsing import SkippedEvent
from .registry import get_connector, polling_platforms
from .types import NormalizedStatus, OutboundRequest, RawEvent

logger = logging.getLogger("hovor.channels")

POLL_LEASE = timedelta(minutes=5)
MAX_DELIVERY_ATTEMPTS = 20
INGEST_CHUNK = 100
# Seconds a webhook burst is gathered into one ingest task.
INGEST_DEBOUNCE = 0.05
# How long a delivery status for a message we cannot find yet is offered again.
STATUS_GRACE = timedelta(minutes=10)


# --- accounts -------------------------------------------------------------------------
# Secrets the platform's webhook side was set up with; a new authorisation keeps them.
WEBHOOK_SECRET_KEYS = frozenset({"verify_token", "webhook_secret"})


@transaction.atomic
def brand_account_connect(
    *,
    brand: Brand,
    platform: str,
    handle: str,
    base_url: str = "",
    credentials: dict[str, Any],
    options: dict[str, Any] | None = None,
    platform_user_id: str = "",
) -> BrandAccount:
    get_connector(platform)  # raises UnknownPlatform for a platform we have no connector for
    account = BrandAccount(
        brand=brand,
        platform=platform,
        handle=handle,
        base_url=base_url,
        options=options or {},
        platform_user_id=platform_user_id,
    )
    account.credentials = credentials
    account.save()
    return account


@transaction.atomic
def brand_account_connect_authorised(
    *, brand: Brand, platform: str, choice: OAuthChoice, base_url: str = ""
) -> tuple[BrandAccount, bool]:
    """Connect the account an admin authorised on the platform (OAuth). Authorising an
    account the brand already has (a revoked or expired token) gives it the new tokens and
    makes it active again, keeping its history. Returns (account, created)."""
    existing = (
        BrandAccount.objects.select_for_update()
        .filter(brand=brand, platform=platform)
        .filter(
            Q(handle=choice.handle) | Q(platform_user_id=choice.platform_user_id)
            if choice.platform_user_id
            else Q(handle=choice.handle)
        )
        .order_by("pk")
        .first()
    )
    if existing is None:
        account = brand_account_connect(
            brand=brand,
            platform=platform,
            handle=choice.handle,
            base_url=base_url,
            credentials=dict(choice.credentials),
            options=dict(choice.options),
            platform_user_id=choice.platform_user_id,
        )
        return account, True
    existing.handle = choice.handle
    existing.base_url = base_url
    existing.options = {**existing.options, **choice.options}
    if choice.platform_user_id:
        existing.platform_user_id = choice.platform_user_id
    existing.save(update_fields=["handle", "base_url", "options", "platform_user_id"])
    # The tokens are replaced whole (a stale key must not survive a re-authorisation), but the
    # webhook secrets stay: the platform's side was configured with them.
    kept = {k: v for k, v in existing.credentials.items() if k in WEBHOOK_SECRET_KEYS and v}
    existing.credentials = {}
    fresh = {**dict(choice.credentials), **kept}
    return brand_account_update_credentials(account=existing, credentials=fresh), False


@dataclass(frozen=True)
class ConnectionCheck:
    ok: bool
    details: dict[str, str]
    error: str = ""


def brand_account_test(*, account: BrandAccount) -> ConnectionCheck:
    """The admin's "test connection": ask the platform who these credentials are."""
    try:
        details = get_connector(account.platform).test_connection(account)
    except NotImplementedError as exc:
        return ConnectionCheck(ok=False, details={}, error=str(exc))
    except ApiError as exc:
        return ConnectionCheck(ok=False, details={}, error=exc.message)
    if account.platform_user_id == "" and details.get("id"):
        BrandAccount.objects.filter(pk=account.pk).update(platform_user_id=details["id"])
    return ConnectionCheck(ok=True, details=details)


@transaction.atomic
def brand_account_update_credentials(*, account: BrandAccount, credentials: dict[str, Any]) -> BrandAccount:
    """New credentials (a re-authorised token): the account is healthy again until proven not."""
    merged = {**account.credentials, **{k: v for k, v in credentials.items() if v not in ("", None)}}
    account.credentials = merged
    account.status = AccountStatus.ACTIVE
    account.last_error = ""
    account.consecutive_failures = 0
    account.rate_limited_until = None
    account.save(
        update_fields=["credentials_encrypted", "status", "last_error", "consecutive_failures", "rate_limited_until"]
    )
    _forget_cached(account.pk)
    return account


# What an admin may set about how an account presents itself (the chat widget's look).
PRESENTATION_OPTIONS = ("title", "color", "greeting", "hours_text")


def brand_account_update_presentation(*, account: BrandAccount, values: dict[str, str]) -> BrandAccount:
    """Set the widget's title, colour, greeting and away text; an empty value restores the
    default. The widget validates what it shows (a colour must be #rgb or #rrggbb)."""
    options = dict(account.options or {})
    for key in PRESENTATION_OPTIONS:
        if key not in values:
            continue
        value = values[key].strip()[:500]
        if value:
            options[key] = value
        else:
            options.pop(key, None)
    account.options = options
    account.save(update_fields=["options"])
    return account


def brand_account_register_webhook(*, account: BrandAccount, webhook_url: str) -> ConnectionCheck:
    """Point the platform's webhooks for this account at Hovor through its API."""
    try:
        note = get_connector(account.platform).webhook_register(account, webhook_url)
    except NotImplementedError as exc:
        return ConnectionCheck(ok=False, details={}, error=str(exc))
    except ApiError as exc:
        logger.warning("account %s (%s): webhook registration refused: %s", account.pk, account.platform, exc.message)
        return ConnectionCheck(ok=False, details={}, error=exc.message)
    account.refresh_from_db(fields=["options", "credentials_encrypted"])
    account.options = {
        **account.options,
        "webhook_registered_at": timezone.now().isoformat(),
        "webhook_url": webhook_url,
    }
    account.save(update_fields=["options"])
    _forget_cached(account.pk)
    return ConnectionCheck(ok=True, details={"webhook": note})


@transaction.atomic
def brand_account_disconnect(*, account: BrandAccount) -> BrandAccount:
    """Stop polling and refuse its webhooks; the stored credentials are wiped."""
    account.credentials = {}
    account.status = AccountStatus.DISABLED
    account.save(update_fields=["credentials_encrypted", "status"])
    _forget_cached(account.pk)
    return account


def _forget_cached(account_id: int) -> None:
    from .webhooks import forget_account

    forget_account(account_id)


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(2 ** max(attempts, 1), 300))


def _account_failed(account: BrandAccount, exc: ApiError) -> None:
    """Broken credentials stop polling until an admin acts; other errors back off."""
    fields: dict[str, Any] = {"last_error": exc.message[:2000], "consecutive_failures": F("consecutive_failures") + 1}
    if isinstance(exc, ApiAuthError):
        fields["status"] = AccountStatus.BROKEN
    elif isinstance(exc, ApiRateLimited):
        fields["rate_limited_until"] = exc.retry_at
        fields.pop("consecutive_failures")
    else:
        fields["rate_limited_until"] = timezone.now() + _backoff(account.consecutive_failures + 1)
    BrandAccount.objects.filter(pk=account.pk).update(**fields)
    logger.warning("account %s (%s): %s", account.pk, account.platform, exc.message)


# --- inbound --------------------------------------------------------------------------
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
        params += [account.pk, e.platform_id, e.kind, json.dumps(e.payload), InboundEventStatus.RECEIVED, now]
    # One statement that inserts the new ones and tells which they were (PostgreSQL and
    # SQLite both speak ON CONFLICT … RETURNING); the webhook tier's hot path.
    sql = (
        f"INSERT INTO {table} (account_id, platform_id, kind, payload, status, error, received_at) "  # noqa: S608
        f"VALUES {rows} ON CONFLICT (account_id, platform_id) DO NOTHING RETURNING id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return sorted(row[0] for row in cursor.fetchall())


def _pending_key(account_id: int) -> str:
    return f"hovor:ingest-pending:{account_id}"


def ingest_soon(*, account_id: int) -> None:
    """Ask for this account's stored events to be ingested. A burst of deliveries shares
    one task: only the first in a short window enqueues it (the marker is cleared by the
    task before it looks, so nothing that arrives later is left waiting)."""
    from .tasks import ingest_account

    if _mark_pending(account_id):
        ingest_account.apply_async((account_id,), countdown=INGEST_DEBOUNCE)


_redis_clients: dict[str, Any] = {}


def _redis() -> Any:
    """A kept-open Redis client (the marker is touched on every webhook delivery; the
    cache framework would build a new client per call)."""
    if settings.REDIS_URL not in _redis_clients:
        import redis

        _redis_clients[settings.REDIS_URL] = redis.Redis.from_url(settings.REDIS_URL)
    return _redis_clients[settings.REDIS_URL]


def _mark_pending(account_id: int) -> bool:
    """SET NX: true for the first delivery of a burst. The embedded mode uses the cache."""
    if not settings.REDIS_URL:
        return bool(cache.add(_pending_key(account_id), 1, timeout=5))
    return bool(_redis().set(_pending_key(account_id), 1, nx=True, ex=5))


def account_ingest_pending(*, account_id: int) -> list[int]:
    """Ingest every event of this account still waiting, oldest first, in chunks; returns
    the new tickets. Runs after ingest_soon; idempotent like everything it calls."""
    if settings.REDIS_URL:
        _redis().delete(_pending_key(account_id))
    else:
        cache.delete(_pending_key(account_id))
    new_tickets: list[int] = []
    for _ in range(100):  # bounded: what arrives during a huge burst gets its own task
        ids = list(
            InboundEvent.objects.filter(account_id=account_id, status=InboundEventStatus.RECEIVED)
            .order_by("id")
            .values_list("id", flat=True)[: INGEST_CHUNK * 5]
        )
        if not ids:
            break
        new_tickets += inbound_events_process(event_ids=ids)
    return new_tickets


def _store_and_ingest(*, account: BrandAccount, events: list[RawEvent]) -> list[int]:
    """A page a poller fetched: stored first, then queued for ingestion in chunks."""
    from .tasks import ingest_events

    ids = inbound_events_record(account=account, events=events)
    for start in range(0, len(ids), INGEST_CHUNK):
        ingest_events.delay(ids[start : start + INGEST_CHUNK])
    return ids


def account_poll(*, account_id: int) -> int:
    """Fetch what is new on a polling platform. Returns how many new events were stored.
    A lease on the row keeps two workers from polling the same account at once."""

    now = timezone.now()
    leased = (
        BrandAccount.objects.filter(pk=account_id, status=AccountStatus.ACTIVE)
        .filter(Q(poll_lease_until__isnull=True) | Q(poll_lease_until__lt=now))
        .filter(Q(rate_limited_until__isnull=True) | Q(rate_limited_until__lte=now))
        .update(poll_lease_until=now + POLL_LEASE)
    )
    if not leased:
        return 0
    account = BrandAccount.objects.select_related("brand").get(pk=account_id)
    stored = 0

    def record(events: list[RawEvent]) -> None:
        nonlocal stored
        stored += len(_store_and_ingest(account=account, events=events))

    try:
        cursor = get_connector(account.platform).poll(account, dict(account.poll_cursor), record)
    except ApiError as exc:
        _account_failed(account, exc)
    else:
        BrandAccount.objects.filter(pk=account.pk).update(
            poll_cursor=cursor,
            last_polled_at=timezone.now(),
            consecutive_failures=0,
            last_error="",
            rate_limited_until=None,
        )
    finally:
        BrandAccount.objects.filter(pk=account.pk).update(poll_lease_until=None)
    return stored


def account_backfill(*, account_id: int) -> dict[str, Any]:
    """Import an account's recent history (a Celery job), recording progress on the
    account so its page can show it. Ingestion of what it stores runs as usual."""

    account = BrandAccount.objects.select_related("brand").get(pk=account_id)
    state: dict[str, Any] = {"state": "running", "fetched": 0, "new": 0, "started_at": timezone.now().isoformat()}
    BrandAccount.objects.filter(pk=account_id).update(backfill=state)

    def record(events: list[RawEvent]) -> None:
        state["fetched"] += len(events)
        state["new"] += len(_store_and_ingest(account=account, events=events))
        BrandAccount.objects.filter(pk=account_id).update(backfill=dict(state))

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


def due_polling_accounts() -> list[int]:
    """Accounts to poll now: every beat tick inside the brand's staffed hours, every
    HOVOR_POLL_INTERVAL_OFF_HOURS seconds outside them (brands without hours: always) and
    for accounts whose messages arrive by a registered webhook."""
    from shifts.selectors import off_hours_brand_ids

    now = timezone.now()
    due = (
        BrandAccount.objects.filter(status=AccountStatus.ACTIVE, platform__in=polling_platforms())
        .filter(Q(rate_limited_until__isnull=True) | Q(rate_limited_until__lte=now))
        .filter(Q(poll_lease_until__isnull=True) | Q(poll_lease_until__lt=now))
    )
    recently = now - timedelta(seconds=settings.HOVOR_POLL_INTERVAL_OFF_HOURS)
    off_hours = off_hours_brand_ids(now)
    if off_hours:
        due = due.exclude(brand_id__in=off_hours, last_polled_at__gt=recently)
    # Messages come by webhook once one is registered: polling stays, slowly, as the net for
    # what a webhook can miss, and at full speed again once a poll finds the webhook invalid
    # (X invalidates one whose CRC re-check fails, silently; the X connector checks hourly).
    fed = [
        pk
        for pk, cursor in BrandAccount.objects.filter(options__has_key="webhook_registered_at").values_list(
            "id", "poll_cursor"
        )
        if not (
            isinstance(cursor, dict)
            and isinstance(cursor.get("webhook"), dict)
            and cursor["webhook"].get("valid") is False
        )
    ]
    if fed:
        due = due.exclude(pk__in=fed, last_polled_at__gt=recently)
    return list(due.values_list("id", flat=True))


def inbound_events_process(*, event_ids: list[int]) -> list[int]:
    """Parse stored events and ingest their messages, a batch per account. Returns the ids
    of new tickets (to route). Idempotent: processed events are skipped, and ingest
    dedupes messages. An event that cannot be parsed is marked failed with the reason and
    never blocks the others."""
    pending = list(InboundEvent.objects.filter(pk__in=event_ids, status=InboundEventStatus.RECEIVED).order_by("id"))
    accounts = BrandAccount.objects.select_related("brand").in_bulk({e.account_id for e in pending})
    new_tickets: list[int] = []
    for account_id, account in accounts.items():
        connector = get_connector(account.platform)
        items: list[IncomingItem] = []
        statuses: list[tuple[InboundEvent, NormalizedStatus]] = []
        parsed: list[int] = []
        ignored: list[int] = []
        for event in (e for e in pending if e.account_id == account_id):
            try:
                for item in connector.parse(event.kind, event.payload):
                    if isinstance(item, NormalizedStatus):
                        statuses.append((event, item))
                    else:
                        items.append(IncomingItem(item, event.pk))
                parsed.append(event.pk)
            except SkippedEvent:
                ignored.append(event.pk)
            except (ValueError, TypeError, KeyError, AttributeError) as exc:
                logger.warning("inbound event %s could not be parsed: %s", event.pk, exc)
                InboundEvent.objects.filter(pk=event.pk).update(
                    status=InboundEventStatus.FAILED,
                    error=f"{type(exc).__name__}: {exc}"[:2000],
                    processed_at=timezone.now(),
                )
        with transaction.atomic():
            result = tickets_ingest_batch(account=account, items=items)
            young = timezone.now() - STATUS_GRACE
            for event, status in sorted(statuses, key=lambda pair: pair[1].at):
                # A status can overtake the commit that records our message's platform id:
                # a young one stays "received" so the sweep offers it again.
                found = reply_delivery_update(account=account, status=status)
                if not found and event.pk in parsed and event.received_at > young:
                    parsed.remove(event.pk)
            InboundEvent.objects.filter(pk__in=parsed).update(
                status=InboundEventStatus.PROCESSED, processed_at=timezone.now()
            )
            InboundEvent.objects.filter(pk__in=ignored).update(
                status=InboundEventStatus.IGNORED, processed_at=timezone.now()
            )
        new_tickets.extend(result.new_ticket_ids)
    return new_tickets


# --- outbound -------------------------------------------------------------------------
def _outbound_request(row: OutboundMessage) -> OutboundRequest:
    ours = (
        Message.objects.filter(account_id=row.account_id, in_reply_to_platform_id=row.in_reply_to_platform_id)
        .exclude(pk=row.message_id)
        .exclude(platform_id__isnull=True)
        .values_list("platform_id", flat=True)
    )
    answered = (
        Message.objects.select_related("ticket")
        .filter(account_id=row.account_id, platform_id=row.in_reply_to_platform_id)
        .first()
        if row.in_reply_to_platform_id
        else None
    )
    return OutboundRequest(
        text=row.text,
        kind=row.kind,
        mode=row.mode,
        in_reply_to=row.in_reply_to_platform_id,
        recipient=row.recipient_platform_id,
        thread_key=answered.thread_key if answered else "",
        subject=answered.ticket.subject if answered else "",
        extra=dict(answered.extra) if answered else {},
        not_before=row.first_attempt_at,
        exclude_ids=frozenset(p for p in ours if p),
    )


def outbound_deliver(*, outbound_id: int) -> datetime | None:
    """Try to deliver one outbox row. Returns when to try again, or None when done (sent,
    failed for good, not due, or someone else holds it).

    Exactly-once: a row is claimed with a conditional UPDATE; after an unknown outcome
    (timeout, 5xx, crash while sending) the next attempt first asks the platform whether
    the earlier one went through, and only sends if it did not."""
    row = OutboundMessage.objects.select_related("account").filter(pk=outbound_id).first()
    now = timezone.now()
    if row is None or row.status not in (OutboundStatus.QUEUED, OutboundStatus.UNKNOWN):
        return None
    if row.next_attempt_at > now:
        return row.next_attempt_at
    was_unknown = row.status == OutboundStatus.UNKNOWN
    claimed = OutboundMessage.objects.filter(pk=row.pk, status=row.status, attempts=row.attempts).update(
        status=OutboundStatus.SENDING,
        attempts=F("attempts") + 1,
        attempt_started_at=now,
        first_attempt_at=Coalesce("first_attempt_at", now),
    )
    if not claimed:
        return None
    row.refresh_from_db()
    account = row.account
    connector = get_connector(account.platform)
    request = _outbound_request(row)
    try:
        if account.status == AccountStatus.BROKEN:
            raise ApiAuthError(f"The brand's {account.get_platform_display()} account needs reconnecting by an admin.")
        platform_id = connector.find_sent(account, request) if was_unknown else None
        if platform_id is None:
            platform_id = connector.send(account, request)
    except ApiRateLimited as exc:
        return _reschedule(row, OutboundStatus.UNKNOWN if was_unknown else OutboundStatus.QUEUED, exc.retry_at, exc)
    except ApiOutcomeUnknown as exc:
        return _reschedule(row, OutboundStatus.UNKNOWN, now + _backoff(row.attempts), exc)
    except ApiAuthError as exc:
        _account_failed(account, exc)
        reply_mark_failed(outbound=row, error=exc.message)
        return None
    except ApiPermanentError as exc:
        reply_mark_failed(outbound=row, error=exc.message)
        return None
    except ApiError as exc:  # ApiUnavailable and friends: nothing was sent
        status = OutboundStatus.UNKNOWN if was_unknown else OutboundStatus.QUEUED
        return _reschedule(row, status, now + _backoff(row.attempts), exc)
    reply_mark_sent(outbound=row, platform_id=platform_id)
    return None


def _reschedule(row: OutboundMessage, status: str, at: datetime, exc: ApiError) -> datetime | None:
    if row.attempts >= MAX_DELIVERY_ATTEMPTS:
        reply_mark_failed(outbound=row, error=f"Gave up after {row.attempts} attempts: {exc.message}")
        return None
    OutboundMessage.objects.filter(pk=row.pk, status=OutboundStatus.SENDING).update(
        status=status, next_attempt_at=at, last_error=exc.message[:2000]
    )
    logger.info("outbound %s: %s; next attempt at %s", row.pk, exc.message, at.isoformat())
    return at


def sweep_stuck() -> dict[str, list[int]]:
    """Find rows a crash left mid-way and hand them back to the step that owns them."""
    now = timezone.now()
    stuck_before = now - settings.HOVOR_STUCK_AFTER
    # A worker died while sending: we cannot know whether the platform got it.
    OutboundMessage.objects.filter(status=OutboundStatus.SENDING, attempt_started_at__lt=stuck_before).update(
        status=OutboundStatus.UNKNOWN, next_attempt_at=now
    )
    due_outbound = list(
        OutboundMessage.objects.filter(
            status__in=[OutboundStatus.QUEUED, OutboundStatus.UNKNOWN], next_attempt_at__lte=now - timedelta(seconds=20)
        ).values_list("id", flat=True)[:1000]
    )
    stale_inbound = list(
        InboundEvent.objects.filter(status=InboundEventStatus.RECEIVED, received_at__lt=stuck_before).values_list(
            "id", flat=True
        )[:1000]
    )
    BrandAccount.objects.filter(poll_lease_until__lt=now).update(poll_lease_until=None)
    return {"outbound": due_outbound, "inbound": stale_inbound}
