"""Attachments in Chromium, in English and Czech: a customer's photo from the fake Telegram
shows in the thread as a thumbnail that opens the full picture; a PDF shows as a link with
its size; the agent attaches a picture (Telegram's limits shown beside the input) and it
reaches the fake as sendPhoto, then shows in the thread too. Screenshots: test-artifacts/
screenshots/attachments-* (and /tmp/shots-attach/)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from channels.inbound import account_poll
from fakes.base import png_bytes
from inbox.actions.people import agent_create, team_create
from inbox.models import Attachment, Ticket
from tests.browser.conftest import PageProblems, shot
from tests.channels.telegram.telegram_support import BOT_TOKEN, WEBHOOK_SECRET, connect
from tests.support import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EXTRA_SHOTS = Path("/tmp/shots-attach")


@pytest.fixture
def fake_telegram() -> Iterator[Any]:
    from fakes.telegram import FakeTelegram

    fake = FakeTelegram(bot_token=BOT_TOKEN, webhook_secret=WEBHOOK_SECRET, retry_delay=0.05).start()
    yield fake
    fake.stop()


def _shot(page: Page, name: str) -> None:
    shot(page, name)
    EXTRA_SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(EXTRA_SHOTS / f"{name}.png"))


@pytest.mark.parametrize("language", ["en", "cs"])
def test_an_image_in_and_out(
    live_server: Any, page: Page, problems: PageProblems, brand: Any, fake_telegram: Any, language: str
) -> None:
    account = connect(brand, fake_telegram)
    agent = agent_create(username="jana", password="pw-jana-12345", display_name="Jana Dvořák", role="agent")
    team_create(name="Acme care", brands=[brand], members=[agent])
    fake_telegram.inbound("@petra_k", "Petra Králová", "Krabice přišla rozbitá 📦", kind="photo")
    fake_telegram.inbound("@petra_k", "Petra Králová", "A tady je faktura", kind="document",
                          file_name="Faktura č. 2026-0412.pdf", file_size=48213)
    account_poll(account_id=account.pk)
    ticket = Ticket.objects.get()
    photo, invoice = Attachment.objects.order_by("pk")
    base = live_server.url

    log_in(page, base, "jana", "pw-jana-12345")
    page.wait_for_url(base + "/")
    if language != "en":
        with page.expect_navigation():
            page.select_option(".topbar form.language select", language)
    page.goto(f"{base}/tickets/{ticket.pk}/")
    thumb = page.locator(f'[data-attachment="{photo.pk}"] img')
    expect(thumb).to_be_visible()
    assert thumb.evaluate("img => img.complete && img.naturalWidth") > 0, "the thumbnail did not load"
    link = page.locator(f'[data-attachment="{invoice.pk}"] a.file-link')
    expect(link).to_contain_text("Faktura č. 2026-0412.pdf")
    expect(page.locator(f'[data-attachment="{invoice.pk}"]')).to_contain_text("47")  # 48213 bytes: 47.1 KB
    expect(page.locator("[data-attachment-limits]")).to_contain_text("Telegram")
    _shot(page, f"attachments-thread-{language}")

    # The full picture opens from the thumbnail, as an image, not a download.
    full = page.request.get(f"{base}/attachments/{photo.pk}/")
    assert full.status == 200 and full.headers["content-type"] == "image/png"
    assert full.headers["x-content-type-options"] == "nosniff"

    picture = png_bytes(240, 160, seed=21)
    page.set_input_files("#reply-files", files=[{"name": "štítek.png", "mimeType": "image/png", "buffer": picture}])
    page.fill("#reply-text", "Omlouváme se, posíláme štítek na vrácení.")
    _shot(page, f"attachments-composer-{language}")
    page.locator("#send").click()
    page.wait_for_url(f"{base}/tickets/{ticket.pk}/")
    sent = [o for o in fake_telegram.outbound() if o.get("method") == "sendPhoto"]
    assert len(sent) == 1 and sent[0]["photo"]["sha256"] == hashlib.sha256(picture).hexdigest()
    out = Attachment.objects.filter(message__direction="out").get()
    expect(page.locator(f'[data-attachment="{out.pk}"] img')).to_be_visible()
    page.locator(f'[data-attachment="{out.pk}"]').scroll_into_view_if_needed()
    _shot(page, f"attachments-sent-{language}")
    assert not problems.errors and not problems.server_errors, (problems.errors, problems.server_errors)
