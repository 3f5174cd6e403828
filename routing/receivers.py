"""Routing listens to the inbox: new or reopened conversations to route, solved ones that
free an agent's room. The inbox never imports routing."""
from __future__ import annotations

from typing import Any

from django.db import transaction
from django.dispatch import receiver

from inbox.models import Ticket
from inbox.signals import tickets_need_routing, tickets_solved

from .engine import queue_route
from .tasks import route_queue


@receiver(tickets_need_routing, dispatch_uid="routing.route_new")
def route_new(sender: Any, ticket_ids: list[int], **kwargs: Any) -> list[Ticket]:
    """Called from the inbox's routing task: route the queue now (these tickets are in it,
    in their place; the older ones waiting go first)."""
    routed = queue_route()
    return list(Ticket.objects.filter(pk__in=list(routed.assigned)))


@receiver(tickets_solved, dispatch_uid="routing.room_freed")
def room_freed(sender: Any, ticket_ids: list[int], assignee_ids: list[int], **kwargs: Any) -> None:
    transaction.on_commit(route_queue.delay)
