"""Canned responses: the composer's `/` menu and the page that keeps them."""
from __future__ import annotations

from typing import Any

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ..actions.canned import (
    CannedError,
    CannedOutOfScope,
    canned_response_create,
    canned_response_delete,
    canned_response_update,
    canned_response_use,
)
from ..models import CannedLanguage, CannedResponse
from ..permissions import (
    access_agent,
    access_brand,
    access_canned,
    access_ticket,
    can_edit_canned,
    can_share_canned,
)
from ..selectors import brands_visible_to, canned_for_ticket, canned_search, canned_visible_to


def _variants_from(request: HttpRequest) -> dict[str, str]:
    return {code: request.POST.get(f"body_{code}", "") for code in CannedLanguage.values}


@login_required
@require_GET
def canned_menu(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """The composer's `/query` menu (a fragment): this conversation's usable responses."""
    ticket = access_ticket(request.user, ticket_id)
    offers = canned_search(agent=access_agent(request.user), ticket=ticket, query=request.GET.get("q", ""))
    return render(request, "inbox/_canned_menu.html", {"offers": offers, "ticket": ticket})


@login_required
@require_POST
def canned_use_view(request: HttpRequest, ticket_id: int, canned_id: int) -> HttpResponse:
    """Picked in the menu: the text for the composer (JSON), the use counted."""
    agent = access_agent(request.user)
    ticket = access_ticket(agent, ticket_id)
    canned = canned_for_ticket(agent=agent, ticket=ticket).filter(pk=canned_id).first()
    if canned is None:
        raise Http404("No such canned response")
    try:
        used = canned_response_use(canned=canned, ticket=ticket, agent=agent, language=request.POST.get("language", ""))
    except CannedOutOfScope as exc:
        raise Http404("No such canned response") from exc
    except CannedError as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    return JsonResponse({"text": used.text, "language": used.language})


def _page_context(user: User) -> dict[str, Any]:
    brands = list(brands_visible_to(user=user).order_by("name"))
    items = list(canned_visible_to(user=user))
    for item in items:
        item.editable = can_edit_canned(user, item)  # type: ignore[attr-defined]
    return {
        "items": items,
        "brands": brands,
        "share_brands": [b for b in brands if can_share_canned(user, b)],
        "languages": CannedLanguage.choices,
    }


@login_required
@require_GET
def canned_page(request: HttpRequest) -> HttpResponse:
    return render(request, "inbox/canned.html", _page_context(access_agent(request.user)))


@login_required
@require_POST
def canned_new_view(request: HttpRequest) -> HttpResponse:
    user = access_agent(request.user)
    raw_brand = request.POST.get("brand", "")
    brand = access_brand(user, int(raw_brand) if raw_brand.isdigit() else 0)
    try:
        canned = canned_response_create(
            actor=user, brand=brand, shortcut=request.POST.get("shortcut", ""), title=request.POST.get("title", ""),
            variants=_variants_from(request), shared=request.POST.get("who") == "shared",
        )
    except CannedOutOfScope as exc:
        raise Http404("No such brand") from exc
    except CannedError as exc:
        flash.error(request, str(exc))
        context = _page_context(user)
        context["form"] = request.POST
        return render(request, "inbox/canned.html", context, status=400)
    flash.success(request, _("Canned response /%(shortcut)s saved.") % {"shortcut": canned.shortcut})
    return redirect("inbox:canned")


def _editable(request: HttpRequest, canned_id: int) -> tuple[User, CannedResponse]:
    user = access_agent(request.user)
    canned = access_canned(user, canned_id)
    if not can_edit_canned(user, canned):
        raise Http404("No such canned response")  # a colleague's shared one, for an agent: read only
    return user, canned


@login_required
@require_http_methods(["GET", "POST"])
def canned_edit_view(request: HttpRequest, canned_id: int) -> HttpResponse:
    user, canned = _editable(request, canned_id)
    if request.method == "POST":
        try:
            canned_response_update(
                canned=canned, actor=user, shortcut=request.POST.get("shortcut", ""),
                title=request.POST.get("title", ""), variants=_variants_from(request),
            )
        except CannedOutOfScope as exc:
            raise Http404("No such canned response") from exc
        except CannedError as exc:
            flash.error(request, str(exc))
        else:
            flash.success(request, _("Canned response /%(shortcut)s saved.") % {"shortcut": canned.shortcut})
            return redirect("inbox:canned")
    bodies = {v.language: v.body for v in canned.variants.all()}
    if request.method == "POST":
        bodies = _variants_from(request)
    return render(request, "inbox/canned_edit.html", {
        "canned": canned,
        "languages": [(code, label, bodies.get(code, "")) for code, label in CannedLanguage.choices],
        "form": request.POST if request.method == "POST" else None,
    }, status=400 if request.method == "POST" else 200)


@login_required
@require_POST
def canned_delete_view(request: HttpRequest, canned_id: int) -> HttpResponse:
    user, canned = _editable(request, canned_id)
    shortcut = canned.shortcut
    try:
        canned_response_delete(canned=canned, actor=user)
    except CannedOutOfScope as exc:
        raise Http404("No such canned response") from exc
    flash.success(request, _("Canned response /%(shortcut)s deleted.") % {"shortcut": shortcut})
    return redirect("inbox:canned")
