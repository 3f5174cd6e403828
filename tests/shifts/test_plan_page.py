"""The shift plan page: the team's lead builds the week, an agent of the team sees it
read-only, someone outside the team does not see it at all."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from inbox.actions.people import agent_create, team_create
from inbox.models import Team
from shifts.models import ShiftException, WeeklyShift

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(brand: object) -> Team:
    return team_create(name="Care", brands=[brand])


def person(username: str, role: str, team: Team | None) -> User:
    user = agent_create(
        username=username, password="Pw-" + username + "-long-9x!", display_name=username.title(), role=role
    )
    if team is not None:
        team.members.add(user)
    return user


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_lead_builds_the_week_and_an_agent_sees_it_read_only(team: Team, settings: object) -> None:
    lead, agent = person("lea", "lead", team), person("adam", "agent", team)
    c = client_for(lead)
    url = f"/shifts/{team.pk}/"
    assert c.post(url + "settings/", {"timezone": "Europe/Prague", "country": "CZ"}).status_code == 302
    r = c.post(
        url + "shifts/", {"user": agent.pk, "weekday": 4, "starts": "22:00", "ends": "06:00"}, HTTP_HX_REQUEST="true"
    )
    assert r.status_code == 302
    shift = WeeklyShift.objects.get()
    assert (shift.user, shift.weekday, str(shift.starts), str(shift.ends)) == (agent, 4, "22:00:00", "06:00:00")
    r = c.post(url + "exceptions/", {"user": agent.pk, "date": "2026-12-04", "kind": "off", "week": "2026-11-30"})
    assert r.status_code == 302 and r["Location"].endswith("?week=2026-11-30")
    assert ShiftException.objects.get().kind == "off"
    # A bad time is refused beside the form.
    bad = c.post(url + "shifts/", {"user": agent.pk, "weekday": 1, "starts": "25:00", "ends": "06:00"})
    assert bad.status_code == 400 and b"plan-error" in bad.content
    page = c.get(url + "?week=2026-11-23")
    assert page.status_code == 200 and b"22:00" in page.content and b"shift-form" in page.content
    # The agent sees the plan but no forms, and may not post.
    a = client_for(agent)
    read = a.get(url + "?week=2026-11-23")
    assert read.status_code == 200 and b"22:00" in read.content and b"shift-form" not in read.content
    assert a.post(url + "shifts/remove/", {"shift": shift.pk}).status_code == 404
    assert WeeklyShift.objects.count() == 1
    assert c.post(url + "shifts/remove/", {"shift": shift.pk}).status_code == 302
    assert WeeklyShift.objects.count() == 0


def test_someone_outside_the_team_gets_404(team: Team) -> None:
    outsider = person("otto", "lead", Team.objects.create(name="Other"))
    c = client_for(outsider)
    assert c.get(f"/shifts/{team.pk}/").status_code == 404
    assert c.post(f"/shifts/{team.pk}/settings/", {"timezone": "UTC", "country": ""}).status_code == 404


def test_who_is_on_now_and_next(team: Team, monkeypatch: pytest.MonkeyPatch) -> None:
    from django.utils import timezone

    lead, agent = person("lea", "lead", team), person("adam", "agent", team)
    c = client_for(lead)
    c.post(f"/shifts/{team.pk}/settings/", {"timezone": "Europe/Prague", "country": ""})
    c.post(f"/shifts/{team.pk}/shifts/", {"user": agent.pk, "weekday": 1, "starts": "08:00", "ends": "16:00"})
    c.post(f"/shifts/{team.pk}/shifts/", {"user": lead.pk, "weekday": 1, "starts": "16:00", "ends": "23:00"})
    monkeypatch.setattr(timezone, "now", lambda: datetime(2026, 11, 24, 10, 0, tzinfo=UTC))  # Tue 11:00 Prague
    page = c.get(f"/shifts/{team.pk}/").content.decode()
    on_now = page.split('id="on-now"')[1].split("</div>")[0]
    next_up = page.split('id="next-up"')[1].split("</div>")[0]
    assert "Adam" in on_now and "Lea" not in on_now
    assert "Lea" in next_up and "16:00" in next_up


def test_an_admin_gives_email_its_own_hours(brand: Any, admin_client: Client) -> None:
    from shifts.selectors import hours_for_brand, is_staffed

    r = admin_client.post(
        f"/settings/hours/{brand.pk}/",
        {
            "timezone": "Europe/Prague",
            "platform": "email",
            **{f"open-{d}": "1" for d in range(5)},
            **{f"opens-{d}": "09:00" for d in range(5)},
            **{f"closes-{d}": "17:00" for d in range(5)},
        },
    )
    assert r.status_code == 302 and r["Location"].endswith("?channel=email")
    hours = hours_for_brand(brand.pk)
    saturday = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
    assert not is_staffed(hours, saturday, "email")
    assert is_staffed(hours, saturday, "x")  # the other channels stay staffed around the clock
    assert admin_client.get("/settings/hours/?channel=email").status_code == 200
    admin_client.post(f"/settings/hours/{brand.pk}/", {"platform": "email", "action": "same"})
    hours = hours_for_brand(brand.pk)
    assert is_staffed(hours, saturday, "email") and not hours.periods.exclude(platform="").exists()  # type: ignore[union-attr]


def test_admins_turn_the_acknowledgement_off_and_word_it(brand: Any, admin_client: Client) -> None:
    from shifts.acknowledgement import acknowledgement_for

    assert acknowledgement_for(brand_id=brand.pk).enabled  # on by default
    r = admin_client.post(f"/settings/hours/{brand.pk}/acknowledgement/", {"text-cs": "Ozveme se od {time}. {brand}"})
    assert r.status_code == 302
    ack = acknowledgement_for(brand_id=brand.pk)
    assert not ack.enabled and ack.texts == {"cs": "Ozveme se od {time}. {brand}"}
    assert b"Ozveme se od" in admin_client.get("/settings/hours/").content


def test_a_lead_may_not_change_the_acknowledgement(team: Team, brand: Any) -> None:
    lead = person("lea", "lead", team)
    assert client_for(lead).post(f"/settings/hours/{brand.pk}/acknowledgement/", {}).status_code == 404
