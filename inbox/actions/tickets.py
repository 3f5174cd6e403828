from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Case, Value, When
from django.utils import timezone

from channels.models import BrandAccount
from channels.types import NormalizedMessage

from .. import events
from ..enums import TicketStatus
from ..live import bump_on_commit
from ..models import AgentProfile, Message, Ticket
from .ingest import IncomingItem, tickets_ingest_batch
from .state import UnknownStatus, ticket_assignee_change, ticket_status_change, tickets_status_change


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
    with its ASSIGNED event, in a handful of queries whatever the batch's size. A ticket
    already with that person is left alone; a new one becomes open (as ticket_assign)."""
    tickets = list(Ticket.objects.select_for_update().filter(pk__in=list(assignments)).order_by("pk"))
    changed = [t for t in tickets if t.assignee_id != assignments[t.pk]]
    if not changed:
        return []
    ids = {assignments[t.pk] for t in changed} | {t.assignee_id for t in changed if t.assignee_id is not None}
    names = dict(AgentProfile.objects.filter(user_id__in=ids).values_list("user_id", "display_name"))
    now = timezone.now()
    by_person: dict[int, list[int]] = {}
    for ticket in changed:
        by_person.setdefault(assignments[ticket.pk], []).append(ticket.pk)
    Ticket.objects.filter(pk__in=[t.pk for t in changed]).update(
        assignee_id=Case(*(When(pk__in=pks, then=Value(person)) for person, pks in by_person.items())),
        updated_at=now,
    )
    log = []
    for ticket in changed:
        previous_id, ticket.assignee_id, ticket.updated_at = ticket.assignee_id, assignments[ticket.pk], now
        log.append(events.ticket_assigned(
            ticket=ticket, actor=actor, assignee_id=ticket.assignee_id, previous_id=previous_id,
            assignee_name=names.get(ticket.assignee_id, ""), previous_name=names.get(previous_id or 0, ""),
            save=False,
        ))
    events.record(log)
    taken = [t for t in changed if t.status == TicketStatus.NEW]
    tickets_status_change(tickets=taken, status=TicketStatus.OPEN, actor=actor)
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
