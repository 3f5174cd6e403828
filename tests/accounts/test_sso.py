"""Single sign-on through the loopback OpenID provider (fakes.oidc): the code flow with PKCE,
just-in-time users whose role and teams follow the provider's groups, and refusal of an ID
token for another audience or an expired one."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.contrib.auth.models import User
from django.test import Client

from accounts import signals
from accounts.models import SsoIdentity
from inbox.models import Team
from tests.accounts.test_two_factor import Recorder

pytestmark = pytest.mark.django_db


def sign_in(client: Client, fake: Any, username: str) -> Any:
    """Hovor → the provider (who signs in as `username`) → Hovor's callback."""
    start = client.get("/sso/login/")
    assert start.status_code == 302
    location = start["Location"]
    assert location.startswith(fake.issuer + "/authorize?")
    query = parse_qs(urlsplit(location).query)
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"][0]
    assert query["nonce"][0] and query["state"][0] and "openid" in query["scope"][0].split()
    consent = requests.get(location + "&login_hint=" + username, allow_redirects=False, timeout=5)
    assert consent.status_code == 302, consent.text
    back = urlsplit(consent.headers["Location"])
    assert back.path == "/sso/callback/"
    return client.get(f"{back.path}?{back.query}")


def test_a_new_person_is_created_with_role_and_teams_from_their_groups(sso: Any) -> None:
    sso.add_user("eva", name="Eva Nováková", groups=["hovor-leads", "care-acme", "unrelated"])
    client = Client()
    with Recorder(signals.sso_user_created, signals.sso_login) as rec:
        response = sign_in(client, sso, "eva")
    assert response.status_code == 302 and response["Location"] == "/"
    user = User.objects.get(username="eva")
    assert not user.has_usable_password()
    assert user.agent_profile.role == "lead" and user.agent_profile.display_name == "Eva Nováková"
    assert list(user.teams.values_list("name", flat=True)) == ["Acme care"]
    assert user.groups.filter(name="Leads").exists()  # agent_set_role kept Django's side in step
    assert client.get("/").status_code == 200
    identity = SsoIdentity.objects.get(user=user)
    assert identity.issuer == sso.issuer and identity.subject == sso.users["eva"]["sub"]
    created = [kw for s, kw in rec.seen if s is signals.sso_user_created]
    logins = [kw for s, kw in rec.seen if s is signals.sso_login]
    assert created[0]["details"]["username"] == "eva" and created[0]["details"]["role"] == "lead"
    assert logins[0]["details"]["created"] is True and logins[0]["details"]["teams"] == ["Acme care"]


def test_the_next_login_follows_changed_groups_and_keeps_the_same_person(sso: Any) -> None:
    sso.add_user("eva", groups=["hovor-leads", "care-acme"])
    sign_in(Client(), sso, "eva")
    other = Team.objects.create(name="Set by hand")
    user = User.objects.get(username="eva")
    other.members.add(user)
    sso.add_user("eva", groups=["hovor-agents", "care-mobile"])
    assert sign_in(Client(), sso, "eva").status_code == 302
    user = User.objects.get(username="eva")
    assert User.objects.filter(sso_identities__isnull=False).count() == 1
    assert user.agent_profile.role == "agent" and not user.groups.filter(name="Leads").exists()
    assert sorted(user.teams.values_list("name", flat=True)) == ["Mobile care", "Set by hand"]


def test_a_taken_username_is_not_taken_over(sso: Any, people: dict[str, User]) -> None:
    sso.add_user("agent1", groups=["hovor-admins"])
    sign_in(Client(), sso, "agent1")
    created = SsoIdentity.objects.get().user
    assert created.username == "agent1-2" and created.pk != people["agent"].pk
    assert User.objects.get(username="agent1").agent_profile.role == "agent"


@pytest.mark.parametrize("mode", [{"audience": "wrong"}, {"expired": True}])
def test_a_token_for_another_audience_or_expired_is_refused(sso: Any, mode: dict[str, Any]) -> None:
    sso.add_user("mallory", groups=["hovor-admins"])
    requests.post(sso.base_url + "/_fake/mode", json=mode, timeout=5).raise_for_status()
    client = Client()
    response = sign_in(client, sso, "mallory")
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert not User.objects.filter(username="mallory").exists()
    assert "_auth_user_id" not in client.session
    assert "Single sign-on failed" in client.get("/login/").content.decode()


def test_someone_in_no_mapped_group_is_refused(sso: Any) -> None:
    sso.add_user("visitor", groups=["marketing"])
    client = Client()
    assert sign_in(client, sso, "visitor")["Location"] == "/login/"
    assert not User.objects.filter(username="visitor").exists()
    assert "not in a group that may use Hovor" in client.get("/login/").content.decode()


def test_a_default_role_lets_ungrouped_people_in_as_newcomers(sso: Any, settings: Any) -> None:
    settings.OIDC_DEFAULT_ROLE = "newcomer"
    sso.add_user("nova", groups=[])
    sign_in(Client(), sso, "nova")
    assert User.objects.get(username="nova").agent_profile.role == "newcomer"


def test_a_replayed_callback_is_refused(sso: Any) -> None:
    sso.add_user("eva", groups=["hovor-agents"])
    client = Client()
    start = client.get("/sso/login/")
    consent = requests.get(start["Location"] + "&login_hint=eva", allow_redirects=False, timeout=5)
    back = urlsplit(consent.headers["Location"])
    assert client.get(f"{back.path}?{back.query}")["Location"] == "/"
    client.logout()
    assert client.get(f"{back.path}?{back.query}")["Location"] == "/login/"  # state used up


def test_the_login_page_offers_sso_only_when_configured(sso: Any, settings: Any) -> None:
    assert 'id="sso-login"' in Client().get("/login/").content.decode()
    settings.OIDC_ISSUER = ""
    assert 'id="sso-login"' not in Client().get("/login/").content.decode()
    assert Client().get("/sso/login/").status_code == 404


def test_sso_sessions_are_not_asked_for_hovors_second_factor(sso: Any, people: dict[str, User]) -> None:
    from accounts.actions.policy import security_policy_set

    security_policy_set(actor=people["admin"], two_factor_required="everyone")
    sso.add_user("eva", groups=["hovor-admins"])
    client = Client()
    sign_in(client, sso, "eva")
    assert client.get("/").status_code == 200
