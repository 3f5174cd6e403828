from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from channels.models import BrandAccount
from channels.types import NormalizedMessage

from .. import events
from ..enums import TicketStatus
from ..live import bump_on_commit
from ..models import Message, Ticket
from .ingest import IncomingItem, tickets_ingest_batch


class TicketActionError(Exception):
    """A request an agent made that cannot be carried out; the message is for them."""


@dataclass(frozen=True)
class IngestResult:
    message: Message
    created: bool  # False: this platform message was already in the inbox
    new_ticket: bool


def ticket_ingest_message(
    *, account: BrandAccount, incoming: NormalizedMessage, inbound_event_id: int | None = None
) -> IngestResult:
    """Thread one customer message into the inbox (a batch of one; see ingest.py).
    Idempotent: the same platform message ingested twice yields one Message."""
    result = tickets_ingest_batch(account=account, items=[IncomingItem(incoming, inbound_event_id)])
    if result.created:
        message = result.created[0]
        return IngestResult(message=message, created=True, new_ticket=message.ticket_id in result.new_ticket_ids)
    existing = Message.objects.get(account=account, platform_id=incoming.platform_id)
    return IngestResult(message=existing, created=False, new_ticket=False)


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

