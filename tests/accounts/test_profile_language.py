"""The agent's profile page has their UI language (en, cs, pl, bg or the browser's): saved on
the profile, applied on every page they open unless this browser's top-bar switch says
otherwise (saving the profile sets that switch too)."""
from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client

from inbox.actions.people import PeopleError, agent_update
from inbox.models import AgentProfile

pytestmark = pytest.mark.django_db


def test_profile_page_offers_the_languages(client: Client, agent: User) -> None:
    client.force_login(agent)
    page = client.get("/profile/").content.decode()
    assert 'id="profile-language"' in page
    for code in ("en", "cs", "pl", "bg"):
        assert f'<option value="{code}"' in page


def test_saved_language_sets_cookie_and_speaks_it(client: Client, agent: User) -> None:
    client.force_login(agent)
    response = client.post("/profile/card/", {"display_name": "Jana Dvořáková", "signature": "^JD", "language": "cs"})
    assert response.status_code == 302
    assert AgentProfile.objects.get(user=agent).language == "cs"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "cs"
    page = client.get("/profile/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="cs">' in page and "Váš profil" in page


def test_profile_language_applies_in_a_new_browser(agent: User) -> None:
    agent_update(user=agent, language="bg")
    browser = Client()  # no language cookie: the profile's language, not Accept-Language
    browser.force_login(agent)
    page = browser.get("/profile/", HTTP_ACCEPT_LANGUAGE="pl").content.decode()
    assert '<html lang="bg">' in page
    # The top bar's switch in this browser wins over the profile.
    browser.cookies[settings.LANGUAGE_COOKIE_NAME] = "pl"
    assert '<html lang="pl">' in browser.get("/profile/").content.decode()


def test_browser_language_when_none_chosen(client: Client, agent: User) -> None:
    client.force_login(agent)
    client.post("/profile/card/", {"display_name": "Jana Dvořáková", "signature": "^JD", "language": "pl"})
    response = client.post("/profile/card/", {"display_name": "Jana Dvořáková", "signature": "^JD", "language": ""})
    assert AgentProfile.objects.get(user=agent).language == ""
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == ""  # the cookie is deleted
    fresh = Client()
    fresh.force_login(agent)
    assert '<html lang="cs">' in fresh.get("/profile/", HTTP_ACCEPT_LANGUAGE="cs").content.decode()


def test_unknown_language_refused(agent: User, client: Client) -> None:
    with pytest.raises(PeopleError):
        agent_update(user=agent, language="de")
    client.force_login(agent)
    client.post("/profile/card/", {"display_name": "Jana", "signature": "", "language": "de"})
    assert AgentProfile.objects.get(user=agent).language == ""


def test_someone_without_a_profile_is_unaffected(db: None) -> None:
    user = User.objects.create_user("plain", password="pw-plain-123")
    client: Any = Client()
    client.force_login(user)
    assert '<html lang="cs">' in client.get("/profile/", HTTP_ACCEPT_LANGUAGE="cs").content.decode()
