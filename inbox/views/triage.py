"""Triage on the agent's screens: priority, tags, snooze and team on a conversation, bulk
changes over a selection of rows, saved views, and the tag list (admins, /settings/tags/).
Views parse, authorise, call one action in inbox/actions/triage.py and redirect back."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from ..actions.triage import (
    OutOfScope,
    TriageError,
    saved_view_create,
    saved_view_delete,
    snooze_time,
    tag_create,
    tag_delete,
    tag_rename,
    ticket_priority_change,
    ticket_snooze,
    ticket_tags_change,
    ticket_team_change,
    ticket_unsnooze,
    tickets_bulk_apply,
)
from ..enums import TicketPriority, TicketStatus
from ..models import Tag, Team, Ticket
from ..permissions import access_admin, access_agent, access_ticket, is_admin, is_lead
from ..selectors import (
    COUNT_CAP,
    INBOX_VIEWS,
    agents_for_agent,
    saved_view_counts,
    saved_views_for,
    teams_for_brand,
)
from ._common import redirect_back


def _ticket_page(ticket: Ticket) -> str:
    return f"/tickets/{ticket.pk}/"


def snooze_choices() -> list[tuple[str, str]]:
    return [
        ("hour", _("In 1 hour")),
        ("tomorrow", _("Tomorrow 9:00")),
        ("next_week", _("Next week (Monday 9:00)")),
    ]


# --- what the screens show ---------------------------------------------------------------
def inbox_triage_context(*, agent: User, view: str, query: str, choices: dict[str, Any]) -> dict[str, Any]:
    """The inbox's triage parts: saved views with their counts, and the bulk bar's choices."""
    saved = list(saved_views_for(agent=agent))
    counts = saved_view_counts(agent=agent, saved=saved, choices=choices)
    return {
        "saved_views": [
            (item, counts[item.pk], query == urlencode({"view": item.view}) + (f"&{item.query}" if item.query else ""))
            for item in saved
        ],
        "my_teams": list(Team.objects.filter(members=agent).order_by("name")),
        "bulk_agents": agents_for_agent(agent=agent),
        "priorities": TicketPriority.choices,
        "statuses": TicketStatus.choices,
        "snooze_choices": snooze_choices(),
        "count_cap": COUNT_CAP,
    }


def ticket_triage_context(*, ticket: Ticket, agent: User) -> dict[str, Any]:
    """The conversation's triage bar: its tags, priority, snooze and team."""
    teams = list(teams_for_brand(brand_id=ticket.brand_id))
    team = next((t for t in teams if t.pk == ticket.team_id), None)
    if team is None and ticket.team_id:  # a team that no longer covers the brand
        team = Team.objects.filter(pk=ticket.team_id).first()
    # The tag picker offers the inbox context's filter_choices.tag (loaded once per page).
    return {
        "ticket_tags": list(ticket.tags.all()),
        "priorities": TicketPriority.choices,
        "snooze_choices": snooze_choices(),
        "ticket_teams": teams,
        "ticket_team": team,
        "can_change_team": is_admin(agent) or is_lead(agent),
    }


# --- one conversation ----------------------------------------------------------------------
def _apply(request: HttpRequest, ticket: Ticket, change: Any) -> HttpResponse:
    try:
        change()
    except OutOfScope as exc:
        raise Http404("No such ticket") from exc
    except TriageError as exc:
        flash.error(request, str(exc))
    return redirect_back(request, _ticket_page(ticket))


@login_required
@require_POST
def ticket_priority_view(request: HttpRequest, ticket_id: int) -> HttpResponse:
    ticket = access_ticket(request.user, ticket_id)
    priority = request.POST.get("priority", "")
    return _apply(
        request, ticket,
        lambda: ticket_priority_change(ticket=ticket, priority=priority, actor=access_agent(request.user)),
    )


@login_required
@require_POST
def ticket_tags_view(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """`add` a tag (picked or typed: a new name becomes a tag) or `remove` one."""
    ticket = access_ticket(request.user, ticket_id)
    add = [name for name in request.POST.getlist("add") if name.strip()]
    remove = [name for name in request.POST.getlist("remove") if name.strip()]
    return _apply(
        request, ticket,
        lambda: ticket_tags_change(ticket=ticket, actor=access_agent(request.user), add=add, remove=remove),
    )


@login_required
@require_POST
def ticket_snooze_view(request: HttpRequest, ticket_id: int) -> HttpResponse:
    ticket = access_ticket(request.user, ticket_id)

    def change() -> None:
        until = snooze_time(
            choice=request.POST.get("choice", ""), tz=request.POST.get("tz", ""),
            custom=request.POST.get("custom", ""),
        )
        if ticket_snooze(ticket=ticket, until=until, actor=access_agent(request.user)):
            flash.success(request, _("Snoozed. It comes back at the top of its queue."))

    return _apply(request, ticket, change)


@login_required
@require_POST
def ticket_unsnooze_view(request: HttpRequest, ticket_id: int) -> HttpResponse:
    ticket = access_ticket(request.user, ticket_id)
    return _apply(request, ticket, lambda: ticket_unsnooze(ticket=ticket, actor=access_agent(request.user)))


@login_required
@require_POST
def ticket_team_view(request: HttpRequest, ticket_id: int) -> HttpResponse:
    ticket = access_ticket(request.user, ticket_id)
    raw = request.POST.get("team", "")
    team = teams_for_brand(brand_id=ticket.brand_id).filter(pk=int(raw)).first() if raw.isdigit() else None
    if raw and team is None:
        flash.error(request, _("No such team."))
        return redirect_back(request, _ticket_page(ticket))
    agent = access_agent(request.user)
    return _apply(request, ticket, lambda: ticket_team_change(ticket=ticket, team=team, actor=agent))


# --- a selection -------------------------------------------------------------------------
def _bulk_value(request: HttpRequest, action: str, agent: User) -> object:
    post = request.POST
    if action == "assign":
        raw = post.get("assignee", "")
        if raw == "me":
            return agent
        if not raw:
            return None
        found = agents_for_agent(agent=agent).filter(pk=int(raw)).first() if raw.isdigit() else None
        if found is None:
            raise TriageError(_("No such agent."))
        return found
    if action == "snooze":
        return snooze_time(choice=post.get("snooze", ""), tz=post.get("tz", ""), custom=post.get("custom", ""))
    if action in ("tag", "untag"):
        return post.get("tag", "")
    if action == "team":
        raw = post.get("team", "")
        if not raw:
            return None
        team = Team.objects.filter(pk=int(raw)).first() if raw.isdigit() else None
        if team is None:
            raise TriageError(_("No such team."))
        return team
    return post.get(action, "")


@login_required
@require_POST
def tickets_bulk_view(request: HttpRequest) -> HttpResponse:
    """One change over the selected rows. A ticket outside the agent's brands: 404."""
    agent = access_agent(request.user)
    ids = [int(value) for value in request.POST.getlist("tickets") if value.isdigit()]
    action = request.POST.get("action", "")
    try:
        result = tickets_bulk_apply(
            actor=agent, ticket_ids=ids, action=action, value=_bulk_value(request, action, agent)
        )
    except OutOfScope as exc:
        raise Http404("No such ticket") from exc
    except TriageError as exc:
        flash.error(request, str(exc))
        return redirect_back(request, "/")
    done = len(result.changed) + len(result.unchanged)
    flash.success(
        request,
        ngettext("%(n)d conversation updated.", "%(n)d conversations updated.", done) % {"n": done},
    )
    for ticket_id, why in result.refused[:5]:
        flash.error(request, f"#{ticket_id}: {why}")
    return redirect_back(request, "/")


# --- saved views -------------------------------------------------------------------------
@login_required
@require_POST
def saved_view_new_view(request: HttpRequest) -> HttpResponse:
    """Save the inbox's current view and filters (sent as `view` and `query`)."""
    agent = access_agent(request.user)
    view = request.POST.get("view", "waiting")
    raw_team = request.POST.get("team", "")
    team = None
    if raw_team:
        team = Team.objects.filter(pk=int(raw_team)).first() if raw_team.isdigit() else None
        if team is None:
            raise Http404("No such team")
    query = request.POST.get("query", "")
    try:
        saved = saved_view_create(
            owner=agent, name=request.POST.get("name", ""), view=view if view in INBOX_VIEWS else "waiting",
            query=query, team=team,
        )
    except OutOfScope as exc:
        raise Http404("No such team") from exc
    except TriageError as exc:
        flash.error(request, str(exc))
        return redirect_back(request, "/")
    flash.success(request, _("View %(name)s saved.") % {"name": saved.name})
    return redirect("/?" + urlencode({"view": saved.view}) + (f"&{saved.query}" if saved.query else ""))


@login_required
@require_POST
def saved_view_delete_view(request: HttpRequest, view_id: int) -> HttpResponse:
    try:
        saved_view_delete(owner=access_agent(request.user), saved_view_id=view_id)
    except OutOfScope as exc:
        raise Http404("No such saved view") from exc
    flash.success(request, _("Saved view deleted."))
    return redirect_back(request, "/")


# --- Settings → Tags (admins) ------------------------------------------------------------
@login_required
@require_GET
def tags_page(request: HttpRequest) -> HttpResponse:
    access_admin(request.user)
    tags = Tag.objects.annotate(used=Count("tickets")).order_by("name")
    return render(request, "inbox/tags.html", {"tags": tags})


@login_required
@require_POST
def tag_new_view(request: HttpRequest) -> HttpResponse:
    access_admin(request.user)
    try:
        tag = tag_create(name=request.POST.get("name", ""))
        flash.success(request, _("Tag %(name)s added.") % {"name": tag.name})
    except TriageError as exc:
        flash.error(request, str(exc))
    return redirect("inbox:tags")


@login_required
@require_POST
def tag_rename_view(request: HttpRequest, tag_id: int) -> HttpResponse:
    access_admin(request.user)
    tag = get_object_or_404(Tag, pk=tag_id)
    try:
        tag_rename(tag=tag, name=request.POST.get("name", ""))
        flash.success(request, _("Tag renamed to %(name)s.") % {"name": tag.name})
    except TriageError as exc:
        flash.error(request, str(exc))
    return redirect("inbox:tags")


@login_required
@require_POST
def tag_delete_view(request: HttpRequest, tag_id: int) -> HttpResponse:
    access_admin(request.user)
    tag = get_object_or_404(Tag, pk=tag_id)
    name = tag.name
    tag_delete(tag=tag)
    flash.success(request, _("Tag %(name)s deleted.") % {"name": name})
    return redirect("inbox:tags")
