"""Writing the audit log: one function, audit_record, called by the receivers of the layers'
signals and by the audit pages themselves."""

from __future__ import annotations

import re
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db import models
from django.http import HttpRequest

from .context import Origin, current_origin
from .models import AuditEntry

SYSTEM = "system"
# Details are what changed, never a secret's value: a key that looks like one is blanked.
SECRET_KEY_NAMES = re.compile(r"pass(word)?|secret|token|credential|api[_-]?key|private", re.IGNORECASE)
# Model -> the target type shown in the log.
TARGET_TYPES = {
    "auth.user": "person",
    "inbox.team": "team",
    "inbox.customer": "customer",
    "channels.brand": "brand",
    "channels.brandaccount": "account",
}


def _scrub(value: Any, key: str = "") -> Any:
    if key and SECRET_KEY_NAMES.search(key) and not isinstance(value, list | tuple):
        return "[redacted]"
    if isinstance(value, dict):
        return {str(k): _scrub(v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def describe_target(obj: models.Model) -> tuple[str, str, str]:
    """(type, id, label) of a model instance. A customer is "customer #id", never a name."""
    label_lower = obj._meta.label_lower
    kind = TARGET_TYPES.get(label_lower, obj._meta.model_name or label_lower)
    if kind == "customer":
        return kind, str(obj.pk), f"customer #{obj.pk}"
    if isinstance(obj, User):
        profile = getattr(obj, "agent_profile", None)
        name = getattr(profile, "display_name", "") if profile is not None else ""
        return kind, str(obj.pk), f"{name} ({obj.username})" if name and name != obj.username else obj.username
    return kind, str(obj.pk), str(obj)[:300]


def _actor_label(user: User) -> str:
    return user.get_username()


def audit_record(
    *,
    action: str,
    target: models.Model | None = None,
    target_type: str = "",
    target_id: str = "",
    target_label: str = "",
    details: dict[str, Any] | None = None,
    actor: User | AnonymousUser | None = None,
    request: HttpRequest | None = None,
) -> AuditEntry:
    """Append one entry. Who and from where come from `request` (or the request being
    served, if any); `actor` names the person when the request's user is not (yet) them,
    e.g. at login. Neither: the actor is "system"."""
    origin = Origin(request) if request is not None else current_origin()
    person = actor if actor is not None else (origin.user if origin is not None else None)
    if person is not None and not person.is_authenticated:
        person = None
    if target is not None:
        target_type, target_id, target_label = describe_target(target)
    return AuditEntry.objects.create(
        actor=person if isinstance(person, User) else None,
        actor_label=_actor_label(person) if isinstance(person, User) else SYSTEM,
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        target_label=target_label[:300],
        ip=origin.ip if origin is not None else None,
        user_agent=origin.user_agent if origin is not None else "",
        details=_scrub(details or {}),
    )
