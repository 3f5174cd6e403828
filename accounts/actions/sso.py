"""Single sign-on: who a verified OpenID subject is in Hovor. The first time, the person is
created just in time (an AgentProfile with the role their groups map to); every time, their
role and their membership of the mapped teams follow the provider's groups."""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from inbox.actions.people import agent_set_role, agent_update, team_members_set
from inbox.enums import Role
from inbox.models import Team

from ..models import SsoIdentity
from ..signals import sso_login, sso_user_created

ROLE_RANK = {Role.NEWCOMER: 0, Role.AGENT: 1, Role.LEAD: 2, Role.ADMIN: 3}


class SsoNotAllowed(ValueError):
    """The provider vouches for this person, but Hovor's mapping gives them no role."""


def groups_of(claims: dict[str, Any]) -> list[str]:
    value = claims.get(settings.OIDC_GROUPS_CLAIM) or []
    if isinstance(value, str):
        value = [value]
    return [str(group) for group in value if isinstance(group, str | int)]


def role_for(groups: list[str]) -> str:
    """The highest role any of the groups maps to, else OIDC_DEFAULT_ROLE ('' = none)."""
    roles = [settings.OIDC_ROLE_MAP[g] for g in groups if settings.OIDC_ROLE_MAP.get(g) in ROLE_RANK]
    if roles:
        return max(roles, key=lambda role: ROLE_RANK[role])
    return settings.OIDC_DEFAULT_ROLE if settings.OIDC_DEFAULT_ROLE in ROLE_RANK else ""


def _free_username(claims: dict[str, Any]) -> str:
    wanted = str(claims.get("preferred_username") or claims.get("email") or claims["sub"]).split("@")[0]
    base = re.sub(r"[^\w.+-]", "", wanted)[:140] or "sso-user"
    username, n = base, 1
    while User.objects.filter(username__iexact=username).exists():
        n += 1
        username = f"{base}-{n}"
    return username


def _display_name(claims: dict[str, Any], fallback: str) -> str:
    return str(claims.get("name") or claims.get("preferred_username") or fallback)[:200]


def _teams_follow(user: User, groups: list[str]) -> list[str]:
    """Membership of every team named in OIDC_TEAM_MAP follows the groups; other teams are
    left as Hovor's admins set them."""
    wanted = {settings.OIDC_TEAM_MAP[g] for g in groups if g in settings.OIDC_TEAM_MAP}
    managed = Team.objects.filter(name__in=set(settings.OIDC_TEAM_MAP.values())).prefetch_related("members")
    for team in managed:
        members = set(team.members.all())
        now_in = user in members
        if (team.name in wanted) != now_in:
            team_members_set(team=team, members=(members | {user}) if not now_in else (members - {user}))
    return sorted(t.name for t in managed if t.name in wanted)


@transaction.atomic
def sso_sign_in(*, issuer: str, claims: dict[str, Any], request: HttpRequest | None = None) -> User:
    """The Hovor user for these verified claims, created if new, role and teams brought in
    step with the groups. Raises SsoNotAllowed if the groups give no role."""
    groups = groups_of(claims)
    role = role_for(groups)
    if not role:
        raise SsoNotAllowed(_("None of your groups may use Hovor."))
    subject = str(claims["sub"])
    identity = (
        SsoIdentity.objects.select_for_update(of=("self",))
        .select_related("user")
        .filter(issuer=issuer, subject=subject)
        .first()
    )
    created = identity is None
    if identity is None:
        user = User(username=_free_username(claims), email=str(claims.get("email") or "")[:254])
        user.set_unusable_password()
        user.save()
        identity = SsoIdentity.objects.create(issuer=issuer, subject=subject, user=user)
    user = identity.user
    if not user.is_active:
        raise SsoNotAllowed(_("This account is deactivated in Hovor."))
    agent_set_role(user=user, role=role)  # creates the AgentProfile the first time
    if created:
        agent_update(user=user, display_name=_display_name(claims, user.username))
    teams = _teams_follow(user, groups)
    identity.last_login_at = timezone.now()
    identity.save(update_fields=["last_login_at"])
    details = {"issuer": issuer, "subject": subject, "created": created, "role": role, "teams": teams, "groups": groups}
    if created:
        sso_user_created.send(
            sender=SsoIdentity,
            user=user,
            actor=None,
            request=request,
            details={"issuer": issuer, "subject": subject, "username": user.username, "role": role, "teams": teams},
        )
    sso_login.send(sender=SsoIdentity, user=user, actor=None, request=request, details=details)
    return user
