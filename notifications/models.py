"""What a person is told in Hovor: the bell in the top bar counts the unread, the
notifications page lists them. Written only by notifications.actions.notify."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class NotificationKind(models.TextChoices):
    MENTION = "mention", _("Mention")
    HANDOFF = "handoff", _("Handoff")
    ASSIGNED = "assigned", _("Assigned to you")
    SLA_WARNING = "sla_warning", _("Target about to be missed")
    SLA_BREACH = "sla_breach", _("Target missed")
    DRAFT = "draft", _("Draft")
    CRISIS = "crisis", _("Crisis alarm")
    OTHER = "other", _("Other")


class Notification(models.Model):
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=20, choices=NotificationKind.choices)
    # Plain text (never HTML): rendered escaped; may quote customer or colleague text.
    text = models.CharField(max_length=500)
    # Where a click goes (a ticket, a note's anchor, a report); a local path only.
    url = models.CharField(max_length=500, blank=True)
    ticket = models.ForeignKey("inbox.Ticket", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Makes notify() idempotent for a retried task: one notification per (recipient, key).
    key = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_recipient_idx"),
            models.Index(
                fields=["recipient"], condition=Q(read_at__isnull=True), name="notification_unread_idx"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "key"], condition=~Q(key=""), name="notification_once_per_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient_id}"
