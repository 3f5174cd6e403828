"""Management commands: createapitoken (DESIGN.md "Contracts") and seed_demo."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from channels.models import Brand, BrandAccount
from inbox.models import AgentProfile, Team

pytestmark = pytest.mark.django_db


def _run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


# --- createapitoken -----------------------------------------------------------------------
def test_createapitoken_prints_a_working_token(agent: User) -> None:
    key = _run("createapitoken", "jana").strip()
    assert key
    assert len(key.split()) == 1  # the token alone, easy to capture in a shell
    assert Token.objects.get(user=agent).key == key
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = client.get("/api/v1/tickets/")
    assert response.status_code == 200
    assert "results" in response.json()


def test_createapitoken_twice_prints_the_same_token(agent: User) -> None:
    first = _run("createapitoken", "jana").strip()
    second = _run("createapitoken", "jana").strip()
    assert first == second
    assert Token.objects.filter(user=agent).count() == 1


def test_createapitoken_unknown_user() -> None:
    with pytest.raises(CommandError):
        call_command("createapitoken", "nobody-here", stdout=StringIO())
    assert not Token.objects.exists()


# --- seed_demo ----------------------------------------------------------------------------
EXPECTED_AGENTS = {"jana": "^JD", "piotr": "^PN", "maria": "^МИ"}


def _snapshot() -> tuple[int, ...]:
    return (
        Brand.objects.count(),
        BrandAccount.objects.count(),
        User.objects.count(),
        AgentProfile.objects.count(),
    )


def test_seed_demo_creates_brand_account_and_agents() -> None:
    output = _run("seed_demo", "--x-base-url", "http://127.0.0.1:9")
    brand = Brand.objects.get(name="Acme")
    account = BrandAccount.objects.get(brand=brand, platform="x")
    assert account.handle == "@AcmeCare"
    assert account.base_url == "http://127.0.0.1:9"
    from fakes.x import DEMO_ACCESS_TOKEN, DEMO_CONSUMER_KEY

    credentials = account.credentials
    assert credentials["consumer_key"] == DEMO_CONSUMER_KEY and credentials["access_token"] == DEMO_ACCESS_TOKEN
    assert DEMO_CONSUMER_KEY not in account.credentials_encrypted
    for username, signature in EXPECTED_AGENTS.items():
        profile = AgentProfile.objects.get(user__username=username)
        assert profile.signature == signature
        assert profile.display_name
        assert username in output
    admin = User.objects.get(username="admin")
    assert admin.is_staff and admin.is_superuser
    assert authenticate(username="jana", password="hovor-demo-jana") is not None
    assert "jana" in output and "password" in output
    chat = BrandAccount.objects.get(brand=brand, platform="chat")
    assert f"/chat/demo/{chat.pk}/" in output


def test_seed_demo_has_two_brands_and_a_team_for_each() -> None:
    """So the scoping is visible: Piotr answers for Acme only, Maria for Acme Mobile only
    (the messaging apps), Jana for both; the admin sees everything."""
    from inbox.selectors import brands_visible_to

    _run("seed_demo", "--x-base-url", "http://127.0.0.1:9")
    seen = {
        username: sorted(b.name for b in brands_visible_to(user=User.objects.get(username=username)))
        for username in ("jana", "piotr", "maria", "admin")
    }
    assert seen == {
        "jana": ["Acme", "Acme Mobile"], "piotr": ["Acme"], "maria": ["Acme Mobile"], "admin": ["Acme", "Acme Mobile"],
    }
    from fakes.demo import declared

    platforms = set(declared())
    assert {"viber", "telegram", "whatsapp"} <= platforms  # the second brand's share is really declared
    assert platforms - {"viber", "telegram", "whatsapp"}  # and Acme keeps the rest


def test_seed_demo_twice_does_not_duplicate() -> None:
    _run("seed_demo", "--x-base-url", "http://127.0.0.1:9")
    before = _snapshot()
    jana_pw = User.objects.get(username="jana").password
    _run("seed_demo", "--x-base-url", "http://127.0.0.1:9")
    assert _snapshot() == before
    assert before[:3] == (2, 2, 4)  # Acme + Acme Mobile, @AcmeCare + the website chat, jana/piotr/maria/admin
    assert Team.objects.count() == 2
    assert set(AgentProfile.objects.values_list("user__username", flat=True)) >= set(EXPECTED_AGENTS)
    assert User.objects.get(username="jana").password == jana_pw


def test_seed_demo_again_moves_the_account_to_a_new_base_url() -> None:
    _run("seed_demo", "--x-base-url", "http://127.0.0.1:9")
    _run("seed_demo", "--x-base-url", "http://127.0.0.1:19")
    assert list(BrandAccount.objects.filter(platform="x").values_list("base_url", flat=True)) == ["http://127.0.0.1:19"]


def test_seed_demo_keeps_an_existing_agents_signature_fixed() -> None:
    User.objects.create_user("jana", password="own-password-1")
    _run("seed_demo", "--x-base-url", "http://127.0.0.1:9")
    assert AgentProfile.objects.get(user__username="jana").signature == "^JD"
    assert authenticate(username="jana", password="own-password-1") is not None  # not overwritten


def test_seed_demo_single_agent() -> None:
    _run("seed_demo", "--x-base-url", "http://127.0.0.1:9", "--single-agent")
    agents = set(AgentProfile.objects.values_list("user__username", flat=True))
    assert "jana" in agents and "piotr" not in agents and "maria" not in agents


@pytest.mark.django_db(transaction=True)
def test_seed_demo_single_agent_routes_every_ticket_to_jana() -> None:
    """--single-agent promises "every ticket routes to her": a mention polled from the fake X
    (which seed_demo's demo credentials fit) ends up assigned to Jana."""
    from channels.inbound import account_poll
    from fakes.x import FakeX
    from inbox.models import Ticket

    with FakeX(rate_limit_scale=1000) as fake:
        _run("seed_demo", "--x-base-url", fake.base_url, "--single-agent")
        routed = set(
            User.objects.filter(is_active=True, agent_profile__isnull=False).values_list("username", flat=True)
        )
        assert routed == {"jana"}
        from routing.actions import presence_set

        presence_set(user=User.objects.get(username="jana"), presence="online")  # routing: agents online only
        fake.inbound(author="@someone", name="Some One", text="hello")
        assert account_poll(account_id=BrandAccount.objects.get(platform="x").pk) == 1
    ticket = Ticket.objects.get()
    assert ticket.assignee is not None and ticket.assignee.username == "jana"
