"""The agent's screens. Views parse, authorise, call one action or selector, render."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotModified
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import quote_etag
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from channels.registry import UnknownPlatform, get_connector

from ..actions.customers import customers_merge
from ..actions.replies import RepliedSince, reply_compose, reply_retry, ticket_reply
from ..actions.tickets import TicketActionError, ticket_assign, ticket_set_status
from ..enums import DeliveryStatus, Direction, TicketStatus
from ..live import versions
from ..models import Customer, Message
from ..permissions import access_ticket, can_handle_customer_data, is_agent
from ..selectors import (
    INBOX_VIEWS,
    InboxFilters,
    agents_for_brand,
    customer_history,
    inbox_counts,
    inbox_filter_choices,
    inbox_page,
    live_brand_ids,
    merge_suggestions,
    ticket_events,
)
from ..variables import AVAILABLE
from .live import live_context
from .triage import inbox_triage_context, ticket_triage_context

INBOX_PAGE = 200
FILTER_KEYS = ("brand", "platform", "status", "language", "tag", "priority", "sla")


def _agent(request: HttpRequest) -> User:
    """The logged-in agent; anyone else gets a 404 (agent pages do not exist for them)."""
    user = request.user
    if not isinstance(user, User) or not is_agent(user):
        raise Http404("Not an agent")
    return user


def _not_modified(request: HttpRequest, etag: str) -> bool:
    return request.headers.get("If-None-Match") == etag


def _inbox_context(request: HttpRequest) -> dict[str, Any]:
    view = request.GET.get("view", "waiting")
    if view not in INBOX_VIEWS:
        view = "waiting"
    agent = _agent(request)
    choices = inbox_filter_choices(agent=agent)
    filters = InboxFilters.from_query(request.GET, choices=choices)
    tickets = inbox_page(agent=agent, view=view, filters=filters, limit=INBOX_PAGE + 1)
    counts = inbox_counts(agent=agent)
    return {
        "view": view,
        "filters": filters.as_query(),
        # The view and its filters, for every link that keeps them (rows, polling, view tabs).
        "query": urlencode({"view": view, **filters.as_query()}),
        "filter_query": urlencode(filters.as_query()),
        "filter_choices": choices,
        "nav": [(key, label, counts.get(key)) for key, label in INBOX_VIEWS.items()],
        "tickets": tickets[:INBOX_PAGE],
        "truncated": len(tickets) > INBOX_PAGE,
        **inbox_triage_context(
            agent=agent, view=view, query=urlencode({"view": view, **filters.as_query()}), choices=choices
        ),
    }


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    live = live_context(request)
    context = _inbox_context(request)
    context.update(live)
    if any(not request.GET.get(key) for key in FILTER_KEYS if key in request.GET):
        # The filter form sends every select, the empty ones too: keep only what filters.
        return redirect(f"{request.path}?{context['query']}")
    return render(request, "inbox/inbox.html", context)


@login_required
@require_GET
def inbox_list(request: HttpRequest) -> HttpResponse:
    """Fetched by htmx when the pulse says the inbox changed; the browser revalidates it
    (304 until something in the agent's brands changed)."""
    agent = _agent(request)
    inbox_version, _unused = versions(brand_ids=live_brand_ids(user=agent))
    etag = quote_etag(f"{inbox_version}-{agent.pk}-{get_language()}-{request.GET.urlencode()}")
    if _not_modified(request, etag):
        return HttpResponseNotModified()
    context = _inbox_context(request)
    context["oob_nav"] = True  # the view counts refresh with the list
    response = render(request, "inbox/_ticket_list.html", context)
    response["ETag"] = etag
    response["Cache-Control"] = "no-cache"
    return response


def _ticket_context(request: HttpRequest, ticket_id: int, *, draft: str = "") -> dict[str, Any]:
    ticket = access_ticket(request.user, ticket_id)
    answered = ticket.messages.filter(direction=Direction.IN, platform_id__isnull=False).order_by("-sent_at").first()
    try:
        connector = get_connector(ticket.account.platform)
    except UnknownPlatform:
        # The conversation stays readable; answering needs the platform's package back.
        connector = None
        answered = None
    agents = agents_for_brand(brand_id=ticket.brand_id)
    thread = list(ticket.messages.all())
    return {
        "ticket": ticket,
        "thread": thread,
        # The newest message the agent has seen when they start a draft: Send asks before
        # going out over a colleague's reply that came after it (static/hovor/live.js).
        "seen_message_id": max((m.pk for m in thread), default=0),
        "identities": ticket.customer.identities.all(),
        "history": customer_history(customer=ticket.customer, exclude_ticket_id=ticket.pk)[:10],
        "merge_suggestions": merge_suggestions(customer=ticket.customer),
        "events": ticket_events(ticket=ticket),
        "limits": connector.limits if connector else None,
        "reply_unavailable": "" if connector else _(
            "Replies cannot be sent: no installed connector provides the platform %(platform)s."
        ) % {"platform": ticket.account.platform},
        "variables": AVAILABLE,
        "agents": agents,
        "statuses": TicketStatus.choices,
        "client_token": uuid.uuid4().hex,
        "draft": draft,
        "can_reply": answered is not None,
        "can_reply_privately": answered is not None and connector is not None
        and connector.can_reply_privately(answered.kind),
        "can_thread": answered is not None and connector is not None
        and connector.split_thread(answered.kind, "") is not None,
        "answered_kind": answered.kind if answered else "",
        "can_handle_customer_data": can_handle_customer_data(request.user),
        **ticket_triage_context(ticket=ticket, agent=_agent(request)),
    }


@login_required
@require_GET
def ticket_view(request: HttpRequest, ticket_id: int) -> HttpResponse:
    live = live_context(request, ticket_id=ticket_id)  # only cache reads; access is checked next
    context = _ticket_context(request, ticket_id)
    context.update(_inbox_context(request))
    context.update(live)
    return render(request, "inbox/ticket.html", context)


@login_required
@require_GET
def ticket_messages(request: HttpRequest, ticket_id: int) -> HttpResponse:
    ticket = access_ticket(request.user, ticket_id)
    _unused, ticket_version = versions(brand_ids=[], ticket_id=ticket.pk)
    etag = quote_etag(f"{ticket_version}-{ticket.pk}-{get_language()}")
    if _not_modified(request, etag):
        return HttpResponseNotModified()
    response = render(request, "inbox/_thread.html", {"ticket": ticket, "thread": ticket.messages.all()})
    response["ETag"] = etag
    response["Cache-Control"] = "no-cache"
    return response


@login_required
@require_POST
def reply_preview(request: HttpRequest, ticket_id: int) -> HttpResponse:
    ticket = access_ticket(request.user, ticket_id)
    composed = reply_compose(
        ticket=ticket, agent=_agent(request), text=request.POST.get("text", ""), mode=request.POST.get("mode", "")
    )
    return render(request, "inbox/_reply_preview.html", {"composed": composed, "ticket": ticket})


@login_required
@require_POST
def ticket_reply_view(request: HttpRequest, ticket_id: int) -> HttpResponse:
    ticket = access_ticket(request.user, ticket_id)
    then_status = request.POST.get("then_status", TicketStatus.PENDING)
    text = request.POST.get("text", "")
    try:
        message = ticket_reply(
            ticket=ticket,
            agent=_agent(request),
            text=text,
            client_token=request.POST.get("client_token") or None,
            then_status=then_status,
            mode=request.POST.get("mode", ""),
            seen_message_id=_seen_message_id(request),
        )
    except RepliedSince as exc:
        # A colleague answered after this draft began: ask before sending over it.
        context = _ticket_context(request, ticket_id, draft=text)
        context.update(_inbox_context(request))
        context.update(live_context(request, ticket_id=ticket_id))
        context["send_over"] = exc
        return render(request, "inbox/ticket.html", context, status=409)
    except TicketActionError as exc:
        # Keep the agent's draft: show the page again with the reason, nothing lost.
        flash.error(request, str(exc))
        context = _ticket_context(request, ticket_id, draft=text)
        context.update(_inbox_context(request))
        return render(request, "inbox/ticket.html", context, status=400)
    message.refresh_from_db()
    if message.delivery_status == DeliveryStatus.SENT:
        flash.success(request, _("Reply sent."))
    elif message.delivery_status == DeliveryStatus.FAILED:
        flash.error(request, _("The reply could not be sent; see the reason below."))
    else:
        flash.success(request, _("Reply queued; it goes out in a moment."))
    return redirect("inbox:ticket", ticket_id=ticket.pk)


def _seen_message_id(request: HttpRequest) -> int | None:
    """The newest message the composer had seen (`seen_message_id`), or the colleague's reply
    the agent chose to send over (`send_over`, the "Send anyway" button): the later of them.
    None (no check) when the form carries neither."""
    seen = [int(v) for v in (request.POST.get("seen_message_id", ""), request.POST.get("send_over", "")) if v.isdigit()]
    return max(seen) if seen else None


@login_required
@require_POST
def reply_retry_view(request: HttpRequest, message_id: int) -> HttpResponse:
    message = get_object_or_404(Message.objects.only("id", "ticket_id"), pk=message_id)
    access_ticket(request.user, message.ticket_id)
    try:
        reply_retry(message=message, actor=_agent(request))
    except TicketActionError as exc:
        flash.error(request, str(exc))
    return redirect("inbox:ticket", ticket_id=message.ticket_id)


@login_required
@require_POST
def ticket_assign_view(request: HttpRequest, ticket_id: int) -> HttpResponse:
    ticket = access_ticket(request.user, ticket_id)
    raw = request.POST.get("assignee", "")
    assignee: User | None = None
    if raw == "me":
        assignee = _agent(request)
    elif raw:
        assignee = agents_for_brand(brand_id=ticket.brand_id).filter(pk=int(raw)).first() if raw.isdigit() else None
        if assignee is None:
            flash.error(request, _("No such agent."))
            return redirect("inbox:ticket", ticket_id=ticket.pk)
    ticket_assign(ticket=ticket, assignee=assignee, actor=_agent(request))
    return redirect("inbox:ticket", ticket_id=ticket.pk)


@login_required
@require_POST
def ticket_status_view(request: HttpRequest, ticket_id: int) -> HttpResponse:
    ticket = access_ticket(request.user, ticket_id)
    try:
        ticket_set_status(ticket=ticket, status=request.POST.get("status", ""), actor=_agent(request))
    except TicketActionError as exc:
        flash.error(request, str(exc))
    return redirect("inbox:ticket", ticket_id=ticket.pk)


@login_required
@require_POST
def customer_merge_view(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """Merge a suggested customer into the one this conversation belongs to."""
    ticket = access_ticket(request.user, ticket_id)
    raw = request.POST.get("source", "")
    source = Customer.objects.filter(pk=int(raw), brand_id=ticket.brand_id).first() if raw.isdigit() else None
    if source is None:
        flash.error(request, _("No such customer."))
    else:
        try:
            customers_merge(source=source, target=ticket.customer, actor=_agent(request))
            flash.success(request, _("Customers merged: their conversations and identities are together now."))
        except TicketActionError as exc:
            flash.error(request, str(exc))
    return redirect("inbox:ticket", ticket_id=ticket.pk)
