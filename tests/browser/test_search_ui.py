"""Search and paging in a real Chromium, in Polish: the box finds a conversation with and
without diacritics (ł too) and marks the match; "Load more" appends the next page while the
2-second poll keeps refreshing the first one only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from channels.models import Brand, BrandAccount
from channels.services import brand_account_connect
from channels.types import NormalizedAuthor, NormalizedMessage
from inbox.actions.tickets import ticket_ingest_message
from inbox.views import agent as agent_views
from tests.browser.conftest import VIEWPORT, shot
from tests.support import X_CREDENTIALS, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
_ids = count(1)
START = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


def write(acct: BrandAccount, name: str, text: str, minute: int) -> int:
    n = next(_ids)
    author = NormalizedAuthor(external_id=f"b{n}", handle=f"@klient{n}", display_name=name)
    message = NormalizedMessage(platform_id=f"bm{n}", author=author, text=text,
                                sent_at=START + timedelta(minutes=minute), kind="mention")
    return ticket_ingest_message(account=acct, incoming=message).message.ticket_id


def test_search_with_and_without_diacritics_and_load_more(
    live_server: Any, browser: Browser, agent: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(agent_views, "INBOX_PAGE", 3)
    brand = Brand.objects.create(name="Acme")
    acct = brand_account_connect(brand=brand, platform="x", handle="acme", credentials=dict(X_CREDENTIALS))
    write(acct, "Paweł Łukasz", "Paczka utknęła w Łódź, gdzie jest moje zamówienie?", 0)
    write(acct, "Jana Nováková", "Dobrý den, kde je moje objednávka?", 1)
    for i in range(5):
        write(acct, f"Klient {i}", f"Pytanie numer {i} <b>bez</b> znaczenia", 2 + i)
    context = browser.new_context(viewport=VIEWPORT, locale="pl-PL", timezone_id="Europe/Warsaw")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        log_in(page, live_server.url, "jana", "pw-jana-123")

        rows = page.locator("#ticket-list .ticket-row")
        expect(rows).to_have_count(3)
        page.locator("#ticket-page [data-load-more]").click()
        expect(rows).to_have_count(6)
        expect(page.locator("#ticket-page [data-load-more]")).to_be_hidden()
        page.wait_for_timeout(2600)  # a poll of the first page went by: the pages below stay
        expect(rows).to_have_count(6)
        page.locator("#ticket-more [data-load-more]").click()
        expect(rows).to_have_count(7)
        expect(page.locator("[data-load-more]:visible")).to_have_count(0)
        ids = [rows.nth(i).get_attribute("data-ticket") for i in range(7)]
        assert len(set(ids)) == 7
        shot(page, "search_load_more_pl")

        page.fill("#inbox-search", "lodz")  # no ł, no accents, lower case
        page.press("#inbox-search", "Enter")
        expect(page.locator("#ticket-list .list-head")).to_contain_text("1 wynik")
        expect(rows).to_have_count(1)
        expect(rows.first.locator(".snippet mark")).to_have_text("Łódź")
        shot(page, "search_lodz_pl")

        page.fill("#inbox-search", "OBJEDNÁVKA")  # with accents and upper case
        page.press("#inbox-search", "Enter")
        expect(rows).to_have_count(1)
        expect(rows.first).to_contain_text("Jana Nováková")
        expect(rows.first.locator(".snippet mark")).to_have_text("objednávka")
        page.fill("#inbox-search", "objednavka")  # and without
        page.press("#inbox-search", "Enter")
        expect(rows.first.locator(".snippet mark")).to_have_text("objednávka")
        assert "q=objednavka" in page.url

        page.fill("#inbox-search", "moje")  # two matches; opening one keeps the search beside it
        page.press("#inbox-search", "Enter")
        expect(rows).to_have_count(2)
        rows.first.click()
        expect(page.locator("#ticket-list .ticket-row.current")).to_have_count(1)
        expect(page.locator("#ticket-list .ticket-row mark").first).to_have_text("moje")
        expect(page.locator("#inbox-search")).to_have_value("moje")
        shot(page, "search_conversation_pl")

        page.fill("#inbox-search", "bez")  # customer text is escaped, only the mark is markup
        page.press("#inbox-search", "Enter")
        expect(rows).to_have_count(3)  # a page of the five matches
        assert page.locator("#ticket-list .snippet b").count() == 0
        expect(rows.first.locator(".snippet")).to_contain_text("<b>bez</b>")
    finally:
        context.close()
    assert not errors
