"""Teams and roles: who sees which brand, who may be given a conversation, and the people
and teams API (DESIGN.md: admins create both; a lead changes their teams' members only)."""
from __future__ import annotations

import importlib
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from inbox.actions.assignment import tickets_route_single_agent
from inbox.actions.people import PeopleError, agent_create, agent_set_role, team_create, team_members_set
from inbox.models import AgentProfile, Team
from inbox.selectors import agents_for_brand, brands_visible_to, inbox_counts, tickets_visible_to
from tests.scoping_support import TwoBrands, two_brands  # noqa: F401 (fixture)


def api(user: User) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


# --- who sees what -------------------------------------------------------------------------
def test_brands_visible_to_admins_teams_and_nobody(two_brands: TwoBrands) -> None:  # noqa: F811
    w = two_brands
    assert set(brands_visible_to(user=w.admin)) == {w.brand_a, w.brand_b}
    assert list(brands_visible_to(user=w.agent_a)) == [w.brand_a]
    assert list(tickets_visible_to(user=w.agent_b)) == [w.ticket_b]
    loner = agent_create(username="loner", password="pw-loner-12345", display_name="In no team")
    assert list(brands_visible_to(user=loner)) == []
    assert list(tickets_visible_to(user=loner)) == []
    counts = inbox_counts(agent=loner)
    assert {"waiting", "mine", "unassigned", "teams", "snoozed"} <= set(counts) and set(counts.values()) == {0}
    assert inbox_counts(agent=w.agent_a)["waiting"] == 1
    team_members_set(team=w.team_b, members=[w.agent_b, loner])
    assert list(tickets_visible_to(user=loner)) == [w.ticket_b]


def test_a_person_in_no_team_sees_an_empty_inbox(two_brands: TwoBrands) -> None:  # noqa: F811
    loner = agent_create(username="loner", password="pw-loner-12345", display_name="In no team")
    client = Client()
    client.force_login(loner)
    body = client.get("/?view=all").content.decode()
    assert "Acme order lost" not in body and "Globex secret complaint" not in body
    assert client.get(f"/tickets/{two_brands.ticket_a.pk}/").status_code == 404


def test_assignee_choices_are_the_people_who_see_the_brand(two_brands: TwoBrands) -> None:  # noqa: F811
    w = two_brands
    assert set(agents_for_brand(brand_id=w.brand_a.pk)) == {w.agent_a, w.admin}
    client = Client()
    client.force_login(w.agent_a)
    page = client.get(f"/tickets/{w.ticket_a.pk}/").content.decode()
    assert "Jana Dvořáková" in page and "Boris Globexov" not in page
    # Brand B's agent cannot be given brand A's conversation, by form or by API.
    client.post(f"/tickets/{w.ticket_a.pk}/assign/", {"assignee": str(w.agent_b.pk)})
    w.ticket_a.refresh_from_db()
    assert w.ticket_a.assignee_id is None
    assign = f"/api/v1/tickets/{w.ticket_a.pk}/assign/"
    assert api(w.agent_a).post(assign, {"assignee": w.agent_b.pk}, format="json").status_code == 400
    response = api(w.agent_a).post(assign, {"assignee": w.admin.pk}, format="json")
    assert response.status_code == 200 and response.json()["assignee"] == w.admin.pk


def test_routing_counts_only_the_agents_of_the_tickets_brand(two_brands: TwoBrands) -> None:  # noqa: F811
    w = two_brands
    AgentProfile.objects.filter(user=w.admin).delete()  # an admin without a profile is not routed to
    # The inbox's own rule (without the routing app listening to tickets_need_routing).
    routed = tickets_route_single_agent(ticket_ids=[w.ticket_a.pk, w.ticket_b.pk])
    assert {(t.pk, t.assignee_id) for t in routed} == {(w.ticket_a.pk, w.agent_a.pk), (w.ticket_b.pk, w.agent_b.pk)}


def test_customers_and_brands_api_are_scoped(two_brands: TwoBrands) -> None:  # noqa: F811
    w = two_brands
    client = api(w.agent_a)
    assert [c["id"] for c in client.get("/api/v1/customers/").json()["results"]] == [w.customer_a.pk]
    assert client.get(f"/api/v1/customers/{w.customer_b.pk}/").status_code == 404
    assert [b["id"] for b in client.get("/api/v1/brands/").json()["results"]] == [w.brand_a.pk]
    assert [a["id"] for a in client.get("/api/v1/accounts/").json()["results"]] == [w.account_a.pk]
    assert len(api(w.admin).get("/api/v1/customers/").json()["results"]) == 2


def test_customer_merge_never_crosses_brands(two_brands: TwoBrands) -> None:  # noqa: F811
    w = two_brands
    client = Client()
    client.force_login(w.admin)  # even an admin, who sees both
    client.post(f"/tickets/{w.ticket_a.pk}/merge-customer/", {"source": str(w.customer_b.pk)})
    w.ticket_b.refresh_from_db()
    assert w.ticket_b.customer_id == w.customer_b.pk


# --- roles kept in step with Django's auth ------------------------------------------------
def test_agent_set_role_keeps_is_staff_and_the_leads_group_in_step(two_brands: TwoBrands) -> None:  # noqa: F811
    user = two_brands.agent_a
    assert not user.is_staff
    agent_set_role(user=user, role="admin")
    user.refresh_from_db()
    assert user.is_staff and user.agent_profile.role == "admin"
    agent_set_role(user=user, role="lead")
    user = User.objects.get(pk=user.pk)
    assert not user.is_staff and user.groups.filter(name="Leads").exists()
    assert user.has_perm("shifts.change_businesshours")  # leads manage staffed hours
    agent_set_role(user=user, role="newcomer")
    user = User.objects.get(pk=user.pk)
    assert not user.is_staff and not user.groups.exists() and not user.has_perm("shifts.change_businesshours")
    with pytest.raises(PeopleError):
        agent_set_role(user=user, role="overlord")


def test_agent_create_validates_the_password_and_username(db: None) -> None:
    with pytest.raises(ValidationError):
        agent_create(username="weak", password="123", display_name="Weak")
    agent_create(username="ok", password="pw-ok-long-12345", display_name="Ok")
    with pytest.raises(PeopleError):
        agent_create(username="ok", password="pw-ok-long-12345", display_name="Again")
    with pytest.raises(PeopleError):
        team_create(name="  ")
    team_create(name="Care")
    with pytest.raises(PeopleError):
        team_create(name="care")


def test_upgrade_puts_existing_agents_in_a_team_covering_every_brand(db: None) -> None:
    """Migration 0006: an install from before teams loses no one's inbox."""
    from channels.models import Brand

    Brand.objects.create(name="Acme")
    Brand.objects.create(name="Globex")
    jana = User.objects.create_user("jana", password="pw-jana-12345")
    AgentProfile.objects.create(user=jana, display_name="Jana")
    boss = User.objects.create_user("boss", password="pw-boss-12345", is_staff=True)
    AgentProfile.objects.create(user=boss, display_name="Boss")
    migration = importlib.import_module("inbox.migrations.0006_default_team")
    migration.forwards(apps, None)
    team = Team.objects.get(name="Everyone")
    assert set(team.brands.values_list("name", flat=True)) == {"Acme", "Globex"}
    assert list(team.members.all()) == [jana]
    assert AgentProfile.objects.get(user=boss).role == "admin"
    assert tickets_visible_to(user=jana).query is not None and brands_visible_to(user=jana).count() == 2


# --- the API (DESIGN.md) --------------------------------------------------------------------
def test_admin_creates_an_agent(two_brands: TwoBrands) -> None:  # noqa: F811
    body = {"username": "nela", "password": "pw-nela-12345", "display_name": "Nela Nová", "role": "lead",
            "signature": "^NN"}
    response = api(two_brands.admin).post("/api/v1/agents/", body, format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["id"] and data["username"] == "nela" and data["role"] == "lead" and data["signature"] == "^NN"
    assert "password" not in data
    user = User.objects.get(pk=data["id"])
    assert user.check_password("pw-nela-12345") and user.agent_profile.display_name == "Nela Nová"
    assert user.groups.filter(name="Leads").exists()
    listed = api(two_brands.admin).get("/api/v1/agents/").json()
    assert "next" in listed and "nela" in {a["username"] for a in listed["results"]}


@pytest.mark.parametrize(
    ("change", "field"),
    [({"password": "123"}, "password"), ({"role": "overlord"}, "role"), ({"username": "jana"}, "username")],
)
def test_agent_create_refusals_are_400(two_brands: TwoBrands, change: dict[str, Any], field: str) -> None:  # noqa: F811
    body = {"username": "nela", "password": "pw-nela-12345", "display_name": "Nela", "role": "agent", **change}
    response = api(two_brands.admin).post("/api/v1/agents/", body, format="json")
    assert response.status_code == 400 and field in response.json(), response.content
    assert not User.objects.filter(username="nela").exists()


def test_admin_changes_a_role_over_the_api(two_brands: TwoBrands) -> None:  # noqa: F811
    w = two_brands
    response = api(w.admin).patch(f"/api/v1/agents/{w.agent_a.pk}/", {"role": "admin"}, format="json")
    assert response.status_code == 200 and response.json()["role"] == "admin"
    assert User.objects.get(pk=w.agent_a.pk).is_staff


def test_admin_creates_and_changes_a_team(two_brands: TwoBrands) -> None:  # noqa: F811
    w = two_brands
    body = {"name": "Night shift", "brands": [w.brand_a.pk, w.brand_b.pk], "members": [w.agent_a.pk]}
    response = api(w.admin).post("/api/v1/teams/", body, format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["id"] and set(data["brands"]) == {w.brand_a.pk, w.brand_b.pk} and data["members"] == [w.agent_a.pk]
    assert set(tickets_visible_to(user=w.agent_a)) == {w.ticket_a, w.ticket_b}
    response = api(w.admin).patch(f"/api/v1/teams/{data['id']}/", {"brands": [w.brand_b.pk]}, format="json")
    assert response.status_code == 200 and response.json()["brands"] == [w.brand_b.pk]
    assert api(w.admin).post("/api/v1/teams/", {"name": "night shift"}, format="json").status_code == 400
    listed = api(w.admin).get("/api/v1/teams/").json()
    assert "next" in listed and {t["name"] for t in listed["results"]} == {"Acme care", "Globex care", "Night shift"}


def test_agents_cannot_use_the_people_api(two_brands: TwoBrands) -> None:  # noqa: F811
    w = two_brands
    client = api(w.agent_a)
    body = {"username": "nela", "password": "pw-nela-12345", "display_name": "Nela", "role": "admin"}
    assert client.post("/api/v1/agents/", body, format="json").status_code == 403
    assert client.get("/api/v1/agents/").status_code == 403
    assert client.post("/api/v1/teams/", {"name": "Mine"}, format="json").status_code == 403
    assert client.patch(f"/api/v1/teams/{w.team_a.pk}/", {"members": []}, format="json").status_code == 403
    assert client.patch(f"/api/v1/agents/{w.agent_a.pk}/", {"role": "admin"}, format="json").status_code == 403
    assert not User.objects.get(pk=w.agent_a.pk).is_staff


def test_a_lead_changes_their_teams_members_and_nothing_else(two_brands: TwoBrands) -> None:  # noqa: F811
    w = two_brands
    agent_set_role(user=w.agent_a, role="lead")
    newcomer = agent_create(username="nova", password="pw-nova-12345", display_name="Nova", role="newcomer")
    client = api(w.agent_a)
    members = {"members": [w.agent_a.pk, newcomer.pk]}
    response = client.patch(f"/api/v1/teams/{w.team_a.pk}/", members, format="json")
    assert response.status_code == 200, response.content
    assert list(tickets_visible_to(user=newcomer)) == [w.ticket_a]
    assert client.patch(f"/api/v1/teams/{w.team_a.pk}/", {"brands": [w.brand_b.pk]}, format="json").status_code == 403
    assert client.patch(f"/api/v1/teams/{w.team_a.pk}/", {"name": "Mine"}, format="json").status_code == 403
    assert client.patch(f"/api/v1/teams/{w.team_b.pk}/", members, format="json").status_code == 404  # not theirs
    assert [t["id"] for t in client.get("/api/v1/teams/").json()["results"]] == [w.team_a.pk]
    assert client.post("/api/v1/teams/", {"name": "Mine"}, format="json").status_code == 403
    body = {"username": "x", "password": "pw-x-123456789"}
    assert client.post("/api/v1/agents/", body, format="json").status_code == 403
    assert list(w.team_a.brands.all()) == [w.brand_a] and list(w.team_b.members.all()) == [w.agent_b]


def test_the_schema_documents_people_and_teams(db: None) -> None:
    staff = User.objects.create_user("boss", password="pw-boss-123", is_staff=True)
    response = api(staff).get("/api/v1/schema/")
    assert response.status_code == 200
    doc = response.content.decode()
    assert "/api/v1/agents/" in doc and "/api/v1/teams/" in doc
