"""What an admin enters to connect an account, as each connector declares it
(`credential_fields`, `connects`): the account form, the API and the OAuth choices read it
here. Nothing platform-specific lives in this module."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from .base import CredentialField, OAuthConnect, StrOrPromise
from .http import ApiError
from .models import BrandAccount
from .registry import get_connector, supported_platforms

__all__ = ["CredentialField", "check_credentials", "connect_refusal", "fields_for", "oauth_app_labels"]


def fields_for(platform: str) -> tuple[CredentialField, ...]:
    """The platform's credential fields; () for a platform no package provides."""
    if platform not in supported_platforms():
        return ()
    return get_connector(platform).credential_fields


def oauth_app_labels(platform: str) -> tuple[StrOrPromise, StrOrPromise]:
    """What the platform calls the developer app's id and secret (OAuth platforms)."""
    connects = get_connector(platform).connects if platform in supported_platforms() else None
    if isinstance(connects, OAuthConnect):
        return connects.app_id_label, connects.app_secret_label
    return _("App ID"), _("App secret")


def check_credentials(platform: str, credentials: dict[str, Any], *, partial: bool = False) -> list[str]:
    """Why these credentials do not fit the platform's declared fields (sentences, in the
    active language): unknown keys, missing required ones (unless `partial`), a structured
    field given as something else. [] when they fit."""
    fields = {f.name: f for f in fields_for(platform)}
    label = get_connector(platform).label
    errors: list[str] = []
    unknown = sorted(set(credentials) - set(fields))
    if unknown:
        errors.append(
            _("%(platform)s takes no credential %(keys)s; it takes: %(known)s.")
            % {
                "platform": label,
                "keys": ", ".join(unknown),
                "known": ", ".join(fields) or _("none"),
            }
        )
    if not partial:
        missing = [f.name for f in fields.values() if f.required and _blank(credentials.get(f.name))]
        if missing:
            errors.append(
                _("%(platform)s needs the credential %(keys)s.") % {"platform": label, "keys": ", ".join(missing)}
            )
    for name, value in credentials.items():
        field = fields.get(name)
        if field is None or _blank(value):
            continue
        if field.input_type == "json":
            if not isinstance(value, (list, dict)):
                errors.append(_("The credential %(key)s is a JSON list or object.") % {"key": name})
        elif not isinstance(value, (str, int, float, bool)):
            errors.append(_("The credential %(key)s is a single value (text).") % {"key": name})
    return errors


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def connect_refusal(platform: str, credentials: dict[str, Any], *, base_url: str = "") -> str:
    """For a platform that asks to be tested before it is connected (`test_first`, e.g. a
    mailbox whose IMAP server must let Hovor in): why these credentials cannot be used, in
    the platform's words, or "" when its test_connection accepts them."""
    connector = get_connector(platform)
    if not connector.connects.test_first:
        return ""
    probe = BrandAccount(platform=platform, base_url=base_url)
    probe.credentials = credentials
    try:
        connector.test_connection(probe)
    except ApiError as exc:
        return _("Not connected: %(platform)s refused these credentials: %(reason)s") % {
            "platform": connector.label,
            "reason": exc.message,
        }
    return ""
