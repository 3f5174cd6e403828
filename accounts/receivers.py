"""Axes' own lockout signal, re-sent as accounts.signals.login_locked_out (one family of
signals for the audit log to listen to)."""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.models import User
from django.dispatch import receiver

from .models import SecurityPolicy
from .signals import login_locked_out


@receiver(user_locked_out, dispatch_uid="accounts-login-locked-out")
def _on_axes_lockout(
    sender: Any, request: Any = None, username: str | None = None, ip_address: str | None = None, **kwargs: Any
) -> None:
    user = User.objects.filter(username=username).first() if username else None
    login_locked_out.send(
        sender=SecurityPolicy,
        user=user,
        actor=None,
        request=request,
        details={"username": username or "", "ip_address": ip_address or ""},
    )
