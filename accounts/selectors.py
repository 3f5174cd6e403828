"""Reads for signing in: the policy (cached; saved through actions.policy only), who must use
two-factor, a person's devices and tokens, the current lockouts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from axes.helpers import get_cool_off, get_failure_limit
from axes.models import AccessAttempt
from django.contrib.auth.models import AnonymousUser, User
from django.core.cache import cache
from django.db.models import Max, QuerySet, Sum
from django.utils import timezone
from django_otp import devices_for_user
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from .enums import TwoFactorRequirement
from .models import ApiToken, SecurityKey, SecurityPolicy

POLICY_CACHE_KEY = "accounts:security-policy:v1"
RECOVERY_DEVICE_NAME = "recovery"


def security_policy() -> SecurityPolicy:
    """The policy row, from the cache when it is there (every page asks)."""
    policy = cache.get(POLICY_CACHE_KEY)
    if policy is None:
        policy, _ = SecurityPolicy.objects.get_or_create(pk=1)
        cache.set(POLICY_CACHE_KEY, policy, 300)
    return policy


def role_of(user: User | AnonymousUser) -> str:
    if not user.is_authenticated:
        return ""
    profile = getattr(user, "agent_profile", None)
    if profile is not None:
        return str(profile.role)
    return "admin" if user.is_staff else ""


def two_factor_required_for(user: User | AnonymousUser, policy: SecurityPolicy | None = None) -> bool:
    policy = policy or security_policy()
    if policy.two_factor_required == TwoFactorRequirement.EVERYONE:
        return user.is_authenticated
    if policy.two_factor_required == TwoFactorRequirement.STAFF:
        return role_of(user) in ("admin", "lead") or bool(user.is_authenticated and user.is_superuser)
    return False


def second_factors(user: User) -> list[Device]:
    """The confirmed devices a login can be completed with (TOTP, recovery codes, keys)."""
    return list(devices_for_user(user, confirmed=True))


def has_second_factor(user: User) -> bool:
    """A TOTP app or a security key; recovery codes alone do not count as enrolled."""
    return (
        TOTPDevice.objects.filter(user=user, confirmed=True).exists()
        or SecurityKey.objects.filter(user=user, confirmed=True).exists()
    )


def totp_devices(user: User) -> QuerySet[TOTPDevice]:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id")


def security_keys(user: User) -> QuerySet[SecurityKey]:
    return SecurityKey.objects.filter(user=user, confirmed=True).order_by("id")


def recovery_device(user: User) -> StaticDevice | None:
    return StaticDevice.objects.filter(user=user, name=RECOVERY_DEVICE_NAME).first()


def recovery_codes_left(user: User) -> int:
    device = recovery_device(user)
    return device.token_set.count() if device is not None else 0


def api_tokens(user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-id")


@dataclass(frozen=True)
class Lockout:
    """A username or an address locked out now: its failures within the lock window."""

    kind: str  # "username" | "ip_address"
    value: str
    failures: int
    last_attempt: datetime


def current_lockouts() -> list[Lockout]:
    """What axes refuses now: each username and each address at or over the failure limit
    within the cool-off window (axes counts failures per username and per address)."""
    limit = get_failure_limit(None, None)  # type: ignore[arg-type]
    cool_off = get_cool_off(None)
    attempts = AccessAttempt.objects.all()
    if cool_off is not None:
        attempts = attempts.filter(attempt_time__gte=timezone.now() - cool_off)
    found = []
    for kind in ("username", "ip_address"):
        rows = (
            attempts.exclude(**{f"{kind}__isnull": True})
            .values(kind)
            .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
            .filter(failures__gte=limit)
            .order_by("-last")
        )
        found += [Lockout(kind, row[kind], row["failures"], row["last"]) for row in rows]
    return found


def failures_for(*, username: str, ip_address: str) -> int:
    """Failures counted now against this username or this address (the larger)."""
    cool_off = get_cool_off(None)
    attempts = AccessAttempt.objects.all()
    if cool_off is not None:
        attempts = attempts.filter(attempt_time__gte=timezone.now() - cool_off)
    by_user = attempts.filter(username=username).aggregate(n=Sum("failures_since_start"))["n"] or 0
    by_ip = attempts.filter(ip_address=ip_address).aggregate(n=Sum("failures_since_start"))["n"] or 0
    return max(by_user, by_ip)
