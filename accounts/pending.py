"""A login halfway through: the password was right, the second factor is still to come. Kept
in the session (never logged in until the second step), for a few minutes and a few tries."""

from __future__ import annotations

import time

from django.contrib.auth import login as auth_login
from django.contrib.auth.models import User
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest
from django_otp import login as otp_login
from django_otp.models import Device

PENDING_KEY = "accounts:pending-login"
PENDING_SECONDS = 300
PENDING_TRIES = 5


def pending_start(request: HttpRequest, *, user: User, next_url: str) -> None:
    request.session.cycle_key()
    request.session[PENDING_KEY] = {
        "user_id": user.pk,
        "backend": getattr(user, "backend", ""),
        "next": next_url,
        "at": time.time(),
        "tries": 0,
    }


def pending_user(request: HttpRequest) -> User | None:
    data = request.session.get(PENDING_KEY)
    if not data or time.time() - data["at"] > PENDING_SECONDS or data["tries"] >= PENDING_TRIES:
        return None
    return User.objects.filter(pk=data["user_id"], is_active=True).first()


def pending_failed(request: HttpRequest, user: User) -> bool:
    """A wrong second factor: counted here and, through Django's signal, by the login
    throttle (axes) and the audit log. Returns whether the person may try again."""
    data = request.session.get(PENDING_KEY) or {}
    data["tries"] = int(data.get("tries", 0)) + 1
    request.session[PENDING_KEY] = data
    user_login_failed.send(
        sender=__name__, credentials={"username": user.get_username(), "second_factor": True}, request=request
    )
    return data["tries"] < PENDING_TRIES


def pending_finish(request: HttpRequest, *, user: User, device: Device) -> str:
    """Log the person in, verified by this device; returns where they were going."""
    data = request.session.pop(PENDING_KEY, {})
    auth_login(request, user, backend=data.get("backend") or None)
    otp_login(request, device)
    return str(data.get("next") or "")
