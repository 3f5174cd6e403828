"""People and teams: who works here, in what role, for which brands.

A role is kept in step with Django's own auth in ONE place, agent_set_role, so the
connector side (channels, which may not import the inbox) and Django's admin read it
without knowing about roles: an admin is `is_staff` (the account pages, the API's write
access and the admin site already check exactly that, and admins see every brand); a lead
is in the "Leads" group, which holds the permission to change staffed hours
(`shifts.change_businesshours`, for the shifts pages to check once they scope hours by
team; today they still take admins only); agents and newcomers have neither. Roles live
on AgentProfile (the record); is_staff and the group follow it, never the other way."""
from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.models import Group, Permission, User
from django.contrib.auth.password_validation import validate_password
from django.db import transaction

from channels.models import Brand

from ..enums import Role
from ..live import bump_on_commit
from ..models import AgentProfile, Team
from ..signals import people_changed

LEADS_GROUP = "Leads"
LEAD_PERMISSIONS = (("shifts", "change_businesshours"),)


class PeopleError(ValueError):
    """A person or team could not be created or changed; the message says why."""


def _leads_group() -> Group:
    group, created = Group.objects.get_or_create(name=LEADS_GROUP)
    if created:
        for app_label, codename in LEAD_PERMISSIONS:
            group.permissions.add(*Permission.objects.filter(content_type__app_label=app_label, codename=codename))
    return group


@transaction.atomic
def agent_set_role(*, user: User, role: str) -> AgentProfile:
    """Give a person a role, and keep is_staff and the Leads group in step with it."""
    if role not in Role.values:
        raise PeopleError(f"Unknown role {role!r}: one of {', '.join(Role.values)}.")
    profile, _ = AgentProfile.objects.get_or_create(
        user=user, defaults={"display_name": user.get_full_name() or user.username}
    )
    old = profile.role
    profile.role = role
    profile.save(update_fields=["role"])
    user.is_staff = role == Role.ADMIN
    user.save(update_fields=["is_staff"])
    if role == Role.LEAD:
        user.groups.add(_leads_group())
    else:
        user.groups.remove(*Group.objects.filter(name=LEADS_GROUP))
    if old != role:
        _changed(user, "role_changed", username=user.username, old=old, new=role)
    return profile


@transaction.atomic
def agent_create(
    *, username: str, password: str, display_name: str, role: str = Role.AGENT, signature: str = ""
) -> User:
    """A new person who can log in, with their profile and role. The password must pass
    Django's validators (django.core.exceptions.ValidationError otherwise)."""
    if role not in Role.values:
        raise PeopleError(f"Unknown role {role!r}: one of {', '.join(Role.values)}.")
    if User.objects.filter(username=username).exists():
        raise PeopleError(f"The username {username!r} is taken.")
    user = User(username=username)
    validate_password(password, user)
    user.set_password(password)
    user.save()
    AgentProfile.objects.create(user=user, display_name=display_name or username, signature=signature)
    agent_set_role(user=user, role=role)
    _changed(user, "agent_created", username=username, role=role)
    return user


@transaction.atomic
def agent_update(
    *, user: User, display_name: str | None = None, signature: str | None = None, language: str | None = None
) -> AgentProfile:
    """`language`: the UI language ("" = the browser's or the top bar's); one Hovor speaks."""
    profile = AgentProfile.objects.select_for_update().get(user=user)
    if display_name is not None:
        profile.display_name = display_name
    if signature is not None:
        profile.signature = signature
    if language is not None:
        if language and language not in {code for code, _name in settings.LANGUAGES}:
            raise PeopleError(f"Hovor does not speak {language!r}.")
        profile.language = language
    profile.save(update_fields=["display_name", "signature", "language"])
    return profile


@transaction.atomic
def team_create(*, name: str, brands: Iterable[Brand] = (), members: Iterable[User] = ()) -> Team:
    name = name.strip()
    if not name:
        raise PeopleError("A team needs a name.")
    if Team.objects.filter(name__iexact=name).exists():
        raise PeopleError(f"A team named {name!r} exists already.")
    team = Team.objects.create(name=name)
    team.brands.set(list(brands))
    team.members.set(list(members))
    _changed(
        team, "team_created", name=name,
        brands=sorted(b.name for b in team.brands.all()), members=sorted(u.username for u in team.members.all()),
    )
    bump_on_commit()
    return team


@transaction.atomic
def team_update(*, team: Team, name: str | None = None, brands: Iterable[Brand] | None = None) -> Team:
    team = Team.objects.select_for_update().get(pk=team.pk)
    old_name, old_brands = team.name, sorted(team.brands.values_list("name", flat=True))
    if name is not None:
        name = name.strip()
        if not name:
            raise PeopleError("A team needs a name.")
        if Team.objects.filter(name__iexact=name).exclude(pk=team.pk).exists():
            raise PeopleError(f"A team named {name!r} exists already.")
        team.name = name
        team.save(update_fields=["name"])
    if brands is not None:
        team.brands.set(list(brands))
    new_brands = sorted(team.brands.values_list("name", flat=True))
    fields = [f for f, changed in (("name", old_name != team.name), ("brands", old_brands != new_brands)) if changed]
    if fields:
        _changed(team, "team_changed", fields=fields, name=team.name, old_name=old_name,
                 brands=new_brands, old_brands=old_brands)
    bump_on_commit()  # open inboxes refresh: what they may see changed
    return team


@transaction.atomic
def team_members_set(*, team: Team, members: Iterable[User]) -> Team:
    team = Team.objects.select_for_update().get(pk=team.pk)
    before = set(team.members.values_list("username", flat=True))
    team.members.set(list(members))
    after = set(team.members.values_list("username", flat=True))
    if before != after:
        _changed(team, "team_members_changed", added=sorted(after - before), removed=sorted(before - after))
    bump_on_commit()
    return team


def _changed(target: User | Team, change: str, **details: object) -> None:
    people_changed.send(sender=type(target), target=target, change=change, details=details)
