"""Privacy in a real Chromium, under the strict Content-Security-Policy (the page fixture
fails a test on any violation): the audit log (filter, CSV download), a customer's data
export from the conversation panel, and the erasure with its confirmation step; the audit
page in Czech."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Browser, Page, expect

from audit.models import AuditEntry
from channels.models import Brand, BrandAccount
from inbox.actions.people import agent_create, team_create
from inbox.enums import Direction
from inbox.models import Customer, Identity, Message, Ticket
from tests.browser.conftest import VIEWPORT, PageProblems, settings_menu, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def admin(db: None) -> User:
    return agent_create(username="eva", password="pw-eva-12345", display_name="Eva Nováková", role="admin")


@pytest.fixture
def conversation(admin: User) -> Ticket:
    acme = Brand.objects.create(name="Acme")
    account = BrandAccount.objects.create(brand=acme, platform="x", handle="@AcmeCare")
    team_create(name="Acme care", brands=[acme], members=[admin])
    customer = Customer.objects.create(brand=acme, name="Zdeňka Šťastná")
    identity = Identity.objects.create(customer=customer, brand=acme, platform="x", external_id="501",
                                       handle="@zdenka", display_name="Zdeňka Šťastná")
    ticket = Ticket.objects.create(brand=acme, account=account, customer=customer)
    Message.objects.create(ticket=ticket, account=account, direction=Direction.IN, kind="mention",
                           text="Moje objednávka č. 4471 nedorazila, adresa Dlouhá 12", author_identity=identity,
                           platform_id="tw-501")
    return ticket


def login(page: Page, base_url: str, password: str = "pw-eva-12345") -> None:
    page.goto(base_url + "/login/")
    page.fill("#id_username", "eva")
    page.fill("#id_password", password)
    page.click("form.login button[type=submit]")


def test_admin_filters_the_audit_log_and_downloads_it(
    live_server: Any, page: Page, problems: PageProblems, admin: User, tmp_path: Path
) -> None:
    login(page, live_server.url, password="not-my-password")
    expect(page.locator(".errors")).to_be_visible()
    login(page, live_server.url)
    page.wait_for_url(live_server.url + "/")
    settings_menu(page, "Audit")
    expect(page.locator("h1")).to_have_text("Audit log")
    rows = page.locator(".audit-table tbody tr")
    expect(rows.filter(has_text="Logged in")).to_have_count(1)
    expect(rows.filter(has_text="Login failed")).to_have_count(1)
    shot(page, "privacy_audit_log")

    page.select_option("select[name=action]", "auth.login_failed")
    page.click(".audit-filters button[type=submit]")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Wrong username or password for “eva”")
    assert "action=auth.login_failed" in page.url
    shot(page, "privacy_audit_filtered")

    with page.expect_download() as info:
        page.click("#audit-export")
    download = info.value
    assert download.suggested_filename.startswith("hovor-audit-") and download.suggested_filename.endswith(".csv")
    target = tmp_path / "audit.csv"
    download.save_as(target)
    table = list(csv.reader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert table[0][3] == "action" and [r[3] for r in table[1:]] == ["auth.login_failed"]
    assert AuditEntry.objects.filter(action="audit.exported", actor_label="eva").count() == 1
    assert not problems.errors and not problems.server_errors


def test_admin_exports_then_erases_a_customer_from_the_conversation(
    live_server: Any, page: Page, problems: PageProblems, admin: User, conversation: Ticket, tmp_path: Path
) -> None:
    login(page, live_server.url)
    page.wait_for_url(live_server.url + "/")
    page.goto(f"{live_server.url}/tickets/{conversation.pk}/")
    side = page.locator("aside.side")
    expect(side).to_contain_text("@zdenka")
    shot(page, "privacy_customer_panel")

    with page.expect_download() as info:
        side.locator("#customer-export").click()
    archive_path = tmp_path / "export.zip"
    info.value.save_as(archive_path)
    data = json.loads(zipfile.ZipFile(archive_path).read("customer.json"))
    assert data["customer"]["name"] == "Zdeňka Šťastná"
    assert data["conversations"][0]["messages"][0]["text"] == "Moje objednávka č. 4471 nedorazila, adresa Dlouhá 12"

    side.locator("#customer-erase").click()
    expect(page.locator("h1")).to_have_text(f"Erase customer #{conversation.customer_id}")
    expect(page.locator("#erase-confirm")).to_contain_text("@zdenka")
    shot(page, "privacy_erase_confirm")
    # The browser itself holds the form back until the box is ticked.
    page.click("#erase-submit")
    expect(page.locator("h1")).to_have_text(f"Erase customer #{conversation.customer_id}")
    assert Customer.objects.get(pk=conversation.customer_id).name == "Zdeňka Šťastná"
    page.check("#erase-confirm-box")
    page.click("#erase-submit")
    page.wait_for_url(f"{live_server.url}/tickets/{conversation.pk}/")
    expect(page.locator(".flash")).to_contain_text(f"Customer #{conversation.customer_id} erased")
    expect(page.locator("aside.side")).not_to_contain_text("@zdenka")
    expect(page.locator("#thread")).not_to_contain_text("4471")
    shot(page, "privacy_after_erasure")

    customer = Customer.objects.get(pk=conversation.customer_id)
    assert customer.name == "" and not customer.identities.exists()
    assert Message.objects.get(ticket=conversation).text == ""
    assert AuditEntry.objects.filter(action="customer.erased", actor_label="eva").count() == 1
    assert AuditEntry.objects.filter(action="customer.exported", actor_label="eva").count() == 1
    assert not problems.errors and not problems.server_errors


def test_the_audit_log_in_czech(live_server: Any, browser: Browser, admin: User, conversation: Ticket) -> None:
    context = browser.new_context(viewport=VIEWPORT, locale="cs-CZ", timezone_id="Europe/Prague")
    page = context.new_page()
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    try:
        login(page, live_server.url)
        page.wait_for_url(live_server.url + "/")
        page.goto(f"{live_server.url}/customers/{conversation.customer_id}/erase/")
        page.check("#erase-confirm-box")
        page.click("#erase-submit")
        page.goto(live_server.url + "/settings/audit/")
        expect(page.locator("h1")).to_have_text("Auditní záznam")
        rows = page.locator(".audit-table tbody tr")
        expect(rows.filter(has_text="Zákazník vymazán")).to_have_count(1)
        expect(rows.filter(has_text="Přihlášení")).to_have_count(1)
        shot(page, "privacy_audit_log_cs")
    finally:
        context.close()
    assert violations == []
