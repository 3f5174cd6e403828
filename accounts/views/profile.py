"""The profile page (/profile/): a person's own sign-in settings, in sections that can grow
(issue 9 adds the display name and signature): two-factor, and personal API tokens. Every
object here is the person's own; anyone else's id is a 404."""

from __future__ import annotations

from base64 import b32encode

from django.conf import settings
from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from inbox.actions.people import agent_update
from inbox.models import AgentProfile

from ..actions.tokens import EXPIRY_DAYS, TokenError, api_token_create, api_token_revoke
from ..actions.two_factor import (
    TwoFactorError,
    recovery_codes_regenerate,
    second_factor_remove,
    totp_begin,
    totp_confirm,
)
from ..actions.webauthn import parse_credential, registration_begin, registration_finish
from ..enums import TokenScope
from ..models import ApiToken, SecurityKey
from ..qr import qr_svg
from ..selectors import (
    api_tokens,
    recovery_codes_left,
    security_keys,
    totp_devices,
    two_factor_required_for,
)

NEW_TOKEN_KEY = "accounts:new-token"
NEW_CODES_KEY = "accounts:new-recovery-codes"


def _me(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # login_required ran
    return request.user


@login_required
@require_GET
def profile(request: HttpRequest) -> HttpResponse:
    user = _me(request)
    return render(
        request,
        "accounts/profile.html",
        {
            "tokens": api_tokens(user),
            "new_token": request.session.pop(NEW_TOKEN_KEY, None),
            "scopes": TokenScope.choices,
            "expiry_days": EXPIRY_DAYS,
            "has_two_factor": totp_devices(user).exists() or security_keys(user).exists(),
            "languages": settings.LANGUAGES,
        },
    )


@login_required
@require_POST
def profile_card(request: HttpRequest) -> HttpResponse:
    """The agent's own display name, signature (it ends every public reply; without one their
    initials do) and UI language. The language is also set as this browser's language cookie,
    so the top bar's switch and the profile agree (the switch, used later, wins in that browser)."""
    user = _me(request)
    if not AgentProfile.objects.filter(user=user).exists():
        flash.error(request, _("Only agents have a name and signature here."))
        return redirect("accounts:profile")
    name = str(request.POST.get("display_name", "")).strip()[:200]
    if not name:
        flash.error(request, _("Your name cannot be empty."))
        return redirect("accounts:profile")
    language = str(request.POST.get("language", ""))
    if language not in {code for code, _name in settings.LANGUAGES}:
        language = ""
    agent_update(
        user=user,
        display_name=name,
        signature=str(request.POST.get("signature", "")).strip()[:60],
        language=language,
    )
    if language:
        translation.activate(language)  # the confirmation already in the chosen language
    flash.success(request, _("Your name and signature are saved."))
    response = redirect("accounts:profile")
    if language:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME, language, max_age=settings.LANGUAGE_COOKIE_AGE,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE, secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY, path=settings.LANGUAGE_COOKIE_PATH,
        )
    else:
        response.delete_cookie(settings.LANGUAGE_COOKIE_NAME, path=settings.LANGUAGE_COOKIE_PATH)
    return response


@login_required
@require_POST
def token_create(request: HttpRequest) -> HttpResponse:
    days = str(request.POST.get("expires_in_days", ""))
    try:
        token, key = api_token_create(
            user=_me(request),
            name=str(request.POST.get("name", ""))[:100],
            scopes=[str(s) for s in request.POST.getlist("scopes")],
            expires_in_days=int(days) if days.isdigit() else 0,
            request=request,
        )
    except TokenError as exc:
        flash.error(request, str(exc))
        return redirect("accounts:profile")
    request.session[NEW_TOKEN_KEY] = {"id": token.pk, "name": token.name, "key": key}
    return redirect("accounts:profile")


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=token_id, user=_me(request))
    api_token_revoke(token=token, actor=_me(request), request=request)
    flash.success(request, _("The token “%(name)s” is revoked.") % {"name": token.name})
    return redirect("accounts:profile")


@login_required
@require_GET
def two_factor(request: HttpRequest) -> HttpResponse:
    user = _me(request)
    return render(
        request,
        "accounts/two_factor.html",
        {
            "apps": totp_devices(user),
            "keys": security_keys(user),
            "codes_left": recovery_codes_left(user),
            "required": two_factor_required_for(user),
        },
    )


@login_required
@require_POST
def totp_new(request: HttpRequest) -> HttpResponse:
    device = totp_begin(user=_me(request), name=str(request.POST.get("name", ""))[:64])
    return redirect("accounts:totp_confirm", device_id=device.pk)


def _finish_enrolment(request: HttpRequest, device: TOTPDevice | SecurityKey, codes: list[str]) -> None:
    otp_login(request, device)  # this session now counts as verified with the new factor
    if codes:
        request.session[NEW_CODES_KEY] = codes


@login_required
@require_http_methods(["GET", "POST"])
def totp_confirm_view(request: HttpRequest, device_id: int) -> HttpResponseBase:
    device = get_object_or_404(TOTPDevice, pk=device_id, user=_me(request), confirmed=False)
    error = ""
    if request.method == "POST":
        try:
            codes = totp_confirm(device=device, code=str(request.POST.get("code", ""))[:16], request=request)
        except TwoFactorError as exc:
            error = str(exc)
        else:
            _finish_enrolment(request, device, codes)
            flash.success(request, _("Your authenticator app is set up."))
            return redirect("accounts:recovery_codes" if codes else "accounts:two_factor")
    return render(
        request,
        "accounts/totp_setup.html",
        {
            "device": device,
            "qr": qr_svg(device.config_url),
            "secret": _spaced_secret(device),
            "error": error,
        },
    )


def _spaced_secret(device: TOTPDevice) -> str:
    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@login_required
@require_POST
def totp_remove(request: HttpRequest, device_id: int) -> HttpResponse:
    return _remove(request, get_object_or_404(TOTPDevice, pk=device_id, user=_me(request), confirmed=True))


@login_required
@require_POST
def key_remove(request: HttpRequest, device_id: int) -> HttpResponse:
    return _remove(request, get_object_or_404(SecurityKey, pk=device_id, user=_me(request), confirmed=True))


def _remove(request: HttpRequest, device: TOTPDevice | SecurityKey) -> HttpResponse:
    try:
        second_factor_remove(device=device, actor=_me(request), request=request)
    except TwoFactorError as exc:
        flash.error(request, str(exc))
    else:
        flash.success(request, _("“%(name)s” is removed.") % {"name": device.name})
    return redirect("accounts:two_factor")


@login_required
@require_http_methods(["GET", "POST"])
def recovery_codes(request: HttpRequest) -> HttpResponseBase:
    """GET: the codes just made, shown this once. POST: new codes (the old ones stop working)."""
    if request.method == "POST":
        try:
            request.session[NEW_CODES_KEY] = recovery_codes_regenerate(user=_me(request), request=request)
        except TwoFactorError as exc:
            flash.error(request, str(exc))
            return redirect("accounts:two_factor")
        return redirect("accounts:recovery_codes")
    codes = request.session.pop(NEW_CODES_KEY, None)
    if not codes:
        return redirect("accounts:two_factor")
    return render(request, "accounts/recovery_codes.html", {"codes": codes})


@login_required
@require_POST
def key_options(request: HttpRequest) -> HttpResponse:
    return HttpResponse(registration_begin(request=request, user=_me(request)), content_type="application/json")


@login_required
@require_POST
def key_add(request: HttpRequest) -> HttpResponse:
    try:
        data = parse_credential(request.body)
        key, codes = registration_finish(
            request=request,
            user=_me(request),
            credential=data.get("credential") or {},
            name=str(data.get("name") or ""),
        )
    except TwoFactorError as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    _finish_enrolment(request, key, codes)
    flash.success(request, _("The security key “%(name)s” is added.") % {"name": key.name})
    return JsonResponse({"redirect": reverse("accounts:recovery_codes" if codes else "accounts:two_factor")})
