"""An agent opened a conversation: on a platform that takes read receipts (WhatsApp), the
customer's last message is marked read there (inbox.actions.receipts sends it, once)."""

from __future__ import annotations

from channels.registry import UnknownPlatform, get_connector

from ..enums import Direction
from ..models import Message, Ticket
from ..triggers import read_receipt_after_commit


def ticket_opened(*, ticket: Ticket) -> int | None:
    """An agent opened the conversation: queue the read receipt of its last customer
    message if the platform takes receipts and none went for it yet (its id, or None)."""
    try:
        connector = get_connector(ticket.account.platform)
    except UnknownPlatform:
        return None
    if not connector.read_receipts:
        return None
    last = (
        Message.objects.filter(ticket=ticket, direction=Direction.IN, platform_id__isnull=False)
        .order_by("-sent_at", "-id")
        .only("id", "read_receipt_at")
        .first()
    )
    if last is None or last.read_receipt_at is not None:
        return None
    read_receipt_after_commit(message_id=last.pk)
    return last.pk
