"""An Instagram DM with a picture, in Chromium, in English and Czech: the composer shows
Instagram's limits before sending (PNG or JPEG pictures up to 8 MB, the types it takes),
the agent attaches a picture and sends; the fake Instagram fetches it from Hovor's signed
link (the live server) exactly once, and the thread shows it as a thumbnail. Screenshots:
test-artifacts/screenshots/instagram-files-* (and /tmp/shots-instagram-files/)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from playwright.sync_api import Page, expect

from fakes.base import png_bytes
from fakes.facebook import FakeMeta
from inbox.actions.people import agent_create, team_create
from inbox.models import Attachment, Ticket
from tests.browser.conftest import PageProblems, shot
from tests.channels.facebook.meta_support import connect, post_delivery, start_fake
from tests.support import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EXTRA_SHOTS = Path("/tmp/shots-instagram-files")


@pytest.fixture
def fake_ig() -> Iterator[FakeMeta]:
    fake = start_fake("instagram")
    yield fake
    fake.stop()


def _shot(page: Page, name: str) -> None:
    shot(page, name)
    EXTRA_SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(EXTRA_SHOTS / f"{name}.png"))


@pytest.mark.parametrize("language", ["en", "cs"])
def test_a_picture_to_an_instagram_customer(
    live_server: Any, page: Page, problems: PageProblems, brand: Any, fake_ig: FakeMeta, settings: Any,
    tmp_path: Any, language: str,
) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.HOVOR_FILES_PUBLIC_URL = live_server.url
    account = connect(brand, "instagram", fake_ig, handle="@acmecare")
    agent = agent_create(username="jana", password="pw-jana-12345", display_name="Jana Dvořák", role="agent")
    team_create(name="Acme care", brands=[brand], members=[agent])
    fake_ig.inbound("katerina.novakova", None, "Dobrý den, jak vypadá balení? 📦", push=False)
    assert post_delivery(Client(), "instagram", account.pk, fake_ig.last_delivery).status_code == 200
    ticket = Ticket.objects.get()
    base = live_server.url

    log_in(page, base, "jana", "pw-jana-12345")
    if language != "en":
        with page.expect_navigation():
            page.select_option(".topbar form.language select", language)
    page.goto(f"{base}/tickets/{ticket.pk}/")
    limits = page.locator("[data-attachment-limits]")
    expect(limits).to_contain_text("Instagram")
    expect(limits).to_contain_text(re.compile(r"8[.,]0"))  # 8.0 MB, 8,0 MB in Czech
    expect(limits).to_contain_text("image/jpeg, image/png")
    assert str(page.locator("#reply-files").get_attribute("accept")).startswith("image/jpeg,image/png")

    picture = png_bytes(240, 160, seed=31)
    page.set_input_files("#reply-files", files=[{"name": "balení.png", "mimeType": "image/png", "buffer": picture}])
    page.fill("#reply-text", "Takhle vypadá naše balení.")
    _shot(page, f"instagram-files-composer-{language}")
    page.locator("#send").click()
    page.wait_for_url(f"{base}/tickets/{ticket.pk}/")
    sent = [o for o in fake_ig.outbound() if "attachment" in o]
    assert len(sent) == 1 and sent[0]["attachment"]["sha256"] == hashlib.sha256(picture).hexdigest()
    assert sent[0]["attachment"]["source"] == "url" and len(fake_ig.fetched) == 1
    assert fake_ig.fetched[0]["url"].startswith(base + "/files/")
    out = Attachment.objects.filter(message__direction="out").get()
    thumb = page.locator(f'[data-attachment="{out.pk}"] img')
    expect(thumb).to_be_visible()
    assert thumb.evaluate("img => img.complete && img.naturalWidth") > 0, "the thumbnail did not load"
    page.locator(f'[data-attachment="{out.pk}"]').scroll_into_view_if_needed()
    _shot(page, f"instagram-files-sent-{language}")
    assert not problems.errors and not problems.server_errors, (problems.errors, problems.server_errors)
