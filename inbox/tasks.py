from __future__ import annotations

from helpdesk.celery import step_task

from .actions.assignment import tickets_route


@step_task("inbox.route_ticket", max_retries=5)
def route_ticket(ticket_id: int) -> None:
    tickets_route(ticket_ids=[ticket_id])


@step_task("inbox.route_tickets", max_retries=5)
def route_tickets(ticket_ids: list[int]) -> None:
    tickets_route(ticket_ids=ticket_ids)
