"""Admins see broken accounts on every page, so a revoked token is fixed the same day."""
from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .models import AccountStatus, BrandAccount


def account_alerts(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if not (user is not None and user.is_authenticated and user.is_staff):
        return {}
    return {"broken_accounts": list(BrandAccount.objects.filter(status=AccountStatus.BROKEN).select_related("brand"))}
