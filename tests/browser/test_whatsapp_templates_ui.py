"""A WhatsApp template sent after 24 hours, in Chromium (en and cs): the composer refuses free
text and offers the business's approved templates (synced from the fake's message_templates);
the agent picks one, its parameters start from the customer's first name and the ticket
number, the preview shows the text the customer gets, a parameter with no value blocks Send;
the template reaches the fake once and shows in the thread with its badge; opening the
conversation sent the read receipt once. Screenshots: test-artifacts/screenshots/wa-template-*."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from channels.services import account_templates_sync, brand_account_connect
from inbox.actions.people import agent_create, team_create
from inbox.models import Message
from tests.browser.conftest import PageProblems, shot
from tests.channels.whatsapp.wa_support import PHONE_NUMBER_ID, WA_CREDENTIALS, deliver_all
from tests.support import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WA_ID = "420601998877"


@pytest.fixture
def fake_graph() -> Iterator[Any]:
    from fakes.whatsapp import DEMO_WABA_ID, FakeWhatsApp

    fake = FakeWhatsApp(
        app_secret=WA_CREDENTIALS["app_secret"],
        verify_token=WA_CREDENTIALS["verify_token"],
        access_token=WA_CREDENTIALS["access_token"],
        phone_number_id=PHONE_NUMBER_ID,
        waba_id=DEMO_WABA_ID,
        status_delay=0.0,
    ).start()
    yield fake
    fake.stop()


@pytest.mark.parametrize("language", ["en", "cs"])
def test_a_whatsapp_template_sent_after_24_hours(
    live_server: Any, page: Page, problems: PageProblems, client: Any, brand: Any, fake_graph: Any, language: str
) -> None:
    account = brand_account_connect(
        brand=brand, platform="whatsapp", handle="+15550783881", base_url=fake_graph.base_url,
        credentials={k: v for k, v in WA_CREDENTIALS.items() if k != "templates"},
        options={"waba_id": fake_graph.waba_id},
    )
    assert account_templates_sync(account_id=account.pk) == 3
    agent = agent_create(username="eva", password="pw-eva-12345", display_name="Eva Svobodová", role="agent")
    team_create(name="WhatsApp care", brands=[brand], members=[agent])
    asked = fake_graph.inbound(WA_ID, "Dobrý den, kde je objednávka 5521?", name="Jana Nováková",
                               at=time.time() - 30 * 3600)
    deliver_all(client, account, fake_graph)
    message = Message.objects.select_related("ticket").get(platform_id=asked["id"])
    ticket = message.ticket
    base = live_server.url

    log_in(page, base, "eva", "pw-eva-12345")
    if language != "en":
        with page.expect_navigation():
            page.select_option(".topbar form.language select", language)
    page.goto(f"{base}/tickets/{ticket.pk}/")
    # Free text is refused with the reason; the templates are offered instead.
    page.fill("#reply-text", "Omlouváme se za zpoždění")
    expect(page.locator("#reply-meter .error")).to_be_visible()
    expect(page.locator("#template-choice")).to_be_visible()
    page.select_option("#template-choice", "follow_up|cs")
    expect(page.locator("#template-param-1")).to_have_value("{{ customer.first_name }}")
    expect(page.locator("[data-template-preview]")).to_have_text(
        f"Dobrý den, Jana, máme novinky k vašemu požadavku {ticket.pk}."
    )
    shot(page, f"wa-template-composer-{language}")

    # A parameter with no value blocks Send, with the reason.
    page.fill("#template-param-2", "")
    expect(page.locator("#template-preview .error")).to_be_visible()
    expect(page.locator("#send-template")).to_be_disabled()
    shot(page, f"wa-template-blocked-{language}")
    page.fill("#template-param-2", "5521")
    rendered = "Dobrý den, Jana, máme novinky k vašemu požadavku 5521."
    expect(page.locator("[data-template-preview]")).to_have_text(rendered)
    expect(page.locator("#send-template")).to_be_enabled()
    page.locator("#send-template").click()

    thread = page.locator("#thread")
    expect(thread.locator(".msg.out .template-badge")).to_be_visible()
    expect(thread.locator(".msg.out .text")).to_have_text(rendered)
    expect(thread.locator(".msg.out .delivery")).to_have_attribute("data-delivery", "sent")
    shot(page, f"wa-template-sent-{language}")
    [sent] = fake_graph.outbound()
    assert sent["type"] == "template"
    assert sent["template"] == {"name": "follow_up", "language": "cs", "params": ["Jana", "5521"]}
    # Opened twice (before and after sending): the customer's message was marked read once.
    assert [r["message_id"] for r in fake_graph.reads()] == [asked["id"]]
    assert not (problems.dialogs or problems.errors or problems.server_errors or problems.csp_violations), vars(
        problems
    )
