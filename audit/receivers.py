"""The audit log listens to the layers below (which never import it) and to Django's auth.
Each receiver runs inside the change's transaction: an entry is written with the change or
not at all."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.http import HttpRequest

from .records import audit_record


def on_logged_in(sender: Any, request: HttpRequest | None = None, user: Any = None, **kwargs: Any) -> None:
    audit_record(action="auth.login", target=user, actor=user, request=request)


def on_logged_out(sender: Any, request: HttpRequest | None = None, user: Any = None, **kwargs: Any) -> None:
    if user is not None:
        audit_record(action="auth.logout", target=user, actor=user, request=request)


def on_login_failed(sender: Any, credentials: dict[str, Any] | None = None, request: HttpRequest | None = None,
                    **kwargs: Any) -> None:
    # Only the name tried: Django has already masked the password, and it is never stored.
    username = str((credentials or {}).get("username", ""))[:150]
    second_factor = bool((credentials or {}).get("second_factor"))
    audit_record(
        action="auth.second_factor_failed" if second_factor else "auth.login_failed",
        target_type="person", target_label=username,
        details={"username": username}, request=request,
    )


def on_account_changed(sender: Any, account: Any, change: str, details: dict[str, Any], **kwargs: Any) -> None:
    audit_record(action=f"account.{change}", target=account, details={"brand": account.brand.name, **details})


def on_people_changed(sender: Any, target: Any, change: str, details: dict[str, Any], **kwargs: Any) -> None:
    audit_record(action=f"people.{change}", target=target, details=details)


def on_customer_data(sender: Any, customer: Any, change: str, details: dict[str, Any], **kwargs: Any) -> None:
    audit_record(action=f"customer.{change}", target=customer, details={"brand": customer.brand.name, **details})


def on_retention(sender: Any, brand: Any, change: str, details: dict[str, Any], **kwargs: Any) -> None:
    action = "retention.applied" if change == "retention_applied" else f"settings.{change}"
    audit_record(action=action, target=brand, details=details)


def on_csat_setting_changed(sender: Any, brand: Any, details: dict[str, Any], **kwargs: Any) -> None:
    audit_record(action="settings.csat_changed", target=brand, details=details)


def on_hours_changed(sender: Any, brand: Any, change: str, details: dict[str, Any], **kwargs: Any) -> None:
    audit_record(action=f"settings.{change}", target=brand, details=details)


# accounts.signals (sign-in security) -> audit action codes; kwargs: user, actor, request, details.
SECURITY_SIGNALS = {
    "two_factor_enrolled": "security.two_factor_enrolled",
    "two_factor_removed": "security.two_factor_removed",
    "recovery_codes_regenerated": "security.recovery_codes_regenerated",
    "sso_login": "security.sso_login",
    "sso_user_created": "security.sso_user_created",
    "api_token_created": "security.api_token_created",
    "api_token_revoked": "security.api_token_revoked",
    "login_locked_out": "security.login_locked_out",
    "login_unlocked": "security.login_unlocked",
    "security_policy_changed": "security.policy_changed",
}


def _security_receiver(action: str) -> Any:
    def receive(sender: Any, user: Any = None, actor: Any = None, request: HttpRequest | None = None,
                details: dict[str, Any] | None = None, **kwargs: Any) -> None:
        details = dict(details or {})
        if user is not None:
            audit_record(action=action, target=user, actor=actor, request=request, details=details)
        else:
            label = str(details.get("username") or details.get("ip_address") or "")[:150]
            audit_record(action=action, target_type="person", target_label=label, actor=actor,
                         request=request, details=details)

    return receive


_security_receivers: dict[str, Any] = {}


def connect() -> None:
    from channels.signals import account_changed
    from inbox.signals import csat_setting_changed, customer_data_handled, people_changed, retention_changed
    from shifts.signals import hours_changed

    user_logged_in.connect(on_logged_in, dispatch_uid="audit.login")
    user_logged_out.connect(on_logged_out, dispatch_uid="audit.logout")
    user_login_failed.connect(on_login_failed, dispatch_uid="audit.login_failed")
    account_changed.connect(on_account_changed, dispatch_uid="audit.account")
    people_changed.connect(on_people_changed, dispatch_uid="audit.people")
    customer_data_handled.connect(on_customer_data, dispatch_uid="audit.customer")
    retention_changed.connect(on_retention, dispatch_uid="audit.retention")
    hours_changed.connect(on_hours_changed, dispatch_uid="audit.hours")
    csat_setting_changed.connect(on_csat_setting_changed, dispatch_uid="audit.csat_setting")

    from accounts import signals as security

    for name, action in SECURITY_SIGNALS.items():
        receiver = _security_receivers.setdefault(name, _security_receiver(action))
        getattr(security, name).connect(receiver, dispatch_uid=f"audit.{name}")
