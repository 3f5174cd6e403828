"""Routing's Celery tasks: ids in, idempotent (a pass routes what is waiting now)."""
from __future__ import annotations

from helpdesk.celery import step_task

from .actions import availability_sweep
from .engine import queue_route


@step_task("routing.route_queue", max_retries=5)
def route_queue() -> None:
    queue_route()


@step_task("routing.sweep_availability", max_retries=5)
def sweep_availability(user_ids: list[int] | None = None) -> None:
    """Beat (every 30 s, all agents) and a presence change (that agent): who went offline or
    off shift gives back untouched conversations; then the queue is routed."""
    availability_sweep(user_ids=user_ids)
