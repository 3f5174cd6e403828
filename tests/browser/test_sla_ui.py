"""SLA clocks in Chromium: the countdown in the inbox rows and the conversation header
(green, amber, red), the SLA filter on the stored clocks, in English and Czech.
Screenshots: test-artifacts/screenshots/sla-*."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from channels.models import Brand, BrandAccount
from channels.services import brand_account_connect
from channels.types import NormalizedAuthor, NormalizedMessage
from inbox.actions.tickets import ticket_ingest_message
from inbox.models import Ticket
from tests.browser.conftest import PageProblems, shot
from tests.support import X_CREDENTIALS, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
_ids = count(1)


def write(acct: BrandAccount, name: str, text: str, minutes_ago: int) -> Ticket:
    n = next(_ids)
    message = NormalizedMessage(
        platform_id=f"sla{n}", author=NormalizedAuthor(external_id=f"s{n}", handle=f"@sla{n}", display_name=name),
        text=text, sent_at=datetime.now(UTC) - timedelta(minutes=minutes_ago), kind="mention",
    )
    return Ticket.objects.get(pk=ticket_ingest_message(account=acct, incoming=message).message.ticket_id)


@pytest.mark.parametrize("language", ["en", "cs"])
def test_timers_and_the_sla_filter(live_server: Any, page: Page, problems: PageProblems, agent: Any,
                                   language: str) -> None:
    brand = Brand.objects.create(name="Acme")
    acct = brand_account_connect(brand=brand, platform="x", handle="@AcmeCare", credentials=dict(X_CREDENTIALS))
    late = write(acct, "Jana Nováková", "Kde je moje objednávka?", 70)  # X: 1 h, so 10 min late
    soon = write(acct, "Piotr Wiśniewski", "Gdzie jest moja paczka?", 50)  # due in 10 min
    fine = write(acct, "Иван Петров", "Къде е пратката ми?", 5)  # due in 55 min
    assert late.sla_due_at is not None and late.sla_target == "first"

    log_in(page, live_server.url, "jana", "pw-jana-123")
    if language != "en":
        with page.expect_navigation():
            page.select_option(".topbar form.language select", language)
    page.goto(live_server.url + "/?view=all")
    row = page.locator(".ticket-row", has_text="Jana").locator(".sla-clock")
    expect(row).to_have_class(re.compile("overdue"))
    expect(row).to_have_text(re.compile(r"^\u2212\d+m \d\ds$"))
    expect(page.locator(".ticket-row", has_text="Piotr").locator(".sla-clock")).to_have_class(re.compile("soon"))
    expect(page.locator(".ticket-row", has_text="Иван").locator(".sla-clock")).to_have_class(re.compile("on-track"))
    shot(page, f"sla-inbox-{language}")

    for value, only in (("overdue", "Jana"), ("due_soon", "Piotr"), ("on_track", "Иван")):
        page.goto(live_server.url + "/?view=all")
        page.select_option("#filter-sla", value)
        page.click(".filters button[type=submit]")
        page.wait_for_url(re.compile(rf"[?&]sla={value}"))
        expect(page.locator("#ticket-list .ticket-row")).to_have_count(1)
        expect(page.locator("#ticket-list .ticket-row").first).to_contain_text(only)
    shot(page, f"sla-filter-on-track-{language}")

    page.goto(f"{live_server.url}/tickets/{soon.pk}/")
    header = page.locator(".conv-head .sla-clock")  # not the list's rows beside it
    expect(header).to_have_class(re.compile("soon"))
    expect(header).to_have_text(re.compile(r"^\d+m \d\ds$"))
    shot(page, f"sla-conversation-{language}")
    assert fine.sla_target == "first"


def test_admin_adds_a_policy(live_server: Any, page: Page, problems: PageProblems) -> None:
    from inbox.actions.people import agent_create
    from inbox.models import SlaPolicy

    Brand.objects.create(name="Acme")
    agent_create(username="chief", password="pw-chief-12345", display_name="Chief", role="admin")
    log_in(page, live_server.url, "chief", "pw-chief-12345")
    with page.expect_navigation():
        page.select_option(".topbar form.language select", "cs")
    page.goto(live_server.url + "/settings/sla/")
    form = page.locator("#sla-policy-form")
    form.locator("select[name=brand]").select_option(label="Acme")
    form.locator("select[name=priority]").select_option("urgent")
    form.locator("input[name=first_response_minutes]").fill("20")
    form.locator("input[name=business_hours]").check()
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    expect(page.locator("#sla-policies tbody tr")).to_have_count(1)
    expect(page.locator("#sla-policies tbody tr")).to_contain_text("Acme")
    shot(page, "sla-policies-cs")
    policy = SlaPolicy.objects.get()
    assert (policy.priority, policy.first_response_minutes, policy.business_hours) == ("urgent", 20, True)
