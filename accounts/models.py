"""What signing in keeps: the security policy (one row), security keys (a django-otp device
beside TOTP and recovery codes), personal API tokens (only their hash) and the links between
an OpenID provider's subjects and Hovor users."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django_otp.models import Device

from .enums import TokenScope, TwoFactorRequirement


class SecurityPolicy(models.Model):
    """The installation's sign-in policy: always the row with pk=1 (selectors.security_policy)."""

    two_factor_required = models.CharField(
        max_length=20, choices=TwoFactorRequirement.choices, default=TwoFactorRequirement.OFF
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        verbose_name_plural = "security policy"

    def __str__(self) -> str:
        return f"two-factor: {self.two_factor_required}"


class SecurityKey(Device):
    """A WebAuthn credential (security key or passkey). A django-otp Device, so a login with it
    marks the session verified exactly as a TOTP code does; it never takes typed tokens."""

    # Annotated: django-otp's Device is untyped, so the stubs cannot infer a subclass's fields.
    credential_id: models.CharField[str, str] = models.CharField(max_length=1024, unique=True)  # base64url
    public_key: models.BinaryField[bytes, bytes] = models.BinaryField()
    sign_count: models.PositiveBigIntegerField[int, int] = models.PositiveBigIntegerField(default=0)
    transports = models.JSONField(default=list, blank=True)
    created_at: models.DateTimeField[datetime, datetime] = models.DateTimeField(default=timezone.now)
    last_used_at: models.DateTimeField[datetime | None, datetime | None] = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.name

    def verify_token(self, token: object) -> bool:
        return False  # a security key answers a challenge (actions.webauthn), never a typed code


class ApiToken(models.Model):
    """A personal API token: named, scoped, expiring, revocable. The key is shown once; only
    its SHA-256 is kept (a key is 32 random bytes, so a fast hash is enough)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16)  # the key's first characters, to recognise it in a list
    key_hash = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def is_live(self, now: object = None) -> bool:
        moment = now or timezone.now()
        return self.revoked_at is None and self.expires_at > moment  # type: ignore[operator]

    def allows(self, scope: str) -> bool:
        return scope in self.scopes

    @property
    def scope_labels(self) -> list[str]:
        return [str(TokenScope(s).label) for s in self.scopes if s in TokenScope.values]


class SsoIdentity(models.Model):
    """Who an OpenID provider's subject is in Hovor (issuer + sub, never the e-mail address)."""

    issuer = models.CharField(max_length=500)
    subject = models.CharField(max_length=255)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sso_identities")
    created_at = models.DateTimeField(default=timezone.now)
    last_login_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["issuer", "subject"], name="sso_identity_unique_subject")]
        verbose_name_plural = "SSO identities"

    def __str__(self) -> str:
        return f"{self.subject} @ {self.issuer}"
