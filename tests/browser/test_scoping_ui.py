"""Scoping as an agent meets it in Chromium: an agent of one team sees their brand's
conversations in the inbox, and another team's conversation is not there, not even by URL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from channels.models import Brand
from channels.services import brand_account_connect
from channels.types import NormalizedAuthor, NormalizedMessage
from inbox.actions.people import agent_create, team_create
from inbox.actions.tickets import ticket_ingest_message
from tests.browser.conftest import shot
from tests.support import X_CREDENTIALS, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def conversation(brand: Brand, handle: str, name: str, text: str) -> int:
    account = brand_account_connect(brand=brand, platform="x", handle=f"@{brand.name.replace(' ', '')}",
                                    credentials=dict(X_CREDENTIALS))
    message = NormalizedMessage(
        platform_id=f"{handle}-1", author=NormalizedAuthor(external_id=handle, handle=f"@{handle}", display_name=name),
        text=text, sent_at=datetime.now(UTC), kind="mention",
    )
    return ticket_ingest_message(account=account, incoming=message).message.ticket_id


def test_an_agent_sees_only_their_teams_conversations(page: Page, live_server: Any) -> None:
    acme, mobile = Brand.objects.create(name="Acme"), Brand.objects.create(name="Acme Mobile")
    ours = conversation(mobile, "ivan_p", "Иван Петров", "Здравейте, поръчката ми закъснява")
    theirs = conversation(acme, "jana_n", "Jana Nováková", "Kde je moje objednávka?")
    maria = agent_create(username="maria", password="Maria-pw-2026!", display_name="Maria Ivanova")
    team_create(name="Acme Mobile care", brands=[mobile], members=[maria])

    log_in(page, live_server.url, "maria", "Maria-pw-2026!")
    page.goto(live_server.url + "/?view=all")
    rows = page.locator("#ticket-list .ticket-row")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Иван Петров")
    expect(page.locator("#ticket-list")).not_to_contain_text("Jana")
    shot(page, "scoping-inbox-maria")

    assert page.goto(f"{live_server.url}/tickets/{ours}/").status == 200
    expect(page.locator(".conv-head h1")).to_contain_text("Иван Петров")
    response = page.goto(f"{live_server.url}/tickets/{theirs}/")
    assert response is not None and response.status == 404
    expect(page.locator("body")).not_to_contain_text("Kde je moje objednávka")
    shot(page, "scoping-other-brand-404")
