"""The one-key "I'm looking into it", from an inbox row (its button, or `l` on the focused
row) and from the conversation (the button by the composer, or `l`). One POST endpoint; the
answer is a redirect back with what happened, or why nothing could be sent."""

from __future__ import annotations

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ..actions.acknowledgement import ticket_acknowledge
from ..actions.tickets import TicketActionError
from ..enums import DeliveryStatus
from ..models import Message
from ..permissions import access_agent, access_ticket
from ._common import redirect_back


@login_required
@require_POST
def ticket_acknowledge_view(request: HttpRequest, ticket_id: int) -> HttpResponse:
    ticket = access_ticket(request.user, ticket_id)
    back = f"/tickets/{ticket.pk}/"
    try:
        sent = ticket_acknowledge(
            ticket=ticket, agent=access_agent(request.user), client_token=request.POST.get("client_token") or None
        )
    except TicketActionError as exc:
        flash.error(request, _("Not sent to #%(ticket)s: %(reason)s") % {"ticket": ticket.pk, "reason": exc})
        return redirect_back(request, back)
    if not isinstance(sent, Message):
        flash.success(
            request,
            _("Sent for approval: a lead reviews your acknowledgement for #%(ticket)s before it goes out.")
            % {"ticket": ticket.pk},
        )
        return redirect_back(request, back)
    sent.refresh_from_db()
    if sent.delivery_status == DeliveryStatus.FAILED:
        flash.error(
            request,
            _("The acknowledgement to #%(ticket)s could not be sent; the conversation shows why.")
            % {"ticket": ticket.pk},
        )
    else:
        flash.success(request, _("Acknowledged #%(ticket)s: “%(text)s”") % {"ticket": ticket.pk, "text": sent.text})
    return redirect_back(request, back)
