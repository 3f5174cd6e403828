"""The customer's profile page (/customers/<id>/): edit it, see every identity and every
conversation, merge a suggested customer in and undo it; and, from the conversation page,
merge two conversations of the customer or split a message out, and undo either."""
from __future__ import annotations

from django.conf import settings
from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ..actions.conversations import ticket_split_message, tickets_merge, tickets_merge_undo
from ..actions.customers import CustomerChanges, customer_update, customers_merge, customers_merge_undo
from ..actions.tickets import TicketActionError
from ..models import Customer, CustomerMerge, Message, TicketMerge
from ..permissions import access_agent, access_customer_profile, access_ticket
from ..selectors import (
    customer_history,
    customer_merges,
    customer_profile_csat,
    merge_suggestions,
    tickets_visible_to,
)
from ._common import redirect_back


@login_required
@require_GET
def customer_page(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = access_customer_profile(request.user, customer_id)
    if customer.merged_into_id is not None:
        return redirect("inbox:customer", customer_id=customer.merged_into_id)
    conversations = list(customer_history(customer=customer)[:200])
    csat = customer_profile_csat(customer=customer)
    context = {
        "customer": customer,
        "identities": customer.identities.order_by("platform", "id"),
        "conversations": [(t, csat.by_ticket.get(t.pk)) for t in conversations],
        "csat": csat,
        "merge_suggestions": merge_suggestions(customer=customer),
        "merges": customer_merges(customer=customer),
        "tags": ", ".join(customer.tags.values_list("name", flat=True)),
        "languages": [(code, _(str(name))) for code, name in settings.LANGUAGES],
        "language_codes": [code for code, _name in settings.LANGUAGES],
    }
    return render(request, "inbox/customer.html", context)


@login_required
@require_POST
def customer_update_view(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = access_customer_profile(request.user, customer_id)
    post = request.POST
    changes = CustomerChanges(
        name=post.get("name", ""),
        email=post.get("email", ""),
        phone=post.get("phone", ""),
        language=post.get("language", ""),
        notes=post.get("notes", ""),
        tags=tuple(t for t in post.get("tags", "").split(",")),
    )
    try:
        customer_update(customer=customer, changes=changes, actor=access_agent(request.user))
    except TicketActionError as exc:
        flash.error(request, str(exc))
    else:
        flash.success(request, _("Profile saved."))
    return redirect_back(request, f"/customers/{customer.pk}/")


@login_required
@require_POST
def customer_merge_into_view(request: HttpRequest, customer_id: int) -> HttpResponse:
    """Merge the customer named in the body (`source`) into this one."""
    target = access_customer_profile(request.user, customer_id)
    raw = request.POST.get("source", "")
    source = (
        Customer.objects.filter(pk=int(raw), brand_id=target.brand_id).first() if raw.isdigit() else None
    )
    if source is None:
        raise Http404("No such customer")
    try:
        customers_merge(source=source, target=target, actor=access_agent(request.user))
    except TicketActionError as exc:
        flash.error(request, str(exc))
    else:
        flash.success(request, _("Customers merged: their conversations and identities are together now."))
    return redirect_back(request, f"/customers/{target.pk}/")


@login_required
@require_POST
def customer_merge_undo_view(request: HttpRequest, merge_id: int) -> HttpResponse:
    merge = CustomerMerge.objects.filter(pk=merge_id).first()
    if merge is None:
        raise Http404("No such merge")
    target = access_customer_profile(request.user, merge.target_id)  # another brand's: 404
    try:
        customers_merge_undo(merge=merge, actor=access_agent(request.user))
    except TicketActionError as exc:
        flash.error(request, str(exc))
    else:
        flash.success(request, _("Merge undone: the identities and conversations are back with their customer."))
    return redirect_back(request, f"/customers/{target.pk}/")


@login_required
@require_POST
def ticket_merge_view(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """Merge the conversation named in the body (`other`) into this one."""
    ticket = access_ticket(request.user, ticket_id)
    raw = request.POST.get("other", "")
    other = tickets_visible_to(user=access_agent(request.user)).filter(pk=int(raw)).first() if raw.isdigit() else None
    if other is None:
        raise Http404("No such conversation")
    try:
        tickets_merge(source=other, target=ticket, actor=access_agent(request.user))
    except TicketActionError as exc:
        flash.error(request, str(exc))
    else:
        flash.success(request, _("Conversations merged into one timeline."))
    return redirect("inbox:ticket", ticket_id=ticket.pk)


@login_required
@require_POST
def message_split_view(request: HttpRequest, message_id: int) -> HttpResponse:
    message = Message.objects.filter(pk=message_id).only("id", "ticket_id").first()
    if message is None:
        raise Http404("No such message")
    access_ticket(request.user, message.ticket_id)  # another brand's: 404
    try:
        move = ticket_split_message(message=message, actor=access_agent(request.user))
    except TicketActionError as exc:
        flash.error(request, str(exc))
        return redirect("inbox:ticket", ticket_id=message.ticket_id)
    flash.success(request, _("The message is a conversation of its own now."))
    return redirect("inbox:ticket", ticket_id=move.target_id)


@login_required
@require_POST
def ticket_merge_undo_view(request: HttpRequest, move_id: int) -> HttpResponse:
    move = TicketMerge.objects.filter(pk=move_id).first()
    if move is None:
        raise Http404("No such merge")
    access_ticket(request.user, move.source_id)  # another brand's: 404
    try:
        tickets_merge_undo(merge=move, actor=access_agent(request.user))
    except TicketActionError as exc:
        flash.error(request, str(exc))
    else:
        flash.success(request, _("Undone."))
    return redirect("inbox:ticket", ticket_id=move.source_id)
