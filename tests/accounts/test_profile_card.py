"""The agent edits their own display name and signature on /profile/; the signature then
ends their replies (empty: their initials)."""
from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from inbox.actions.replies import agent_signature
from inbox.models import AgentProfile

pytestmark = pytest.mark.django_db


def test_agent_saves_name_and_signature(client: Client, agent: Any) -> None:
    client.force_login(agent)
    assert 'id="profile-card"' in client.get("/profile/").content.decode()
    response = client.post("/profile/card/", {"display_name": "Jana Nováková", "signature": "— Jana, Acme Care"})
    assert response.status_code == 302
    profile = AgentProfile.objects.get(user=agent)
    assert profile.display_name == "Jana Nováková" and profile.signature == "— Jana, Acme Care"
    assert agent_signature(agent) == "— Jana, Acme Care"
    client.post("/profile/card/", {"display_name": "Jana Nováková", "signature": ""})
    assert agent_signature(agent) == "^JN"


def test_an_empty_name_is_refused(client: Client, agent: Any) -> None:
    client.force_login(agent)
    client.post("/profile/card/", {"display_name": "  ", "signature": "x"})
    assert AgentProfile.objects.get(user=agent).display_name == "Jana Dvořáková"
