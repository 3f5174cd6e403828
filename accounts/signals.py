"""Signals for what happens to sign-in security, for the audit log (and anyone else) to
listen to. Django's own user_logged_in / user_login_failed / user_logged_out are not repeated.

Every signal is sent with the same keyword arguments:
- ``user``: the person it happened to (None when there is no such user, e.g. a lockout of a
  username nobody has);
- ``actor``: who did it (the user themself, an admin, or None for the system / the IdP);
- ``request``: the HttpRequest, or None outside a request (management commands, tests);
- ``details``: a dict of plain JSON values, never a secret (no token keys, no TOTP secrets).

| signal | sender | details |
|---|---|---|
| two_factor_enrolled | the device class | ``method`` ("totp"/"webauthn"), ``device_id``, ``device_name`` |
| two_factor_removed | the device class | ``method``, ``device_id``, ``device_name`` |
| recovery_codes_regenerated | StaticDevice | ``count`` |
| sso_login | SsoIdentity | ``issuer``, ``subject``, ``created``, ``role``, ``teams``, ``groups`` |
| sso_user_created | SsoIdentity | ``issuer``, ``subject``, ``username``, ``role``, ``teams`` |
| api_token_created | ApiToken | ``token_id``, ``name``, ``prefix``, ``scopes``, ``expires_at`` (ISO) |
| api_token_revoked | ApiToken | ``token_id``, ``name``, ``prefix`` |
| login_locked_out | SecurityPolicy | ``username``, ``ip_address`` |
| login_unlocked | SecurityPolicy | ``username``, ``ip_address``, ``attempt_id`` |
| security_policy_changed | SecurityPolicy | ``field``, ``old``, ``new`` |
"""

from django.dispatch import Signal

two_factor_enrolled = Signal()
two_factor_removed = Signal()
recovery_codes_regenerated = Signal()
sso_login = Signal()
sso_user_created = Signal()
api_token_created = Signal()
api_token_revoked = Signal()
login_locked_out = Signal()
login_unlocked = Signal()
security_policy_changed = Signal()

ALL = (
    two_factor_enrolled,
    two_factor_removed,
    recovery_codes_regenerated,
    sso_login,
    sso_user_created,
    api_token_created,
    api_token_revoked,
    login_locked_out,
    login_unlocked,
    security_policy_changed,
)
