"""Who is asking, for the audit log: the request's person and address, set by
AuditContextMiddleware for the length of one request. Actions deep down (a role change, a
credential change) do not take the request; their audit entries read it from here. Outside
a request (a Celery task, a command) there is none and the actor is "system"."""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse


@dataclass(frozen=True)
class Origin:
    request: HttpRequest

    @property
    def user(self) -> Any:
        user = getattr(self.request, "user", None)
        return user if user is not None and user.is_authenticated else None

    @property
    def ip(self) -> str | None:
        # The connecting address: a proxy in front must pass it on as REMOTE_ADDR (gunicorn
        # --forwarded-allow-ips), so a client cannot write its own into the log.
        return self.request.META.get("REMOTE_ADDR") or None

    @property
    def user_agent(self) -> str:
        return str(self.request.META.get("HTTP_USER_AGENT", ""))[:300]


_current: ContextVar[Origin | None] = ContextVar("hovor_audit_origin", default=None)


def current_origin() -> Origin | None:
    return _current.get()


class AuditContextMiddleware:
    """After AuthenticationMiddleware: remembers the request for the audit log."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _current.set(Origin(request))
        try:
            return self.get_response(request)
        finally:
            _current.reset(token)
