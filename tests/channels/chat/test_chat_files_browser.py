"""The website chat's widget in Chromium, on the brand's own site (another origin): an
agent's reply with a picture and a PDF shows the picture in the bubble (loaded from Hovor
for this visitor's session) and the PDF as a download link with its size. Screenshot:
test-artifacts/screenshots/chat_files.png."""
from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, expect

from fakes.base import png_bytes
from inbox.actions.attachments import ReplyFile
from inbox.actions.replies import ticket_reply
from inbox.models import Ticket
from tests.channels.chat.test_chat_browser import (  # noqa: F401 (fixtures)
    Problems,
    contexts,
    customer_site,
    new_page,
    problems,
    shot,
)
from tests.support import wait_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_visitor_sees_the_agents_picture_and_file(
    live_server: Any, browser: Browser, contexts: list[BrowserContext], problems: Problems,  # noqa: F811
    customer_site: str, chat_account: Any, agent: Any, settings: Any, tmp_path: Any,  # noqa: F811
) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    visitor = new_page(browser, contexts, problems, "visitor")
    visitor.goto(customer_site)
    visitor.get_by_role("button", name="Otevřít chat: Acme").click()
    panel = visitor.get_by_role("dialog", name="Acme")
    panel.get_by_label("Zpráva").fill("Můžete mi poslat fotku a fakturu?")
    panel.get_by_label("Zpráva").press("Enter")
    expect(panel.locator(".msg.visitor.pending")).to_have_count(0)
    assert wait_for(lambda: Ticket.objects.exists(), timeout=10)

    picture = png_bytes(200, 130, seed=41)
    ticket_reply(ticket=Ticket.objects.get(), agent=agent, text="Tady je fotka i faktura.", files=[
        ReplyFile("fotka.png", "image/png", picture),
        ReplyFile("Faktura 2026-0412.pdf", "application/pdf", b"%PDF-1.4 " + b"0" * 48000),
    ])
    bubble = panel.locator(".msg.agent", has_text="Tady je fotka i faktura.")
    expect(bubble).to_have_count(1, timeout=5000)
    image = bubble.locator(".files img")
    expect(image).to_be_visible()
    expect(image).to_have_attribute("alt", "fotka.png")
    assert wait_for(lambda: image.evaluate("img => img.complete && img.naturalWidth") == 200, timeout=5)
    link = bubble.locator("a.file-link")
    expect(link).to_contain_text("Faktura 2026-0412.pdf (47 KB)")
    served = visitor.request.get(str(link.get_attribute("href")))
    assert served.status == 200 and served.headers["content-type"] == "application/octet-stream"
    assert served.headers["content-disposition"].startswith("attachment")
    shot(visitor, "files")
    problems.assert_clean()
