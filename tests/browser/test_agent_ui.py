"""The agent's screens in a real (headless) Chromium against the live server: the inbox with
live waiting timers, a conversation, the composer's live counter and preview, sending a reply
to the fake X, a permanent failure and its retry, and the inbox updating by itself.

Celery runs eagerly in-process here, so a reply is delivered to the fake during the POST.
Screenshots land in test-artifacts/screenshots/ (git-ignored) for a human to look at."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from channels.inbound import account_poll
from channels.x.limits import weighted_length
from tests.browser.conftest import PageProblems, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


JANA = {"author": "@jnovakova", "name": "Jana Nováková", "text": "Dobrý den, kde je moje objednávka č. 12345? 📦"}
IVAN = {"author": "@ivan_petrov", "name": "Иван Петров", "text": "Здравейте, поръчката ми закъснява"}
SARAH = {
    "author": "@sarah_m",
    "name": "Sarah <script>alert(1)</script>",
    "text": "<img src=x onerror=alert(1)> my order is late",
}
REPLY_TEMPLATE = "Dobrý den {{ customer.first_name }}, hned to prověřím."
REPLY_SENT_AS = "Dobrý den Jana, hned to prověřím. ^JD"


# --- helpers ----------------------------------------------------------------------------
def login(page: Page, base_url: str, screenshot: str | None = None) -> None:
    page.goto(base_url + "/login/")
    page.fill("#id_username", "jana")
    page.fill("#id_password", "pw-jana-123")
    if screenshot:
        shot(page, screenshot)
    page.click("form.login button[type=submit]")
    page.wait_for_url(base_url + "/")
    expect(page.locator(".topbar")).to_contain_text("Jana Dvořáková")


def write(fake_x: Any, customer: dict[str, str]) -> dict[str, Any]:
    return fake_x.inbound(author=customer["author"], name=customer["name"], text=customer["text"])["data"]


def open_ticket(page: Page, name: str) -> None:
    page.locator("#ticket-list .ticket-row", has_text=name).click()
    page.wait_for_url(re.compile(r"/tickets/\d+/"))
    expect(page.locator(".conv-head h1")).to_contain_text(name)
    # The composer's meter is filled by an htmx request on load; wait for it to settle.
    expect(page.locator("#reply-meter .counter")).to_be_visible()


def compose(page: Page, text: str) -> None:
    """Fill all but the last character, then type it, so real input events fire too."""
    page.fill("#reply-text", text[:-1])
    page.type("#reply-text", text[-1])


def sent_meter(text: str) -> str:
    return f"{weighted_length(text)}/280"


# --- tests ------------------------------------------------------------------------------
def test_inbox_ticket_compose_and_send(
    live_server: Any, page: Page, problems: PageProblems, fake_x: Any, x_account: Any, agent: Any
) -> None:
    started = time.monotonic()
    jana_tweet = write(fake_x, JANA)
    write(fake_x, IVAN)
    write(fake_x, SARAH)
    assert account_poll(account_id=x_account.pk) == 3

    login(page, live_server.url, screenshot="login")

    rows = page.locator("#ticket-list .ticket-row")
    expect(rows).to_have_count(3)
    expect(page.locator("#ticket-list .list-head")).to_contain_text("3 conversations")
    for customer in (JANA, IVAN, SARAH):
        expect(rows.filter(has_text=customer["author"])).to_have_count(1)

    # Live waiting timers: one per row, "0m 03s"-style, ticking without a reload.
    timers = page.locator("#ticket-list [data-since]")
    expect(timers).to_have_count(3)
    for i in range(3):
        expect(timers.nth(i)).to_have_text(re.compile(r"^\d+m \d{2}s$"))
    before = timers.all_inner_texts()
    page.wait_for_timeout(1500)
    for i, text in enumerate(before):
        expect(timers.nth(i)).not_to_have_text(text, timeout=2000)

    # Hostile input is shown as text, never run.
    expect(page.get_by_text(SARAH["name"], exact=True)).to_be_visible()
    expect(rows.filter(has_text=SARAH["author"]).locator(".snippet")).to_contain_text(
        "<img src=x onerror=alert(1)> my order is late"
    )
    assert page.locator("#ticket-list script, #ticket-list img").count() == 0
    shot(page, "inbox")
    assert problems.dialogs == []

    open_ticket(page, JANA["name"])
    thread = page.locator("#thread")
    expect(thread.locator(".msg.in")).to_have_count(1)
    expect(thread.locator(".msg.in .text")).to_contain_text(JANA["text"])
    expect(page.locator("#ticket-list .ticket-row.current")).to_contain_text(JANA["name"])
    shot(page, "ticket")

    compose(page, REPLY_TEMPLATE)
    expect(page.locator("#reply-meter .counter")).to_have_text(sent_meter(REPLY_SENT_AS))
    expect(page.locator("#reply-meter .counter")).not_to_have_class(re.compile(r"\bover\b"))
    expect(page.locator("#reply-meter .preview")).to_have_text(f"Sends as: {REPLY_SENT_AS}")
    shot(page, "composer")

    page.click(".composer button[type=submit]")
    page.wait_for_load_state()
    sent = thread.locator('.msg.out [data-delivery="sent"]')
    expect(sent).to_have_count(1, timeout=10_000)
    expect(sent).to_contain_text("Sent")
    expect(thread.locator(".msg.out .text")).to_have_text(REPLY_SENT_AS)
    shot(page, "sent")

    outbound = fake_x.outbound()
    assert len(outbound) == 1, outbound
    assert outbound[0]["text"] == REPLY_SENT_AS
    assert outbound[0]["in_reply_to_tweet_id"] == jana_tweet["id"]
    assert problems.dialogs == []
    assert problems.errors == [], problems.errors
    assert problems.server_errors == [], problems.server_errors
    print(f"acceptance flow took {time.monotonic() - started:.1f}s")


def test_too_long_reply_is_flagged_and_not_sent(
    live_server: Any, page: Page, problems: PageProblems, fake_x: Any, x_account: Any, agent: Any
) -> None:
    write(fake_x, JANA)
    assert account_poll(account_id=x_account.pk) == 1
    login(page, live_server.url)
    open_ticket(page, JANA["name"])

    compose(page, "a" * 300)
    counter = page.locator("#reply-meter .counter.over")
    expect(counter).to_be_visible()
    expect(counter).to_have_text(sent_meter("a" * 300 + " ^JD"))
    expect(page.locator("#reply-meter .preview .error")).to_contain_text("Too long")
    shot(page, "too_long")

    # Send is off while the draft is too long; if it is submitted anyway (Ctrl+Enter,
    # a stale page) the server refuses it, says why, and keeps the draft.
    expect(page.locator("#send")).to_be_disabled()
    page.evaluate("document.querySelector('.composer').submit()")
    page.wait_for_load_state()
    expect(page.locator(".flash .error")).to_contain_text("Too long")
    expect(page.locator("#reply-text")).to_have_value("a" * 300)
    shot(page, "too_long_rejected")
    assert fake_x.outbound() == []
    assert problems.errors == [], problems.errors
    assert problems.server_errors == [], problems.server_errors


def test_permanent_failure_shows_reason_and_retry_sends(
    live_server: Any, page: Page, problems: PageProblems, fake_x: Any, x_account: Any, agent: Any
) -> None:
    jana_tweet = write(fake_x, JANA)
    assert account_poll(account_id=x_account.pk) == 1
    login(page, live_server.url)
    open_ticket(page, JANA["name"])

    fake_x.fail(status=403, times=1, path="/2/tweets")
    compose(page, REPLY_TEMPLATE)
    expect(page.locator("#reply-meter .preview")).to_have_text(f"Sends as: {REPLY_SENT_AS}")
    page.click(".composer button[type=submit]")
    page.wait_for_load_state()

    thread = page.locator("#thread")
    failed = thread.locator('.msg.out [data-delivery="failed"]')
    expect(failed).to_have_count(1, timeout=10_000)
    expect(failed).to_contain_text("Failed")
    expect(failed).to_contain_text("Forbidden")  # X's reason, as X gave it
    retry = failed.get_by_role("button", name="Retry")
    expect(retry).to_be_visible()
    assert fake_x.outbound() == []
    shot(page, "failed")

    retry.click()
    page.wait_for_load_state()
    sent = thread.locator('.msg.out [data-delivery="sent"]')
    expect(sent).to_have_count(1, timeout=10_000)
    expect(sent).to_contain_text("Sent")
    expect(thread.locator('[data-delivery="failed"]')).to_have_count(0)
    shot(page, "retried")

    outbound = fake_x.outbound()
    assert len(outbound) == 1, outbound
    assert outbound[0]["text"] == REPLY_SENT_AS
    assert outbound[0]["in_reply_to_tweet_id"] == jana_tweet["id"]
    assert problems.errors == [], problems.errors
    assert problems.server_errors == [], problems.server_errors


def test_inbox_shows_new_conversation_without_reload(
    live_server: Any, page: Page, problems: PageProblems, fake_x: Any, x_account: Any, agent: Any
) -> None:
    write(fake_x, JANA)
    assert account_poll(account_id=x_account.pk) == 1
    login(page, live_server.url)
    rows = page.locator("#ticket-list .ticket-row")
    expect(rows).to_have_count(1)
    page.evaluate("window.__sameDocument = true")

    write(fake_x, IVAN)
    assert account_poll(account_id=x_account.pk) == 1
    expect(rows).to_have_count(2, timeout=5000)
    expect(rows.filter(has_text=IVAN["name"])).to_have_count(1)
    expect(page.locator("#ticket-list .list-head")).to_contain_text("2 conversations")
    expect(rows.filter(has_text=IVAN["name"]).locator("[data-since]")).to_have_text(re.compile(r"^\d+m \d{2}s$"))
    assert page.evaluate("window.__sameDocument") is True, "the page reloaded"
    shot(page, "live_update")
    assert problems.errors == [], problems.errors
    assert problems.server_errors == [], problems.server_errors
