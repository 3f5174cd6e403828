from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from .actions.assignment import tickets_route


@shared_task(
    name="inbox.route_ticket",
    ignore_result=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
    acks_late=True,
)
def route_ticket(ticket_id: int) -> None:
    tickets_route(ticket_ids=[ticket_id])


@shared_task(
    name="inbox.route_tickets",
    ignore_result=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
    acks_late=True,
)
def route_tickets(ticket_ids: list[int]) -> None:
    tickets_route(ticket_ids=ticket_ids)
