"""Settings → Teams: admins create teams (name, brands, members) and set each person's role;
a lead changes the members of their own teams. Everyone else: no such page (404)."""
from __future__ import annotations

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from channels.models import Brand

from ..actions.people import PeopleError, agent_set_role, team_create, team_members_set, team_update
from ..enums import Role
from ..permissions import can_manage_team, is_admin, is_lead
from ..selectors import teams_visible_to


def _manager(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User) or not (is_admin(user) or is_lead(user)):
        raise Http404("Admins and leads only")
    return user


def _people() -> list[User]:
    return list(
        User.objects.filter(is_active=True, agent_profile__isnull=False)
        .select_related("agent_profile")
        .order_by("agent_profile__display_name", "id")
    )


def _picked(request: HttpRequest, name: str) -> list[int]:
    return [int(v) for v in request.POST.getlist(name) if v.isdigit()]


@login_required
@require_GET
def teams_page(request: HttpRequest) -> HttpResponse:
    user = _manager(request)
    admin = is_admin(user)
    return render(
        request,
        "inbox/teams.html",
        {
            "teams": teams_visible_to(user=user),
            "people": _people(),
            "brands": Brand.objects.order_by("name") if admin else [],
            "roles": Role.choices,
            "admin": admin,
        },
    )


@login_required
@require_POST
def team_new_view(request: HttpRequest) -> HttpResponse:
    if not is_admin(_manager(request)):
        raise Http404("Admins only")
    try:
        team = team_create(
            name=request.POST.get("name", ""),
            brands=Brand.objects.filter(pk__in=_picked(request, "brands")),
            members=User.objects.filter(pk__in=_picked(request, "members"), agent_profile__isnull=False),
        )
        flash.success(request, _("Team %(name)s created.") % {"name": team.name})
    except PeopleError as exc:
        flash.error(request, str(exc))
    return redirect("inbox:teams")


@login_required
@require_POST
def team_save_view(request: HttpRequest, team_id: int) -> HttpResponse:
    """Admins save a team's brands and members; a lead only the members of their team."""
    user = _manager(request)
    team = get_object_or_404(teams_visible_to(user=user), pk=team_id)
    if not can_manage_team(user, team):
        raise Http404("Not your team")
    if is_admin(user):
        team_update(team=team, brands=Brand.objects.filter(pk__in=_picked(request, "brands")))
    team_members_set(
        team=team, members=User.objects.filter(pk__in=_picked(request, "members"), agent_profile__isnull=False)
    )
    flash.success(request, _("Team %(name)s saved.") % {"name": team.name})
    return redirect("inbox:teams")


@login_required
@require_POST
def person_role_view(request: HttpRequest, user_id: int) -> HttpResponse:
    if not is_admin(_manager(request)):
        raise Http404("Admins only")
    person = get_object_or_404(User, pk=user_id, agent_profile__isnull=False)
    role = request.POST.get("role", "")
    if person.pk == request.user.pk and role != Role.ADMIN:
        flash.error(request, _("You cannot take away your own admin role."))
        return redirect("inbox:teams")
    try:
        agent_set_role(user=person, role=role)
        flash.success(request, _("Role saved."))
    except PeopleError as exc:
        flash.error(request, str(exc))
    return redirect("inbox:teams")
