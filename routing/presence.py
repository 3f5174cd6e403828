"""What an agent's presence is at a moment, from what they chose and what their browser said.

The top bar sends a heartbeat (static/hovor/presence.js) every HEARTBEAT_SECONDS with how
long the person has been idle. Without a heartbeat for OFFLINE_AFTER they are offline (the
tab closed, the laptop slept); idle for AWAY_AFTER they are away, whatever they chose."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Q

from .models import PresenceStatus, RoutingProfile

HEARTBEAT_SECONDS = 30
OFFLINE_AFTER = timedelta(seconds=3 * HEARTBEAT_SECONDS)
AWAY_AFTER = timedelta(minutes=10)


def presence_at(*, profile: RoutingProfile | None, at: datetime) -> str:
    if profile is None or profile.presence == PresenceStatus.OFFLINE:
        return PresenceStatus.OFFLINE
    if profile.heartbeat_at is None or profile.heartbeat_at < at - OFFLINE_AFTER:
        return PresenceStatus.OFFLINE
    if profile.presence == PresenceStatus.AWAY or profile.active_at is None or profile.active_at < at - AWAY_AFTER:
        return PresenceStatus.AWAY
    return PresenceStatus.ONLINE


def online_q(*, at: datetime) -> Q:
    """The rows presence_at calls online, as a filter."""
    return Q(
        presence=PresenceStatus.ONLINE,
        heartbeat_at__gte=at - OFFLINE_AFTER,
        active_at__gte=at - AWAY_AFTER,
        user__is_active=True,
        user__agent_profile__isnull=False,
    )
