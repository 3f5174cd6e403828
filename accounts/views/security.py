"""Settings → Security (admins): who must use two-factor, and the logins locked out now, each
with an unlock button. Anyone else: no such page (404)."""

from __future__ import annotations

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from inbox.permissions import is_admin

from ..actions.lockouts import UnlockError, login_unlock
from ..actions.policy import PolicyError, security_policy_set
from ..enums import TwoFactorRequirement
from ..selectors import current_lockouts, security_policy


def _admin(request: HttpRequest) -> User:
    if not isinstance(request.user, User) or not is_admin(request.user):
        raise Http404("Admins only")
    return request.user


@login_required
@require_GET
def security_page(request: HttpRequest) -> HttpResponse:
    _admin(request)
    return render(
        request,
        "accounts/security.html",
        {
            "policy": security_policy(),
            "requirements": TwoFactorRequirement.choices,
            "lockouts": current_lockouts(),
        },
    )


@login_required
@require_POST
def security_policy_save(request: HttpRequest) -> HttpResponse:
    actor = _admin(request)
    try:
        security_policy_set(
            actor=actor, two_factor_required=str(request.POST.get("two_factor_required", "")), request=request
        )
    except PolicyError:
        flash.error(request, _("Pick who must use two-factor."))
    else:
        flash.success(request, _("The two-factor policy is saved."))
    return redirect("accounts:security")


@login_required
@require_POST
def security_unlock(request: HttpRequest) -> HttpResponse:
    actor = _admin(request)
    value = str(request.POST.get("value", ""))[:255]
    try:
        login_unlock(actor=actor, kind=str(request.POST.get("kind", "")), value=value, request=request)
    except UnlockError as exc:
        flash.error(request, str(exc))
    else:
        flash.success(request, _("%(value)s can log in again.") % {"value": value})
    return redirect("accounts:security")
