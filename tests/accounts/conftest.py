"""Accounts fixtures: people in each role, the fake OpenID provider, SSO settings."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User


@pytest.fixture
def people(db: None, everyone_team: Any) -> dict[str, User]:
    from inbox.actions.people import agent_create

    made = {}
    for role in ("admin", "lead", "agent", "newcomer"):
        made[role] = agent_create(
            username=f"{role}1", password=f"pw-{role}-12345", display_name=role.title(), role=role
        )
        everyone_team.members.add(made[role])
    # Fresh rows: agent_create's instances cache the profile as it was before the role was set.
    return {role: User.objects.get(pk=user.pk) for role, user in made.items()}


@pytest.fixture
def fake_oidc() -> Iterator[Any]:
    from fakes.oidc import FakeOidc

    with FakeOidc() as fake:
        yield fake


@pytest.fixture
def sso(settings: Any, fake_oidc: Any, db: None) -> Any:
    """Hovor configured for the fake provider: groups map to roles and to two teams."""
    from inbox.models import Team

    Team.objects.get_or_create(name="Acme care")
    Team.objects.get_or_create(name="Mobile care")
    settings.OIDC_ISSUER = fake_oidc.issuer
    settings.OIDC_CLIENT_ID = fake_oidc.client_id
    settings.OIDC_CLIENT_SECRET = fake_oidc.client_secret
    settings.OIDC_ROLE_MAP = {"hovor-admins": "admin", "hovor-leads": "lead", "hovor-agents": "agent"}
    settings.OIDC_TEAM_MAP = {"care-acme": "Acme care", "care-mobile": "Mobile care"}
    settings.OIDC_DEFAULT_ROLE = ""
    return fake_oidc
