"""The reports in Chromium, as a lead: the page over a chosen period, a filter, the heatmap
with the staffing advice, a CSV export; in English, Czech and Bulgarian.
Screenshots: test-artifacts/screenshots/reports-*."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PageProblems, shot
from tests.reports.test_figures import _world
from tests.support import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PERIOD = "start=2026-03-02&end=2026-03-08"


def login(page: Page, base_url: str, language: str) -> None:
    log_in(page, base_url, "lead", "pw-lead-12345")
    if language != "en":
        with page.expect_navigation():
            page.select_option(".topbar form.language select", language)


@pytest.mark.parametrize("language", ["en", "cs", "bg"])
def test_reports_filter_heatmap_and_csv(live_server: Any, page: Page, problems: PageProblems, language: str) -> None:
    _world()
    login(page, live_server.url, language)
    page.click("#reports-link")
    page.goto(f"{live_server.url}/reports/?{PERIOD}")
    summary = page.locator("#report-summary")
    expect(summary).to_be_visible()
    expect(page.locator("#report-channel tbody tr")).to_have_count(2)  # x and email
    expect(page.locator("#distribution-chart rect")).to_have_count(12)
    expect(page.locator("#distribution-table tbody tr")).to_have_count(6)
    shot(page, f"reports-page-{language}")

    with page.expect_navigation():
        page.select_option("#report-filters select[name=channel]", "x")
        page.click("#report-filters button[type=submit]")
    assert "channel=x" in page.url
    expect(page.locator("#report-channel tbody tr")).to_have_count(1)

    with page.expect_download() as download:
        page.click("#group-brand-h a.csv")
    text = download.value.path().read_text(encoding="utf-8")
    assert text.startswith("brand,conversations") and "Acme" in text and "Globex" not in text

    page.click("#staffing-link")
    expect(page.locator("#heatmap")).to_be_visible()
    advice = page.locator("#staffing-advice td.need")
    assert advice.count() > 0
    page.fill("input[name=share]", "95")
    with page.expect_navigation():
        page.click("#report-filters button[type=submit]")
    assert "share=95" in page.url
    expect(page.locator("#staffing-h")).to_contain_text("95")
    shot(page, f"reports-staffing-{language}")


@pytest.mark.parametrize("language", ["en", "cs", "bg"])
def test_the_public_banner_and_snippets(live_server: Any, page: Page, problems: PageProblems, language: str) -> None:
    _world()
    login(page, live_server.url, language)
    page.goto(f"{live_server.url}/reports/?{PERIOD}")
    section = page.locator("#public-reply-time")
    section.scroll_into_view_if_needed()
    preview = section.locator("img.banner-preview")
    expect(preview).to_have_count(1)  # the lead's one brand
    assert preview.evaluate("img => img.complete && img.naturalWidth") == 728  # the PNG loaded under the CSP
    expect(section.locator("pre code").first).to_contain_text("banner.png?size=web")
    section.screenshot(path=str(shot(page, f"reports-banner-{language}")))
