"""The only two writers of a ticket's state: its status and its assignee. Ingest, replies,
delivery reports, routing and agents all change them through these, so each change appends
its TicketEvent and a report reading the log sees every one. Call inside the caller's
transaction; they lock the rows they change."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone

from .. import events, signals
from ..enums import TicketStatus
from ..models import AgentProfile, Ticket
from .csat import csat_surveys_open
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
    if status == TicketStatus.SOLVED:
        _tell_solved(changed)
        csat_surveys_open(tickets=changed, actor=actor)  # an agent's solve: the customer is asked once
    tickets_sla_refresh(ticket_ids=current)  # pending pauses the clock, open restarts it
    return changed


def _tell_solved(tickets: list[Ticket]) -> None:
    """Solving frees room: routing (listening) gives the assignees their next, after commit."""
    ticket_ids = [t.pk for t in tickets]
    assignee_ids = sorted({t.assignee_id for t in tickets if t.assignee_id is not None})
    if assignee_ids:
        transaction.on_commit(
            lambda: signals.tickets_solved.send(sender=Ticket, ticket_ids=ticket_ids, assignee_ids=assignee_ids)
        )


def ticket_status_change(*, ticket: Ticket, status: str, actor: Any = None) -> bool:
    """One ticket's status (see tickets_status_change); True if it changed."""
    return bool(tickets_status_change(tickets=[ticket], status=status, actor=actor))


def ticket_assignee_change(*, ticket: Ticket, assignee_id: int | None, actor: Any = None, reason: str = "") -> bool:
    """Give the ticket to `assignee_id` (None: back to the shared queue); a new ticket someone
    takes is open. The event names who did it, who got it and why (`reason`, a handoff's
    optional note). True if it changed.
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
        reason=reason,
    )
    if assignee_id is not None and ticket.status == TicketStatus.NEW:
        ticket_status_change(ticket=ticket, status=TicketStatus.OPEN, actor=actor)
    return True


def tickets_assignee_change(*, assignments: dict[int, int], actor: Any = None) -> list[Ticket]:
    """Give each ticket to its person (ticket id -> user id; routing's batch), as
    ticket_assignee_change does one: an ASSIGNED event each, and a new ticket taken is open.
    Locks the rows; one UPDATE and one INSERT of events for the batch."""
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
    # One statement for both fields: a new ticket someone takes is open (no second rewrite).
    Ticket.objects.filter(pk__in=[t.pk for t in changed]).update(
        assignee_id=Case(*(When(pk__in=pks, then=Value(person)) for person, pks in by_person.items())),
        status=Case(When(status=TicketStatus.NEW, then=Value(TicketStatus.OPEN)), default=F("status")),
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
        if ticket.status == TicketStatus.NEW:
            ticket.status = TicketStatus.OPEN
            log.append(events.status_changed(
                ticket=ticket, actor=actor, old=TicketStatus.NEW, new=TicketStatus.OPEN, save=False
            ))
    events.record(log)
    return changed


def _name(user_id: int | None) -> str:
    """The person's name as the activity line shows it (kept in the event: names change)."""
    if user_id is None:
        return ""
    profile = AgentProfile.objects.filter(user_id=user_id).values_list("display_name", flat=True).first()
    if profile:
        return profile
    user = get_user_model().objects.filter(pk=user_id).first()
    return user.get_username() if user is not None else ""
