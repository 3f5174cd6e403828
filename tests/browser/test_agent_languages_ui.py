"""The agent UI in Czech and Bulgarian in a real Chromium: the browser's language picks it,
the top bar switches it, and customer text stays byte for byte as written."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from channels.inbound import account_poll
from tests.browser.conftest import VIEWPORT, settings_menu, shot
from tests.support import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_czech_agent_then_bulgarian(
    live_server: Any, browser: Browser, fake_x: Any, x_account: Any, agent: Any
) -> None:
    fake_x.inbound(author="@ivan_petrov", name="Иван Петров", text="Здравейте, поръчката ми закъснява 📦")
    fake_x.inbound(author="@jnovakova", name="Jana Nováková", text="Dobrý den, kde je moje objednávka?")
    assert account_poll(account_id=x_account.pk) == 2
    context = browser.new_context(viewport=VIEWPORT, locale="cs-CZ", timezone_id="Europe/Prague")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(live_server.url + "/login/")
        expect(page.locator("form.login")).to_contain_text("Přihlaste se a odpovídejte zákazníkům.")
        page.fill("#id_username", "jana")
        page.fill("#id_password", "pw-jana-123")
        page.click("form.login button[type=submit]")
        page.wait_for_url(live_server.url + "/")
        expect(page.locator("#nav")).to_contain_text("Čeká na odpověď")
        expect(page.locator("#ticket-list .list-head")).to_contain_text("2 konverzace")
        page.locator("#ticket-list .ticket-row", has_text="Jana Nováková").click()
        expect(page.locator(".composer label[for=reply-text]")).to_contain_text("Odpověď na X pro Jana Nováková")
        expect(page.locator("#send")).to_have_text("Odeslat")
        shot(page, "ticket_cs")

        page.select_option("form.language select", "bg")
        expect(page.locator("#send")).to_have_text("Изпрати")
        expect(page.locator("html")).to_have_attribute("lang", "bg")
        page.locator("#ticket-list .ticket-row", has_text="Иван Петров").click()
        expect(page.locator("#thread .msg.in .text")).to_have_text("@AcmeCare Здравейте, поръчката ми закъснява 📦")
        expect(page.locator(".side")).to_contain_text("Предишни разговори")
        shot(page, "ticket_bg")
    finally:
        context.close()
    assert not errors


def test_a_polish_admin_reads_the_settings_in_polish(live_server: Any, browser: Browser, x_account: Any) -> None:
    from django.contrib.auth.models import User

    User.objects.create_user("ola", password="pw-ola-12345", is_staff=True)
    context = browser.new_context(viewport=VIEWPORT, locale="pl-PL", timezone_id="Europe/Warsaw")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        log_in(page, live_server.url, "ola", "pw-ola-12345")
        settings_menu(page, "Konta")
        expect(page.locator("h1")).to_have_text("Połączone konta")
        page.click(f"a[href='/settings/accounts/{x_account.pk}/']")
        expect(page.locator("h2").first).to_have_text("Stan")
        expect(page.locator("#register-webhook")).to_have_text("Zarejestruj webhook")
        shot(page, "account_pl")
        settings_menu(page, "Godziny pracy")
        expect(page.locator("h1")).to_have_text("Godziny pracy")
        expect(page.locator("table.hours-table tbody tr").first).to_contain_text("poniedziałek")
        shot(page, "hours_pl")
    finally:
        context.close()
    assert not errors
