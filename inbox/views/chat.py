"""The agent's side of the website chat: the "visitor is typing" line on a chat ticket, the
agent's own typing, and presence (the widget says whether someone is there)."""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods, require_POST

from channels.chat.selectors import chat_is_typing
from channels.chat.services import chat_presence_touch, chat_typing_set

from ..permissions import access_agent
from ..selectors import chat_session_key_for_ticket, tickets_visible_to


@login_required
@require_http_methods(["GET", "POST"])
def agent_typing_view(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """GET: the "Visitor is typing…" fragment for a chat ticket (empty otherwise), polled by
    the agent's conversation view. POST: the agent is typing (`typing=0` stops it). Both
    count as the agent being present."""
    agent = access_agent(request.user)
    if not tickets_visible_to(user=agent).filter(pk=ticket_id).exists():
        raise Http404("No such ticket")
    chat_presence_touch(user=agent)
    session_key = chat_session_key_for_ticket(ticket_id=ticket_id)
    if request.method == "POST":
        if session_key:
            chat_typing_set(session_key=session_key, who="agent", typing=request.POST.get("typing", "1") != "0")
        return HttpResponse(status=204)
    typing = bool(session_key) and chat_is_typing(session_key=session_key or "", who="visitor")
    response = render(request, "chat/_visitor_typing.html", {"typing": typing})
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def agent_presence_view(request: HttpRequest) -> HttpResponse:
    chat_presence_touch(user=access_agent(request.user))
    return HttpResponse(status=204)
