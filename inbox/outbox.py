"""The outbox: every write to an OutboundMessage row is here. A row is written in the
reply's transaction, claimed by one worker at a time with a conditional UPDATE, and ends
sent or failed. The sending worker holds a short lease on the row, renewed by a heartbeat
while it waits on the platform (outbox_lease_kept); a crash mid-send leaves it "sending"
until the lease runs out (seconds), then the sweep makes it "unknown", which makes the next
attempt ask the platform first (channels.outbound)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import Count, F, Min, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from channels.models import BrandAccount
from channels.types import OutboundFile, OutboundRequest

from .attachment_public import attachment_public_url
from .enums import OutboundStatus
from .models import Attachment, Message, OutboundMessage

MAX_DELIVERY_ATTEMPTS = 20
# A row due this long whose task has not run is taken for lost (a broker restarted, a
# worker died holding it): the sweep queues it again (a duplicate task finds it taken).
LOST_TASK_AFTER = timedelta(seconds=15)

logger = logging.getLogger("hovor.inbox.outbox")


def outbox_enqueue(
    *,
    account: BrandAccount,
    message: Message,
    kind: str,
    mode: str,
    text: str,
    in_reply_to: str,
    recipient: str,
    thread_key: str,
    subject: str,
    extra: Mapping[str, Any],
) -> OutboundMessage:
    """A row for the reply `message`, with everything the connector will need to send it.
    Call inside the reply's transaction; delivery is queued by the caller after commit."""
    return OutboundMessage.objects.create(
        account=account,
        message=message,
        kind=kind,
        mode=mode,
        text=text,
        in_reply_to_platform_id=in_reply_to,
        recipient_platform_id=recipient,
        thread_key=thread_key,
        subject=subject,
        extra=dict(extra),
        status=OutboundStatus.QUEUED,
        next_attempt_at=timezone.now(),
    )


@dataclass(frozen=True)
class Claim:
    row: OutboundMessage
    was_unknown: bool  # an earlier attempt may have reached the platform


def outbox_claim(*, outbound_id: int) -> Claim | datetime | None:
    """Take the row for one attempt: a Claim, the time it is due (not yet), or None (done,
    or another worker holds it)."""
    row = OutboundMessage.objects.filter(pk=outbound_id).first()
    now = timezone.now()
    if row is None or row.status not in (OutboundStatus.QUEUED, OutboundStatus.UNKNOWN):
        return None
    if row.next_attempt_at > now:
        return row.next_attempt_at
    claimed = OutboundMessage.objects.filter(pk=row.pk, status=row.status, attempts=row.attempts).update(
        status=OutboundStatus.SENDING,
        attempts=F("attempts") + 1,
        attempt_started_at=now,
        lease_until=now + settings.HOVOR_SENDING_LEASE,
        first_attempt_at=Coalesce("first_attempt_at", now),
    )
    if not claimed:
        return None
    was_unknown = row.status == OutboundStatus.UNKNOWN
    row = OutboundMessage.objects.select_related("account__brand").get(pk=row.pk)
    return Claim(row=row, was_unknown=was_unknown)


def outbox_request(row: OutboundMessage) -> OutboundRequest:
    """What the connector receives. `exclude_ids` are our other replies to the same message,
    which a reconciliation after an unknown outcome must never take for this one."""
    ours = (
        Message.objects.filter(account_id=row.account_id, in_reply_to_platform_id=row.in_reply_to_platform_id)
        .exclude(pk=row.message_id)
        .exclude(platform_id__isnull=True)
        .values_list("platform_id", flat=True)
        if row.in_reply_to_platform_id
        else []
    )
    return OutboundRequest(
        text=row.text,
        kind=row.kind,
        mode=row.mode,
        in_reply_to=row.in_reply_to_platform_id,
        recipient=row.recipient_platform_id,
        thread_key=row.thread_key,
        subject=row.subject,
        extra={k: v for k, v in (row.extra or {}).items() if k != "choices"},
        choices=tuple((str(label), str(payload)) for label, payload in (row.extra or {}).get("choices", [])),
        not_before=row.first_attempt_at,
        exclude_ids=frozenset(p for p in ours if p),
        files=tuple(_outbound_files(row.message_id)),
    )


def _outbound_files(message_id: int) -> Iterator[OutboundFile]:
    """The agent's files of this reply, read from storage (stored before it was queued)."""
    for attachment in Attachment.objects.filter(message_id=message_id).exclude(file="").order_by("index"):
        with attachment.file.open("rb") as handle:
            content = handle.read()
        yield OutboundFile(
            filename=attachment.filename, content_type=attachment.content_type, content=content,
            url=attachment_public_url(attachment),
        )


def outbox_mark_sent(*, outbound_id: int, platform_id: str) -> bool:
    """Sent, once: False if it already was."""
    return bool(
        OutboundMessage.objects.filter(pk=outbound_id)
        .exclude(status=OutboundStatus.SENT)
        .update(status=OutboundStatus.SENT, platform_id=platform_id, sent_at=timezone.now(), last_error="")
    )


def outbox_mark_failed(*, outbound_id: int, error: str) -> bool:
    """Failed for good: the platform refused it. A row already sent stays sent here; a later
    report that it never arrived goes through outbox_mark_undelivered."""
    return bool(
        OutboundMessage.objects.filter(pk=outbound_id)
        .exclude(status=OutboundStatus.SENT)
        .update(status=OutboundStatus.FAILED, last_error=error)
    )


def outbox_mark_undelivered(*, message_id: int, error: str) -> None:
    """The platform reported a sent message as not delivered (WhatsApp's failed status)."""
    OutboundMessage.objects.filter(message_id=message_id).update(status=OutboundStatus.FAILED, last_error=error)


def outbox_reschedule(*, row: OutboundMessage, unknown: bool, at: datetime, error: str) -> datetime | None:
    """Give the row back for a later attempt; None when it has had its last one (the caller
    then fails it)."""
    if row.attempts >= MAX_DELIVERY_ATTEMPTS:
        return None
    OutboundMessage.objects.filter(pk=row.pk, status=OutboundStatus.SENDING).update(
        status=OutboundStatus.UNKNOWN if unknown else OutboundStatus.QUEUED,
        next_attempt_at=at,
        last_error=error[:2000],
        lease_until=None,
    )
    return at


def outbox_requeue(*, message: Message) -> OutboundMessage | None:
    """A failed reply queued again (an agent's retry); None if it had not failed."""
    requeued = OutboundMessage.objects.filter(message=message, status=OutboundStatus.FAILED).update(
        status=OutboundStatus.QUEUED, next_attempt_at=timezone.now()
    )
    return OutboundMessage.objects.get(message=message) if requeued else None


def outbox_lease_renew(*, outbound_id: int) -> bool:
    """The sending worker is alive: its lease on the row runs on."""
    return bool(
        OutboundMessage.objects.filter(pk=outbound_id, status=OutboundStatus.SENDING).update(
            lease_until=timezone.now() + settings.HOVOR_SENDING_LEASE
        )
    )


@contextmanager
def outbox_lease_kept(*, outbound_id: int) -> Iterator[None]:
    """Renew the row's lease every third of it while the block runs (a slow platform call
    is not a dead worker). Only a call slower than that costs a database connection (the
    heartbeat's own, in its thread); a killed process stops beating, and the sweep takes
    over within one lease."""
    done = threading.Event()
    every = settings.HOVOR_SENDING_LEASE.total_seconds() / 3

    def beat() -> None:
        try:
            while not done.wait(every):
                outbox_lease_renew(outbound_id=outbound_id)
        except DatabaseError as exc:
            logger.warning("outbound %s: lease not renewed: %s", outbound_id, exc)
        finally:
            connection.close()

    heart = threading.Thread(target=beat, name=f"outbox-lease-{outbound_id}", daemon=True)
    heart.start()
    try:
        yield
    finally:
        done.set()
        heart.join(timeout=every)


def outbox_sweep() -> list[int]:
    """Rows a crash left mid-way, and rows due whose task was lost: their ids, to deliver."""
    now = timezone.now()
    # A worker died while sending (its lease ran out): we cannot know whether the platform
    # got it, so the next attempt looks first. Rows claimed before leases existed have none.
    dead = Q(lease_until__lt=now) | Q(lease_until__isnull=True, attempt_started_at__lt=now - settings.HOVOR_STUCK_AFTER)
    orphaned = OutboundMessage.objects.filter(dead, status=OutboundStatus.SENDING)
    recovered = list(orphaned.values_list("id", flat=True)[:1000])
    if recovered:
        OutboundMessage.objects.filter(dead, pk__in=recovered, status=OutboundStatus.SENDING).update(
            status=OutboundStatus.UNKNOWN, next_attempt_at=now, lease_until=None
        )
        logger.warning("outbox: %d repl(ies) left sending by a dead worker, checked and retried", len(recovered))
    due = OutboundMessage.objects.filter(
        status__in=[OutboundStatus.QUEUED, OutboundStatus.UNKNOWN], next_attempt_at__lte=now - LOST_TASK_AFTER
    ).values_list("id", flat=True)[:1000]
    return sorted({*recovered, *due})


def outbox_backlog() -> dict[str, Any]:
    """Replies not yet sent, by state, and the oldest one's creation (health page, /metrics)."""
    waiting = OutboundMessage.objects.filter(
        status__in=[OutboundStatus.QUEUED, OutboundStatus.SENDING, OutboundStatus.UNKNOWN]
    )
    counts = {row["status"]: row["n"] for row in waiting.values("status").annotate(n=Count("id")).order_by()}
    oldest = waiting.aggregate(oldest=Min("created_at"))["oldest"]
    return {
        "queued": counts.get(OutboundStatus.QUEUED, 0),
        "sending": counts.get(OutboundStatus.SENDING, 0),
        "unknown": counts.get(OutboundStatus.UNKNOWN, 0),
        "oldest": oldest,
    }
