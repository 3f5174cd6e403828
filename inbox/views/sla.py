"""SLA policies (admins, /settings/sla/): targets per brand, channel and priority."""

from __future__ import annotations

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from channels.models import Brand
from channels.registry import connectors

from ..actions.sla import SlaPolicyError, sla_policy_create, sla_policy_delete
from ..enums import TicketPriority
from ..models import SlaPolicy
from ..permissions import access_admin


def _minutes(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise SlaPolicyError(_("Targets are whole minutes.")) from None


@login_required
@require_GET
def sla_policies_page(request: HttpRequest) -> HttpResponse:
    access_admin(request.user)
    return render(request, "inbox/sla_policies.html", {
        "policies": SlaPolicy.objects.select_related("brand"),
        "brands": Brand.objects.order_by("name"),
        "platforms": [(c.platform, c.label) for c in connectors()],
        "priorities": TicketPriority.choices,
    })


@login_required
@require_POST
def sla_policy_new_view(request: HttpRequest) -> HttpResponse:
    access_admin(request.user)
    post = request.POST
    brand_id = post.get("brand", "")
    try:
        brand = get_object_or_404(Brand, pk=int(brand_id)) if brand_id.isdigit() else None
        sla_policy_create(
            brand_id=brand.pk if brand else None,
            platform=post.get("platform", "") if post.get("platform", "") in {c.platform for c in connectors()}
            else "",
            priority=post.get("priority", "") if post.get("priority", "") in TicketPriority.values else "",
            first_response_minutes=_minutes(post.get("first_response_minutes", "")),
            next_response_minutes=_minutes(post.get("next_response_minutes", "")),
            business_hours=post.get("business_hours") == "on",
        )
        flash.success(request, _("SLA policy added."))
    except SlaPolicyError as exc:
        flash.error(request, str(exc))
    return redirect("inbox:sla_policies")


@login_required
@require_POST
def sla_policy_delete_view(request: HttpRequest, policy_id: int) -> HttpResponse:
    access_admin(request.user)
    sla_policy_delete(policy=get_object_or_404(SlaPolicy, pk=policy_id))
    flash.success(request, _("SLA policy deleted."))
    return redirect("inbox:sla_policies")
