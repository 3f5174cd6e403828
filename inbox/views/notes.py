"""Internal notes on a conversation (never sent to the customer)."""
from __future__ import annotations

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ..actions.notes import ticket_note_add
from ..actions.tickets import TicketActionError
from ..permissions import access_ticket


@login_required
@require_POST
def ticket_note_view(request: HttpRequest, ticket_id: int) -> HttpResponse:
    ticket = access_ticket(request.user, ticket_id)
    if not isinstance(request.user, User):
        raise Http404
    try:
        note = ticket_note_add(ticket=ticket, author=request.user, text=request.POST.get("text", ""))
    except TicketActionError as exc:
        flash.error(request, str(exc))
        return redirect("inbox:ticket", ticket_id=ticket.pk)
    flash.success(request, _("Note added. The customer does not see it."))
    return redirect(reverse("inbox:ticket", kwargs={"ticket_id": ticket.pk}) + f"#note-{note.pk}")
