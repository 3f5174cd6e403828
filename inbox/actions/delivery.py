"""What happens to a reply after the agent sent it: one delivery attempt through the
connector (its result applied to the outbox row and the message), and the platform's later
reports (delivered, read, failed). Idempotent and order-proof: a repeated or late report never
moves a reply back."""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from channels.models import BrandAccount
from channels.outbound import outbound_send
from channels.types import Failed, NormalizedStatus, RetryAt, Sent

from .. import events
from ..enums import DELIVERY_PROGRESS, DeliveryStatus, Direction, TicketStatus
from ..live import bump_on_commit
from ..models import Message, OutboundMessage, Ticket
from ..outbox import (
    Claim,
    outbox_claim,
    outbox_lease_kept,
    outbox_mark_failed,
    outbox_mark_sent,
    outbox_mark_undelivered,
    outbox_request,
    outbox_reschedule,
)
from .csat import csat_reply_settled
from .sla import ticket_sla_refresh
from .state import ticket_status_change

logger = logging.getLogger("hovor.inbox.delivery")


def reply_deliver(*, outbound_id: int) -> datetime | None:
    """Try to deliver one outbox row. Returns when to try again, or None when done (sent,
    failed for good, not due, or someone else holds it). Exactly once: the row is claimed
    first; after an unknown outcome the connector is asked to look before sending again."""
    claim = outbox_claim(outbound_id=outbound_id)
    if not isinstance(claim, Claim):
        return claim
    row = claim.row
    request = outbox_request(row)
    with outbox_lease_kept(outbound_id=row.pk):
        result = outbound_send(
            account=row.account, request=request, attempts=row.attempts, was_unknown=claim.was_unknown
        )
    if isinstance(result, Sent):
        reply_mark_sent(outbound=row, platform_id=result.platform_id)
        return None
    if isinstance(result, Failed):
        reply_mark_failed(outbound=row, error=result.error)
        return None
    return _retry_later(row, result)


def _retry_later(row: OutboundMessage, result: RetryAt) -> datetime | None:
    at = outbox_reschedule(row=row, unknown=result.outcome_unknown, at=result.at, error=result.error)
    if at is None:
        reply_mark_failed(outbound=row, error=f"Gave up after {row.attempts} attempts: {result.error}")
        return None
    logger.info("outbound %s: %s; next attempt at %s", row.pk, result.error, at.isoformat())
    return at


@transaction.atomic
def reply_mark_sent(*, outbound: OutboundMessage, platform_id: str) -> None:
    if not outbox_mark_sent(outbound_id=outbound.pk, platform_id=platform_id):
        return
    Message.objects.filter(pk=outbound.message_id).update(
        platform_id=platform_id, delivery_status=DeliveryStatus.SENT, sent_at=timezone.now()
    )
    message = Message.objects.select_related("ticket").get(pk=outbound.message_id)
    events.reply_sent(ticket=message.ticket, message=message, platform_id=platform_id)
    csat_reply_settled(message=message)  # a satisfaction question waiting for this reply
    bump_on_commit(tickets=[message.ticket])


@transaction.atomic
def reply_mark_failed(*, outbound: OutboundMessage, error: str) -> None:
    if not outbox_mark_failed(outbound_id=outbound.pk, error=error):
        return
    message = Message.objects.select_related("ticket").get(pk=outbound.message_id)
    _reply_failed(message=message, error=error)
    csat_reply_settled(message=message)  # asked only if the conversation is still solved
    bump_on_commit(tickets=[message.ticket])


def _reply_failed(*, message: Message, error: str) -> None:
    """The message side of a failure (the outbox row is already marked): the customer got
    nothing, so the conversation waits again, and is unanswered if this was the only reply."""
    Message.objects.filter(pk=message.pk).update(delivery_status=DeliveryStatus.FAILED)
    events.reply_failed(ticket=message.ticket, message=message, error=error)
    ticket_recount_answered(ticket=message.ticket)


def ticket_recount_answered(*, ticket: Ticket) -> None:
    """Derive 'answered' state from the replies that did not fail: first response time,
    since when the customer waits, and a pending/solved ticket back to open if waiting."""
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    replies = ticket.messages.filter(direction=Direction.OUT).exclude(delivery_status=DeliveryStatus.FAILED)
    first_ok = replies.order_by("created_at", "id").first()
    last_ok = replies.order_by("-created_at", "-id").first()
    unanswered = ticket.messages.filter(direction=Direction.IN)
    if last_ok is not None:
        unanswered = unanswered.filter(sent_at__gt=last_ok.created_at)
    oldest_unanswered = unanswered.order_by("sent_at", "id").first()
    ticket.first_response_at = first_ok.created_at if first_ok else None
    ticket.waiting_since = oldest_unanswered.sent_at if oldest_unanswered else None
    ticket.updated_at = timezone.now()
    ticket.save(update_fields=["first_response_at", "waiting_since", "updated_at"])
    ticket_sla_refresh(ticket=ticket)  # a failed reply: the customer is still waiting
    if ticket.waiting_since is not None and ticket.status in (TicketStatus.PENDING, TicketStatus.SOLVED):
        ticket_status_change(ticket=ticket, status=TicketStatus.OPEN, actor=None)


@transaction.atomic
def reply_delivery_update(*, account: BrandAccount, status: NormalizedStatus) -> bool:
    """A platform reports how far one of our replies got (sent → delivered → read, or
    failed). Idempotent and order-proof: a repeated or late report never moves it back."""
    message = (
        Message.objects.select_for_update()
        .select_related("ticket")
        .filter(account=account, platform_id=status.platform_id, direction=Direction.OUT)
        .first()
    )
    if message is None:
        return False
    if status.status == DeliveryStatus.FAILED:
        if message.delivery_status == DeliveryStatus.FAILED:
            return False
        error = status.error or "The platform reported the message as not delivered."
        outbox_mark_undelivered(message_id=message.pk, error=error)
        _reply_failed(message=message, error=error)
    else:
        new = DELIVERY_PROGRESS.get(status.status)
        old = DELIVERY_PROGRESS.get(message.delivery_status)
        if new is None or old is None or new <= old:
            return False
        Message.objects.filter(pk=message.pk).update(delivery_status=status.status)
        events.reply_delivery(ticket=message.ticket, message=message, status=status.status)
    bump_on_commit(tickets=[message.ticket])
    return True
