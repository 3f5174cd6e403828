"""The only two writers of a ticket's state: its status and its assignee. Ingest, replies,
delivery reports, routing and agents all change them through these, so each change appends
its TicketEvent and a report reading the log sees every one. Call inside the caller's
transaction; they lock the rows they change."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from .. import events
from ..enums import TicketStatus
from ..models import AgentProfile, Ticket
from .sla import tickets_sla_refresh


class UnknownStatus(ValueError):
    pass


def tickets_status_change(*, tickets: Sequence[Ticket], status: str, actor: Any = None) -> list[Ticket]:
    """Move these tickets to `status` (solving one also stops its wait). Returns the ones that
    changed; the instances passed in are updated to match. One UPDATE and one INSERT of
    events for the whole batch (ingest continues many tickets at once)."""
    if status not in TicketStatus.values:
        raise UnknownStatus(f"Unknown status {status!r}")
    by_pk = {t.pk: t for t in tickets}
    if not by_pk:
        return []
    # The statuses as they are now, locked: a concurrent change is what we move from.
    current = dict(
        Ticket.objects.select_for_update().filter(pk__in=by_pk).exclude(status=status).values_list("pk", "status")
    )
    if not current:
        return []
    now = timezone.now()
    fields: dict[str, Any] = {"status": status, "updated_at": now}
    if status == TicketStatus.SOLVED:
        fields["waiting_since"] = None
    if status in (TicketStatus.PENDING, TicketStatus.SOLVED):
        fields["woke_at"] = None  # answered or solved: a ticket back from snooze heads its queue no more
    Ticket.objects.filter(pk__in=current).update(**fields)
    changed = []
    log = []
    for pk, old in current.items():
        ticket = by_pk[pk]
        for key, value in fields.items():
            setattr(ticket, key, value)
        changed.append(ticket)
        log.append(events.status_changed(ticket=ticket, actor=actor, old=old, new=status, save=False))
    events.record(log)
    tickets_sla_refresh(ticket_ids=current)  # pending pauses the clock, open restarts it
    return changed


def ticket_status_change(*, ticket: Ticket, status: str, actor: Any = None) -> bool:
    """One ticket's status (see tickets_status_change); True if it changed."""
    return bool(tickets_status_change(tickets=[ticket], status=status, actor=actor))


def ticket_assignee_change(*, ticket: Ticket, assignee_id: int | None, actor: Any = None) -> bool:
    """Give the ticket to `assignee_id` (None: back to the shared queue); a new ticket someone
    takes is open. The event names who did it and who got it. True if it changed.
    Precondition: `ticket` was read with select_for_update in the caller's transaction (its
    assignee is current), as ticket_assign and ticket_reply do."""
    previous_id = ticket.assignee_id
    if previous_id == assignee_id:
        ticket.assignee_id = assignee_id
        return False
    Ticket.objects.filter(pk=ticket.pk).update(assignee_id=assignee_id, updated_at=timezone.now())
    ticket.assignee_id = assignee_id
    events.ticket_assigned(
        ticket=ticket,
        actor=actor,
        assignee_id=assignee_id,
        previous_id=previous_id,
        assignee_name=_name(assignee_id),
        previous_name=_name(previous_id),
    )
    if assignee_id is not None and ticket.status == TicketStatus.NEW:
        ticket_status_change(ticket=ticket, status=TicketStatus.OPEN, actor=actor)
    return True


def _name(user_id: int | None) -> str:
    """The person's name as the activity line shows it (kept in the event: names change)."""
    if user_id is None:
        return ""
    profile = AgentProfile.objects.filter(user_id=user_id).values_list("display_name", flat=True).first()
    if profile:
        return profile
    user = get_user_model().objects.filter(pk=user_id).first()
    return user.get_username() if user is not None else ""
