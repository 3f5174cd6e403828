"""A newcomer's WhatsApp template after 24 hours, in Chromium (en and cs): the composer offers
the approved templates with "Send for approval"; the draft waits (nothing reaches the fake);
the lead sees it in the queue as a template (nothing to edit) and approves it; it reaches the
fake once, as the template. Screenshots: test-artifacts/screenshots/wa-template-draft-*."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from channels.services import account_templates_sync, brand_account_connect
from inbox.actions.people import agent_create, team_create
from inbox.models import Message, ReplyDraft
from tests.browser.conftest import PageProblems, shot
from tests.channels.whatsapp.wa_support import PHONE_NUMBER_ID, WA_CREDENTIALS, deliver_all
from tests.support import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WA_ID = "420601998877"


@pytest.fixture
def fake_graph() -> Iterator[Any]:
    from fakes.whatsapp import DEMO_WABA_ID, FakeWhatsApp

    fake = FakeWhatsApp(
        app_secret=WA_CREDENTIALS["app_secret"], verify_token=WA_CREDENTIALS["verify_token"],
        access_token=WA_CREDENTIALS["access_token"], phone_number_id=PHONE_NUMBER_ID, waba_id=DEMO_WABA_ID,
        status_delay=0.0,
    ).start()
    yield fake
    fake.stop()


def _as(page: Page, base: str, username: str, password: str, language: str) -> None:
    page.goto("about:blank")
    page.context.clear_cookies()
    log_in(page, base, username, password)
    if language != "en":
        with page.expect_navigation():
            page.select_option(".topbar form.language select", language)


@pytest.mark.parametrize("language", ["en", "cs"])
def test_a_newcomers_template_waits_for_the_lead(
    live_server: Any, page: Page, problems: PageProblems, client: Any, brand: Any, fake_graph: Any, language: str
) -> None:
    account = brand_account_connect(
        brand=brand, platform="whatsapp", handle="+15550783881", base_url=fake_graph.base_url,
        credentials={k: v for k, v in WA_CREDENTIALS.items() if k != "templates"},
        options={"waba_id": fake_graph.waba_id},
    )
    assert account_templates_sync(account_id=account.pk) == 3
    nova = agent_create(username="nova", password="pw-nova-12345", display_name="Nova Nováková", role="newcomer")
    lea = agent_create(username="lea", password="pw-lea-12345", display_name="Lea Lead", role="lead")
    team_create(name="WhatsApp care", brands=[brand], members=[nova, lea])
    asked = fake_graph.inbound(WA_ID, "Dobrý den, kde je objednávka 5521?", name="Jana Nováková",
                               at=time.time() - 30 * 3600)
    deliver_all(client, account, fake_graph)
    ticket = Message.objects.select_related("ticket").get(platform_id=asked["id"]).ticket
    base = live_server.url
    rendered = "Dobrý den, Jana, máme novinky k vašemu požadavku 5521."

    _as(page, base, "nova", "pw-nova-12345", language)
    page.goto(f"{base}/tickets/{ticket.pk}/")
    expect(page.locator("#template-choice")).to_be_visible()
    page.select_option("#template-choice", "follow_up|cs")
    expect(page.locator("#template-param-1")).to_have_value("{{ customer.first_name }}")
    # The Czech one is in place (the fields come back from the preview), then the number.
    expect(page.locator("[data-template-preview]")).to_have_text(
        f"Dobrý den, Jana, máme novinky k vašemu požadavku {ticket.pk}."
    )
    page.wait_for_timeout(300)  # htmx has wired the fields it just swapped in
    page.fill("#template-param-2", "")
    expect(page.locator("#send-template")).to_be_disabled()  # an empty parameter blocks it
    page.fill("#template-param-2", "5521")
    expect(page.locator("[data-template-preview]")).to_have_text(rendered)
    expect(page.locator("#send-template")).to_have_text("Odeslat ke schválení" if language == "cs"
                                                       else "Send for approval")
    shot(page, f"wa-template-draft-newcomer-{language}")
    page.locator("#send-template").click()
    expect(page.locator("#ticket-drafts .draft-status-waiting")).to_be_visible()
    expect(page.locator("#ticket-drafts .template-badge")).to_be_visible()
    assert fake_graph.outbound() == []

    _as(page, base, "lea", "pw-lea-12345", language)
    page.goto(f"{base}/drafts/")
    draft = ReplyDraft.objects.get()
    card = page.locator(f"#draft-{draft.pk}")
    expect(card.locator(".template-badge")).to_be_visible()
    expect(card.locator(".draft-text")).to_have_text(rendered)
    expect(card.locator("textarea")).to_have_count(0)
    shot(page, f"wa-template-draft-lead-{language}")
    card.locator("[data-draft-approve]").click()
    expect(page.locator(f"#draft-{draft.pk}")).to_have_count(0)
    [sent] = fake_graph.outbound()
    assert sent["type"] == "template"
    assert sent["template"] == {"name": "follow_up", "language": "cs", "params": ["Jana", "5521"]}
    page.goto(f"{base}/tickets/{ticket.pk}/")
    expect(page.locator("#thread .msg.out .template-badge")).to_be_visible()
    shot(page, f"wa-template-draft-sent-{language}")
    assert not problems.errors and not problems.server_errors, (problems.errors, problems.server_errors)
