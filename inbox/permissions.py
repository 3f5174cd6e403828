from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User
from django.http import Http404

from .models import Ticket
from .selectors import ticket_detail, tickets_visible_to


def is_agent(user: User | AnonymousUser) -> bool:
    return bool(user.is_authenticated and user.is_active and (user.is_staff or hasattr(user, "agent_profile")))


def access_ticket(user: User | AnonymousUser, ticket_id: int) -> Ticket:
    """The ticket, with what its screen needs loaded, if this user may see it; else 404."""
    if not isinstance(user, User) or not is_agent(user):
        raise Http404("No such ticket")
    if not tickets_visible_to(user=user).filter(pk=ticket_id).exists():
        raise Http404("No such ticket")
    return ticket_detail(ticket_id=ticket_id)
