"""The presence control in the top bar (the agent sets online / away / offline; the page
heartbeats from static/hovor/presence.js so inactivity and closed tabs are noticed), and the
skills page: admins set every agent's languages, channels, brands and capacity, a lead their
teams' members'; an agent sees their own."""
from __future__ import annotations

import re
from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from channels.registry import platform_choices

from .actions import RoutingError, presence_heartbeat, presence_set, profile_update
from .models import PresenceStatus
from .selectors import agents_editable_by, brands_for_skills, skills_rows

LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}$")


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


def _me(request: HttpRequest) -> User:
    return cast(User, request.user)  # login_required: a signed-in person


@login_required
@require_GET
def skills(request: HttpRequest) -> HttpResponse:
    me = _me(request)
    context = {
        "rows": skills_rows(user=me, at=timezone.now()),
        "platforms": platform_choices(),
        "brands": list(brands_for_skills(user=me)),
    }
    return render(request, "routing/skills.html", context)


@login_required
def skills_save(request: HttpRequest, user_id: int) -> HttpResponse:
    me = _me(request)
    person = agents_editable_by(user=me).filter(pk=user_id).first()
    if person is None:
        raise Http404("No such person")
    if request.method != "POST":
        return redirect("routing:skills")
    languages = [c for c in re.split(r"[\s,;]+", request.POST.get("languages", "").lower()) if c]
    if not all(LANGUAGE_CODE.match(c) for c in languages):
        messages.error(request, _("Languages are ISO codes such as cs, pl, bg, en."))
        return redirect("routing:skills")
    known = {value for value, _label in platform_choices()}
    platforms = [p for p in request.POST.getlist("platforms") if p in known]
    brands = list(brands_for_skills(user=me).filter(pk__in=[b for b in request.POST.getlist("brands") if b.isdigit()]))
    try:
        capacity = int(request.POST.get("capacity", ""))
        profile_update(user=person, languages=languages, platforms=platforms, brands=brands, capacity=capacity)
    except (ValueError, RoutingError):
        messages.error(request, _("Capacity must be between 0 and 200."))
        return redirect("routing:skills")
    messages.success(request, _("Skills saved."))
    return redirect("routing:skills")
