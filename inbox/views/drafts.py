"""Newcomers' drafts: the leads' queue, a newcomer's own list, and the two decisions."""
from __future__ import annotations

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ..actions.drafts import draft_approve, draft_return
from ..actions.tickets import TicketActionError
from ..enums import Direction
from ..permissions import access_draft, can_review_drafts, is_agent
from ..selectors import drafts_of, drafts_to_review


def _person(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User) or not is_agent(user):
        raise Http404("Not an agent")
    return user


def _back(request: HttpRequest) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("inbox:drafts")


@login_required
@require_GET
def drafts_page(request: HttpRequest) -> HttpResponse:
    user = _person(request)
    if not can_review_drafts(user):
        raise Http404("No such page")
    drafts = list(drafts_to_review(user=user).order_by("created_at", "id")[:200])
    # The customer message each draft answers, for the lead to judge the reply against.
    for draft in drafts:
        draft.answered = (  # type: ignore[attr-defined]
            draft.ticket.messages.filter(direction=Direction.IN).order_by("-sent_at", "-id").first()
        )
    return render(request, "inbox/drafts.html", {"drafts": drafts})


@login_required
@require_GET
def my_drafts_page(request: HttpRequest) -> HttpResponse:
    user = _person(request)
    return render(request, "inbox/my_drafts.html", {"drafts": drafts_of(author=user)[:200]})


@login_required
@require_POST
def draft_approve_view(request: HttpRequest, draft_id: int) -> HttpResponse:
    draft = access_draft(request.user, draft_id)
    try:
        draft_approve(draft=draft, reviewer=_person(request), text=request.POST.get("text"))
    except TicketActionError as exc:
        flash.error(request, str(exc))
    else:
        flash.success(request, _("Draft approved; it goes out in a moment."))
    return _back(request)


@login_required
@require_POST
def draft_return_view(request: HttpRequest, draft_id: int) -> HttpResponse:
    draft = access_draft(request.user, draft_id)
    try:
        draft_return(draft=draft, reviewer=_person(request), comment=request.POST.get("comment", ""))
    except TicketActionError as exc:
        flash.error(request, str(exc))
    else:
        flash.success(request, _("Draft returned to its author."))
    return _back(request)
