"""The one-key "I'm looking into it" in Chromium (en and cs): `?` lists the key; `l` on the
focused inbox row sends it in that customer's language (Czech), signed; the conversation's
button sends it (Polish); `l` on a conversation sends it (Bulgarian) unless the agent is
typing in a field. Each reaches the fake X once. Screenshots: test-artifacts/screenshots/ack-*."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from inbox.actions.acknowledgement import DEFAULT_TEXTS
from inbox.models import Ticket
from tests.browser.conftest import PageProblems, shot
from tests.support import log_in, make_ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PEOPLE = [
    ("@jnovakova", "Jana Nováková", "Kde je moje objednávka?", "cs"),
    ("@kowalski", "Marek Kowalski", "Gdzie jest moja paczka?", "pl"),
    ("@ivanp", "Иван Петров", "Къде е пратката ми?", "bg"),
]


@pytest.mark.parametrize("language", ["en", "cs"])
def test_acknowledge_by_key_on_a_row_and_from_the_conversation(
    live_server: Any, page: Page, problems: PageProblems, fake_x: Any, x_account: Any, agent: Any, language: str
) -> None:
    tickets = []
    for handle, name, text, lang in PEOPLE:
        ticket, _tweet = make_ticket(fake_x, x_account, handle, name, text)
        Ticket.objects.filter(pk=ticket.pk).update(language=lang)
        tickets.append(ticket)
    jana, marek, ivan = tickets
    base = live_server.url
    log_in(page, base, "jana", "pw-jana-123")
    if language != "en":
        with page.expect_navigation():
            page.select_option(".topbar form.language select", language)

    # The key is in the list of shortcuts; every waiting row has the small button.
    page.goto(f"{base}/?view=waiting")
    expect(page.locator("#ticket-list [data-ack]")).to_have_count(3)
    page.keyboard.press("?")
    expect(page.locator("dialog#shortcuts kbd", has_text="l")).to_be_visible()
    shot(page, f"ack-shortcuts-{language}")
    page.keyboard.press("Escape")
    shot(page, f"ack-inbox-{language}")

    # `l` on the focused row (the oldest waiting: Jana's, in Czech).
    page.keyboard.press("j")
    expect(page.locator("#ticket-list .triage-row.focused")).to_contain_text("Jana")
    with page.expect_navigation():
        page.keyboard.press("l")
    expect(page.locator(".flash")).to_contain_text(f"#{jana.pk}")
    expect(page.locator(".flash")).to_contain_text("Díky za zprávu, už se na to dívám. ^JD")
    expect(page.locator(f'#ticket-list [data-ack="{jana.pk}"]')).to_have_count(0)
    shot(page, f"ack-inbox-sent-{language}")
    assert [s["text"] for s in fake_x.outbound()] == [f"{DEFAULT_TEXTS['cs']} ^JD"]

    # The conversation's button (Marek, in Polish), showing what it sends.
    page.goto(f"{base}/tickets/{marek.pk}/")
    expect(page.locator("[data-ack-text]")).to_have_text(f"{DEFAULT_TEXTS['pl']} ^JD")
    shot(page, f"ack-conversation-{language}")
    with page.expect_navigation():
        page.locator("#ack-send").click()
    expect(page.locator("#thread .ack-badge")).to_be_visible()
    expect(page.locator("#ack-send")).to_have_count(0)
    shot(page, f"ack-conversation-sent-{language}")

    # `l` in the reply box is a letter; on the page it sends (Ivan, in Bulgarian).
    page.goto(f"{base}/tickets/{ivan.pk}/")
    expect(page.locator("#ack-send")).to_be_enabled()
    page.locator("#reply-text").click()
    page.keyboard.type("hello")
    expect(page.locator("#reply-text")).to_have_value("hello")
    assert len(fake_x.outbound()) == 2
    page.evaluate("document.activeElement.blur()")
    with page.expect_navigation():
        page.keyboard.press("l")
    expect(page.locator("#thread .ack-badge")).to_be_visible()
    assert [s["text"] for s in fake_x.outbound()] == [
        f"{DEFAULT_TEXTS['cs']} ^JD", f"{DEFAULT_TEXTS['pl']} ^JD", f"{DEFAULT_TEXTS['bg']} ^JD",
    ]
    assert not problems.errors and not problems.server_errors, (problems.errors, problems.server_errors)


@pytest.mark.parametrize("language", ["en", "cs"])
def test_an_admin_words_it_for_the_brand(
    live_server: Any, page: Page, problems: PageProblems, x_account: Any, language: str
) -> None:
    from django.contrib.auth.models import User

    from inbox.models import BrandAcknowledgement

    User.objects.create_user("boss", password="pw-boss-123", is_staff=True, is_superuser=True)
    log_in(page, live_server.url, "boss", "pw-boss-123")
    if language != "en":
        with page.expect_navigation():
            page.select_option(".topbar form.language select", language)
    page.goto(f"{live_server.url}/settings/replies/")
    field = page.locator(f"#ack-{x_account.brand_id}-cs")
    expect(field).to_have_attribute("placeholder", DEFAULT_TEXTS["cs"])
    field.fill("Dobrý den {{ customer.first_name }}, koukám na to.")
    with page.expect_navigation():
        page.locator(f"#acknowledgement-{x_account.brand_id} button[type=submit]").click()
    own = "Dobrý den {{ customer.first_name }}, koukám na to."
    expect(page.locator(f"#ack-{x_account.brand_id}-cs")).to_have_value(own)
    page.locator("#brand-acknowledgements").scroll_into_view_if_needed()
    shot(page, f"ack-settings-{language}")
    assert BrandAcknowledgement.objects.get().texts == {"cs": own}
    assert not problems.errors and not problems.server_errors, (problems.errors, problems.server_errors)
