"""Who has a conversation open and who is typing (inbox.presence), in Redis and in the
embedded mode's cache; and the pulse an open page asks once a second (inbox.views.live):
204 while nothing it shows changed, the new versions and viewers when something did."""
from __future__ import annotations

import random
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from inbox import presence
from inbox.actions.tickets import ticket_assign, ticket_set_status
from inbox.models import AgentProfile, Ticket
from tests.scoping_support import two_brands  # noqa: F401 (fixture)
from tests.support import make_ticket


@pytest.fixture(params=["redis", "cache"])
def store(request: pytest.FixtureRequest, settings: Any) -> str:
    if request.param == "cache":
        settings.REDIS_URL = ""
    elif not settings.REDIS_URL:
        pytest.skip("needs Redis")
    return str(request.param)


def test_viewers_come_type_and_go(store: str) -> None:
    ticket_id = random.randint(10**8, 10**9)
    now = 1_000_000.0
    presence.presence_touch(ticket_id=ticket_id, user_id=1, name="Jana Dvořáková", typing=False, now=now)
    presence.presence_touch(ticket_id=ticket_id, user_id=2, name="Dana Horáková", typing=True, now=now)
    seen = presence.ticket_viewers(ticket_id=ticket_id, exclude_user_id=1, now=now + 1)
    assert [(v.name, v.initials, v.typing) for v in seen] == [("Dana Horáková", "DH", True)]
    # Typing fades without a new keystroke report; being there lasts while heartbeats come.
    later = now + presence.TYPING_SECONDS + 1
    assert [v.typing for v in presence.ticket_viewers(ticket_id=ticket_id, now=later)] == [False, False]
    presence.presence_touch(ticket_id=ticket_id, user_id=1, name="Jana Dvořáková", typing=False, now=later)
    gone = now + presence.VIEWING_SECONDS + 1  # Dana's tab stopped beating
    assert [v.user_id for v in presence.ticket_viewers(ticket_id=ticket_id, now=gone)] == [1]
    presence.presence_leave(ticket_id=ticket_id, user_id=1)
    assert presence.ticket_viewers(ticket_id=ticket_id, now=gone) == []


@pytest.mark.django_db(transaction=True)
def test_the_pulse_is_204_until_something_changes(
    client: Client, agent: User, everyone_team: Any, fake_x: Any, x_account: Any
) -> None:
    dana = User.objects.create_user("dana", password="pw-dana-123")
    AgentProfile.objects.create(user=dana, display_name="Dana Horáková")
    everyone_team.members.add(dana)
    ticket, _ = make_ticket(fake_x, x_account, "@jnovakova", "Jana Nováková", "Dobrý den")
    client.force_login(agent)
    url = f"/tickets/{ticket.pk}/pulse/"

    first = client.get(url).json()
    assert first["viewers"] == [] and first["status"] == "new" and first["assignee"] is None
    assert client.get(url, {"v": first["v"]}).status_code == 204
    inbox = client.get("/inbox/pulse/").json()
    assert client.get("/inbox/pulse/", {"v": inbox["v"]}).status_code == 204

    # A colleague opens it and types: the pulse says so (and not the asker themself).
    other = Client()
    other.force_login(dana)
    assert other.post(f"/tickets/{ticket.pk}/presence/", {"typing": "1"}).status_code == 204
    client.post(f"/tickets/{ticket.pk}/presence/", {"typing": "0"})
    second = client.get(url, {"v": first["v"]}).json()
    assert second["viewers"] == [{"id": dana.pk, "name": "Dana Horáková", "initials": "DH", "typing": True}]
    assert second["ticket"] == first["ticket"] and second["inbox"] == first["inbox"]

    # Assigned and solved: the conversation's and the inbox's versions move.
    ticket_assign(ticket=Ticket.objects.get(pk=ticket.pk), assignee=dana, actor=agent)
    third = client.get(url, {"v": second["v"]}).json()
    assert third["assignee"] == dana.pk and third["ticket"] != second["ticket"] and third["inbox"] != second["inbox"]
    assert client.get("/inbox/pulse/", {"v": inbox["v"]}).status_code == 200
    ticket_set_status(ticket=Ticket.objects.get(pk=ticket.pk), status="solved", actor=agent)
    assert client.get(url, {"v": third["v"]}).json()["status"] == "solved"

    # She leaves.
    other.post(f"/tickets/{ticket.pk}/presence/", {"left": "1"})
    assert client.get(url).json()["viewers"] == []


@pytest.mark.django_db(transaction=True)
def test_a_change_in_another_brand_leaves_the_inbox_pulse_quiet(client: Client, two_brands: Any) -> None:  # noqa: F811
    from inbox.live import bump_now

    client.force_login(two_brands.agent_a)
    version = client.get("/inbox/pulse/").json()["v"]
    bump_now(tickets=[two_brands.ticket_b])
    assert client.get("/inbox/pulse/", {"v": version}).status_code == 204
    bump_now(tickets=[two_brands.ticket_a])
    assert client.get("/inbox/pulse/", {"v": version}).status_code == 200
