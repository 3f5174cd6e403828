"""Read receipts (the sending half; inbox.actions.opening queues them when an agent
opens a conversation): a customer message is marked read on the platform once."""

from __future__ import annotations

import logging

from django.utils import timezone

from channels.http import ApiAuthError, ApiError, ApiPermanentError
from channels.registry import get_connector

from ..enums import Direction
from ..models import Message

logger = logging.getLogger("hovor.inbox.receipts")


def message_read_receipt_send(*, message_id: int) -> bool:
    """Send one message's read receipt, exactly once: the message is claimed (its
    read_receipt_at set by a conditional UPDATE) before the call, so two tasks or two opens
    never send it twice. A transient failure gives the claim back and raises, for the task
    to retry; a refusal is logged and not retried (a receipt is a courtesy). A worker killed
    mid-call keeps the claim: the receipt may then be lost, never doubled."""
    now = timezone.now()
    claimed = Message.objects.filter(
        pk=message_id, direction=Direction.IN, platform_id__isnull=False, read_receipt_at__isnull=True
    ).update(read_receipt_at=now)
    if not claimed:
        return False
    message = Message.objects.select_related("account").get(pk=message_id)
    try:
        get_connector(message.account.platform).mark_read(message.account, message.platform_id or "")
    except (ApiPermanentError, ApiAuthError) as exc:
        logger.warning("message %s: the read receipt was refused: %s", message_id, exc.message)
        return False
    except ApiError:
        Message.objects.filter(pk=message_id, read_receipt_at=now).update(read_receipt_at=None)
        raise
    return True
