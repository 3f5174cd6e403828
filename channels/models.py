from __future__ import annotations

from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .crypto import decrypt_credentials, encrypt_credentials
from .registry import platform_choices, platform_label


class Brand(models.Model):
    name = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    # Conversations quiet for longer than this many days are erased (inbox.apply_retention);
    # blank keeps them.
    retention_days = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class AccountStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    BROKEN = "broken", _("Broken (credentials refused)")
    DISABLED = "disabled", _("Disconnected")


class BrandAccount(models.Model):
    """One connected account of a brand on one platform (e.g. @AcmeCare on X)."""

    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="accounts")
    # One of the connector packages (channels.registry): choices is a callable, so the
    # migrations name no platform and a new package needs none.
    platform = models.CharField(max_length=20, choices=platform_choices)
    handle = models.CharField(max_length=200)
    platform_user_id = models.CharField(max_length=100, blank=True)
    base_url = models.URLField(max_length=500, blank=True)
    credentials_encrypted = models.TextField(blank=True, editable=False)
    # Non-secret connector settings an admin chooses (search keywords, read budget, mode …).
    options = models.JSONField(default=dict, blank=True)
    poll_cursor = models.JSONField(default=dict, blank=True)
    # The history import an admin asked for: state, counts, times, error (shown as progress).
    backfill = models.JSONField(default=dict, blank=True)
    poll_lease_until = models.DateTimeField(null=True, blank=True)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=AccountStatus.choices, default=AccountStatus.ACTIVE)
    last_error = models.TextField(blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    rate_limited_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["brand", "platform", "handle"], name="uniq_account_handle"),
        ]

    def __str__(self) -> str:
        return f"{self.brand} {self.get_platform_display()} {self.handle}"

    def get_platform_display(self) -> str:  # type: ignore[no-redef]
        """The connector's label, straight from the registry: Django's own would rebuild and
        hash every connector's lazy label on each call (eight per inbox row)."""
        return platform_label(self.platform)

    @property
    def credentials(self) -> dict[str, Any]:
        # Decrypted once per instance and ciphertext (webhooks read them on every delivery).
        cached = self.__dict__.get("_credentials_plain")
        if cached is None or cached[0] != self.credentials_encrypted:
            cached = (self.credentials_encrypted, decrypt_credentials(self.credentials_encrypted))
            self.__dict__["_credentials_plain"] = cached
        return dict(cached[1])

    @credentials.setter
    def credentials(self, value: dict[str, Any]) -> None:
        self.credentials_encrypted = encrypt_credentials(value)
        self.__dict__["_credentials_plain"] = (self.credentials_encrypted, dict(value))


class InboundEventStatus(models.TextChoices):
    RECEIVED = "received", "Received"
    PROCESSED = "processed", "Processed"
    IGNORED = "ignored", "Ignored"
    FAILED = "failed", "Failed"


class InboundEvent(models.Model):
    """A raw platform object, stored before anything else is done with it."""

    account = models.ForeignKey(BrandAccount, on_delete=models.CASCADE, related_name="inbound_events")
    platform_id = models.CharField(max_length=200)
    kind = models.CharField(max_length=50)
    payload = models.JSONField()
    status = models.CharField(max_length=20, choices=InboundEventStatus.choices, default=InboundEventStatus.RECEIVED)
    error = models.TextField(blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    processed_at = models.DateTimeField(null=True, blank=True)
    # While set and in the future, one worker is ingesting the event (or a status waits for
    # its message): nobody else takes it. A crashed worker's lease runs out within seconds,
    # and the sweep hands the event to another.
    lease_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "platform_id"], name="uniq_inbound_event"),
        ]
        indexes = [models.Index(fields=["status", "received_at"], name="inbound_status_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.platform_id}"


class WhatsAppTemplate(models.Model):
    """An approved message template of a WhatsApp account's business (GET
    /{WABA-ID}/message_templates), cached by channels.whatsapp.templates.templates_sync: the
    composer offers these when the 24-hour window has closed."""

    account = models.ForeignKey(BrandAccount, on_delete=models.CASCADE, related_name="whatsapp_templates")
    name = models.CharField(max_length=512)
    language = models.CharField(max_length=20)
    category = models.CharField(max_length=30, blank=True)
    # The BODY component's text with its {{1}}…{{n}} placeholders (what the thread shows).
    body = models.TextField(blank=True)
    # Every component as Graph gave it (header, footer, buttons), for the preview.
    components = models.JSONField(default=list, blank=True)
    platform_template_id = models.CharField(max_length=100, blank=True)
    synced_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "language"]
        constraints = [
            models.UniqueConstraint(fields=["account", "name", "language"], name="uniq_whatsapp_template"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.language})"
