"""SLA checks the beat runs (inbox.sla_check): a warning to the assignee and their leads
before a clock runs out, and at the breach an escalation: priority up one step (through the
triage action, so its event is written), an sla_breached event, the leads told. Idempotent:
warnings carry a key per wait, and a breach is marked on the ticket under its row lock."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from notifications.actions import notify
from notifications.models import NotificationKind

from .. import events
from ..enums import Role, TicketPriority
from ..models import Ticket
from .triage import ticket_priority_change

PRIORITY_UP = {
    TicketPriority.LOW: TicketPriority.NORMAL,
    TicketPriority.NORMAL: TicketPriority.HIGH,
    TicketPriority.HIGH: TicketPriority.URGENT,
}


@dataclass
class SlaCheckResult:
    warned: list[int] = field(default_factory=list)
    escalated: list[int] = field(default_factory=list)


def ticket_leads(*, ticket: Ticket) -> list[User]:
    """The leads of the ticket's team, else of the teams covering its brand."""
    leads = User.objects.filter(agent_profile__role=Role.LEAD, is_active=True)
    if ticket.team_id is not None:
        leads = leads.filter(teams=ticket.team_id)
    else:
        leads = leads.filter(teams__brands=ticket.brand_id)
    return list(leads.distinct().order_by("pk"))


def _wait_key(ticket: Ticket) -> str:
    return f"{ticket.pk}:{ticket.sla_target}:{ticket.waiting_since.isoformat() if ticket.waiting_since else ''}"


def ticket_sla_warn(*, ticket: Ticket, now: datetime) -> None:
    recipients = {u.pk: u for u in ticket_leads(ticket=ticket)}
    if ticket.assignee is not None:
        recipients[ticket.assignee.pk] = ticket.assignee
    minutes = max(0, int((ticket.sla_due_at - now).total_seconds() // 60)) if ticket.sla_due_at else 0
    text = _("Conversation #%(id)s: a reply is due in %(minutes)s min.") % {"id": ticket.pk, "minutes": minutes}
    for user in recipients.values():
        notify(
            recipient=user, kind=NotificationKind.SLA_WARNING, text=text, url=f"/tickets/{ticket.pk}/",
            ticket_id=ticket.pk, key=f"sla-warning:{_wait_key(ticket)}",
        )


@transaction.atomic
def ticket_sla_escalate(*, ticket_id: int, now: datetime) -> bool:
    """Escalate a breached wait once: True if this call did it."""
    ticket = Ticket.objects.select_for_update().get(pk=ticket_id)
    if ticket.sla_due_at is None or ticket.sla_due_at > now or ticket.sla_breached_at is not None:
        return False
    Ticket.objects.filter(pk=ticket.pk).update(sla_breached_at=now)
    ticket.sla_breached_at = now
    events.sla_breached(ticket=ticket, target=ticket.sla_target, due=ticket.sla_due_at.isoformat())
    key = _wait_key(ticket)
    up = PRIORITY_UP.get(TicketPriority(ticket.priority))
    if up is not None:
        ticket_priority_change(ticket=ticket, priority=up, actor=None)
    text = _("Conversation #%(id)s missed its reply target.") % {"id": ticket.pk}
    for user in ticket_leads(ticket=ticket):
        notify(
            recipient=user, kind=NotificationKind.SLA_BREACH, text=text, url=f"/tickets/{ticket.pk}/",
            ticket_id=ticket.pk, key=f"sla-breach:{key}",
        )
    return True


def sla_check(*, now: datetime | None = None, limit: int = 500) -> SlaCheckResult:
    """One beat tick. Reads the partial index ticket_sla_due_idx (running, not escalated)."""
    now = now or timezone.now()
    result = SlaCheckResult()
    soon = now + timedelta(minutes=settings.SLA_WARN_BEFORE_MINUTES)
    due = (
        Ticket.objects.filter(sla_due_at__isnull=False, sla_breached_at__isnull=True, sla_due_at__lte=soon)
        .select_related("assignee")
        .order_by("sla_due_at")[:limit]
    )
    for ticket in due:
        if ticket.sla_due_at is not None and ticket.sla_due_at <= now:
            if ticket_sla_escalate(ticket_id=ticket.pk, now=now):
                result.escalated.append(ticket.pk)
        else:
            ticket_sla_warn(ticket=ticket, now=now)
            result.warned.append(ticket.pk)
    return result
