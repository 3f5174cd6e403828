from __future__ import annotations

from django.contrib.auth import get_user_model

from ..enums import TicketStatus
from ..models import Ticket
from .tickets import ticket_assign


def ticket_route(*, ticket: Ticket) -> Ticket:
    """First routing rule: with exactly one active agent, they get every new conversation;
    with several, tickets wait unassigned in the shared queue (skills and shifts come with
    the shifts app). Idempotent: an assigned or solved ticket is left alone."""
    if ticket.assignee_id is not None or ticket.status == TicketStatus.SOLVED:
        return ticket
    agents = list(get_user_model().objects.filter(is_active=True, agent_profile__isnull=False)[:2])
    if len(agents) != 1:
        return ticket
    return ticket_assign(ticket=ticket, assignee=agents[0], actor=None)
