"""The conversation's tools in Chromium: the "Insert variable" popover never covers the
character counter and closes after an insert; a note with an autocompleted @mention reaches
the colleague's bell and the Mentions tab links to the note; on a long thread the header with the assignee
and status stays in view (English and Czech). Screenshots: test-artifacts/screenshots/convo-*."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from playwright.sync_api import Page, expect

from channels.models import Brand, BrandAccount
from channels.services import brand_account_connect
from channels.types import NormalizedAuthor, NormalizedMessage
from inbox.actions.tickets import ticket_ingest_message
from inbox.enums import DeliveryStatus, Direction
from inbox.models import AgentProfile, Message, Ticket
from tests.browser.conftest import PageProblems, shot
from tests.support import X_CREDENTIALS, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
_ids = count(1)


def account() -> BrandAccount:
    brand = Brand.objects.create(name="Acme")
    return brand_account_connect(brand=brand, platform="x", handle="@AcmeCare", credentials=dict(X_CREDENTIALS))


def write(acct: BrandAccount, name: str, text: str) -> Ticket:
    n = next(_ids)
    message = NormalizedMessage(
        platform_id=f"tw{n}", author=NormalizedAuthor(external_id=f"u{n}", handle=f"@user{n}", display_name=name),
        text=text, sent_at=datetime.now(UTC) - timedelta(minutes=30), kind="mention",
    )
    ticket_id = ticket_ingest_message(account=acct, incoming=message).message.ticket_id
    return Ticket.objects.get(pk=ticket_id)


def login(page: Page, base_url: str, language: str = "en") -> None:
    log_in(page, base_url, "jana", "pw-jana-123")
    if language != "en":
        with page.expect_navigation():
            page.select_option(".topbar form.language select", language)


def boxes_overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return not (a["x"] + a["width"] <= b["x"] or b["x"] + b["width"] <= a["x"]
                or a["y"] + a["height"] <= b["y"] or b["y"] + b["height"] <= a["y"])


def open_conversation(page: Page, base_url: str, ticket: Ticket) -> None:
    page.goto(f"{base_url}/tickets/{ticket.pk}/")
    expect(page.locator("#reply-meter .counter")).to_be_visible()


def test_variable_popover_never_covers_the_counter(live_server: Any, page: Page, problems: PageProblems,
                                                   agent: Any) -> None:
    ticket = write(account(), "Jana Nováková", "Kde je moje objednávka?")
    login(page, live_server.url)
    open_conversation(page, live_server.url, ticket)
    page.locator("#reply-text").fill("Dobrý den ")
    page.locator(".composer .vars summary").click()
    popover = page.locator(".composer .vars")
    expect(popover).to_have_attribute("open", "")
    counter = page.locator("#reply-meter .counter")
    expect(counter).to_be_visible()
    shot(page, "convo-variables-open")
    assert not boxes_overlap(popover.bounding_box(), counter.bounding_box())
    popover.locator("[data-insert]", has_text="customer.first_name").click()
    expect(popover).not_to_have_attribute("open", re.compile(".*"))
    expect(page.locator("#reply-text")).to_have_value(re.compile(r"customer\.first_name"))
    # Escape closes it too.
    page.locator(".composer .vars summary").click()
    page.keyboard.press("Escape")
    expect(popover).not_to_have_attribute("open", re.compile(".*"))
    assert not problems.errors and not problems.server_errors, (problems.errors, problems.server_errors)


@pytest.mark.parametrize("language", ["en", "cs"])
def test_header_stays_in_view_on_a_long_thread(live_server: Any, page: Page, problems: PageProblems,
                                               agent: Any, language: str) -> None:
    ticket = write(account(), "Jana Nováková", "Kde je moje objednávka?")
    for i in range(40):
        Message.objects.create(
            ticket=ticket, account=ticket.account, direction=Direction.OUT, text=f"Odpověď číslo {i}. " * 6,
            author_user=agent if i % 2 else None, sent_at=timezone.now(), delivery_status=DeliveryStatus.SENT,
        )
    page.set_viewport_size({"width": 1280, "height": 700})
    login(page, live_server.url, language)
    open_conversation(page, live_server.url, ticket)
    page.mouse.wheel(0, 5000)
    page.locator("#thread").evaluate("t => t.scrollTop = t.scrollHeight")
    page.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")
    head = page.locator(".conv-head")
    expect(head).to_be_in_viewport()
    expect(page.locator("#assignee")).to_be_in_viewport()
    expect(page.locator("#status")).to_be_in_viewport()
    box = head.bounding_box()
    assert box is not None and box["y"] >= 0
    shot(page, f"convo-long-thread-{language}")
    assert not problems.errors and not problems.server_errors, (problems.errors, problems.server_errors)


@pytest.mark.parametrize("language", ["en", "bg"])
def test_a_note_with_a_mention_reaches_the_colleagues_bell(live_server: Any, page: Page, problems: PageProblems,
                                                           agent: Any, everyone_team: Any, language: str) -> None:
    piotr = User.objects.create_user("piotr", password="pw-piotr-123")
    AgentProfile.objects.create(user=piotr, display_name="Piotr Nowak", signature="^PN")
    everyone_team.members.add(piotr)
    ticket = write(account(), "Иван Петров", "Къде е пратката ми?")
    login(page, live_server.url, language)
    open_conversation(page, live_server.url, ticket)
    page.locator("#note-composer summary").click()
    note = page.locator("#note-text")
    note.click()
    note.press_sequentially("Провери възстановяването, @Pio")
    menu = page.locator("#note-mention-menu")
    expect(menu).to_be_visible()
    expect(menu.locator("li").first).to_contain_text("Piotr Nowak")
    shot(page, f"convo-note-mention-menu-{language}")
    note.press("Enter")
    expect(menu).to_be_hidden()
    expect(note).to_have_value("Провери възстановяването, @piotr ")
    note.press_sequentially("моля")
    page.locator("#note-send").click()
    expect(page.locator("#thread .msg.note")).to_contain_text("@piotr моля")
    shot(page, f"convo-note-in-thread-{language}")
    # Piotr's bell counts it; the Mentions tab lists it and opens the note on the ticket.
    page.goto("about:blank")  # no poll of the last page racing the next login
    page.context.clear_cookies()
    log_in(page, live_server.url, "piotr", "pw-piotr-123")
    expect(page.locator("#bell .bell-count")).to_have_text("1")
    page.locator("#bell").click()
    page.locator("nav.tabs a[href='?kind=mention']").click()
    expect(page.locator(".notification.unread")).to_contain_text("#" + str(ticket.pk))
    shot(page, f"convo-note-mentions-tab-{language}")
    page.locator(".notification.unread button").click()
    page.wait_for_url(re.compile(rf"/tickets/{ticket.pk}/#note-\d+"))
    expect(page.locator("#thread .msg.note")).to_be_visible()
    assert not problems.errors and not problems.server_errors, (problems.errors, problems.server_errors)


@pytest.mark.parametrize("language", ["en", "cs"])
def test_a_missing_variable_is_caught_and_blocks_send(live_server: Any, page: Page, problems: PageProblems,
                                                      agent: Any, language: str) -> None:
    ticket = write(account(), "", "Kde je moje objednávka?")  # a customer with no name
    login(page, live_server.url, language)
    open_conversation(page, live_server.url, ticket)
    text = page.locator("#reply-text")
    text.fill("Dobrý den {{ customer.first_name }}, hned to prověřím.")
    text.press("End")
    error = page.locator("#reply-meter .error")
    expect(error).to_contain_text("customer.first_name")
    expect(page.locator("#send")).to_be_disabled()
    shot(page, f"convo-missing-variable-{language}")
    text.fill('Dobrý den{{ customer.first_name|default:"" }}, hned to prověřím.')
    text.press("End")
    expect(error).to_have_count(0)
    expect(page.locator("#reply-meter .preview")).to_contain_text("Dobrý den, hned to prověřím. ^JD")
    expect(page.locator("#send")).to_be_enabled()
    assert not problems.errors and not problems.server_errors, (problems.errors, problems.server_errors)
