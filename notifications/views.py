"""The bell (polled by htmx from the top bar) and the notifications page. A person sees only
their own notifications; opening one marks it read and follows its link."""

from __future__ import annotations

from typing import cast

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from .actions import notifications_mark_read
from .models import Notification, NotificationKind
from .selectors import BELL_CAP, notifications_for, unread_count

PAGE_SIZE = 50


def _me(request: HttpRequest) -> User:
    return cast(User, request.user)  # login_required: a signed-in person


@login_required
@require_GET
def bell(request: HttpRequest) -> HttpResponse:
    count = unread_count(user=_me(request))
    return render(request, "notifications/_bell.html", {"unread": count, "capped": count > BELL_CAP})


@login_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind", "")
    if kind not in NotificationKind.values:
        kind = ""
    rows = list(notifications_for(user=_me(request), kind=kind)[:PAGE_SIZE])
    return render(
        request,
        "notifications/list.html",
        {"rows": rows, "kind": kind, "kinds": NotificationKind.choices, "unread": unread_count(user=_me(request))},
    )


@login_required
@require_POST
def notification_open(request: HttpRequest, notification_id: int) -> HttpResponse:
    note = get_object_or_404(Notification, pk=notification_id, recipient=_me(request))
    notifications_mark_read(user=_me(request), ids=[note.pk])
    return redirect(note.url or "notifications:list")


@login_required
@require_POST
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    notifications_mark_read(user=_me(request))
    return redirect("notifications:list")
