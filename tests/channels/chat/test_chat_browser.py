"""The live chat in real (headless) Chromium: the widget embedded on a page of ANOTHER
origin (a tiny http.server on its own port) in one browser context, the agent's Hovor in
another; a conversation both ways with typing indicators, a transcript by email, a reload
that keeps the conversation, and the "nobody online" offer of an email follow-up.

Celery runs eagerly inside the live server, so a reply is in the widget's stream as soon as
the agent's POST returns; the widget must show it within 2 s of the click.
Screenshots land in test-artifacts/screenshots/chat_*.png for a human to look at."""
from __future__ import annotations

import functools
import re
import threading
import time
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from playwright.sync_api import Browser, BrowserContext, Page, expect

from channels.chat import stream
from inbox.models import Ticket
from tests.support import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[3]
SHOTS = ROOT / "test-artifacts" / "screenshots"
FIRST = "Dobrý den, kde je moje objednávka č. 12345? 📦 <img src=x onerror=alert(1)>"
SECOND = "Zażółć gęślą jaźń — Здравейте! 🙏"
REPLY = "Dobrý den Jana, hned to prověřím."
REPLY_SENT_AS = REPLY + " ^JD"


# --- fixtures ---------------------------------------------------------------------------
class Problems:
    def __init__(self) -> None:
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.server_errors: list[str] = []

    def watch(self, page: Page, who: str) -> None:
        def on_dialog(dialog: Any) -> None:
            self.dialogs.append(f"{who}: {dialog.type}: {dialog.message}")
            dialog.dismiss()

        page.on("dialog", on_dialog)
        page.on("pageerror", lambda exc: self.errors.append(f"{who}: {exc}"))
        page.on(
            "response",
            lambda r: self.server_errors.append(f"{who}: {r.status} {r.url}") if r.status >= 500 else None,
        )

    def assert_clean(self) -> None:
        assert self.dialogs == [], f"a JS dialog fired (script injection?): {self.dialogs}"
        assert self.errors == [], self.errors
        assert self.server_errors == [], self.server_errors


@pytest.fixture
def problems() -> Problems:
    return Problems()


@pytest.fixture
def contexts(browser: Browser) -> Iterator[list[BrowserContext]]:
    made: list[BrowserContext] = []
    yield made
    for context in made:
        context.close()
    # The widget's event streams notice the closed connection at their next write; let them
    # end before the test database goes away under them.
    deadline = time.monotonic() + 5
    while stream.open_streams() and time.monotonic() < deadline:
        time.sleep(0.1)


@pytest.fixture
def customer_site(live_server: Any, chat_account: Any, tmp_path: Path) -> Iterator[str]:
    """A brand's own website on another origin: 127.0.0.1:<port> vs the live server's localhost."""
    (tmp_path / "index.html").write_text(
        "<!doctype html><html lang='cs'><head><meta charset='utf-8'><title>Acme e-shop</title>"
        "<link rel='icon' href='data:,'>"
        "<style>body{font:16px system-ui;margin:2rem;background:#fdfaf3} button{background:red}"
        " .launcher{display:none} li{color:red}</style></head>"
        "<body><h1>Acme e-shop</h1><p>Naše nejlepší zboží. Host page styles must not leak into the chat.</p>"
        f'<script src="{live_server.url}/chat/widget.js" data-account="{chat_account.pk}" async></script>'
        "</body></html>",
        encoding="utf-8",
    )

    # The same page under a strict Content-Security-Policy: no inline styles or scripts at all.
    origin = live_server.url
    (tmp_path / "strict.html").write_text(
        "<!doctype html><html><head><meta charset='utf-8'><title>Strict</title><link rel='icon' href='data:,'>"
        f"<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; script-src {origin}; "
        f"connect-src {origin}; style-src 'none'\"></head><body><h1>Strict CSP</h1>"
        f'<script src="{origin}/chat/widget.js" data-account="{chat_account.pk}" async></script></body></html>',
        encoding="utf-8",
    )

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(tmp_path)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/index.html"
    assert not url.startswith(live_server.url)
    yield url
    server.shutdown()
    server.server_close()


def new_page(browser: Browser, contexts: list[BrowserContext], problems: Problems, who: str, **kw: Any) -> Page:
    context = browser.new_context(**{"viewport": {"width": 1280, "height": 860}, "locale": "cs-CZ", **kw})
    contexts.append(context)
    page = context.new_page()
    problems.watch(page, who)
    return page


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"chat_{name}.png"))


def login(page: Page, base_url: str) -> None:
    log_in(page, base_url, "jana", "pw-jana-123")


# --- tests ------------------------------------------------------------------------------
def test_conversation_both_ways(
    live_server: Any, browser: Browser, contexts: list[BrowserContext], problems: Problems,
    customer_site: str, chat_account: Any, agent: Any, monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Short streams, so this conversation spans several EventSource reconnects (Last-Event-ID).
    monkeypatch.setattr(stream, "STREAM_SECONDS", 2.0)
    agent_page = new_page(browser, contexts, problems, "agent", viewport={"width": 1440, "height": 900}, locale="en-GB")
    login(agent_page, live_server.url)  # a fresh login: the widget says someone is online

    visitor = new_page(browser, contexts, problems, "visitor")
    streams: list[dict[str, str]] = []
    visitor.on("requestfinished", lambda r: streams.append(r.all_headers()) if "/events?" in r.url else None)
    visitor.goto(customer_site)
    launcher = visitor.get_by_role("button", name="Otevřít chat: Acme")
    expect(launcher).to_be_visible()
    shot(visitor, "widget_closed")

    launcher.click()
    panel = visitor.get_by_role("dialog", name="Acme")
    expect(panel).to_be_visible()
    expect(panel.get_by_text("Ahoj! Jak vám můžeme pomoci?")).to_be_visible()
    expect(panel.get_by_text("Jsme tu pro vás")).to_be_visible()
    expect(panel.locator(".notice")).to_be_hidden()
    message_box = panel.get_by_label("Zpráva")
    expect(message_box).to_be_focused()
    # The brand colour from the account options, and the host page's CSS kept out.
    head_bg = panel.locator(".head").evaluate("e => getComputedStyle(e).backgroundColor")
    assert head_bg == "rgb(15, 118, 110)"
    send_bg = panel.get_by_role("button", name="Odeslat").evaluate("e => getComputedStyle(e).backgroundColor")
    assert send_bg == "rgb(15, 118, 110)"

    panel.get_by_label("Jméno (nepovinné)").fill("Jana Nováková")
    panel.get_by_label("E-mail (nepovinný)").fill("jana@example.cz")
    message_box.fill(FIRST)
    shot(visitor, "widget_open")
    message_box.press("Enter")
    mine = panel.locator(".msg.visitor")
    expect(mine).to_have_count(1)
    expect(mine.locator(".text")).to_have_text(FIRST)
    expect(panel.locator(".msg.visitor.pending")).to_have_count(0)
    expect(panel.get_by_label("Jméno (nepovinné)")).to_be_hidden()  # asked once, before the first message

    # The agent's inbox shows the conversation by itself (htmx polling).
    row = agent_page.locator("#ticket-list .ticket-row", has_text="Jana Nováková")
    expect(row).to_have_count(1, timeout=6000)
    expect(row).to_contain_text("<img src=x onerror=alert(1)>")
    shot(agent_page, "agent_inbox")
    row.click()
    agent_page.wait_for_url(re.compile(r"/tickets/\d+/"))
    ticket = Ticket.objects.get()
    assert ticket.account_id == chat_account.pk
    expect(agent_page.locator("#thread .msg.in .text")).to_have_text(FIRST)

    # Visitor typing → the agent sees it.
    message_box.press_sequentially(SECOND[:12], delay=20)
    typing_line = agent_page.locator("#chat-visitor-typing")
    expect(typing_line).to_have_text("Visitor is typing…", timeout=4000)
    shot(agent_page, "agent_sees_typing")
    message_box.fill(SECOND)
    message_box.press("Enter")
    expect(mine).to_have_count(2)
    expect(typing_line).to_have_text("", timeout=4000)
    expect(agent_page.locator("#thread .msg.in")).to_have_count(2, timeout=6000)

    # Agent typing → the visitor sees it.
    agent_page.fill("#reply-text", REPLY[:-1])
    agent_page.type("#reply-text", REPLY[-1])
    expect(panel.get_by_text("Acme píše…")).to_be_visible(timeout=4000)
    shot(visitor, "widget_agent_typing")

    # The reply reaches the widget within 2 s of the click.
    expect(agent_page.locator("#reply-meter .preview")).to_have_text(f"Sends as: {REPLY_SENT_AS}")
    clicked = time.monotonic()
    agent_page.click(".composer button[type=submit]")
    theirs = panel.locator(".msg.agent:not(.greeting)")
    expect(theirs).to_have_count(1, timeout=2000)
    elapsed = time.monotonic() - clicked
    assert elapsed < 2.0, f"the reply took {elapsed:.2f}s to show"
    expect(theirs.locator(".text")).to_have_text(REPLY_SENT_AS)
    expect(panel.get_by_text("Acme píše…")).to_be_hidden()
    expect(agent_page.locator('#thread .msg.out [data-delivery="sent"]')).to_have_count(1, timeout=5000)
    shot(visitor, "widget_reply")
    shot(agent_page, "agent_replied")
    print(f"reply shown in the widget {elapsed:.2f}s after the agent clicked Send")

    # Hostile text is shown as text in the widget, never run (no <img> inside the bubbles).
    assert panel.locator(".msg img").count() == 0
    # Reconnects resumed where they left off: nothing shown twice, nothing lost.
    visitor.wait_for_timeout(2500)
    expect(panel.locator(".msg.visitor")).to_have_count(2)
    expect(theirs).to_have_count(1)
    resumed = [h for h in streams if h.get("last-event-id")]
    assert len(streams) >= 2 and resumed, streams

    # Transcript by email (the address from the intro is offered).
    panel.get_by_role("button", name="Poslat konverzaci e-mailem").click()
    expect(panel.get_by_label("Poslat přepis na")).to_have_value("jana@example.cz")
    panel.get_by_role("button", name="Poslat přepis").click()
    expect(panel.get_by_text("Přepis odeslán na jana@example.cz.")).to_be_visible()
    (sent,) = mail.outbox
    assert FIRST in sent.body and SECOND in sent.body and REPLY_SENT_AS in sent.body

    # A reload (or the next page of the site) brings the conversation back, in order.
    visitor.reload()
    expect(panel).to_be_visible()  # it was open: it stays open
    expect(panel.locator(".msg .text")).to_have_text(
        ["Ahoj! Jak vám můžeme pomoci?", FIRST, SECOND, REPLY_SENT_AS], timeout=5000
    )
    shot(visitor, "widget_after_reload")

    # Escape closes the panel and gives focus back to the launcher.
    visitor.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    expect(visitor.get_by_role("button", name="Otevřít chat: Acme")).to_be_focused()

    # A reply while the panel is closed: an unread badge on the launcher.
    agent_page.fill("#reply-text", "Balík odešel dnes ráno.")
    agent_page.click(".composer button[type=submit]")
    unread = visitor.get_by_role("button", name="Otevřít chat (1 nové)")
    expect(unread).to_be_visible(timeout=3000)
    expect(unread.locator(".badge")).to_have_text("1")
    shot(visitor, "widget_unread")
    unread.click()
    replies = panel.locator(".msg.agent:not(.greeting) .text")
    expect(replies).to_have_text([REPLY_SENT_AS, "Balík odešel dnes ráno. ^JD"])
    expect(visitor.locator("[data-hovor-chat] .badge")).to_be_hidden()
    assert Ticket.objects.count() == 1
    assert Ticket.objects.get().messages.count() == 4
    problems.assert_clean()


def test_nobody_online_offers_email_followup(
    live_server: Any, browser: Browser, contexts: list[BrowserContext], problems: Problems,
    customer_site: str, chat_account: Any,
) -> None:
    visitor = new_page(browser, contexts, problems, "visitor", viewport={"width": 420, "height": 760})
    visitor.goto(customer_site)
    visitor.get_by_role("button", name="Otevřít chat: Acme").click()
    panel = visitor.get_by_role("dialog", name="Acme")
    expect(panel.locator(".head")).to_contain_text("Teď tu nikdo není")
    expect(panel.locator(".notice")).to_contain_text("We answer 8–17 CET")
    expect(panel.locator(".notice")).to_contain_text("Nechte nám e-mail a odpovíme i tam.")
    panel.get_by_label("Zpráva").fill("Потрябва ми фактура, моля.")
    panel.get_by_label("Zpráva").press("Enter")
    expect(panel.locator(".msg.visitor:not(.pending)")).to_have_count(1)
    panel.get_by_label("Váš e-mail").fill("ivan@example.bg")
    shot(visitor, "offline")
    panel.get_by_role("button", name="Pošlete mi odpověď e-mailem").click()
    expect(panel.get_by_text("Děkujeme — odpovíme také na ivan@example.bg.")).to_be_visible()
    expect(panel.get_by_text("Nechte nám e-mail a odpovíme i tam.")).to_be_hidden()
    shot(visitor, "offline_followup")
    from channels.chat.models import ChatSession

    session = ChatSession.objects.get()
    assert session.followup_by_email and session.email == "ivan@example.bg"
    problems.assert_clean()


def test_widget_works_under_a_strict_csp(
    live_server: Any, browser: Browser, contexts: list[BrowserContext], problems: Problems,
    customer_site: str, chat_account: Any,
) -> None:
    visitor = new_page(browser, contexts, problems, "visitor")
    violations: list[str] = []
    visitor.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    visitor.goto(customer_site.replace("index.html", "strict.html"))
    visitor.get_by_role("button", name="Otevřít chat: Acme").click()
    panel = visitor.get_by_role("dialog", name="Acme")
    expect(panel).to_be_visible()
    assert panel.locator(".head").evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(15, 118, 110)"
    panel.get_by_label("Zpráva").fill("Funguje to i tady? ✅")
    panel.get_by_label("Zpráva").press("Enter")
    expect(panel.locator(".msg.visitor:not(.pending)")).to_have_count(1)
    shot(visitor, "strict_csp")
    assert violations == [], violations
    # The widget shows the message once the chat stored it; the conversation is made by
    # ingest just after (in the live server's thread): wait for it, up to ten seconds.
    deadline = time.monotonic() + 10
    while not Ticket.objects.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert Ticket.objects.get().messages.get().text == "Funguje to i tady? ✅"
    problems.assert_clean()


def test_out_of_hours_visitor_is_told_when_the_team_answers(
    live_server: Any, browser: Browser, contexts: list[BrowserContext], problems: Problems,
    customer_site: str, chat_account: Any, agent: Any,
) -> None:
    """Issue 10: outside staffed hours the visitor gets one acknowledgement, in their language,
    with the moment the team is next at work (in the brand's zone), signed by the brand."""
    from datetime import datetime, time, timedelta
    from zoneinfo import ZoneInfo

    from django.utils import formats, translation

    from shifts.actions import business_hours_set
    from shifts.selectors import Period

    prague = ZoneInfo("Europe/Prague")
    opens = (datetime.now(prague) + timedelta(days=2)).replace(hour=9, minute=0, second=0, microsecond=0)
    business_hours_set(brand=chat_account.brand, timezone="Europe/Prague",
                       periods=[Period(opens.weekday(), time(9, 0), time(10, 0))])
    with translation.override("cs"):
        when = formats.date_format(opens, "j. E, H:i")

    visitor = new_page(browser, contexts, problems, "visitor", viewport={"width": 420, "height": 760})
    visitor.goto(customer_site)
    visitor.get_by_role("button", name="Otevřít chat: Acme").click()
    panel = visitor.get_by_role("dialog", name="Acme")
    panel.get_by_label("Zpráva").fill(
        "Dobrý den, prosím vás, kde je moje objednávka? Čekám už týden a nikdo mi neodpověděl."
    )
    panel.get_by_label("Zpráva").press("Enter")
    answer = panel.locator(".msg.agent:not(.greeting)")
    expect(answer).to_have_count(1, timeout=8000)
    expect(answer).to_contain_text(f"odpovíme vám od {when}")
    expect(answer).to_contain_text(chat_account.brand.name)
    shot(visitor, "out_of_hours_acknowledgement")
    panel.get_by_label("Zpráva").fill("A ještě jedna otázka.")
    panel.get_by_label("Zpráva").press("Enter")
    expect(panel.locator(".msg.visitor:not(.pending)")).to_have_count(2)
    visitor.wait_for_timeout(1500)
    expect(answer).to_have_count(1)  # never twice
    problems.assert_clean()
