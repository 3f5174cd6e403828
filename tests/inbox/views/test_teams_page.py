"""Settings → Teams: admins create teams and set roles, a lead changes their own teams'
members only, an agent has no such page; in every language the UI speaks."""
from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from inbox.actions.people import agent_set_role
from inbox.models import Team
from inbox.selectors import tickets_visible_to
from tests.scoping_support import TwoBrands, two_brands  # noqa: F401 (fixture)


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_an_admin_creates_a_team_and_sets_a_role(two_brands: TwoBrands) -> None:  # noqa: F811
    w = two_brands
    client = _client(w.admin)
    page = client.get("/settings/teams/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "Acme care" in body and "Globex care" in body and 'href="/settings/teams/"' in body
    response = client.post(
        "/settings/teams/new/",
        {"name": "Weekend", "brands": [str(w.brand_b.pk)], "members": [str(w.agent_a.pk)]},
        follow=True,
    )
    assert "Team Weekend created." in response.content.decode()
    team = Team.objects.get(name="Weekend")
    assert list(team.brands.all()) == [w.brand_b] and list(team.members.all()) == [w.agent_a]
    assert set(tickets_visible_to(user=w.agent_a)) == {w.ticket_a, w.ticket_b}
    assert "exists already" in client.post("/settings/teams/new/", {"name": "weekend"}, follow=True).content.decode()
    client.post(f"/settings/teams/{team.pk}/", {"brands": [str(w.brand_a.pk)], "members": []})
    assert list(team.brands.all()) == [w.brand_a] and list(team.members.all()) == []
    client.post(f"/settings/teams/people/{w.agent_b.pk}/role/", {"role": "lead"})
    assert User.objects.get(pk=w.agent_b.pk).agent_profile.role == "lead"
    client.post(f"/settings/teams/people/{w.admin.pk}/role/", {"role": "agent"})
    assert User.objects.get(pk=w.admin.pk).is_staff  # an admin cannot lock themselves out


def test_a_lead_changes_only_their_teams_members(two_brands: TwoBrands) -> None:  # noqa: F811
    w = two_brands
    agent_set_role(user=w.agent_a, role="lead")
    client = _client(w.agent_a)
    body = client.get("/settings/teams/").content.decode()
    assert "Acme care" in body and "Globex care" not in body
    assert 'name="brands"' not in body and "People and roles" not in body
    assert 'href="/settings/teams/"' in body  # the top bar links it for leads
    client.post(f"/settings/teams/{w.team_a.pk}/", {"members": [str(w.agent_a.pk), str(w.agent_b.pk)],
                                                   "brands": [str(w.brand_b.pk)]})
    assert set(w.team_a.members.all()) == {w.agent_a, w.agent_b}
    assert list(w.team_a.brands.all()) == [w.brand_a]  # a lead does not change brands
    assert client.post(f"/settings/teams/{w.team_b.pk}/", {"members": []}).status_code == 404
    assert list(w.team_b.members.all()) == [w.agent_b]
    assert client.post("/settings/teams/new/", {"name": "Mine"}).status_code == 404
    assert client.post(f"/settings/teams/people/{w.agent_a.pk}/role/", {"role": "admin"}).status_code == 404
    assert not User.objects.get(pk=w.agent_a.pk).is_staff


def test_an_agent_has_no_teams_page(two_brands: TwoBrands) -> None:  # noqa: F811
    client = _client(two_brands.agent_a)
    assert client.get("/settings/teams/").status_code == 404
    assert 'href="/settings/teams/"' not in client.get("/").content.decode()


@pytest.mark.parametrize(
    ("language", "words"),
    [("en", ["Teams", "Create team", "Newcomer"]), ("cs", ["Týmy", "Vytvořit tým", "Nováček"]),
     ("pl", ["Zespoły", "Utwórz zespół", "Nowicjusz"]), ("bg", ["Екипи", "Създай екип", "Новак"])],
)
def test_the_teams_page_in_every_language(two_brands: TwoBrands, language: str, words: list[str]) -> None:  # noqa: F811
    body = _client(two_brands.admin).get("/settings/teams/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    for word in words:
        assert word in body, (language, word)
