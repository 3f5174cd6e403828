"""The customer's profile in Chromium (issue 9), in English and Czech: from the
conversation's panel to the profile page, edit the profile, merge the chat visitor who gave
the same email (suggested), see both conversations, undo the merge. Screenshots:
test-artifacts/screenshots/customer-*."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from channels.chat.parser import parse_visitor_message
from channels.services import brand_account_connect
from inbox.actions.tickets import ticket_ingest_message
from inbox.models import Customer, CustomerMerge, Identity, Ticket
from tests.browser.conftest import PageProblems, shot
from tests.support import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

T0 = datetime(2026, 11, 20, 9, tzinfo=UTC)
COPY_TO = Path("/tmp/shots-customer")


def _visitor(account: Any, visitor: str, name: str, email: str, text: str, at: datetime) -> Ticket:
    payload = {"session": f"s-{visitor}", "visitor_id": visitor, "client_msg_id": f"m-{visitor}", "text": text,
               "name": name, "email": email, "received_at": at.isoformat()}
    (incoming,) = parse_visitor_message(payload)
    return ticket_ingest_message(account=account, incoming=incoming).message.ticket


def _shot(page: Page, name: str) -> None:
    path = shot(page, name)
    if COPY_TO.parent.exists():
        COPY_TO.mkdir(exist_ok=True)
        shutil.copy(path, COPY_TO / path.name)


@pytest.mark.parametrize("language", ["en", "cs"])
def test_edit_merge_a_suggestion_and_undo(
    live_server: Any, page: Page, problems: PageProblems, brand: Any, agent: Any, language: str
) -> None:
    chat = brand_account_connect(brand=brand, platform="chat", handle="shop.example", credentials={})
    first = _visitor(chat, "v1", "Jana Nováková", "jana@example.cz", "Dobrý den, kde je objednávka 12345? 📦", T0)
    second = _visitor(chat, "v2", "Jana <b>N</b>", "Jana@Example.cz", "Ještě jedna otázka…", T0 + timedelta(days=1))
    base = live_server.url
    log_in(page, base, "jana", "pw-jana-123")
    page.wait_for_url(base + "/")
    if language != "en":
        with page.expect_navigation():
            page.select_option(".topbar form.language select", language)

    # The conversation's panel suggests the other visitor and links the profile.
    page.goto(f"{base}/tickets/{first.pk}/")
    expect(page.locator(".side .merge li")).to_contain_text("jana@example.cz")
    expect(page.locator(".side .merge li")).to_contain_text("Jana <b>N</b>")  # shown as text, never markup
    _shot(page, f"customer-panel-{language}")
    page.locator("#customer-profile").click()
    page.wait_for_url(f"{base}/customers/{first.customer_id}/")

    # Edit the profile.
    page.fill("#c-phone", "+420 601 123 456")
    page.select_option("#c-language", "cs")
    page.fill("#c-tags", "vip, eshop")
    page.fill("#c-notes", "Preferuje e-mail. Objednávka 12345.")
    page.locator("#customer-save").click()
    expect(page.locator("#c-phone")).to_have_value("+420601123456")
    customer = Customer.objects.get(pk=first.customer_id)
    assert (customer.phone, customer.language, customer.email) == ("420601123456", "cs", "jana@example.cz")
    assert sorted(customer.tags.values_list("name", flat=True)) == ["eshop", "vip"]
    expect(page.locator("#customer-conversations tbody tr")).to_have_count(1)
    _shot(page, f"customer-profile-{language}")

    # Merge the suggested visitor: both conversations, newest first, and an Undo.
    page.locator(f'[data-suggestion="{second.customer_id}"] button').click()
    rows = page.locator("#customer-conversations tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_have_attribute("data-ticket", str(second.pk))
    expect(page.locator("#merge-suggestions")).to_have_count(0)
    expect(page.locator(".identities li")).to_have_count(2)
    merge = CustomerMerge.objects.get()
    assert set(Ticket.objects.values_list("customer_id", flat=True)) == {first.customer_id}
    _shot(page, f"customer-merged-{language}")

    # The conversation's panel lists the other one as an earlier conversation now.
    page.goto(f"{base}/tickets/{first.pk}/")
    expect(page.locator(f'.side [data-history="{second.pk}"]')).to_be_visible()
    page.goto(f"{base}/customers/{first.customer_id}/")

    # Undo: the identity and the conversation go back, and the suggestion is there again.
    page.locator(f'[data-merge="{merge.pk}"] button').click()
    expect(page.locator("#customer-conversations tbody tr")).to_have_count(1)
    expect(page.locator(f'[data-suggestion="{second.customer_id}"]')).to_be_visible()
    assert Ticket.objects.get(pk=second.pk).customer_id == second.customer_id
    assert Identity.objects.get(external_id="v2").customer_id == second.customer_id
    _shot(page, f"customer-undone-{language}")
    assert not problems.errors and not problems.server_errors


def test_merge_two_conversations_split_a_message_and_undo(
    live_server: Any, page: Page, problems: PageProblems, brand: Any, agent: Any
) -> None:
    from channels.types import NormalizedAuthor, NormalizedMessage
    from inbox.actions.customers import customers_merge

    x = brand_account_connect(brand=brand, platform="x", handle="@AcmeCare", credentials={})
    email = brand_account_connect(brand=brand, platform="email", handle="care@acme.example", credentials={})

    def say(account: Any, pid: str, author: NormalizedAuthor, kind: str, at: datetime, text: str) -> Ticket:
        msg = NormalizedMessage(platform_id=pid, author=author, text=text, sent_at=at, kind=kind)
        return ticket_ingest_message(account=account, incoming=msg).message.ticket

    mention = say(x, "x1", NormalizedAuthor("x-1", "@jana", "Jana"), "mention", T0, "@AcmeCare my order 12345?")
    mail = say(email, "<m1@example.cz>", NormalizedAuthor("jana@example.cz", "jana@example.cz", "Jana Nováková"),
               "email", T0 + timedelta(hours=1), "Dobrý den, posílám detaily k objednávce 12345.")
    customers_merge(source=mail.customer, target=mention.customer, actor=agent)
    base = live_server.url
    log_in(page, base, "jana", "pw-jana-123")
    page.wait_for_url(base + "/")

    page.goto(f"{base}/tickets/{mention.pk}/")
    page.locator(f'.side [data-history="{mail.pk}"] button').click()
    expect(page.locator(".thread .msg, #thread .msg").first).to_be_visible()
    expect(page.locator("article.msg")).to_have_count(2)
    expect(page.locator('label[for="reply-text"]')).to_contain_text("Email")  # answers the newest: the email
    _shot(page, "customer-conversations-merged-en")
    move = page.locator(".side .moves li")
    expect(move).to_have_count(1)

    # Split the email out again, then undo the split: one timeline once more.
    message = Ticket.objects.get(pk=mention.pk).messages.get(platform_id="<m1@example.cz>")
    page.locator(f'article[data-message="{message.pk}"] form.split button').click()
    page.wait_for_url(f"{base}/tickets/*/")
    expect(page.locator("article.msg")).to_have_count(1)
    _shot(page, "customer-split-en")
    page.locator(".side .moves li button").first.click()
    expect(page.locator("article.msg")).to_have_count(2)
    assert not problems.errors and not problems.server_errors
