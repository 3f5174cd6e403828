"""Shifts' Celery tasks: thin, by id, idempotent."""

from __future__ import annotations

from celery import shared_task

from .acknowledgement import ticket_acknowledge_out_of_hours


@shared_task(name="shifts.acknowledge_out_of_hours", autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def acknowledge_out_of_hours(ticket_id: int) -> None:
    """Idempotent: the acknowledgement is sent at most once per conversation."""
    ticket_acknowledge_out_of_hours(ticket_id=ticket_id)
