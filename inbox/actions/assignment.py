from __future__ import annotations

from django.contrib.auth import get_user_model

from ..enums import TicketStatus
from ..models import Ticket
from .tickets import ticket_assign


def tickets_route(*, ticket_ids: list[int]) -> list[Ticket]:
    """First routing rule: with exactly one active agent, they get every new conversation;
    with several, tickets wait unassigned in the shared queue (skills and shifts come with
    the shifts app). Idempotent: an assigned or solved ticket is left alone."""
    agents = list(get_user_model().objects.filter(is_active=True, agent_profile__isnull=False)[:2])
    if len(agents) != 1:
        return []
    waiting = Ticket.objects.filter(pk__in=ticket_ids, assignee__isnull=True).exclude(status=TicketStatus.SOLVED)
    return [ticket_assign(ticket=t, assignee=agents[0], actor=None) for t in waiting]
