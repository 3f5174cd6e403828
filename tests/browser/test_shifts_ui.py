"""Shift plans in Chromium: a lead builds the week with an overnight shift and a sick day,
sees who is on shift now and next; the agent sees the plan read-only (English and Czech).
An out-of-hours customer gets the acknowledgement with the team's next shift.
Screenshots: test-artifacts/screenshots/shifts-*."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from channels.models import Brand
from inbox.actions.people import agent_create, team_create
from shifts.models import ShiftException, WeeklyShift
from tests.browser.conftest import PageProblems, shot
from tests.support import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PRAGUE = ZoneInfo("Europe/Prague")
LEAD_PW = "Lea-shifts-pw-42!"
AGENT_PW = "Adam-shifts-pw-42!"


@pytest.fixture
def team() -> Any:
    brand = Brand.objects.create(name="Acme")
    lead = agent_create(username="lea", password=LEAD_PW, display_name="Lea Nováková", role="lead")
    adam = agent_create(username="adam", password=AGENT_PW, display_name="Adam Kowalski", role="agent")
    return team_create(name="Care Prague", brands=[brand], members=[lead, adam])


def add_shift(page: Page, person: str, weekday: int, starts: str, ends: str) -> None:
    form = page.locator("#shift-form")
    form.locator("select[name=user]").select_option(label=person)
    form.locator("select[name=weekday]").select_option(str(weekday))
    form.locator("input[name=starts]").fill(starts)
    form.locator("input[name=ends]").fill(ends)
    form.locator("button[type=submit]").click()


def test_a_lead_builds_the_week_and_sees_who_is_on_now(
    live_server: Any, page: Page, problems: PageProblems, team: Any
) -> None:
    now = datetime.now(PRAGUE)
    today = now.weekday()
    # Lea works now (a stretch around this hour, past midnight if it must); Adam has a night
    # shifts (22:00–06:00) tomorrow and the day after; a sick day cancels tomorrow's.
    starts = (now - timedelta(hours=1)).strftime("%H:00")
    ends = (now + timedelta(hours=2)).strftime("%H:00")
    log_in(page, live_server.url, "lea", LEAD_PW)
    page.get_by_role("link", name="Shifts").click()
    expect(page.locator("h1")).to_contain_text("Care Prague")
    expect(page.locator("#on-now")).to_contain_text("Everyone in the team")
    add_shift(page, "Lea Nováková", (now - timedelta(hours=1)).weekday(), starts, ends)
    expect(page.locator("#on-now")).to_contain_text("Lea Nováková")
    add_shift(page, "Adam Kowalski", (today + 1) % 7, "22:00", "06:00")
    expect(page.locator("#plan-grid")).to_contain_text("22:00–06:00 +1")
    add_shift(page, "Adam Kowalski", (today + 2) % 7, "22:00", "06:00")
    expect(page.locator(".plan-list").first.locator("li")).to_have_count(3)
    assert WeeklyShift.objects.count() == 3
    # The sick day: Adam is off tomorrow, so his night shift does not apply.
    form = page.locator("#exception-form")
    sick = (now + timedelta(days=1)).date()
    form.locator("select[name=user]").select_option(label="Adam Kowalski")
    form.locator("input[name=date]").fill(sick.isoformat())
    form.locator("select[name=kind]").select_option("off")
    form.locator("input[name=note]").fill("sick")
    form.locator("button[type=submit]").click()
    expect(page.locator(".plan-list").nth(1)).to_contain_text("sick")
    assert ShiftException.objects.get().kind == "off"
    expect(page.locator("#on-now")).to_contain_text("Lea Nováková")
    expect(page.locator("#on-now")).not_to_contain_text("Adam")
    shot(page, "shifts-lead-en")
    # In Czech.
    with page.expect_navigation():
        page.select_option(".topbar form.language select", "cs")
    expect(page.locator("#on-now h2")).to_have_text("Na směně teď")
    shot(page, "shifts-lead-cs")
    assert not problems.errors and not problems.server_errors


def test_the_agent_sees_the_plan_read_only(live_server: Any, page: Page, problems: PageProblems, team: Any) -> None:
    from datetime import time

    from shifts.actions import weekly_shift_add

    adam = team.members.get(username="adam")
    weekly_shift_add(team=team, user_id=adam.pk, weekday=4, starts=time(22), ends=time(6))
    log_in(page, live_server.url, "adam", AGENT_PW)
    page.goto(f"{live_server.url}/shifts/{team.pk}/")
    expect(page.locator("#plan-grid")).to_contain_text("22:00–06:00")
    expect(page.locator("#shift-form")).to_have_count(0)
    with page.expect_navigation():
        page.select_option(".topbar form.language select", "pl")
    shot(page, "shifts-agent-pl")
    assert not problems.errors and not problems.server_errors
