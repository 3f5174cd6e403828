"""The presence control in the top bar: the agent sets online / away / offline, and the page
heartbeats (static/hovor/presence.js) so inactivity and closed tabs are noticed."""
from __future__ import annotations

from typing import cast

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from .actions import RoutingError, presence_heartbeat, presence_set
from .models import PresenceStatus


@login_required
@require_POST
def presence(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    try:
        profile = presence_set(user=user, presence=request.POST.get("presence", ""))
    except RoutingError:
        return HttpResponse(status=400)
    context = {"presence": profile.presence, "choices": PresenceStatus.choices}
    return render(request, "routing/_presence_control.html", context)


@login_required
@require_POST
def heartbeat(request: HttpRequest) -> HttpResponse:
    try:
        idle = float(request.POST.get("idle", "0"))
    except ValueError:
        idle = 0.0
    presence_heartbeat(user=cast(User, request.user), idle_seconds=idle)
    return HttpResponse(status=204)
