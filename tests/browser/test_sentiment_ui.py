"""Sentiment markers in a real Chromium, in Polish: the inbox marks the unhappy and the happy
conversations, the conversation shows each message's mood and the current one."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from channels.inbound import account_poll
from tests.browser.conftest import VIEWPORT, shot
from tests.support import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def keep(path: Path) -> None:
    """A copy where the person reviewing this change looks (SENTIMENT_SHOTS, optional)."""
    import os

    target = os.environ.get("SENTIMENT_SHOTS")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(target) / path.name)


def test_polish_agent_sees_who_is_unhappy(
    live_server: Any, browser: Browser, fake_x: Any, x_account: Any, agent: Any
) -> None:
    fake_x.inbound(author="@kasia_w", name="Kasia Wiśniewska", text="Wciąż czekam na zwrot, mam dość 😡")
    fake_x.inbound(author="@tomek_n", name="Tomek Nowak", text="Dzięki, paczka dotarła, wszystko super!")
    fake_x.inbound(author="@ola_k", name="Ola Kowalczyk", text="Dzień dobry, ile kosztuje wysyłka do Czech?")
    fake_x.inbound(author="@jnovakova", name="Jana Nováková", text="objednavka porad nedorazila, jsem nastvana")
    assert account_poll(account_id=x_account.pk) == 4
    context = browser.new_context(viewport=VIEWPORT, locale="pl-PL", timezone_id="Europe/Warsaw")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        log_in(page, live_server.url, "jana", "pw-jana-123")
        rows = page.locator("#ticket-list .ticket-row")
        expect(rows).to_have_count(4)
        unhappy = rows.filter(has_text="Kasia Wiśniewska").locator(".sentiment.negative")
        expect(unhappy).to_have_attribute("title", "Nastrój klienta: Negatywny")
        expect(unhappy.locator(".sentiment-sr")).to_have_text("Nastrój klienta: Negatywny")
        expect(rows.filter(has_text="Jana Nováková").locator(".sentiment.negative")).to_have_count(1)
        expect(rows.filter(has_text="Tomek Nowak").locator(".sentiment.positive")).to_have_count(1)
        expect(rows.filter(has_text="Ola Kowalczyk").locator(".sentiment")).to_have_count(0)
        keep(shot(page, "sentiment_inbox_pl"))

        rows.filter(has_text="Kasia Wiśniewska").click()
        expect(page.locator(".conv-head h1 .sentiment.negative")).to_contain_text("Negatywny")
        expect(page.locator("#thread .msg.in .sentiment.negative")).to_contain_text("Negatywny")
        keep(shot(page, "sentiment_conversation_pl"))
    finally:
        context.close()
    assert not errors
