"""Live pages: the once-a-second pulse an open inbox or conversation asks (204 while nothing
it shows changed, so a thousand idle tabs cost a cache read each), and the conversation's
presence heartbeat (who else has it open, who is typing). static/hovor/live.js speaks both."""
from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from ..live import version_digest, versions
from ..permissions import access_agent
from ..presence import presence_leave, presence_touch, ticket_viewers
from ..selectors import live_brand_ids, tickets_visible_to


def _visible_ticket_brand(agent: User, ticket_id: int) -> int:
    brand_id = tickets_visible_to(user=agent).filter(pk=ticket_id).values_list("brand_id", flat=True).first()
    if brand_id is None:
        raise Http404("No such ticket")
    return brand_id


def live_context(request: HttpRequest, *, ticket_id: int | None = None) -> dict[str, Any]:
    """What a page needs to follow changes: its pulse URL and the versions it was rendered
    at (read before the page's own queries, so a change during rendering still shows)."""
    agent = access_agent(request.user)
    inbox, ticket = versions(brand_ids=live_brand_ids(user=agent), ticket_id=ticket_id)
    if ticket_id is None:
        url = reverse("inbox:inbox_pulse")
    else:
        url = reverse("inbox:ticket_pulse", kwargs={"ticket_id": ticket_id})
    return {"live_pulse_url": url, "live_inbox_version": inbox, "live_ticket_version": ticket}


def _unchanged(request: HttpRequest, version: str) -> bool:
    return request.GET.get("v", "") == version


@login_required
@require_GET
def inbox_pulse(request: HttpRequest) -> HttpResponse:
    """204 until something in the agent's brands changed; then the new version."""
    agent = access_agent(request.user)
    inbox, _ = versions(brand_ids=live_brand_ids(user=agent))
    if _unchanged(request, inbox):
        return HttpResponse(status=204)
    return _json({"v": inbox, "inbox": inbox})


@login_required
@require_GET
def ticket_pulse(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """The conversation's pulse: the inbox beside it, its own thread, assignee and status,
    and who else has it open. 204 while none of that changed."""
    agent = access_agent(request.user)
    _visible_ticket_brand(agent, ticket_id)
    inbox, ticket = versions(brand_ids=live_brand_ids(user=agent), ticket_id=ticket_id)
    viewers = [v.as_json() for v in ticket_viewers(ticket_id=ticket_id, exclude_user_id=agent.pk)]
    version = version_digest([inbox, ticket, viewers])
    if _unchanged(request, version):
        return HttpResponse(status=204)
    state = tickets_visible_to(user=agent).filter(pk=ticket_id).values_list("assignee_id", "status").first()
    return _json(
        {
            "v": version,
            "inbox": inbox,
            "ticket": ticket,
            "viewers": viewers,
            "assignee": state[0] if state else None,
            "status": state[1] if state else None,
        }
    )


@login_required
@require_POST
def ticket_presence(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """The agent's tab has the conversation open (`typing=1`: its composer is being typed
    in), or has left it (`left=1`, sent as the page goes away)."""
    agent = access_agent(request.user)
    _visible_ticket_brand(agent, ticket_id)
    if request.POST.get("left") == "1":
        presence_leave(ticket_id=ticket_id, user_id=agent.pk)
    else:
        profile = getattr(agent, "agent_profile", None)
        name = (profile.display_name if profile is not None else "") or agent.get_username()
        presence_touch(ticket_id=ticket_id, user_id=agent.pk, name=name, typing=request.POST.get("typing") == "1")
    return HttpResponse(status=204)


def _json(data: dict[str, Any]) -> JsonResponse:
    response = JsonResponse(data)
    response["Cache-Control"] = "no-store"
    return response
