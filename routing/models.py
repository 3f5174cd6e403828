"""Who may be given which conversation, and whether they are here to take it.

One row per agent: their skills (languages, channels, brands; empty means any), their
capacity (open conversations at most) and their presence (what they chose in the top bar,
and when their browser last said it was there). Presence lives in the database, not in
Redis: routing selects and locks agents by it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from channels.models import Brand

DEFAULT_CAPACITY = 8


class PresenceStatus(models.TextChoices):
    ONLINE = "online", _("Online")
    AWAY = "away", _("Away")
    OFFLINE = "offline", _("Offline")


class RoutingProfile(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="routing_profile")
    # ISO 639-1 codes and platform names; empty: any language, any channel.
    languages = models.JSONField(default=list, blank=True)
    platforms = models.JSONField(default=list, blank=True)
    # Empty: every brand the agent can see (inbox.selectors decides what they can see).
    brands = models.ManyToManyField(Brand, related_name="+", blank=True)
    capacity = models.PositiveSmallIntegerField(default=DEFAULT_CAPACITY)
    presence = models.CharField(max_length=10, choices=PresenceStatus.choices, default=PresenceStatus.OFFLINE)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    active_at = models.DateTimeField(null=True, blank=True)
    # What the last sweep saw (on shift and online): a change from True is what re-routes.
    routable = models.BooleanField(default=False)
    last_assigned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["presence", "heartbeat_at"], name="routing_presence_idx")]

    def __str__(self) -> str:
        return f"routing profile of {self.user_id}"
