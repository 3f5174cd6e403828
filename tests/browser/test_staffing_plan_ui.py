"""The staffing page sets the current shift plan beside the advice: per hour, people needed
and people planned, the short hours marked, in all four languages.
Screenshots: test-artifacts/screenshots/reports-staffing-plan-*."""

from __future__ import annotations

from datetime import time
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from inbox.models import Team
from shifts.actions import weekly_shift_add
from tests.browser.conftest import PageProblems, shot
from tests.browser.test_reports_ui import PERIOD, login
from tests.reports.test_figures import _world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHORT = {"en": "short in", "cs": "málo lidí", "pl": "braki", "bg": "не стигат"}


@pytest.mark.parametrize("language", ["en", "cs", "pl", "bg"])
def test_the_plan_beside_the_advice_marks_short_hours(
    live_server: Any, page: Page, problems: PageProblems, language: str
) -> None:
    world = _world()
    team = Team.objects.get(name="Acme care")
    # One person Monday 08:00-16:00, one more 10:00-12:00; a night shift Sunday 22:00-02:00.
    weekly_shift_add(team=team, user_id=world["agent"].pk, weekday=0, starts=time(8), ends=time(16))
    weekly_shift_add(team=team, user_id=world["lead"].pk, weekday=0, starts=time(10), ends=time(12))
    weekly_shift_add(team=team, user_id=world["agent"].pk, weekday=6, starts=time(22), ends=time(2))
    login(page, live_server.url, language)
    page.goto(f"{live_server.url}/reports/staffing/?{PERIOD}&share=95&minutes=5")
    plan = page.locator("#staffing-plan")
    expect(plan).to_be_visible()
    monday = plan.locator("tbody tr").nth(0).locator("td")
    assert monday.nth(9).inner_text().split("/")[1].split()[0] == "1"  # 09:00: one planned
    assert monday.nth(11).inner_text().split("/")[1].split()[0] == "2"  # 10:00-12:00: two
    assert monday.nth(0).inner_text().split("/")[1].split()[0] == "1"  # Sunday's night shift runs into Monday
    assert monday.nth(16).inner_text().split("/")[1].split()[0] == "0"
    advice = page.locator("#staffing-advice tbody tr").nth(0).locator("td")
    for h in range(24):  # short exactly where fewer are planned than needed
        need, planned = (int(x.split()[0]) for x in monday.nth(h).inner_text().replace("−", " ").split("/"))
        assert need == int(advice.nth(h).inner_text())
        assert ("short" in (monday.nth(h).get_attribute("class") or "")) == (planned < need)
    assert plan.locator("td.short").count() > 0
    expect(page.locator("#plan-short")).to_contain_text(SHORT[language])
    page.locator("#plan-h").scroll_into_view_if_needed()
    page.evaluate("window.scrollBy(0, document.querySelector('#plan-h').getBoundingClientRect().top - 10)")
    shot(page, f"reports-staffing-plan-{language}")
