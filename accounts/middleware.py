"""The two-factor policy on every page: a person the policy covers who has no second factor
yet is sent to enrolment; one who has it but whose session was not verified with it (a login
from before the policy) is sent to log in again. The API, webhooks, static files, the login
steps and enrolment itself are left alone. SSO sessions are the identity provider's to secure.

A polled fragment whose session has ended (logged out in another tab, expired) is answered the
same way: the whole page goes to the login page, instead of the login form being swapped into
the bell or the live list (and its fresh CSRF cookie spoiling a login form open elsewhere)."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib import messages as flash
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from .oidc import SSO_SESSION_KEY
from .selectors import has_second_factor, two_factor_required_for

EXEMPT_PREFIXES = (
    "/static/",
    "/api/",
    "/webhooks/",
    "/healthz",
    "/i18n/",
    "/chat/",
    "/login/",
    "/logout/",
    "/sso/",
    "/profile/two-factor/",
)


class TwoFactorPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        refusal = self._refusal(request)
        if refusal is not None:
            return refusal
        return _whole_page_to_login(request, self.get_response(request))

    def _refusal(self, request: HttpRequest) -> HttpResponse | None:
        user = request.user
        if not user.is_authenticated or request.path.startswith(EXEMPT_PREFIXES):
            return None
        if user.is_verified() or request.session.get(SSO_SESSION_KEY):  # type: ignore[union-attr,attr-defined]
            return None
        if not two_factor_required_for(user):
            return None
        if has_second_factor(user):  # type: ignore[arg-type]
            logout(request)
            return _away(request, f"{reverse('login')}?next={request.path}")
        flash.warning(request, _("Your organisation requires two-factor authentication. Set it up to continue."))
        return _away(request, reverse("accounts:two_factor"))


def _whole_page_to_login(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """An htmx request that login_required sent to the login page: the page goes, not a fragment."""
    if request.headers.get("HX-Request") != "true" or response.status_code != 302:
        return response
    if urlsplit(response.get("Location", "")).path != reverse("login"):
        return response
    # Back to the page they were on after logging in, not to the fragment.
    current = urlsplit(request.headers.get("HX-Current-URL", ""))
    back = current.path if current.path.startswith("/") else "/"
    if current.query:
        back += "?" + current.query
    return _away(request, f"{reverse('login')}?{urlencode({'next': back})}")


def _away(request: HttpRequest, url: str) -> HttpResponse:
    """A redirect; for htmx (a polled bell, a live list) the whole page goes, so no fragment
    of the enrolment or login page is ever swapped into the page the person is on."""
    if request.headers.get("HX-Request") == "true":
        response = HttpResponse(status=204)
        # Not from the page it would send them to (the enrolment page polls its bell too).
        if urlsplit(request.headers.get("HX-Current-URL", "")).path != urlsplit(url).path:
            response["HX-Redirect"] = url
        return response
    return redirect(url)


class AgentLanguageMiddleware:
    """The language a person chose on their profile, for every page they open (after
    AuthenticationMiddleware, which it needs). In order: this browser's language cookie (the
    top bar's switch; saving the profile sets it too), then the profile's language, then the
    browser's Accept-Language (Django's LocaleMiddleware decided those two already)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.known = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = self._chosen(request)
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)

    def _chosen(self, request: HttpRequest) -> str:
        if request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) in self.known:
            return ""
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return ""
        profile = getattr(user, "agent_profile", None)
        language = getattr(profile, "language", "") if profile is not None else ""
        return language if language in self.known else ""
