"""Security keys (WebAuthn): registration and login ceremonies with py_webauthn. The browser
side is static/hovor/accounts.js; the challenge waits in the session between the two calls."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.exceptions import InvalidAuthenticationResponse, InvalidRegistrationResponse
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from ..models import SecurityKey
from .two_factor import TwoFactorError, enrolled

REGISTER_CHALLENGE = "accounts:webauthn-register-challenge"
LOGIN_CHALLENGE = "accounts:webauthn-login-challenge"


def relying_party(request: HttpRequest) -> tuple[str, str]:
    """(rp id, expected origin): the configured id, else the host the person opened."""
    host = request.get_host()
    rp_id = settings.WEBAUTHN_RP_ID or host.rsplit(":", 1)[0].strip("[]")
    return rp_id, f"{request.scheme}://{host}"


def _descriptors(user: User) -> list[PublicKeyCredentialDescriptor]:
    return [
        PublicKeyCredentialDescriptor(id=base64url_to_bytes(key.credential_id))
        for key in SecurityKey.objects.filter(user=user, confirmed=True)
    ]


def registration_begin(*, request: HttpRequest, user: User) -> str:
    """The options (JSON) for navigator.credentials.create; the challenge kept in the session."""
    rp_id, _ = relying_party(request)
    options = generate_registration_options(
        rp_id=rp_id,
        rp_name=settings.WEBAUTHN_RP_NAME,
        user_id=f"hovor-user-{user.pk}".encode(),
        user_name=user.get_username(),
        user_display_name=getattr(getattr(user, "agent_profile", None), "display_name", "") or user.get_username(),
        exclude_credentials=_descriptors(user),
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.DISCOURAGED, user_verification=UserVerificationRequirement.PREFERRED
        ),
    )
    request.session[REGISTER_CHALLENGE] = bytes_to_base64url(options.challenge)
    return options_to_json(options)


@transaction.atomic
def registration_finish(
    *, request: HttpRequest, user: User, credential: dict[str, Any], name: str
) -> tuple[SecurityKey, list[str]]:
    """Check the new credential against the challenge; store the key. Returns the key and
    recovery codes if this was the person's first second factor."""
    challenge = request.session.pop(REGISTER_CHALLENGE, None)
    if not challenge:
        raise TwoFactorError(_("The security key request expired. Try again."))
    rp_id, origin = relying_party(request)
    try:
        verified = verify_registration_response(
            credential=credential,
            expected_challenge=base64url_to_bytes(challenge),
            expected_rp_id=rp_id,
            expected_origin=origin,
        )
    except InvalidRegistrationResponse as exc:
        raise TwoFactorError(_("The security key's answer was not accepted.")) from exc
    transports = credential.get("response", {}).get("transports") or []
    key = SecurityKey.objects.create(
        user=user,
        name=(name.strip() or "Security key")[:64],
        confirmed=True,
        credential_id=bytes_to_base64url(verified.credential_id),
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        transports=[t for t in transports if isinstance(t, str)][:8],
    )
    return key, enrolled(user=user, device=key, request=request)


def authentication_begin(*, request: HttpRequest, user: User) -> str:
    rp_id, _ = relying_party(request)
    options = generate_authentication_options(
        rp_id=rp_id, allow_credentials=_descriptors(user), user_verification=UserVerificationRequirement.PREFERRED
    )
    request.session[LOGIN_CHALLENGE] = bytes_to_base64url(options.challenge)
    return options_to_json(options)


@transaction.atomic
def authentication_finish(*, request: HttpRequest, user: User, credential: dict[str, Any]) -> SecurityKey:
    """The key that answered the login challenge; its signature counter moves on."""
    challenge = request.session.pop(LOGIN_CHALLENGE, None)
    key = (
        SecurityKey.objects.select_for_update()
        .filter(user=user, confirmed=True, credential_id=str(credential.get("id") or credential.get("rawId") or ""))
        .first()
    )
    if not challenge or key is None:
        raise TwoFactorError(_("This security key is not registered for you."))
    rp_id, origin = relying_party(request)
    try:
        verified = verify_authentication_response(
            credential=credential,
            expected_challenge=base64url_to_bytes(challenge),
            expected_rp_id=rp_id,
            expected_origin=origin,
            credential_public_key=bytes(key.public_key),
            credential_current_sign_count=key.sign_count,
        )
    except InvalidAuthenticationResponse as exc:
        raise TwoFactorError(_("The security key's answer was not accepted.")) from exc
    key.sign_count = verified.new_sign_count
    key.last_used_at = timezone.now()
    key.save(update_fields=["sign_count", "last_used_at"])
    return key


def parse_credential(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body or b"{}")
    except ValueError as exc:
        raise TwoFactorError(_("Not a security key answer.")) from exc
    if not isinstance(data, dict):
        raise TwoFactorError(_("Not a security key answer."))
    return data
