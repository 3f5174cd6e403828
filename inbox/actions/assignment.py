from __future__ import annotations

from ..enums import TicketStatus
from ..models import Ticket
from ..selectors import agents_for_brand
from .tickets import ticket_assign


def tickets_route(*, ticket_ids: list[int]) -> list[Ticket]:
    """First routing rule: with exactly one active agent who can see
    the ticket's brand, they get every new conversation;
    with several, tickets wait unassigned in the shared queue (skills and shifts come with
    the shifts app). Idempotent: an assigned or solved ticket is left alone."""
    waiting = Ticket.objects.filter(pk__in=ticket_ids, assignee__isnull=True).exclude(status=TicketStatus.SOLVED)
    routed = []
    for ticket in waiting:
        # Only people who can see the ticket's brand count (its teams' members and admins).
        agents = list(agents_for_brand(brand_id=ticket.brand_id)[:2])
        if len(agents) == 1:
            routed.append(ticket_assign(ticket=ticket, assignee=agents[0], actor=None))
    return routed
