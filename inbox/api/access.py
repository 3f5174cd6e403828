"""Who may use the inbox's API: anyone who works the inbox (any role), as DRF sees them."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from rest_framework import permissions
from rest_framework.exceptions import NotAuthenticated
from rest_framework.request import Request

from ..permissions import is_agent


def api_agent(request: Request) -> User:
    """The calling agent; anyone else is not authenticated for this API."""
    user = request.user
    if not isinstance(user, User) or not is_agent(user):
        raise NotAuthenticated()
    return user


class IsAgent(permissions.BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        return isinstance(request.user, User) and is_agent(request.user)
