"""Browser-test fixtures: a fresh Chromium page per test that records what must never
happen (JS dialogs from injected script, uncaught errors, 5xx, Content-Security-Policy
violations), and screenshots in
test-artifacts/screenshots/ (git-ignored) for a human to look at."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Dialog, Page

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "test-artifacts" / "screenshots"
VIEWPORT = {"width": 1440, "height": 900}


class PageProblems:
    """What the page did that it never should: JS dialogs (XSS), uncaught errors, 5xx."""

    def __init__(self) -> None:
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.server_errors: list[str] = []
        # The Content-Security-Policy refused something (an inline script or style): the
        # browser says so on the console. Every browser test fails on one.
        self.csp_violations: list[str] = []


@pytest.fixture
def problems() -> PageProblems:
    return PageProblems()


@pytest.fixture
def page(browser: Browser, problems: PageProblems) -> Iterator[Page]:
    context = browser.new_context(viewport=VIEWPORT, locale="en-GB", timezone_id="Europe/Prague")
    page = context.new_page()

    def on_dialog(dialog: Dialog) -> None:
        problems.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)
    # Name the element or file that broke the policy, so a failure says what to move.
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', function (e) {"
        " var t = e.target && e.target.outerHTML ? e.target.outerHTML.slice(0, 300) : String(e.target);"
        " console.error('Content Security Policy violation: ' + e.violatedDirective + ' at ' + e.sourceFile"
        " + ':' + e.lineNumber + ' by ' + t); });"
    )
    page.on("pageerror", lambda exc: problems.errors.append(str(exc)))
    page.on(
        "console",
        lambda msg: problems.csp_violations.append(f"{page.url}: {msg.text}")
        if msg.type == "error" and "Content Security Policy" in msg.text
        else None,
    )
    page.on("response", lambda r: problems.server_errors.append(f"{r.status} {r.url}") if r.status >= 500 else None)
    try:
        yield page
    finally:
        context.close()
    assert not problems.dialogs, f"a JS dialog fired (script injection?): {problems.dialogs}"
    assert not problems.csp_violations, f"the Content-Security-Policy refused: {problems.csp_violations}"


def settings_menu(page: Page, link: str) -> None:
    """Open the top bar's Settings menu (admins) and follow one of its links: its text, or
    a selector starting with #."""
    page.click("#settings-menu > summary")
    items = page.locator("#settings-menu .menu-items")
    (items.locator(link) if link.startswith("#") else items.get_by_role("link", name=link, exact=True)).click()


def shot(page: Page, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path
