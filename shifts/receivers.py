"""What shifts does when the inbox speaks (inbox.signals): acknowledge customers who write
out of hours. Inbox never imports shifts; it sends the signal and shifts listens here."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.db import transaction
from kombu.exceptions import KombuError
from redis.exceptions import RedisError

from .tasks import acknowledge_out_of_hours


def on_customer_messages_received(*, ticket_ids: list[int], **_: Any) -> None:
    """After ingest commits: one task per conversation (each checks whether it is needed)."""
    for ticket_id in ticket_ids:
        transaction.on_commit(partial(_queue, ticket_id))


def _queue(ticket_id: int) -> None:
    try:
        acknowledge_out_of_hours.delay(ticket_id)
    except (KombuError, RedisError, OSError):  # a broker away: the acknowledgement is a courtesy, never an ingest error
        pass
