from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from channels.models import BrandAccount
from channels.types import NormalizedMessage

from .. import events
from ..enums import DeliveryStatus, Direction, TicketStatus
from ..live import bump_on_commit
from ..models import Identity, Message, Ticket
from ..sla import first_response_due
from .customers import identity_resolve


class TicketActionError(Exception):
    """A request an agent made that cannot be carried out; the message is for them."""


@dataclass(frozen=True)
class IngestResult:
    message: Message
    created: bool  # False: this platform message was already in the inbox
    new_ticket: bool


def _thread(*, account: BrandAccount, identity: Identity, incoming: NormalizedMessage) -> Ticket | None:
    """The ticket this message continues: its parent's, its platform conversation's, or
    the customer's open ticket on this account. None starts a new ticket."""
    if incoming.in_reply_to:
        parent = (
            Message.objects.filter(account=account, platform_id=incoming.in_reply_to)
            .select_related("ticket")
            .first()
        )
        if parent is not None:
            return parent.ticket
    if incoming.thread_key and incoming.thread_key != incoming.platform_id:
        sibling = (
            Message.objects.filter(account=account, thread_key=incoming.thread_key)
            .select_related("ticket")
            .order_by("-id")
            .first()
        )
        if sibling is not None:
            return sibling.ticket
    return (
        Ticket.objects.filter(account=account, customer_id=identity.customer_id)
        .exclude(status=TicketStatus.SOLVED)
        .order_by("-id")
        .first()
    )


@transaction.atomic
def ticket_ingest_message(
    *, account: BrandAccount, incoming: NormalizedMessage, inbound_event_id: int | None = None
) -> IngestResult:
    """Thread one customer message into the inbox. Idempotent: the same platform message
    ingested twice (redelivery, overlapping polls, two workers) yields one Message."""
    existing = Message.objects.filter(account=account, platform_id=incoming.platform_id).first()
    if existing is not None:
        return IngestResult(message=existing, created=False, new_ticket=False)

    identity = identity_resolve(brand=account.brand, platform=account.platform, author=incoming.author)
    ticket = _thread(account=account, identity=identity, incoming=incoming)
    new_ticket = ticket is None
    now = timezone.now()
    if ticket is None:
        ticket = Ticket.objects.create(
            brand_id=account.brand_id,
            account=account,
            customer_id=identity.customer_id,
            subject=incoming.subject,
            status=TicketStatus.NEW,
            language=incoming.language,
            created_at=now,
            updated_at=now,
            waiting_since=incoming.sent_at,
            first_response_due_at=first_response_due(platform=account.platform, received_at=incoming.sent_at),
            last_message_at=incoming.sent_at,
        )
    try:
        with transaction.atomic():
            message = Message.objects.create(
                ticket=ticket,
                account=account,
                direction=Direction.IN,
                text=incoming.text,
                author_identity=identity,
                platform_id=incoming.platform_id,
                in_reply_to_platform_id=incoming.in_reply_to,
                thread_key=incoming.thread_key,
                delivery_status=DeliveryStatus.RECEIVED,
                attachments=[a.__dict__ for a in incoming.attachments],
                automated=incoming.automated,
                language=incoming.language,
                sent_at=incoming.sent_at,
                created_at=now,
                inbound_event_id=inbound_event_id,
            )
    except IntegrityError:
        # A concurrent ingest of the same platform message won the race.
        transaction.set_rollback(True)
        return IngestResult(
            message=Message.objects.get(account=account, platform_id=incoming.platform_id),
            created=False,
            new_ticket=False,
        )

    if new_ticket:
        events.ticket_created(ticket=ticket, message=message)
    else:
        if ticket.status == TicketStatus.SOLVED:
            events.ticket_reopened(ticket=ticket, message=message)
        else:
            events.message_received(ticket=ticket, message=message)
        # F-expressions: a concurrent ingest into the same ticket must not be overwritten.
        Ticket.objects.filter(pk=ticket.pk).update(
            status=TicketStatus.OPEN,
            waiting_since=Coalesce("waiting_since", incoming.sent_at),
            last_message_at=Greatest("last_message_at", incoming.sent_at),
            updated_at=now,
        )
        ticket.refresh_from_db()
    bump_on_commit()
    return IngestResult(message=message, created=True, new_ticket=new_ticket)


@transaction.atomic
def ticket_assign(*, ticket: Ticket, assignee: User | None, actor: User | None) -> Ticket:
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    previous_id = ticket.assignee_id
    new_id = assignee.pk if assignee is not None else None
    if previous_id == new_id:
        return ticket
    ticket.assignee_id = new_id
    if ticket.status == TicketStatus.NEW and new_id is not None:
        ticket.status = TicketStatus.OPEN
    ticket.updated_at = timezone.now()
    ticket.save(update_fields=["assignee", "status", "updated_at"])
    events.ticket_assigned(ticket=ticket, actor=actor, assignee_id=new_id, previous_id=previous_id)
    bump_on_commit()
    return ticket


@transaction.atomic
def ticket_set_status(*, ticket: Ticket, status: str, actor: User | None) -> Ticket:
    if status not in TicketStatus.values:
        raise TicketActionError(f"Unknown status {status!r}")
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    old = ticket.status
    if old == status:
        return ticket
    ticket.status = status
    if status == TicketStatus.SOLVED:
        ticket.waiting_since = None
    ticket.updated_at = timezone.now()
    ticket.save(update_fields=["status", "waiting_since", "updated_at"])
    events.status_changed(ticket=ticket, actor=actor, old=old, new=status)
    bump_on_commit()
    return ticket

