"""Logging in: the password step (Django's LoginView, throttled by axes, at the same /login/
URL), then, for a person with two-factor, the second step: a code from the app, a recovery
code, or a security key."""

from __future__ import annotations

from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ..actions.two_factor import TwoFactorError, second_factor_check
from ..actions.webauthn import authentication_begin, authentication_finish, parse_credential
from ..oidc import sso_enabled
from ..pending import pending_failed, pending_finish, pending_start, pending_user
from ..selectors import has_second_factor, security_keys, totp_devices
from ..throttle import lockout_response, slow_down_failed_login


class HovorLoginView(auth_views.LoginView):
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["sso_enabled"] = sso_enabled()
        context["sso_label"] = settings.OIDC_BUTTON_LABEL or _("Log in with single sign-on")
        return context

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        user = form.get_user()
        if has_second_factor(user):
            pending_start(self.request, user=user, next_url=self.get_success_url())
            return redirect("accounts:login_verify")
        return super().form_valid(form)

    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        slow_down_failed_login(self.request, str(self.request.POST.get("username", ""))[:150])
        return super().form_invalid(form)


def _safe_next(request: HttpRequest, url: str) -> str:
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return resolve_url(settings.LOGIN_REDIRECT_URL)


@require_http_methods(["GET", "POST"])
def login_verify(request: HttpRequest) -> HttpResponseBase:
    user = pending_user(request)
    if user is None:
        return redirect("login")
    error = ""
    if request.method == "POST":
        if settings.AXES_ENABLED and not AxesProxyHandler.is_allowed(request, {"username": user.get_username()}):
            return lockout_response(request)
        device = second_factor_check(user=user, code=str(request.POST.get("code", ""))[:64])
        if device is not None:
            return redirect(_safe_next(request, pending_finish(request, user=user, device=device)))
        if not pending_failed(request, user):
            return redirect("login")
        error = _("That code is not right. Try the current code from your app, or a recovery code.")
    return render(
        request,
        "accounts/login_verify.html",
        {
            "error": error,
            "has_app": totp_devices(user).exists(),
            "has_key": security_keys(user).exists(),
        },
    )


@require_POST
def login_key_options(request: HttpRequest) -> HttpResponse:
    user = pending_user(request)
    if user is None:
        return JsonResponse({"error": _("Log in with your password first.")}, status=400)
    return HttpResponse(authentication_begin(request=request, user=user), content_type="application/json")


@require_POST
def login_key(request: HttpRequest) -> HttpResponse:
    user = pending_user(request)
    if user is None:
        return JsonResponse({"error": _("Log in with your password first.")}, status=400)
    try:
        key = authentication_finish(request=request, user=user, credential=parse_credential(request.body))
    except TwoFactorError:
        pending_failed(request, user)
        return JsonResponse({"error": _("The security key was not accepted.")}, status=400)
    return JsonResponse({"redirect": _safe_next(request, pending_finish(request, user=user, device=key))})


def admin_login_redirect(request: HttpRequest, extra_context: Any = None) -> HttpResponse:
    """admin.site.login: Hovor's own login (throttled, with two-factor), then back."""
    return redirect_to_login(request.GET.get("next") or "/admin/", resolve_url(settings.LOGIN_URL))
