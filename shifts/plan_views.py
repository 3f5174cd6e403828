"""The team's shift plan page: a week grid everyone in the team sees; the team's leads and
admins edit it (weekly shifts, date exceptions, time zone and holiday country). Edits post
through htmx, which swaps the plan in place; without it the forms post and redirect."""

from __future__ import annotations

from datetime import date, time, timedelta

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from inbox.models import Team
from inbox.permissions import can_manage_team, is_admin

from .actions import (
    InvalidShift,
    shift_exception_add,
    shift_exception_remove,
    shift_plan_for,
    shift_plan_set,
    weekly_shift_add,
    weekly_shift_remove,
)
from .models import ExceptionKind, HolidayCountry, Weekday
from .plan import zone_of
from .selectors import plan_teams_for, plan_week
from .views import COMMON_ZONES


def _team(request: HttpRequest, team_id: int) -> Team:
    """The team if this person may see its plan (a member, or an admin); 404 otherwise."""
    user = request.user
    if not isinstance(user, User):
        raise Http404
    return get_object_or_404(plan_teams_for(user=user), pk=team_id)


def _editable_team(request: HttpRequest, team_id: int) -> Team:
    team = _team(request, team_id)
    if not can_manage_team(request.user, team):
        raise Http404("The team's leads and admins only")
    return team


def _time(value: str | None) -> time | None:
    try:
        return time.fromisoformat((value or "").strip()) if (value or "").strip() else None
    except ValueError:
        return None


def _int(value: str | None) -> int | None:
    try:
        return int(value or "")
    except ValueError:
        return None


def _week_start(value: str | None, today: date) -> date:
    try:
        day = date.fromisoformat(value or "")
    except ValueError:
        day = today
    return day - timedelta(days=day.weekday())


@login_required
def plans(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    teams = list(plan_teams_for(user=user))
    if len(teams) == 1:
        return redirect("shifts:plan", team_id=teams[0].pk)
    return render(request, "shifts/plans.html", {"teams": teams})


def _page(request: HttpRequest, team: Team, *, error: str = "", week: str | None = None) -> HttpResponse:
    plan = shift_plan_for(team=team)
    now = timezone.now()
    today = now.astimezone(zone_of(plan.timezone)).date()
    start = _week_start(week if week is not None else request.GET.get("week"), today)
    user = request.user
    assert isinstance(user, User)
    context = {
        "team": team,
        "teams": plan_teams_for(user=user),
        "week": plan_week(team=team, plan=plan, week_start=start, now=now),
        "week_start": start,
        "prev_week": start - timedelta(days=7),
        "next_week": start + timedelta(days=7),
        "can_edit": can_manage_team(user, team),
        "is_admin": is_admin(user),
        "members": sorted(team.members.select_related("agent_profile"), key=lambda u: u.get_username()),
        "weekdays": Weekday.choices,
        "kinds": ExceptionKind.choices,
        "countries": HolidayCountry.choices,
        "zones": COMMON_ZONES,
        "error": error,
    }
    status = 400 if error and not request.headers.get("HX-Request") else 200
    return render(request, "shifts/plan.html", context, status=status)


@login_required
def plan(request: HttpRequest, team_id: int) -> HttpResponse:
    return _page(request, _team(request, team_id))


def _done(request: HttpRequest, team: Team) -> HttpResponse:
    week = request.POST.get("week", "")
    url = reverse("shifts:plan", kwargs={"team_id": team.pk})
    return redirect(f"{url}?week={week}" if week else url)


@login_required
@require_http_methods(["POST"])
def plan_settings(request: HttpRequest, team_id: int) -> HttpResponse:
    team = _editable_team(request, team_id)
    try:
        shift_plan_set(
            team=team, timezone=request.POST.get("timezone", "").strip(), country=request.POST.get("country", "")
        )
    except InvalidShift as exc:
        return _page(request, team, error=str(exc), week=request.POST.get("week"))
    return _done(request, team)


@login_required
@require_http_methods(["POST"])
def shift_add(request: HttpRequest, team_id: int) -> HttpResponse:
    team = _editable_team(request, team_id)
    starts, ends = _time(request.POST.get("starts")), _time(request.POST.get("ends"))
    weekday = _int(request.POST.get("weekday"))
    try:
        if starts is None or ends is None or weekday is None:
            raise InvalidShift(_("A shift needs a day, a start and an end time (HH:MM)."))
        weekly_shift_add(team=team, user_id=_int(request.POST.get("user")), weekday=weekday, starts=starts, ends=ends)
    except InvalidShift as exc:
        return _page(request, team, error=str(exc), week=request.POST.get("week"))
    return _done(request, team)


@login_required
@require_http_methods(["POST"])
def shift_remove(request: HttpRequest, team_id: int) -> HttpResponse:
    team = _editable_team(request, team_id)
    weekly_shift_remove(team=team, shift_id=_int(request.POST.get("shift")) or 0)
    return _done(request, team)


@login_required
@require_http_methods(["POST"])
def exception_add(request: HttpRequest, team_id: int) -> HttpResponse:
    team = _editable_team(request, team_id)
    try:
        try:
            day = date.fromisoformat(request.POST.get("date", ""))
        except ValueError as exc:
            raise InvalidShift(_("Choose a date.")) from exc
        shift_exception_add(
            team=team,
            user_id=_int(request.POST.get("user")),
            day=day,
            kind=request.POST.get("kind", ""),
            replacement_id=_int(request.POST.get("replacement")),
            starts=_time(request.POST.get("starts")),
            ends=_time(request.POST.get("ends")),
            note=request.POST.get("note", ""),
        )
    except InvalidShift as exc:
        return _page(request, team, error=str(exc), week=request.POST.get("week"))
    return _done(request, team)


@login_required
@require_http_methods(["POST"])
def exception_remove(request: HttpRequest, team_id: int) -> HttpResponse:
    team = _editable_team(request, team_id)
    shift_exception_remove(team=team, exception_id=_int(request.POST.get("exception")) or 0)
    return _done(request, team)
