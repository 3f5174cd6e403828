"""The agent's screens. Views parse, authorise, call one action or selector, render."""

from __future__ import annotations

import mimetypes
import uuid
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotModified
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import filesizeformat
from django.utils.http import quote_etag
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from channels.base import AttachmentLimits
from channels.registry import UnknownPlatform, get_connector

from ..actions.acknowledgement import acknowledgement_preview
from ..actions.attachments import ReplyFile
from ..actions.customers import customers_merge
from ..actions.drafts import draft_create, draft_create_template
from ..actions.opening import ticket_opened
from ..actions.replies import (
    RepliedSince,
    ReplyError,
    answered_message,
    is_newcomer,
    reply_account,
    reply_compose,
    reply_retry,
    ticket_reply,
)
from ..actions.templates import template_compose, ticket_send_template, ticket_templates
from ..actions.tickets import TicketActionError, ticket_assign, ticket_set_status
from ..enums import DeliveryStatus, TicketStatus
from ..live import versions
from ..models import Customer, Message
from ..paging import InvalidCursor
from ..permissions import access_agent, access_ticket, can_handle_customer_data, can_review_drafts
from ..search import SearchQuery, search_snippets
from ..selectors import (
    INBOX_VIEWS,
    InboxFilters,
    agents_for_brand,
    customer_csat,
    customer_history,
    inbox_counts,
    inbox_filter_choices,
    inbox_page,
    inbox_search_page,
    live_brand_ids,
    merge_suggestions,
    ticket_drafts,
    ticket_events,
    ticket_moves,
    ticket_people_handled,
)
from ..variables import AVAILABLE
from .live import live_context
from .triage import inbox_triage_context, ticket_triage_context

# One page of the list; "Load more" (or the API's `next`) brings the next by keyset cursor.
INBOX_PAGE = 50
FILTER_KEYS = ("brand", "platform", "status", "language", "sentiment", "tag", "priority", "sla")



def _not_modified(request: HttpRequest, etag: str) -> bool:
    return request.headers.get("If-None-Match") == etag


def _inbox_context(
    request: HttpRequest, *, rows: bool = True, counts: bool = True, newcomer: bool | None = None
) -> dict[str, Any]:
    """The list's context: the view, its filters and search (all kept in the URL), one page
    of rows after `?cursor=` (`rows`), and the views' counts (`counts`)."""
    view = request.GET.get("view", "waiting")
    if view not in INBOX_VIEWS:
        view = "waiting"
    agent = access_agent(request.user)
    choices = inbox_filter_choices(agent=agent)
    filters = InboxFilters.from_query(request.GET, choices=choices)
    search = SearchQuery.parse(request.GET.get("q", ""))
    kept = {"view": view, **filters.as_query(), **({"q": search.raw} if search else {})}
    context: dict[str, Any] = {
        "view": view,
        "filters": filters.as_query(),
        # The view, its filters and the search, for every link that keeps them (rows, polling).
        "query": urlencode(kept),
        "filter_query": urlencode(filters.as_query()),
        "filter_choices": choices,
        "q": search.raw if search else "",
        "searching": bool(search),
        "words": search.words,
        # The rows' "I'm looking into it" says a newcomer's goes to a lead first.
        "is_newcomer": is_newcomer(agent) if newcomer is None else newcomer,
    }
    if rows:
        cursor = request.GET.get("cursor") or None
        try:
            if search:
                page = inbox_search_page(agent=agent, query=search, filters=filters, cursor=cursor, size=INBOX_PAGE)
                search_snippets(page.rows, search)
            else:
                page = inbox_page(agent=agent, view=view, filters=filters, cursor=cursor, size=INBOX_PAGE)
        except InvalidCursor as exc:
            raise Http404("No such page") from exc
        context.update(tickets=page.rows, next_cursor=page.next_cursor, truncated=page.next_cursor is not None)
    if counts:
        numbers = inbox_counts(agent=agent)
        context.update(inbox_triage_context(
            agent=agent, view=view, query=urlencode({"view": view, **filters.as_query()}), choices=choices
        ))
    else:
        numbers = {}
    context["nav"] = [(key, label, numbers.get(key)) for key, label in INBOX_VIEWS.items()]
    return context


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    live = live_context(request)
    context = _inbox_context(request)
    context.update(live)
    blank_search = "q" in request.GET and not context["q"]
    if blank_search or any(not request.GET.get(key) for key in FILTER_KEYS if key in request.GET):
        # The filter form sends every select, the empty ones too: keep only what filters.
        return redirect(f"{request.path}?{context['query']}")
    return render(request, "inbox/inbox.html", context)


@login_required
@require_GET
def inbox_list(request: HttpRequest) -> HttpResponse:
    """Fetched by htmx when the pulse says the inbox changed (the first page, with the view
    counts); the browser revalidates it (304 until something in the agent's brands changed).
    With `?cursor=` it is "Load more": the next page's rows alone, appended below what is
    shown. `?current=` marks the open conversation's row."""
    agent = access_agent(request.user)
    inbox_version, _unused = versions(brand_ids=live_brand_ids(user=agent))
    etag = quote_etag(f"{inbox_version}-{agent.pk}-{get_language()}-{request.GET.urlencode()}")
    if _not_modified(request, etag):
        return HttpResponseNotModified()
    more = bool(request.GET.get("cursor"))
    context = _inbox_context(request, counts=not more)
    current = request.GET.get("current", "")
    context["current_id"] = int(current) if current.isdigit() else None
    context["oob_nav"] = not more  # the view counts refresh with the first page
    context["more"] = more
    response = render(request, "inbox/_ticket_rows.html" if more else "inbox/_ticket_list.html", context)
    response["ETag"] = etag
    response["Cache-Control"] = "no-cache"
    return response


def _ticket_context(request: HttpRequest, ticket_id: int, *, draft: str = "") -> dict[str, Any]:
    ticket = access_ticket(request.user, ticket_id)
    thread = list(ticket.messages.all())
    # What a reply answers, from the thread already loaded, and the account it goes out on
    # (a merged conversation holds several channels): the same choice ticket_reply makes.
    answered = answered_message(ticket)
    account = reply_account(ticket=ticket, answered=answered)
    try:
        connector = get_connector(account.platform)
    except UnknownPlatform:
        # The conversation stays readable; answering needs the platform's package back.
        connector = None
        answered = None
    agents = agents_for_brand(brand_id=ticket.brand_id)
    agent = access_agent(request.user)
    newcomer = is_newcomer(agent)
    # Free text may not go out (WhatsApp after 24 hours): the approved templates instead.
    templates = ticket_templates(ticket=ticket) if answered is not None else []
    return {
        "ticket": ticket,
        "templates": templates,
        "template": template_compose(ticket=ticket, agent=agent, key=templates[0].key)
        if templates else None,
        "thread": thread,
        # The newest message the agent has seen when they start a draft: Send asks before
        # going out over a colleague's reply that came after it (static/hovor/live.js).
        "seen_message_id": max((m.pk for m in thread), default=0),
        "identities": ticket.customer.identities.all(),
        "history": customer_history(customer=ticket.customer, exclude_ticket_id=ticket.pk)[:10],
        "moves": ticket_moves(ticket=ticket),
        "reply_account": account,
        "csat": customer_csat(ticket=ticket),
        "merge_suggestions": merge_suggestions(customer=ticket.customer),
        "events": ticket_events(ticket=ticket),
        "people_handled": ticket_people_handled(ticket=ticket),
        "limits": connector.limits if connector else None,
        **_attachment_context(
            None if connector is None
            else connector.attachment_limits_for(answered.kind) if answered is not None
            else connector.attachment_limits
        ),
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
        # A newcomer's Send makes a draft for a lead (inbox/actions/drafts.py).
        "is_newcomer": newcomer,
        "can_review_drafts": can_review_drafts(request.user),
        "drafts": ticket_drafts(ticket=ticket),
        # The one-key "I'm looking into it": what it sends, or why it cannot now.
        "ack": acknowledgement_preview(ticket=ticket, agent=agent, newcomer=newcomer)
        if answered is not None else None,
        "ack_client_token": uuid.uuid4().hex,
        **ticket_triage_context(ticket=ticket, agent=agent),
    }


def _conversation_page(request: HttpRequest, context: dict[str, Any], *, status: int = 200) -> HttpResponse:
    """The conversation page for a `_ticket_context` (shown again after a refused action,
    with the draft kept). The list beside the thread and the view counts load by htmx from
    inbox_list: a conversation page never runs an inbox query of its own."""
    context.update(_inbox_context(request, rows=False, counts=False, newcomer=context["is_newcomer"]))
    context.update(live_context(request, ticket_id=context["ticket"].pk))
    return render(request, "inbox/ticket.html", context, status=status)


@login_required
@require_GET
def ticket_view(request: HttpRequest, ticket_id: int) -> HttpResponse:
    context = _ticket_context(request, ticket_id)
    if context["ticket"].merged_into_id is not None:  # its messages are in the one kept
        return redirect("inbox:ticket", ticket_id=context["ticket"].merged_into_id)
    # The customer sees their message was read (WhatsApp's blue ticks), once per message.
    ticket_opened(ticket=context["ticket"])
    return _conversation_page(request, context)


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
        ticket=ticket, agent=access_agent(request.user), text=request.POST.get("text", ""),
        mode=request.POST.get("mode", ""),
    )
    return render(request, "inbox/_reply_preview.html", {"composed": composed, "ticket": ticket})


@login_required
@require_POST
def ticket_reply_view(request: HttpRequest, ticket_id: int) -> HttpResponse:
    ticket = access_ticket(request.user, ticket_id)
    then_status = request.POST.get("then_status", TicketStatus.PENDING)
    text = request.POST.get("text", "")
    if is_newcomer(access_agent(request.user)):
        return _draft_submit(request, ticket_id=ticket.pk, text=text, then_status=then_status)
    try:
        files = _reply_files(request)
        message = ticket_reply(
            files=files,
            ticket=ticket,
            agent=access_agent(request.user),
            text=text,
            client_token=request.POST.get("client_token") or None,
            then_status=then_status,
            mode=request.POST.get("mode", ""),
            seen_message_id=_seen_message_id(request),
        )
    except RepliedSince as exc:
        # A colleague answered after this draft began: ask before sending over it.
        context = _ticket_context(request, ticket_id, draft=text)
        context["send_over"] = exc
        return _conversation_page(request, context, status=409)
    except TicketActionError as exc:
        # Keep the agent's draft: show the page again with the reason, nothing lost.
        flash.error(request, str(exc))
        return _conversation_page(request, _ticket_context(request, ticket_id, draft=text), status=400)
    message.refresh_from_db()
    if message.delivery_status == DeliveryStatus.SENT:
        flash.success(request, _("Reply sent."))
    elif message.delivery_status == DeliveryStatus.FAILED:
        flash.error(request, _("The reply could not be sent; see the reason below."))
    else:
        flash.success(request, _("Reply queued; it goes out in a moment."))
    return redirect("inbox:ticket", ticket_id=ticket.pk)


def _template_inputs(request: HttpRequest) -> list[str]:
    return [str(v) for v in request.POST.getlist("param")][:20]


@login_required
@require_POST
def template_preview(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """The chosen template's parameter inputs and the text the customer will get. A changed
    choice starts from the template's prefill; typing keeps what was typed."""
    ticket = access_ticket(request.user, ticket_id)
    key = request.POST.get("template", "")
    keep = request.POST.get("template_shown") == key
    composed = template_compose(
        ticket=ticket, agent=access_agent(request.user), key=key, inputs=_template_inputs(request) if keep else None
    )
    return render(request, "inbox/_template_fields.html", {
        "template": composed, "ticket": ticket, "is_newcomer": is_newcomer(access_agent(request.user)),
    })


@login_required
@require_POST
def ticket_template_view(request: HttpRequest, ticket_id: int) -> HttpResponse:
    ticket = access_ticket(request.user, ticket_id)
    newcomer = is_newcomer(access_agent(request.user))
    try:
        if newcomer:  # a draft for a lead, sent as the template when approved
            draft_create_template(
                ticket=ticket,
                author=access_agent(request.user),
                key=request.POST.get("template", ""),
                inputs=_template_inputs(request),
                then_status=request.POST.get("then_status", TicketStatus.PENDING),
            )
        else:
            message = ticket_send_template(
                ticket=ticket,
                agent=access_agent(request.user),
                key=request.POST.get("template", ""),
                inputs=_template_inputs(request),
                client_token=request.POST.get("client_token") or None,
                then_status=request.POST.get("then_status", TicketStatus.PENDING),
            )
    except TicketActionError as exc:
        flash.error(request, str(exc))
        context = _ticket_context(request, ticket_id)
        if context["templates"]:
            # The agent's choice and parameters stay as they were, with the reason.
            context["template"] = template_compose(
                ticket=ticket, agent=access_agent(request.user), key=request.POST.get("template", ""),
                inputs=_template_inputs(request),
            )
        return _conversation_page(request, context, status=400)
    if newcomer:
        flash.success(request, _("Sent for approval: a lead reviews your reply before it goes out."))
        return redirect("inbox:ticket", ticket_id=ticket.pk)
    message.refresh_from_db()
    if message.delivery_status == DeliveryStatus.FAILED:
        flash.error(request, _("The template could not be sent; see the reason below."))
    else:
        flash.success(request, _("Template queued; it goes out in a moment."))
    return redirect("inbox:ticket", ticket_id=ticket.pk)


def _attachment_context(limits: AttachmentLimits | None) -> dict[str, Any]:
    """The composer's file input and the platform's limits, shown before sending."""
    if limits is None:
        return {"attachment_limits": None}
    types = [t for t in limits.types if t != "*/*"]
    return {
        "attachment_limits": limits,
        "attachment_max": min(limits.max_bytes, settings.HOVOR_ATTACHMENT_MAX_BYTES),
        "attachment_image_max": limits.image_max_bytes
        if limits.image_max_bytes is not None and limits.image_max_bytes < limits.max_bytes
        else None,
        "attachment_types": ", ".join(types),
        "attachment_accept": ",".join(types),
    }


def _reply_files(request: HttpRequest) -> list[ReplyFile]:
    """The composer's files; one over Hovor's own limit is refused before it is read."""
    found = []
    for upload in request.FILES.getlist("files"):
        if upload.size is not None and upload.size > settings.HOVOR_ATTACHMENT_MAX_BYTES:
            raise ReplyError(
                _("%(name)s is larger than Hovor keeps (%(size)s).")
                % {"name": upload.name, "size": filesizeformat(settings.HOVOR_ATTACHMENT_MAX_BYTES)}
            )
        name = upload.name or "file"
        content_type = mimetypes.guess_type(name)[0] or upload.content_type or "application/octet-stream"
        found.append(ReplyFile(filename=name, content_type=content_type, content=upload.read()))
    return found


def _draft_submit(request: HttpRequest, *, ticket_id: int, text: str, then_status: str) -> HttpResponse:
    ticket = access_ticket(request.user, ticket_id)
    try:
        draft_create(
            ticket=ticket, author=access_agent(request.user), text=text, mode=request.POST.get("mode", ""),
            then_status=then_status,
        )
    except TicketActionError as exc:
        flash.error(request, str(exc))
        return _conversation_page(request, _ticket_context(request, ticket_id, draft=text), status=400)
    flash.success(request, _("Sent for approval: a lead reviews your reply before it goes out."))
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
        reply_retry(message=message, actor=access_agent(request.user))
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
        assignee = access_agent(request.user)
    elif raw:
        assignee = agents_for_brand(brand_id=ticket.brand_id).filter(pk=int(raw)).first() if raw.isdigit() else None
        if assignee is None:
            flash.error(request, _("No such agent."))
            return redirect("inbox:ticket", ticket_id=ticket.pk)
    ticket_assign(
        ticket=ticket, assignee=assignee, actor=access_agent(request.user), reason=request.POST.get("reason", "")
    )
    return redirect("inbox:ticket", ticket_id=ticket.pk)


@login_required
@require_POST
def ticket_status_view(request: HttpRequest, ticket_id: int) -> HttpResponse:
    ticket = access_ticket(request.user, ticket_id)
    try:
        ticket_set_status(ticket=ticket, status=request.POST.get("status", ""), actor=access_agent(request.user))
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
    if source is None or source.merged_into_id is not None:
        flash.error(request, _("No such customer."))
    else:
        try:
            customers_merge(source=source, target=ticket.customer, actor=access_agent(request.user))
            flash.success(request, _("Customers merged: their conversations and identities are together now."))
        except TicketActionError as exc:
            flash.error(request, str(exc))
    return redirect("inbox:ticket", ticket_id=ticket.pk)
