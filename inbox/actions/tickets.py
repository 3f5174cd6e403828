from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import transaction

from channels.models import BrandAccount
from channels.types import NormalizedMessage

from ..live import bump_on_commit
from ..models import Message, Ticket
from .ingest import IncomingItem, tickets_ingest_batch
from .state import UnknownStatus, ticket_assignee_change, ticket_status_change, tickets_assignee_change


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
    if ticket_assignee_change(ticket=ticket, assignee_id=assignee.pk if assignee is not None else None, actor=actor):
        bump_on_commit(tickets=[ticket])
    return ticket


@transaction.atomic
def tickets_assign_batch(*, assignments: dict[int, int], actor: User | None) -> list[Ticket]:
    """Give many tickets to people at once (routing's batch: ticket id -> user id), each
    with its ASSIGNED event, in a handful of queries whatever the batch's size (see
    state.tickets_assignee_change). Returns the tickets that changed."""
    changed = tickets_assignee_change(assignments=assignments, actor=actor)
    if changed:
        bump_on_commit(tickets=changed)
    return changed


@transaction.atomic
def ticket_set_status(*, ticket: Ticket, status: str, actor: User | None) -> Ticket:
    """An agent (or the API) sets the status."""
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    try:
        changed = ticket_status_change(ticket=ticket, status=status, actor=actor)
    except UnknownStatus as exc:
        raise TicketActionError(str(exc)) from exc
    if changed:
        bump_on_commit(tickets=[ticket])
    return ticket
