"""Login throttling around django-axes: the answer a locked-out login gets (the login page,
with one clear message, 429), and the growing delay before a failed login answers. Both
depend only on the submitted username string and the address, never on whether such a user
exists, so neither tells an attacker which usernames are real."""

from __future__ import annotations

import time
from typing import Any

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from .selectors import failures_for

MAX_SLOWDOWN_SECONDS = 3.0


def lockout_message() -> str:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return _("Too many failed logins. Logging in is locked for %(minutes)d minutes; an admin can unlock it sooner.") % {
        "minutes": minutes
    }


def lockout_response(request: HttpRequest, original_response: Any = None, credentials: Any = None) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the login page again, with the lockout message, status 429."""
    return render(request, "registration/login.html", {"locked_out": lockout_message(), "next": ""}, status=429)


def slowdown_seconds(failures: int) -> float:
    """How long the answer to a failed login waits, given the failures counted so far."""
    over = failures - settings.HOVOR_LOGIN_SLOWDOWN_AFTER + 1
    if over <= 0:
        return 0.0
    return min(over * settings.HOVOR_LOGIN_SLOWDOWN_SECONDS, MAX_SLOWDOWN_SECONDS)


def slow_down_failed_login(request: HttpRequest, username: str) -> float:
    """Called after a failed login (axes has counted it): wait, and say how long."""
    if not settings.AXES_ENABLED or getattr(request, "axes_locked_out", False):
        return 0.0  # a locked-out answer is the lockout page at once: no thread held asleep
    delay = slowdown_seconds(failures_for(username=username, ip_address=get_client_ip_address(request) or ""))
    if delay:
        time.sleep(delay)
    return delay
