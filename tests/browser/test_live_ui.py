"""Live pages in real (headless) Chromium against the live server and a real Celery worker
(PostgreSQL + Redis): a signed WhatsApp webhook, a website-chat message, an assignment and a
status change each reach an open inbox and an open conversation within 2 s, with no reload;
two agents (two browser contexts) on one conversation see each other and who is typing, and
the second to send is asked before going out over the first one's reply.

Each change is timed from the moment it is made to the moment the page shows it and printed;
the issue's figure is 2 s ("live within 2 s"), asserted with HOVOR_LIVE_SECONDS=2 (the suite
allows 8 s, so a loaded machine does not fail it on timing alone).
Screenshots land in test-artifacts/screenshots/live_*.png for a human to look at."""
from __future__ import annotations

import json
import os
import re
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
from playwright.sync_api import Browser, BrowserContext, Page, expect
from rest_framework.authtoken.models import Token

from inbox.enums import Direction
from inbox.models import AgentProfile, Message, Ticket
from tests.browser.conftest import VIEWPORT, shot
from tests.channels.whatsapp.wa_support import PHONE_NUMBER_ID, TEMPLATES, WA_CREDENTIALS
from tests.support import log_in, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.django_db(transaction=True)]

# Seconds allowed from a change to the page showing it, with no reload. The figure is
# 2 s and a quiet machine takes ~1 s (each check prints what it took); timing stays out of
# pass/fail, so the bound here is loose enough for a loaded 2-core machine
# (HOVOR_LIVE_SECONDS=2 checks the figure itself).
LIVE = float(os.environ.get("HOVOR_LIVE_SECONDS", "8"))


# --- fixtures ---------------------------------------------------------------------------
@pytest.fixture
def fake_wa() -> Iterator[Any]:
    from fakes.whatsapp import FakeWhatsApp

    fake = FakeWhatsApp(
        app_secret=WA_CREDENTIALS["app_secret"], verify_token=WA_CREDENTIALS["verify_token"],
        access_token=WA_CREDENTIALS["access_token"], phone_number_id=PHONE_NUMBER_ID, templates=TEMPLATES,
    ).start()
    yield fake
    fake.stop()


@pytest.fixture
def wa_account(brand: Any, fake_wa: Any) -> Any:
    from channels.services import brand_account_connect

    return brand_account_connect(
        brand=brand, platform="whatsapp", handle="+15550783881", base_url=fake_wa.base_url,
        credentials=dict(WA_CREDENTIALS),
    )


@pytest.fixture
def chat_account(brand: Any) -> Any:
    from channels.services import brand_account_connect

    return brand_account_connect(brand=brand, platform="chat", handle="acme.example", credentials={})


@pytest.fixture
def dana(everyone_team: Any) -> Any:
    from django.contrib.auth.models import User

    user = User.objects.create_user("dana", password="pw-dana-123")
    AgentProfile.objects.create(user=user, display_name="Dana Horáková", signature="^DH")
    everyone_team.members.add(user)
    return user


@pytest.fixture
def contexts(browser: Browser) -> Iterator[list[BrowserContext]]:
    made: list[BrowserContext] = []
    yield made
    for context in made:
        context.close()


class Problems:
    def __init__(self) -> None:
        self.errors: list[str] = []

    def watch(self, page: Page, who: str) -> None:
        page.on("pageerror", lambda exc: self.errors.append(f"{who}: {exc}"))
        page.on("dialog", lambda d: (self.errors.append(f"{who}: dialog {d.message}"), d.dismiss()))
        page.on("response", lambda r: self.errors.append(f"{who}: {r.status} {r.url}") if r.status >= 500 else None)


@pytest.fixture
def problems() -> Problems:
    return Problems()


# --- helpers ----------------------------------------------------------------------------
def agent_page(browser: Browser, contexts: list[BrowserContext], problems: Problems, base: str, username: str,
               password: str, locale: str = "en-GB") -> Page:
    context = browser.new_context(viewport=VIEWPORT, locale=locale, timezone_id="Europe/Prague")
    contexts.append(context)
    page = context.new_page()
    problems.watch(page, username)
    log_in(page, base, username, password)
    return page


def deliver_webhooks(base: str, account: Any, fake: Any) -> None:
    """What Meta does: POST each signed delivery to the account's webhook URL."""
    for delivery in fake.take_deliveries():
        headers = {k: v for k, v in delivery.headers.items() if k.lower().startswith("x-hub")}
        headers["Content-Type"] = "application/json"
        response = requests.post(f"{base}/webhooks/whatsapp/{account.pk}/", data=delivery.body, headers=headers,
                                 timeout=10)
        assert response.status_code == 200, response.text


CHAT_HEAD = {"Content-Type": "text/plain;charset=UTF-8"}


def chat_open(base: str, account: Any, name: str) -> str:
    """A visitor opens the website chat widget (its protocol, over HTTP): their session."""
    opened = requests.post(f"{base}/chat/{account.pk}/sessions", timeout=10, headers=CHAT_HEAD,
                           data=json.dumps({"visitor_id": uuid.uuid4().hex, "name": name}))
    assert opened.status_code == 201, opened.text
    return str(opened.json()["session"])


def chat_write(base: str, account: Any, session: str, text: str) -> None:
    sent = requests.post(f"{base}/chat/{account.pk}/messages", timeout=10, headers=CHAT_HEAD, data=json.dumps(
        {"session": session, "client_msg_id": str(uuid.uuid4()), "text": text}))
    assert sent.status_code == 201, sent.text


def within_live(started: float, *checks: Callable[[float], None]) -> float:
    """Run each Playwright expectation with what is left of LIVE seconds since `started`;
    returns the seconds it took until the last one held."""
    for check in checks:
        check(max(LIVE - (time.monotonic() - started), 0.05) * 1000)
    took = time.monotonic() - started
    print(f"live update shown after {took:.2f} s")
    assert took <= LIVE, f"took {took:.2f}s"
    return took


def api(base: str, user: Any) -> requests.Session:
    session = requests.Session()
    session.headers["Authorization"] = f"Token {Token.objects.get_or_create(user=user)[0].key}"
    return session


# --- tests ------------------------------------------------------------------------------
def test_changes_reach_an_open_inbox_and_conversation_within_two_seconds(
    celery_worker_process: None, live_server: Any, browser: Browser, contexts: list[BrowserContext],
    problems: Problems, fake_wa: Any, wa_account: Any, chat_account: Any, agent: Any, dana: Any,
) -> None:
    base = live_server.url
    fake_wa.inbound("420601123456", "Dobrý den, kde je můj balík? 📦", name="Jana Nováková")
    deliver_webhooks(base, wa_account, fake_wa)
    assert wait_for(lambda: Ticket.objects.exists(), timeout=30)
    ticket = Ticket.objects.get()

    inbox = agent_page(browser, contexts, problems, base, "jana", "pw-jana-123")
    inbox.goto(base + "/?view=all")
    rows = inbox.locator("#ticket-list .ticket-row")
    expect(rows).to_have_count(1)
    conversation = agent_page(browser, contexts, problems, base, "dana", "pw-dana-123")
    conversation.goto(f"{base}/tickets/{ticket.pk}/")
    thread = conversation.locator("#thread")
    expect(thread.locator(".msg.in")).to_have_count(1)
    for page in (inbox, conversation):
        page.evaluate("window.__sameDocument = true")
    inbox.wait_for_timeout(1500)  # both pages settled on their first pulse
    took: dict[str, float] = {}

    # 1. A customer's message by signed webhook (WhatsApp), into the open conversation.
    started = time.monotonic()
    fake_wa.inbound("420601123456", "Objednávka č. 12345, prosím 🙏")
    deliver_webhooks(base, wa_account, fake_wa)
    took["webhook message"] = within_live(
        started,
        lambda ms: expect(thread.locator(".msg.in")).to_have_count(2, timeout=ms),
        lambda ms: expect(rows.first.locator(".snippet")).to_contain_text("Objednávka č. 12345", timeout=ms),
        lambda ms: expect(conversation.locator(f'#ticket-list .ticket-row[data-ticket="{ticket.pk}"] .snippet')
                          ).to_contain_text("Objednávka č. 12345", timeout=ms),
    )

    # The refreshed list beside the conversation still marks the one open.
    expect(conversation.locator("#ticket-list .ticket-row.current")).to_have_attribute("data-ticket", str(ticket.pk))

    # 2. A new conversation from the website chat.
    session = chat_open(base, chat_account, "Иван Петров")
    started = time.monotonic()
    chat_write(base, chat_account, session, "Здравейте, имам въпрос за поръчката")
    took["chat message"] = within_live(
        started,
        lambda ms: expect(rows.filter(has_text="Иван Петров")).to_have_count(1, timeout=ms),
        lambda ms: expect(conversation.locator("#ticket-list .ticket-row", has_text="Иван Петров")).to_have_count(
            1, timeout=ms),
    )
    shot(inbox, "live_inbox_arrivals")

    # 3. Someone else assigns the conversation (through the API).
    started = time.monotonic()
    answer = api(base, agent).post(f"{base}/api/v1/tickets/{ticket.pk}/assign/", json={"assignee": dana.pk},
                                   timeout=10)
    assert answer.status_code == 200, answer.text
    took["assignment"] = within_live(
        started,
        lambda ms: expect(conversation.locator("#assignee")).to_have_value(str(dana.pk), timeout=ms),
        lambda ms: expect(rows.filter(has_text="Jana Nováková").locator(".assignee")).to_contain_text(
            "Dana Horáková", timeout=ms),
    )

    # 4. And solves it.
    started = time.monotonic()
    answer = api(base, agent).post(f"{base}/api/v1/tickets/{ticket.pk}/status/", json={"status": "solved"},
                                   timeout=10)
    assert answer.status_code == 200, answer.text
    took["status"] = within_live(
        started,
        lambda ms: expect(conversation.locator("#status")).to_have_value("solved", timeout=ms),
        lambda ms: expect(rows.filter(has_text="Jana Nováková").locator(".badge.status-solved")).to_have_count(
            1, timeout=ms),
    )
    shot(conversation, "live_conversation_updated")
    for page in (inbox, conversation):
        assert page.evaluate("window.__sameDocument") is True, "the page reloaded"
    assert problems.errors == [], problems.errors
    print("live:", {k: f"{v:.2f}s" for k, v in took.items()})


def test_two_agents_see_each_other_and_the_second_is_asked_before_sending_over(
    celery_worker_process: None, live_server: Any, browser: Browser, contexts: list[BrowserContext],
    problems: Problems, fake_wa: Any, wa_account: Any, agent: Any, dana: Any,
) -> None:
    base = live_server.url
    fake_wa.inbound("420601123456", "Dobrý den, kde je můj balík? 📦", name="Jana Nováková")
    deliver_webhooks(base, wa_account, fake_wa)
    assert wait_for(lambda: Ticket.objects.exists(), timeout=30)
    ticket = Ticket.objects.get()

    jana = agent_page(browser, contexts, problems, base, "jana", "pw-jana-123", locale="cs-CZ")
    jana.goto(f"{base}/tickets/{ticket.pk}/")
    dana_page = agent_page(browser, contexts, problems, base, "dana", "pw-dana-123")
    dana_page.goto(f"{base}/tickets/{ticket.pk}/")

    # Each sees the other, by name, live.
    marker = jana.locator("#live .viewer")
    expect(marker).to_have_count(1, timeout=6000)
    expect(marker).to_contain_text("Dana Horáková")
    expect(jana.locator("#live .collision-label")).to_have_text("Také zde:")
    expect(dana_page.locator("#live .viewer")).to_contain_text("Jana Dvořáková", timeout=6000)

    # Dana types: Jana sees it.
    dana_page.locator("#reply-text").press_sequentially("Dobrý den, balík je na cestě", delay=20)
    expect(jana.locator("#live .viewer.typing .is-typing")).to_have_text("píše…", timeout=4000)
    shot(jana, "live_collision_typing_cs")
    _no_overlap(jana)

    # Jana starts her own draft; Dana sends first (the worker delivers it to WhatsApp).
    jana.locator("#reply-text").press_sequentially("Dobrý den, podívám se na to", delay=20)
    dana_page.click("#send")
    dana_page.wait_for_load_state()
    assert wait_for(lambda: len(fake_wa.outbound()) == 1, timeout=20)
    expect(jana.locator("#thread .msg.out")).to_have_count(1, timeout=4000)  # her thread shows it live

    # Jana's Send does not go out over it unknowingly: the server asks.
    jana.click("#send")
    jana.wait_for_load_state()
    question = jana.locator("#send-over")
    expect(question).to_be_visible()
    expect(question).to_contain_text("Dana Horáková")
    expect(question).to_contain_text("Dobrý den, balík je na cestě")
    expect(jana.locator("#reply-text")).to_have_value("Dobrý den, podívám se na to")
    shot(jana, "live_send_over_cs")
    _no_overlap(jana)
    assert len(fake_wa.outbound()) == 1
    assert Message.objects.filter(direction=Direction.OUT).count() == 1

    # Review: the question goes, the draft stays; now Send sends it.
    jana.click("#send-review")
    expect(question).to_have_count(0)
    expect(jana.locator("#reply-text")).to_have_value("Dobrý den, podívám se na to")
    jana.click("#send")
    jana.wait_for_load_state()
    assert wait_for(lambda: len(fake_wa.outbound()) == 2, timeout=20)
    texts = [m["text"] for m in fake_wa.outbound()]
    assert texts == ["Dobrý den, balík je na cestě ^DH", "Dobrý den, podívám se na to ^JD"]

    # Dana leaves: Jana's marker goes within a few seconds.
    dana_page.goto(base + "/")
    expect(jana.locator("#live .viewer")).to_have_count(0, timeout=5000)
    assert problems.errors == [], problems.errors


def _no_overlap(page: Page) -> None:
    """The collision bar and the send-over question sit in the flow: never over the header,
    the thread's last message or the composer's controls."""
    boxes = {name: page.locator(sel).bounding_box() for name, sel in (
        ("head", ".conv-head"), ("bar", "#live"), ("thread", "#thread"), ("composer", ".composer"))}
    head, thread, composer = boxes["head"], boxes["thread"], boxes["composer"]
    assert head and thread and composer
    if boxes["bar"]:
        bar = boxes["bar"]
        assert bar["y"] >= head["y"] + head["height"] - 1, (bar, head)
        assert bar["y"] + bar["height"] <= thread["y"] + 1, (bar, thread)
    assert thread["y"] + thread["height"] <= composer["y"] + 1, (thread, composer)
    question = page.locator("#send-over")
    if question.count():
        qbox, text = question.bounding_box(), page.locator("#reply-text").bounding_box()
        assert qbox and text and qbox["y"] + qbox["height"] <= text["y"] + 1, (qbox, text)
    assert re.match(r"^\d+$", page.locator("#seen-message-id").input_value())
