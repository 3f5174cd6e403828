"""A customer's data (GDPR), from the conversation's customer panel: download everything
Hovor holds about them, or erase them after a confirmation page. Admins, and leads for
their teams' brands; another brand's customer is a 404, an agent gets 403.
Settings → Privacy: admins set each brand's retention."""
from __future__ import annotations

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from channels.models import Brand

from ..actions.privacy import PrivacyError, brand_set_retention, customer_erase, customer_export
from ..models import Customer, Message
from ..permissions import access_admin, access_customer, can_handle_customer_data
from ._common import next_url


def _customer_for_privacy(request: HttpRequest, customer_id: int) -> Customer:
    customer = access_customer(request.user, customer_id)  # 404 for another brand's
    if not can_handle_customer_data(request.user):
        raise PermissionDenied("Admins and leads only")
    return customer


@login_required
@require_GET
def customer_export_view(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = _customer_for_privacy(request, customer_id)
    export = customer_export(customer=customer)
    response = HttpResponse(export.content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def customer_erase_view(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = _customer_for_privacy(request, customer_id)
    back = next_url(request, reverse("inbox:inbox"))
    context = {
        "customer": customer,
        "identities": customer.identities.all(),
        "ticket_count": customer.tickets.count(),
        "message_count": Message.objects.filter(ticket__customer=customer).count(),
        "next": back,
    }
    if request.method == "POST":
        if request.POST.get("confirm") != "erase":
            context["error"] = _("Tick the box to confirm the erasure.")
            return render(request, "inbox/customer_erase.html", context, status=400)
        erased = customer_erase(customer=customer)
        flash.success(
            request,
            _("Customer #%(id)s erased: %(messages)s messages and %(identities)s identities.")
            % {"id": customer.pk, "messages": erased.messages, "identities": erased.identities},
        )
        return redirect(back)
    return render(request, "inbox/customer_erase.html", context)


@login_required
@require_GET
def privacy_page(request: HttpRequest) -> HttpResponse:
    access_admin(request.user)
    return render(request, "inbox/privacy.html", {"brands": Brand.objects.order_by("name")})


@login_required
@require_POST
def retention_save_view(request: HttpRequest, brand_id: int) -> HttpResponse:
    access_admin(request.user)
    brand = get_object_or_404(Brand, pk=brand_id)
    raw = request.POST.get("retention_days", "").strip()
    try:
        days = int(raw) if raw else None
        brand_set_retention(brand=brand, days=days)
    except (ValueError, PrivacyError):
        flash.error(request, _("Retention is a number of days from 1 to 36500, or blank to keep conversations."))
    else:
        if days:
            flash.success(request, _("%(brand)s: conversations are erased %(days)s days after their last message.")
                          % {"brand": brand.name, "days": days})
        else:
            flash.success(request, _("%(brand)s: conversations are kept.") % {"brand": brand.name})
    return redirect("inbox:privacy")
