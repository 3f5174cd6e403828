"""Pictures on X in Chromium, in English and Bulgarian: the composer of an X mention shows X's
limits before sending (pictures only, JPEG/PNG/WebP/GIF, four of 5 MB at most on a post, one on
a private message); the agent attaches a picture, and the fake X records it once on the
reply post, uploaded through its media endpoint. Screenshots: test-artifacts/screenshots/
files-more-* (and /tmp/shots-files-more/)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from channels.inbound import account_poll
from fakes.base import png_bytes
from inbox.actions.people import agent_create, team_create
from inbox.models import Attachment, Ticket
from tests.browser.conftest import PageProblems, shot
from tests.support import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EXTRA_SHOTS = Path("/tmp/shots-files-more")
LIMITS = {
    "en": ("X: up to 4 files, at most 5.0", "one picture on a private message"),
    "bg": ("X:", "една снимка в лично съобщение"),
}


def _shot(page: Page, name: str) -> None:
    shot(page, name)
    EXTRA_SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(EXTRA_SHOTS / f"{name}.png"))


@pytest.mark.parametrize("language", ["en", "bg"])
def test_a_picture_on_an_x_reply(
    live_server: Any, page: Page, problems: PageProblems, brand: Any, fake_x: Any, x_account: Any, language: str
) -> None:
    agent = agent_create(username="jana", password="pw-jana-12345", display_name="Jana Dvořák", role="agent")
    team_create(name="Acme care", brands=[brand], members=[agent])
    tweet = fake_x.inbound(author="@ivan_p", name="Иван Петров", text="@AcmeCare Къде е най-близкият офис?")
    account_poll(account_id=x_account.pk)
    ticket = Ticket.objects.get()
    base = live_server.url

    log_in(page, base, "jana", "pw-jana-12345")
    page.wait_for_url(base + "/")
    if language != "en":
        with page.expect_navigation():
            page.select_option(".topbar form.language select", language)
    page.goto(f"{base}/tickets/{ticket.pk}/")
    limits = page.locator("[data-attachment-limits]")
    for expected in LIMITS[language]:
        expect(limits).to_contain_text(expected)
    expect(limits).to_contain_text("image/jpeg, image/png, image/webp, image/gif")
    assert page.locator("#reply-files").get_attribute("accept") == "image/jpeg,image/png,image/webp,image/gif"

    picture = png_bytes(200, 120, seed=8)
    page.set_input_files("#reply-files", files=[{"name": "офис.png", "mimeType": "image/png", "buffer": picture}])
    page.fill("#reply-text", "Ето картата до офиса на бул. Витоша.")
    page.locator("[data-attachment-limits]").scroll_into_view_if_needed()
    _shot(page, f"files-more-x-composer-{language}")
    page.locator("#send").click()
    page.wait_for_url(f"{base}/tickets/{ticket.pk}/")
    [sent] = fake_x.outbound()
    assert sent["kind"] == "tweet" and sent["in_reply_to_tweet_id"] == tweet["data"]["id"]
    assert [m["sha256"] for m in sent["media"]] == [hashlib.sha256(picture).hexdigest()]
    out = Attachment.objects.filter(message__direction="out").get()
    expect(page.locator(f'[data-attachment="{out.pk}"] img')).to_be_visible()
    page.locator(f'[data-attachment="{out.pk}"]').scroll_into_view_if_needed()
    _shot(page, f"files-more-x-sent-{language}")
    assert not problems.errors and not problems.server_errors, (problems.errors, problems.server_errors)
