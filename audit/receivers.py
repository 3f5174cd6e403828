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
    audit_record(
        action="auth.login_failed", target_type="person", target_label=username,
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


def on_hours_changed(sender: Any, brand: Any, change: str, details: dict[str, Any], **kwargs: Any) -> None:
    audit_record(action=f"settings.{change}", target=brand, details=details)


def connect() -> None:
    from channels.signals import account_changed
    from inbox.signals import customer_data_handled, people_changed, retention_changed
    from shifts.signals import hours_changed

    user_logged_in.connect(on_logged_in, dispatch_uid="audit.login")
    user_logged_out.connect(on_logged_out, dispatch_uid="audit.logout")
    user_login_failed.connect(on_login_failed, dispatch_uid="audit.login_failed")
    account_changed.connect(on_account_changed, dispatch_uid="audit.account")
    people_changed.connect(on_people_changed, dispatch_uid="audit.people")
    customer_data_handled.connect(on_customer_data, dispatch_uid="audit.customer")
    retention_changed.connect(on_retention, dispatch_uid="audit.retention")
    hours_changed.connect(on_hours_changed, dispatch_uid="audit.hours")
