"""Routing in Chromium: an agent who is offline gets nothing; she goes online in the top bar
and the waiting conversation is hers at once (the presence change routes the queue). Then
the skills page, in Czech. Screenshots: test-artifacts/screenshots/routing-*."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from channels.models import Brand
from channels.services import brand_account_connect
from channels.types import NormalizedAuthor, NormalizedMessage
from inbox.actions.tickets import ticket_ingest_message
from inbox.models import Ticket
from routing.models import PresenceStatus, RoutingProfile
from tests.browser.conftest import PageProblems, shot
from tests.support import X_CREDENTIALS, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def waiting_conversation() -> Ticket:
    brand = Brand.objects.create(name="Acme")
    acct = brand_account_connect(brand=brand, platform="x", handle="@AcmeCare", credentials=dict(X_CREDENTIALS))
    message = NormalizedMessage(
        platform_id="tw1", author=NormalizedAuthor(external_id="u1", handle="@petra", display_name="Petra Malá"),
        text="Kde je moje objednávka?", sent_at=datetime.now(UTC) - timedelta(minutes=5), kind="mention",
    )
    return Ticket.objects.get(pk=ticket_ingest_message(account=acct, incoming=message).message.ticket_id)


def test_an_agent_goes_online_and_receives_work(live_server: Any, page: Page, problems: PageProblems,
                                                agent: Any) -> None:
    ticket = waiting_conversation()
    log_in(page, live_server.url, "jana", "pw-jana-123")
    ticket.refresh_from_db()
    assert ticket.assignee_id is None  # offline: nothing for her yet
    control = page.locator(".topbar #presence select")
    expect(control).to_have_value("offline")
    control.select_option("online")
    expect(page.locator(".topbar #presence.presence-online")).to_be_visible()
    assert RoutingProfile.objects.get(user=agent).presence == PresenceStatus.ONLINE
    page.goto(live_server.url + "/?view=mine")
    expect(page.get_by_text("Petra Malá").first).to_be_visible()
    ticket.refresh_from_db()
    assert ticket.assignee_id == agent.pk
    shot(page, "routing-online-mine")
    # Her skills, in Czech: she sees her own and cannot change them (an agent).
    with page.expect_navigation():
        page.select_option(".topbar form.language select", "cs")
    page.goto(live_server.url + "/routing/skills/")
    expect(page.get_by_role("heading", name="Dovednosti a kapacita")).to_be_visible()
    expect(page.get_by_text("1 z 8 otevřených")).to_be_visible()
    shot(page, "routing-skills-cs")
    # An admin edits her skills (capacity, languages) on the same page.
    from inbox.actions.people import agent_create

    agent_create(username="chief", password="pw-chief-12345", display_name="Chief", role="admin")
    page.goto("about:blank")  # no poll of the last page racing the next login
    page.context.clear_cookies()
    log_in(page, live_server.url, "chief", "pw-chief-12345")
    page.goto(live_server.url + "/routing/skills/")
    card = page.locator(f"#skills-{agent.pk}")
    card.locator("input[name=languages]").fill("cs, pl")
    card.locator("input[name=capacity]").fill("5")
    with page.expect_navigation():
        card.get_by_role("button").click()
    expect(page.locator(f"#skills-{agent.pk} input[name=capacity]")).to_have_value("5")
    shot(page, "routing-skills-admin")
    assert RoutingProfile.objects.get(user=agent).languages == ["cs", "pl"]
    assert not problems.errors and not problems.server_errors and not problems.csp_violations, vars(problems)
