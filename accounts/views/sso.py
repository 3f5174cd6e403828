"""Single sign-on: to the OpenID provider and back. The callback only accepts a verified ID
token (accounts.oidc), then signs the person in (accounts.actions.sso)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import messages as flash
from django.contrib.auth import login as auth_login
from django.http import Http404, HttpRequest, HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from ..actions.sso import SsoNotAllowed, sso_sign_in
from ..oidc import SSO_SESSION_KEY, SsoRefused, sso_claims, sso_enabled, sso_redirect

log = logging.getLogger(__name__)


@require_GET
def sso_login(request: HttpRequest) -> HttpResponseBase:
    if not sso_enabled():
        raise Http404("Single sign-on is not configured")
    return sso_redirect(request, request.build_absolute_uri(reverse("accounts:sso_callback")))


@require_GET
def sso_callback(request: HttpRequest) -> HttpResponseBase:
    if not sso_enabled():
        raise Http404("Single sign-on is not configured")
    try:
        claims = sso_claims(request)
        user = sso_sign_in(issuer=settings.OIDC_ISSUER, claims=claims, request=request)
    except SsoRefused as exc:
        log.warning("single sign-on refused: %s", exc)
        flash.error(request, _("Single sign-on failed: the identity provider's answer was not valid. Try again."))
        return redirect("login")
    except SsoNotAllowed:
        flash.error(request, _("Your single sign-on account is not in a group that may use Hovor."))
        return redirect("login")
    auth_login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    # The provider did the authentication (and its own second factor): Hovor's two-factor
    # policy is for password logins.
    request.session[SSO_SESSION_KEY] = settings.OIDC_ISSUER
    return redirect(settings.LOGIN_REDIRECT_URL)
