"""Newcomers' drafts in Chromium, in the four languages: a newcomer's reply waits ("Send for
approval"); the lead sees the count in the top bar, edits the draft on the queue page and
approves it; the reply reaches the fake X once, signed by the newcomer; the newcomer sees it
sent; a second draft comes back with the lead's comment. Screenshots: test-artifacts/
screenshots/drafts-*."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from channels.inbound import account_poll
from inbox.actions.people import agent_create, team_create
from inbox.models import OutboundMessage, ReplyDraft, Ticket
from tests.browser.conftest import PageProblems, shot
from tests.support import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _as(page: Page, base: str, username: str, password: str, language: str) -> None:
    page.goto("about:blank")  # no poll of the last page racing the next login
    page.context.clear_cookies()
    log_in(page, base, username, password)
    page.wait_for_url(base + "/")
    if language != "en":
        with page.expect_navigation():
            page.select_option(".topbar form.language select", language)


@pytest.mark.parametrize("language", ["en", "cs", "pl", "bg"])
def test_a_newcomers_draft_waits_for_the_lead(
    live_server: Any, page: Page, problems: PageProblems, fake_x: Any, x_account: Any, language: str
) -> None:
    newcomer = agent_create(username="nova", password="pw-nova-12345", display_name="Nova Nováková", role="newcomer")
    lead = agent_create(username="lea", password="pw-lea-12345", display_name="Lea Lead", role="lead")
    team_create(name="Acme care", brands=[x_account.brand], members=[newcomer, lead])
    fake_x.inbound(author="@jnovakova", name="Jana Nováková", text="Kde je moje objednávka? 📦")
    fake_x.inbound(author="@kowalski", name="Marek Kowalski", text="Gdzie moja paczka?")
    assert account_poll(account_id=x_account.pk) == 2
    first, second = Ticket.objects.order_by("pk")
    base = live_server.url

    # The newcomer answers both conversations: each waits, nothing goes out.
    _as(page, base, "nova", "pw-nova-12345", language)
    for ticket, text in ((first, "Dobrý den, prověřím to."), (second, "Nie wiem.")):
        page.goto(f"{base}/tickets/{ticket.pk}/")
        expect(page.locator("#reply-meter .counter")).to_be_visible()
        page.fill("#reply-text", text)
        if ticket == first:
            shot(page, f"drafts-newcomer-composer-{language}")
        page.locator("#send").click()
        expect(page.locator("#ticket-drafts .draft-status-waiting")).to_be_visible()
    shot(page, f"drafts-newcomer-waiting-{language}")
    assert fake_x.outbound() == [] and not OutboundMessage.objects.exists()

    # The lead sees two waiting in the top bar, edits the first and approves it, returns the second.
    _as(page, base, "lea", "pw-lea-12345", language)
    expect(page.locator("#drafts-count")).to_have_text("2")
    page.locator("#drafts-link").click()
    drafts = ReplyDraft.objects.order_by("pk")
    one, two = drafts[0], drafts[1]
    expect(page.locator(f"#draft-{one.pk} .draft-answers")).to_contain_text("Kde je moje objednávka?")
    shot(page, f"drafts-lead-queue-{language}")
    page.fill(f"#draft-text-{one.pk}", "Dobrý den, balík je na cestě 🚚")
    page.locator(f"#draft-{one.pk} [data-draft-approve]").click()
    expect(page.locator(f"#draft-{one.pk}")).to_have_count(0)
    expect(page.locator("#drafts-count")).to_have_text("1")
    page.fill(f"#draft-comment-{two.pk}", "Zapytaj o numer zamówienia")
    page.locator(f"#draft-{two.pk} [data-draft-return]").click()
    expect(page.locator(".draft")).to_have_count(0)
    expect(page.locator("#drafts-count")).to_have_count(0)
    assert [s["text"] for s in fake_x.outbound()] == ["Dobrý den, balík je na cestě 🚚 ^NN"]

    # The conversation's timeline shows the draft and what happened to it.
    page.goto(f"{base}/tickets/{first.pk}/")
    expect(page.locator("#ticket-drafts .draft-status-sent_edited")).to_be_visible()
    shot(page, f"drafts-lead-timeline-{language}")

    # The newcomer sees one sent after edit, one returned with the comment, and is told.
    _as(page, base, "nova", "pw-nova-12345", language)
    expect(page.locator("#bell .bell-count")).to_have_text("2")
    page.locator("#my-drafts-link").click()
    expect(page.locator(f"#my-draft-{one.pk} .draft-status-sent_edited")).to_be_visible()
    expect(page.locator(f"#my-draft-{one.pk}")).to_contain_text("balík je na cestě")
    expect(page.locator(f"#my-draft-{two.pk} .draft-status-returned")).to_be_visible()
    expect(page.locator(f"#my-draft-{two.pk}")).to_contain_text("Zapytaj o numer zamówienia")
    shot(page, f"drafts-newcomer-mine-{language}")
    assert len(fake_x.outbound()) == 1  # sent once
    assert not problems.errors and not problems.server_errors, (problems.errors, problems.server_errors)
