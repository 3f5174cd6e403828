from __future__ import annotations

from datetime import datetime

from django.conf import settings

from channels.registry import get_connector


def first_response_due(*, platform: str, received_at: datetime) -> datetime:
    sla_class = get_connector(platform).sla_class
    return received_at + settings.FIRST_RESPONSE_TARGETS[sla_class]
