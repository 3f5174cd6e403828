"""Customer-supplied strings carrying the usual XSS payloads, through every inbound path
(X mentions, e-mail names, subjects, bodies and attachment filenames, WhatsApp texts,
captions and document names, Facebook comments and commenter names, Telegram names, texts and
captions, Viber names and texts, website chat visitors' names, emails, pages and texts), ingested by the real
pipeline and rendered in Chromium in the inbox list and each conversation: nothing runs
(no dialog, no global marker set), no injected element exists, the text is shown as text."""
from __future__ import annotations

import base64
import json
import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from channels.chat.parser import platform_id_for
from channels.email.parser import EVENT_KIND, event_platform_id
from channels.inbound import account_poll, inbound_events_record
from channels.registry import get_connector
from channels.services import brand_account_connect
from channels.types import RawEvent
from channels.whatsapp.connector import split_delivery as wa_split
from inbox.models import Ticket
from inbox.pipeline import inbound_events_ingest
from tests.browser.conftest import PageProblems, shot
from tests.channels.facebook.meta_support import credentials as meta_credentials
from tests.channels.webhook_support import fixture_bytes
from tests.channels.whatsapp.wa_support import WA_CREDENTIALS
from tests.support import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Each sets window.__xss if it ever runs, and carries data-xss so an injected element shows.
PAYLOADS = [
    '<img src=x data-xss onerror="window.__xss=1;alert(1)">',
    "<script data-xss>window.__xss=1;alert(2)</script>",
    '"><svg data-xss onload="window.__xss=1">',
    "'><iframe data-xss srcdoc=\"<script>parent.__xss=1</script>\"></iframe>",
    '<a data-xss href="javascript:window.__xss=1">klik</a>',
    "{{ 7|add:7 }}{% now 'Y' %}",
]
HOSTILE = " ".join(PAYLOADS)


def ingest(account: Any, events: list[RawEvent]) -> None:
    inbound_events_ingest(event_ids=inbound_events_record(account=account, events=events))


def through_x(fake_x: Any, x_account: Any) -> None:
    fake_x.inbound(author="@mallory", name=f"Mallory {PAYLOADS[0]}", text=f"@AcmeCare {HOSTILE}")
    assert account_poll(account_id=x_account.pk) == 1


def through_email(brand: Any) -> None:
    account = brand_account_connect(brand=brand, platform="email", handle="support@acme.example", credentials={
        "address": "support@acme.example", "imap_host": "127.0.0.1", "imap_port": 1, "imap_user": "s",
        "imap_password": "x", "imap_ssl": False, "smtp_host": "127.0.0.1", "smtp_port": 1, "smtp_user": "s",
        "smtp_password": "x", "smtp_ssl": False, "smtp_starttls": False,
    })
    name = base64.b64encode(f"Eve {PAYLOADS[1]}".encode()).decode()
    raw = (
        f"From: =?utf-8?B?{name}?= <eve@example.cz>\nTo: support@acme.example\n"
        f"Subject: Objednávka {PAYLOADS[2]}\nMessage-ID: <xss-1@example.cz>\nDate: Mon, 23 Nov 2026 10:00:00 +0100\n"
        'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="b"\n\n'
        "--b\nContent-Type: text/plain; charset=utf-8\n\n"
        f"{HOSTILE}\n--b\nContent-Type: application/pdf\n"
        f"Content-Disposition: attachment; filename=\"{PAYLOADS[0].replace(chr(34), '')}.pdf\"\n\nJVBERi0K\n--b--\n"
    ).encode()
    payload = {"raw": base64.b64encode(raw).decode(), "address": "support@acme.example"}
    ingest(account, [RawEvent(event_platform_id(raw), EVENT_KIND, payload)])


def through_whatsapp(brand: Any) -> None:
    account = brand_account_connect(brand=brand, platform="whatsapp", handle="+1 555", credentials=WA_CREDENTIALS)
    text = json.loads(fixture_bytes("whatsapp", "messages__text.json"))
    value = text["entry"][0]["changes"][0]["value"]
    value["contacts"][0]["profile"]["name"] = f"Walter {PAYLOADS[3]}"
    value["messages"][0]["text"]["body"] = HOSTILE
    image = json.loads(fixture_bytes("whatsapp", "messages__image_caption.json"))
    image["entry"][0]["changes"][0]["value"]["messages"][0]["image"]["caption"] = HOSTILE
    document = json.loads(fixture_bytes("whatsapp", "messages__document.json"))
    document["entry"][0]["changes"][0]["value"]["messages"][0]["document"]["filename"] = PAYLOADS[0] + ".pdf"
    ingest(account, wa_split(text) + wa_split(image) + wa_split(document))


def through_facebook(brand: Any) -> None:
    account = brand_account_connect(
        brand=brand, platform="facebook", handle="Acme", credentials=meta_credentials("facebook")
    )
    delivery = json.loads(fixture_bytes("facebook", "feed__comment_add_top_level.json"))
    value = delivery["entry"][0]["changes"][0]["value"]
    value["from"]["name"], value["message"] = f"Frank {PAYLOADS[4]}", HOSTILE
    ingest(account, get_connector("facebook").split(delivery, own_ids=frozenset()))  # type: ignore[attr-defined]


def through_telegram(brand: Any) -> None:
    from channels.telegram import parser as tg

    account = brand_account_connect(brand=brand, platform="telegram", handle="@AcmeCareBot", credentials={
        "bot_token": "123456789:AAtestTelegramToken_for-Hovor42", "webhook_secret": "s", "mode": "webhook"})
    text = json.loads(fixture_bytes("telegram", "message__private_text_czech.json"))
    text["message"]["from"]["first_name"] = text["message"]["chat"]["first_name"] = f"Tomas {PAYLOADS[1]}"
    text["message"]["from"]["username"] = text["message"]["chat"]["username"] = "tomas_x"
    text["message"]["text"] = HOSTILE
    photo = json.loads(fixture_bytes("telegram", "message__photo_caption.json"))
    photo["message"]["caption"] = HOSTILE
    ingest(account, [tg.update_event(text), tg.update_event(photo)])


def through_viber(brand: Any) -> None:
    from channels.viber import parser as vb

    account = brand_account_connect(brand=brand, platform="viber", handle="Acme Care", credentials={
        "auth_token": "4a5b6c7d8e9f0a1b-2c3d4e5f6a7b8c9d-0e1f2a3b4c5d6e7f"})
    callback = json.loads(fixture_bytes("viber", "message__text_czech.json"))
    callback["sender"]["name"] = f"Viktor {PAYLOADS[2]}"
    callback["message"]["text"] = HOSTILE
    event = vb.raw_event(callback)
    assert event is not None
    ingest(account, [event])


def through_chat(brand: Any) -> None:
    account = brand_account_connect(brand=brand, platform="chat", handle="acme.example", credentials={})
    visit = json.loads(fixture_bytes("chat", "chat__named_with_email.json"))
    visit.update(name=f"Chloe {PAYLOADS[3]}", email=f"chloe{PAYLOADS[0]}@example.cz", text=HOSTILE,
                 page=f"https://shop.example/?q={PAYLOADS[4]}")
    ingest(account, [RawEvent(platform_id_for(visit["session"], visit["client_msg_id"]), "chat", visit)])


def assert_nothing_ran(page: Page, problems: PageProblems, where: str) -> None:
    page.wait_for_timeout(300)  # let onerror/onload handlers fire, if any were injected
    assert page.evaluate("window.__xss") is None, f"{where}: an injected script ran"
    assert page.locator("[data-xss]").count() == 0, f"{where}: an injected element exists"
    assert not problems.dialogs, f"{where}: {problems.dialogs}"
    assert not problems.server_errors, f"{where}: {problems.server_errors}"


def test_xss_payloads_from_every_inbound_path_never_run(
    live_server: Any, page: Page, problems: PageProblems, brand: Any, fake_x: Any, x_account: Any, agent: Any
) -> None:
    through_x(fake_x, x_account)
    through_email(brand)
    through_whatsapp(brand)
    through_facebook(brand)
    through_telegram(brand)
    through_viber(brand)
    through_chat(brand)
    tickets = list(Ticket.objects.order_by("id"))
    assert {t.account.platform for t in tickets} >= {
        "x", "email", "whatsapp", "facebook", "telegram", "viber", "chat"}

    log_in(page, live_server.url, "jana", "pw-jana-123")
    expect(page.locator("#ticket-list .ticket-row")).to_have_count(len(tickets))
    assert_nothing_ran(page, problems, "inbox list")
    shot(page, "hostile-inbox")
    page.screenshot(path="/tmp/shots-hostile/inbox.png")
    expect(page.locator("#ticket-list")).to_contain_text("<script data-xss>")  # shown as text

    for ticket in tickets:
        page.goto(f"{live_server.url}/tickets/{ticket.pk}/")
        expect(page.locator(".msg").first).to_be_visible()
        assert_nothing_ran(page, problems, f"conversation {ticket.pk} ({ticket.account.platform})")
        if ticket.messages.filter(text__contains="data-xss").exists():
            shown = page.locator(".msg .text", has_text=re.compile(r"<(img|script|svg|iframe|a) data-xss"))
            expect(shown.first).to_be_visible()  # the payload is there, as text
        page.screenshot(path=f"/tmp/shots-hostile/conversation-{ticket.account.platform}.png", full_page=True)


def test_xss_payloads_never_run_in_notifications_and_reports(
    live_server: Any, page: Page, problems: PageProblems, brand: Any, agent: Any
) -> None:
    """The bell's page quotes colleagues' notes and the leads' reports list customers by
    name: the same payloads, shown as text, run nowhere."""
    from notifications.actions import notify

    through_telegram(brand)
    through_chat(brand)
    agent.is_staff = True  # an admin sees the reports of every brand
    agent.save()
    notify(recipient=agent, kind="mention", text=f"@Mallory · #1: {HOSTILE}", url="/")

    log_in(page, live_server.url, "jana", "pw-jana-123")
    page.goto(f"{live_server.url}/notifications/")
    expect(page.locator(".notification").first).to_contain_text("<script data-xss>")
    assert_nothing_ran(page, problems, "notifications")
    page.goto(f"{live_server.url}/reports/?start=2025-01-01&end=2025-12-31")  # the fixtures are of 2025
    expect(page.locator("body")).to_contain_text("Chloe '><iframe data-xss")
    assert_nothing_ran(page, problems, "reports")
    page.screenshot(path="/tmp/shots-hostile/reports.png", full_page=True)
