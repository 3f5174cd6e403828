from __future__ import annotations

from axes.utils import reset
from django.contrib.auth.models import User
from django.http import HttpRequest
from django.utils.translation import gettext as _

from ..models import SecurityPolicy
from ..signals import login_unlocked


class UnlockError(ValueError):
    pass


def login_unlock(*, actor: User, kind: str, value: str, request: HttpRequest | None = None) -> int:
    """Lift a lockout of one username or one address now; returns the attempt rows cleared."""
    if kind not in ("username", "ip_address") or not value:
        raise UnlockError(_("Say which username or address to unlock."))
    cleared = reset(username=value) if kind == "username" else reset(ip=value)
    login_unlocked.send(
        sender=SecurityPolicy,
        user=User.objects.filter(username=value).first() if kind == "username" else None,
        actor=actor,
        request=request,
        details={
            "username": value if kind == "username" else "",
            "ip_address": value if kind == "ip_address" else "",
            "attempts_cleared": cleared,
        },
    )
    return cleared
