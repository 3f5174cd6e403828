"""Newcomers' drafts: the leads' queue, a newcomer's own list, and the two decisions."""
from __future__ import annotations

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ..actions.drafts import draft_approve, draft_return
from ..actions.tickets import TicketActionError
from ..enums import Direction
from ..permissions import access_agent, access_draft, can_review_drafts
from ..selectors import drafts_of, drafts_to_review
from ._common import redirect_back


@login_required
@require_GET
def drafts_page(request: HttpRequest) -> HttpResponse:
    user = access_agent(request.user)
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
    user = access_agent(request.user)
    return render(request, "inbox/my_drafts.html", {"drafts": drafts_of(author=user)[:200]})


@login_required
@require_POST
def draft_approve_view(request: HttpRequest, draft_id: int) -> HttpResponse:
    draft = access_draft(request.user, draft_id)
    try:
        draft_approve(draft=draft, reviewer=access_agent(request.user), text=request.POST.get("text"))
    except TicketActionError as exc:
        flash.error(request, str(exc))
    else:
        flash.success(request, _("Draft approved; it goes out in a moment."))
    return redirect_back(request, "inbox:drafts")


@login_required
@require_POST
def draft_return_view(request: HttpRequest, draft_id: int) -> HttpResponse:
    draft = access_draft(request.user, draft_id)
    try:
        draft_return(draft=draft, reviewer=access_agent(request.user), comment=request.POST.get("comment", ""))
    except TicketActionError as exc:
        flash.error(request, str(exc))
    else:
        flash.success(request, _("Draft returned to its author."))
    return redirect_back(request, "inbox:drafts")
