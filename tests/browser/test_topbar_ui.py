"""The top bar in a real Chromium: an admin's pages sit in one Settings menu, so the bar fits
a 1440 px window on one line in every language; the menu opens over the page, closes by
Escape or a click elsewhere, and its links lead where they say. In a narrow window the bar
wraps onto a second line instead of running past the window."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from channels.models import Brand
from inbox.actions.people import agent_create, team_create
from tests.browser.conftest import PageProblems, settings_menu, shot
from tests.support import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "pw-eva-12345"
SETTINGS_LINKS = 9  # Accounts, Hours, Tags, SLA, Replies, CSAT, Privacy, Audit, Security


@pytest.fixture
def admin(db: None) -> User:
    brand = Brand.objects.create(name="Acme")
    eva = agent_create(username="eva", password=PASSWORD, display_name="Eva Nováková", role="admin")
    team_create(name="Acme care", brands=[brand], members=[eva])
    return eva


def _bar(page: Page) -> dict[str, int]:
    return page.locator(".topbar").evaluate(
        "el => ({scroll: el.scrollWidth, client: el.clientWidth, height: el.getBoundingClientRect().height,"
        " right: Math.max(...Array.from(el.children).map(c => c.getBoundingClientRect().right))})"
    )


@pytest.mark.parametrize("language", ["en", "cs", "pl", "bg"])
def test_the_admins_bar_fits_on_one_line_and_the_settings_menu_opens_and_closes(
    live_server: Any, page: Page, problems: PageProblems, admin: User, language: str
) -> None:
    log_in(page, live_server.url, "eva", PASSWORD)
    if language != "en":
        with page.expect_navigation():
            page.select_option(".topbar form.language select", language)
    bar = _bar(page)
    assert bar["scroll"] <= bar["client"] and bar["right"] <= 1440, bar  # nothing past the window
    assert bar["height"] <= 50, bar  # one line

    menu = page.locator("#settings-menu")
    items = menu.locator(".menu-items a")
    expect(items.first).to_be_hidden()
    menu.locator("summary").click()
    expect(items).to_have_count(SETTINGS_LINKS)
    for k in range(SETTINGS_LINKS):
        expect(items.nth(k)).to_be_visible()
        box = items.nth(k).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 1440, box
        assert box["y"] >= bar["height"] - 1, box  # below the bar, over the page
    shot(page, f"topbar-settings-{language}")
    page.keyboard.press("Escape")
    expect(items.first).to_be_hidden()
    menu.locator("summary").click()
    expect(items.first).to_be_visible()
    page.locator("main, .inbox, body").first.click(position={"x": 700, "y": 600})
    expect(items.first).to_be_hidden()
    assert not problems.errors and not problems.server_errors and not problems.csp_violations


def test_each_settings_link_leads_to_its_page_and_an_agent_has_no_menu(
    live_server: Any, page: Page, problems: PageProblems, admin: User
) -> None:
    log_in(page, live_server.url, "eva", PASSWORD)
    for link, heading in (("Accounts", "Connected accounts"), ("Hours", "Staffed hours"), ("Tags", "Tags")):
        settings_menu(page, link)
        expect(page.locator("h1")).to_have_text(heading)
        expect(page.locator("#settings-menu .menu-items a").first).to_be_hidden()  # a new page, closed
    page.context.clear_cookies()
    agent_create(username="jana", password="pw-jana-12345", display_name="Jana Dvořáková")
    log_in(page, live_server.url, "jana", "pw-jana-12345")
    expect(page.locator(".topbar")).to_contain_text("Jana Dvořáková")
    expect(page.locator("#settings-menu")).to_have_count(0)
    assert not problems.errors and not problems.server_errors


def test_a_narrow_window_wraps_the_bar_instead_of_running_past_it(
    live_server: Any, page: Page, problems: PageProblems, admin: User
) -> None:
    page.set_viewport_size({"width": 820, "height": 900})
    log_in(page, live_server.url, "eva", PASSWORD)
    with page.expect_navigation():
        page.select_option(".topbar form.language select", "pl")
    bar = _bar(page)
    assert bar["scroll"] <= bar["client"] and bar["right"] <= 820, bar
    page.locator("#settings-menu summary").click()
    expect(page.locator("#settings-menu .menu-items a").last).to_be_visible()
    shot(page, "topbar-narrow-pl")
    assert not problems.errors and not problems.server_errors
