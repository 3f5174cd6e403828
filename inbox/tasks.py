from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from .actions.assignment import ticket_route
from .models import Ticket


@shared_task(
    name="inbox.route_ticket",
    ignore_result=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
    acks_late=True,
)
def route_ticket(ticket_id: int) -> None:
    ticket = Ticket.objects.filter(pk=ticket_id).first()
    if ticket is not None:
        ticket_route(ticket=ticket)
