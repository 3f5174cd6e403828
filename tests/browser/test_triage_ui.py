"""Triage in Chromium: the tag, priority and first-response filters, a saved view, every
keyboard shortcut, a bulk action over selected rows, and tags, priority and snooze on a
conversation (in English and in Czech). Screenshots: test-artifacts/screenshots/triage-*."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from channels.models import Brand, BrandAccount
from channels.services import brand_account_connect
from channels.types import NormalizedAuthor, NormalizedMessage
from inbox.actions.tickets import ticket_ingest_message
from inbox.actions.triage import ticket_priority_change, ticket_tags_change
from inbox.models import SavedView, Ticket
from tests.browser.conftest import PageProblems, shot
from tests.support import X_CREDENTIALS, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
_ids = count(1)

PEOPLE = [
    ("Jana Nováková", "Kde je moje objednávka?"),
    ("Piotr Wiśniewski", "Gdzie jest moja paczka?"),
    ("Иван Петров", "Къде е пратката ми?"),
]


def account() -> BrandAccount:
    brand = Brand.objects.create(name="Acme")
    return brand_account_connect(brand=brand, platform="x", handle="@AcmeCare", credentials=dict(X_CREDENTIALS))


def write(acct: BrandAccount, name: str, text: str, minutes_ago: int) -> Ticket:
    n = next(_ids)
    message = NormalizedMessage(
        platform_id=f"tw{n}", author=NormalizedAuthor(external_id=f"u{n}", handle=f"@user{n}", display_name=name),
        text=text, sent_at=datetime.now(UTC) - timedelta(minutes=minutes_ago), kind="mention",
    )
    ticket_id = ticket_ingest_message(account=acct, incoming=message).message.ticket_id
    return Ticket.objects.get(pk=ticket_id)


@pytest.fixture
def three(agent: Any) -> list[Ticket]:
    acct = account()
    return [write(acct, name, text, 30 - 10 * i) for i, (name, text) in enumerate(PEOPLE)]


def login(page: Page, base_url: str, language: str = "en") -> None:
    log_in(page, base_url, "jana", "pw-jana-123")
    if language != "en":
        with page.expect_navigation():
            page.select_option(".topbar form.language select", language)


def rows(page: Page) -> Any:
    return page.locator("#ticket-list .ticket-row")


def test_each_filter_and_a_saved_view(live_server: Any, page: Page, problems: PageProblems, three: list[Ticket],
                                      agent: Any) -> None:
    jana, piotr, ivan = three
    ticket_tags_change(ticket=piotr, add=["Refund"], actor=agent)
    ticket_tags_change(ticket=ivan, add=["vip"], actor=agent)
    ticket_priority_change(ticket=ivan, priority="urgent", actor=agent)
    now = timezone.now()
    Ticket.objects.filter(pk=jana.pk).update(sla_due_at=now - timedelta(minutes=5))
    Ticket.objects.filter(pk=piotr.pk).update(sla_due_at=now + timedelta(minutes=10))
    Ticket.objects.filter(pk=ivan.pk).update(sla_due_at=now + timedelta(hours=2))
    login(page, live_server.url)
    expect(rows(page)).to_have_count(3)
    expect(page.locator(".ticket-row", has_text="Piotr").locator(".chip")).to_have_text("Refund")
    expect(page.locator(".ticket-row", has_text="Иван").locator(".badge.priority-urgent")).to_be_visible()

    for select, value, only in (("#filter-tag", "Refund", "Piotr"), ("#filter-priority", "urgent", "Иван"),
                                ("#filter-sla", "overdue", "Jana"), ("#filter-sla", "due_soon", "Piotr")):
        page.goto(live_server.url + "/")
        page.select_option(select, value)
        page.click(".filters button[type=submit]")
        page.wait_for_url(re.compile(rf"[?&]{select[8:]}={value}"))
        expect(rows(page)).to_have_count(1)
        expect(rows(page).first).to_contain_text(only)
    shot(page, "triage-filter-sla-due-soon")

    # Combined, then saved as a view shared with the team.
    page.goto(live_server.url + "/?view=waiting&tag=vip&priority=urgent")
    expect(rows(page)).to_have_count(1)
    page.click("details.save-view summary")
    page.fill("#saved-view-name", "VIP urgent")
    page.select_option("#saved-view-team", label="Team Everyone")
    page.click("details.save-view button[type=submit]")
    saved = page.locator(".saved-view a", has_text="VIP urgent")
    expect(saved).to_have_class(re.compile("active"))
    expect(saved.locator(".count")).to_have_text("1")
    assert SavedView.objects.get().team is not None
    page.goto(live_server.url + "/?view=all")
    expect(rows(page)).to_have_count(3)
    page.click(".saved-view a")
    expect(rows(page)).to_have_count(1)
    expect(rows(page).first).to_contain_text("Иван")
    shot(page, "triage-saved-view")
    assert not problems.errors, problems.errors


def test_keyboard_shortcuts(live_server: Any, page: Page, problems: PageProblems, three: list[Ticket],
                            agent: Any) -> None:
    jana, piotr, ivan = three
    login(page, live_server.url)
    expect(rows(page)).to_have_count(3)
    focused = page.locator("#ticket-list .triage-row.focused")
    page.keyboard.press("j")
    expect(focused).to_contain_text("Jana")
    page.keyboard.press("j")
    page.keyboard.press("j")
    expect(focused).to_contain_text("Иван")
    page.keyboard.press("k")
    expect(focused).to_contain_text("Piotr")
    page.keyboard.press("x")  # select Piotr: the bulk bar appears
    expect(page.locator(f'.row-select[value="{piotr.pk}"]')).to_be_checked()
    expect(page.locator("#bulk-form")).to_be_visible()
    expect(page.locator("[data-bulk-count]")).to_have_text("1 selected")
    page.keyboard.press("x")
    expect(page.locator("#bulk-form")).to_be_hidden()

    page.keyboard.press("?")
    expect(page.locator("dialog#shortcuts")).to_be_visible()
    shot(page, "triage-shortcuts")
    page.keyboard.press("Escape")
    expect(page.locator("dialog#shortcuts")).to_be_hidden()

    # `/` focuses the search box above the list.
    page.keyboard.press("/")
    expect(page.locator("#inbox-search")).to_be_focused()
    page.keyboard.type("jk")  # typing in a field triggers nothing
    expect(page.locator("#inbox-search")).to_have_value("jk")
    expect(focused).to_contain_text("Piotr")
    page.locator("#inbox-search").blur()

    # In the list: t tags the focused row, s snoozes it, a assigns it to me, e solves it.
    page.keyboard.press("t")
    expect(page.locator("#bulk-tag")).to_be_focused()
    page.keyboard.type("keyboard")
    with page.expect_navigation():
        page.click("#bulk-add-tag")
    assert list(Ticket.objects.get(pk=piotr.pk).tags.values_list("name", flat=True)) == ["keyboard"]
    page.keyboard.press("j")
    with page.expect_navigation():
        page.keyboard.press("a")
    expect(page.locator(".flash")).to_contain_text("1 conversation updated")
    assert Ticket.objects.get(pk=jana.pk).assignee_id == agent.pk

    # Enter opens the focused conversation; there r replies, t tags, s snoozes, a assigns, e solves.
    page.keyboard.press("j")
    expect(focused).to_contain_text("Jana")
    with page.expect_navigation(url=re.compile(rf"/tickets/{jana.pk}/")):
        page.keyboard.press("Enter")
    page.keyboard.press("r")
    expect(page.locator("#reply-text")).to_be_focused()
    page.keyboard.type("sex")  # letters in the composer stay letters
    expect(page.locator("#reply-text")).to_have_value("sex")
    page.locator("#reply-text").fill("")
    page.locator("#reply-text").blur()
    page.keyboard.press("t")
    expect(page.locator("#tag-input")).to_be_focused()
    page.locator("#tag-input").blur()
    page.keyboard.press("s")
    expect(page.locator("#snooze-menu .snooze-choices")).to_be_visible()
    page.keyboard.press("Escape")
    page.locator("#snooze-menu summary").click()  # closes it
    page.goto(f"{live_server.url}/tickets/{ivan.pk}/")
    with page.expect_navigation():
        page.keyboard.press("a")
    expect(page.locator("#assignee")).to_have_value(str(agent.pk))
    with page.expect_navigation():
        page.keyboard.press("e")
    expect(page.locator("#status")).to_have_value("solved")
    assert Ticket.objects.get(pk=ivan.pk).status == "solved"
    assert not problems.errors, problems.errors


def test_bulk_priority_over_selected_rows(live_server: Any, page: Page, problems: PageProblems,
                                          three: list[Ticket]) -> None:
    jana, piotr, ivan = three
    login(page, live_server.url)
    page.check(f'.row-select[value="{jana.pk}"]')
    page.check(f'.row-select[value="{ivan.pk}"]')
    expect(page.locator("[data-bulk-count]")).to_have_text("2 selected")
    page.wait_for_timeout(2500)  # a poll swaps the list: the selection survives it
    expect(page.locator(f'.row-select[value="{ivan.pk}"]')).to_be_checked()
    page.select_option("#bulk-priority", "urgent")
    shot(page, "triage-bulk-bar")
    page.click("#bulk-set-priority")
    expect(page.locator(".flash")).to_contain_text("2 conversations updated")
    expect(page.locator(".badge.priority-urgent")).to_have_count(2)
    assert [t.priority for t in Ticket.objects.order_by("pk")] == ["urgent", "normal", "urgent"]
    for ticket in (jana, ivan):
        assert ticket.events.filter(type="priority_changed").count() == 1
    assert not piotr.events.filter(type="priority_changed").exists()
    assert not problems.errors, problems.errors


@pytest.mark.parametrize("language", ["en", "cs"])
def test_tags_priority_and_snooze_on_a_conversation(live_server: Any, page: Page, problems: PageProblems,
                                                     three: list[Ticket], language: str) -> None:
    jana = three[0]
    login(page, live_server.url, language)
    page.goto(f"{live_server.url}/tickets/{jana.pk}/")
    page.fill("#tag-input", "Reklamace")
    page.press("#tag-input", "Enter")
    expect(page.locator("#ticket-tags .chip")).to_contain_text("Reklamace")
    page.fill("#tag-input", "vip")
    page.press("#tag-input", "Enter")
    expect(page.locator("#ticket-tags .chip")).to_have_count(2)
    with page.expect_navigation():
        page.select_option("#priority", "high")
    expect(page.locator("#priority")).to_have_value("high")
    expect(page.locator(".ticket-row.current .badge.priority-high")).to_be_visible()
    page.click("#snooze-menu summary")
    shot(page, f"triage-conversation-{language}")
    with page.expect_navigation():
        page.click('#snooze-menu button[value="tomorrow"]')
    expect(page.locator("#unsnooze")).to_be_visible()
    jana.refresh_from_db()
    assert jana.snoozed_until is not None
    local = jana.snoozed_until.astimezone(ZoneInfo("Europe/Prague"))
    assert (local.hour, local.minute) == (9, 0)  # tomorrow 9:00 in the browser's zone
    events = page.locator(".events")
    expected = {"en": ("Tags: +Reklamace", "Priority: Normal → High", "Snoozed until"),
                "cs": ("Štítky: +Reklamace", "Priorita: Normální → Vysoká", "Odloženo do")}[language]
    for line in expected:
        expect(events).to_contain_text(line)
    expect(page.locator("#ticket-list")).not_to_contain_text("Jana")  # out of the waiting view
    shot(page, f"triage-snoozed-{language}")
    page.locator("#ticket-tags .chip", has_text="vip").locator("button").click()
    expect(page.locator("#ticket-tags .chip")).to_have_count(1)
    with page.expect_navigation():
        page.click("#unsnooze")
    expect(page.locator("#ticket-list .ticket-row").first).to_contain_text("Jana")  # back at the top
    assert not problems.errors, problems.errors
