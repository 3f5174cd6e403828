"""Admins see broken accounts on every page, so a revoked token is fixed the same day, and
accounts whose token expires within a week (Meta's 60-day user tokens), before it does."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from .models import AccountStatus, BrandAccount

EXPIRY_WARNING = timedelta(days=7)


def token_expires_at(account: BrandAccount) -> datetime | None:
    """When the account's token expires, if the platform said (options["token_expires_at"])."""
    raw = (account.options or {}).get("token_expires_at") if isinstance(account.options, dict) else None
    if not isinstance(raw, str):
        return None
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        return None
    return moment if timezone.is_aware(moment) else moment.replace(tzinfo=UTC)


def account_alerts(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if not (user is not None and user.is_authenticated and user.is_staff):
        return {}
    accounts = list(
        BrandAccount.objects.filter(status__in=(AccountStatus.BROKEN, AccountStatus.ACTIVE))
        .filter(Q(status=AccountStatus.BROKEN) | Q(options__has_key="token_expires_at"))
        .select_related("brand")
    )
    soon = timezone.now() + EXPIRY_WARNING
    expiring = []
    for account in accounts:
        expires = token_expires_at(account)
        if account.status == AccountStatus.ACTIVE and expires is not None and expires <= soon:
            account.expires_at = expires  # type: ignore[attr-defined]
            expiring.append(account)
    return {
        "broken_accounts": [a for a in accounts if a.status == AccountStatus.BROKEN],
        "expiring_accounts": expiring,
    }
