from __future__ import annotations

from django.contrib.auth.models import User
from django.db.models import QuerySet

from .models import Notification

# The bell shows "99+" beyond this: counting stops there.
BELL_CAP = 99


def unread_count(*, user: User) -> int:
    """Capped: the bell is polled by every open tab, so it never counts past BELL_CAP + 1."""
    ids = Notification.objects.filter(recipient=user, read_at__isnull=True).values("pk")[: BELL_CAP + 1]
    return len(ids)


def notifications_for(*, user: User, kind: str = "", unread_only: bool = False) -> QuerySet[Notification]:
    rows = Notification.objects.filter(recipient=user).select_related("actor")
    if kind:
        rows = rows.filter(kind=kind)
    if unread_only:
        rows = rows.filter(read_at__isnull=True)
    return rows
