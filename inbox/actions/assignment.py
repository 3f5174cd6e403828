from __future__ import annotations

from typing import cast

from ..enums import TicketStatus
from ..models import Ticket
from ..selectors import agents_for_brand
from ..signals import tickets_need_routing
from .tickets import ticket_assign


def tickets_route(*, ticket_ids: list[int]) -> list[Ticket]:
    """Route new or reopened conversations. The domain above the inbox (the routing app:
    skills, presence, shifts, capacity) plugs in through tickets_need_routing; without a
    receiver, the inbox's own first rule (tickets_route_single_agent)."""
    answers = tickets_need_routing.send(sender=Ticket, ticket_ids=list(ticket_ids))
    if not answers:
        return tickets_route_single_agent(ticket_ids=ticket_ids)
    routed: list[Ticket] = []
    for _, tickets in answers:
        routed.extend(cast("list[Ticket] | None", tickets) or [])
    return routed


def tickets_route_single_agent(*, ticket_ids: list[int]) -> list[Ticket]:
    """First routing rule: with exactly one active agent who can see
    the ticket's brand, they get every new conversation;
    with several, tickets wait unassigned in the shared queue. Idempotent: an assigned or
    solved ticket is left alone."""
    waiting = Ticket.objects.filter(pk__in=ticket_ids, assignee__isnull=True).exclude(status=TicketStatus.SOLVED)
    routed = []
    for ticket in waiting:
        # Only people who can see the ticket's brand count (its teams' members and admins).
        agents = list(agents_for_brand(brand_id=ticket.brand_id)[:2])
        if len(agents) == 1:
            routed.append(ticket_assign(ticket=ticket, assignee=agents[0], actor=None))
    return routed
