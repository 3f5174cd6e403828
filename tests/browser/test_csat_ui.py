"""Customer satisfaction in a real Chromium, under the strict Content-Security-Policy: the
admin's settings page (Settings → Satisfaction) with its live preview, saved in English,
Czech and Bulgarian; and the whole loop through the fake Telegram: the agent solves in the
browser, the question reaches the customer's chat in her language, she writes "5", and the
rating shows in the conversation, the customer's profile and the reports' CSAT section, with
the review invitation the admin turned on. Screenshots: test-artifacts/screenshots/csat-*."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from audit.models import AuditEntry
from channels.inbound import account_poll
from channels.models import Brand
from inbox.actions.csat import DEFAULT_TEXTS, REVIEW_TEXTS, csat_setting_for
from inbox.actions.people import agent_create, team_create
from inbox.models import CsatSurvey, Ticket
from tests.browser.conftest import PageProblems, settings_menu, shot
from tests.channels.telegram.telegram_support import BOT_TOKEN, WEBHOOK_SECRET, connect
from tests.support import log_in, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-eva-12345"
# Czech, as the customer writes it: the question goes out in Czech.
PETRA = ("@petra_k", "Petra Králová")
COMPLAINT = "Dobrý den, balík s objednávkou č. 4471 mi pořád nedorazil. Můžete se prosím podívat, kde je?"
REVIEW_URL = "https://recenze.example/acme?zdroj=hovor"


@pytest.fixture
def fake_telegram() -> Iterator[Any]:
    from fakes.telegram import FakeTelegram

    fake = FakeTelegram(bot_token=BOT_TOKEN, webhook_secret=WEBHOOK_SECRET, retry_delay=0.05).start()
    yield fake
    fake.stop()


@pytest.fixture
def admin(brand: Brand) -> User:
    eva = agent_create(username="eva", password=PASSWORD, display_name="Eva Nováková", role="admin")
    team_create(name="Acme care", brands=[brand], members=[eva])
    return eva


def speak(page: Page, language: str) -> None:
    if language != "en":
        with page.expect_navigation():
            page.select_option(".topbar form.language select", language)


def no_overflow(page: Page, selector: str) -> None:
    """Nothing in the element is wider than the element itself (no text running out of it)."""
    wider = page.locator(selector).evaluate(
        "el => Array.from(el.querySelectorAll('*')).filter(c => c.scrollWidth > c.clientWidth + 1"
        " && getComputedStyle(c).overflowX === 'visible' && c.clientWidth > 0).map(c => c.outerHTML.slice(0, 120))"
    )
    assert not wider, wider


@pytest.mark.parametrize("language", ["en", "cs", "bg"])
def test_admin_words_the_question_with_a_live_preview_and_saves_it(
    live_server: Any, page: Page, problems: PageProblems, brand: Brand, admin: User, language: str
) -> None:
    Brand.objects.create(name="Żabka Care")
    base = live_server.url
    log_in(page, base, "eva", PASSWORD)
    speak(page, language)
    settings_menu(page, "#csat-settings-link")
    page.wait_for_url(f"{base}/settings/csat/")
    expect(page.locator(".csat-brands a[aria-current=page]")).to_have_text("Acme")
    for lang in ("en", "cs", "pl", "bg"):
        expect(page.locator(f"#csat-text-{lang}")).to_have_attribute("placeholder", DEFAULT_TEXTS[lang])
    preview = page.locator("#csat-preview-text")
    # Hovor's own question, in the admin's language, signed by the brand.
    expect(page.locator("#csat-preview-language")).to_have_value(language)
    expect(preview).to_have_text(DEFAULT_TEXTS[language].replace("{brand}", "Acme"))
    no_overflow(page, "#csat-form")
    shot(page, f"csat-settings-{language}")

    # Writing in the Czech field previews the Czech question as typed, {brand} filled in.
    page.fill("#csat-text-cs", "Jak jsme to zvládli, {brand}? Napište číslo 1–5.")
    expect(page.locator("#csat-preview-language")).to_have_value("cs")
    expect(preview).to_have_text("Jak jsme to zvládli, Acme? Napište číslo 1–5.")
    expect(page.locator("#csat-preview-too-long")).to_be_hidden()
    # By email the rating page's link is added at the end.
    page.select_option("#csat-preview-channel", "email")
    expect(preview).to_contain_text("/csat/")
    by_email = preview.text_content() or ""
    assert by_email.startswith("Jak jsme to zvládli, Acme? Napište číslo 1–5.\nhttp") and by_email.endswith("/csat/…/")
    page.select_option("#csat-preview-channel", "message")
    # Longer than a post on X: the preview warns (saving is still allowed).
    page.fill("#csat-text-bg", "Как се справихме? " * 20 + "{brand}")
    expect(page.locator("#csat-preview-language")).to_have_value("bg")
    expect(page.locator("#csat-preview-too-long")).to_be_visible()
    page.fill("#csat-text-bg", "")
    expect(preview).to_have_text(DEFAULT_TEXTS["bg"].replace("{brand}", "Acme"))

    # The review invitation: off until turned on; the browser refuses a page that is not http(s).
    expect(page.locator("#csat-preview-review-block")).to_be_hidden()
    page.check("#csat-review-enabled")
    expect(page.locator("#csat-preview-review")).to_contain_text(REVIEW_TEXTS["bg"].split("{link}")[0].strip())
    page.fill("#csat-review-url", "javascript:alert(1)")
    page.click("#csat-save")
    assert page.locator("#csat-review-url").evaluate("el => el.validity.valid") is False
    assert not csat_setting_for(brand_id=brand.pk).review_enabled
    page.fill("#csat-review-url", REVIEW_URL)
    page.select_option("#csat-preview-language", "cs")
    shot(page, f"csat-settings-preview-{language}")
    with page.expect_navigation():
        page.click("#csat-save")
    expect(page.locator(".flash")).to_be_visible()
    setting = csat_setting_for(brand_id=brand.pk)
    assert setting.enabled and setting.review_enabled and setting.review_url == REVIEW_URL
    assert setting.texts == {"cs": "Jak jsme to zvládli, {brand}? Napište číslo 1–5."}
    expect(page.locator("#csat-text-cs")).to_have_value("Jak jsme to zvládli, {brand}? Napište číslo 1–5.")
    expect(page.locator("#csat-review-enabled")).to_be_checked()
    entry, = AuditEntry.objects.filter(action="settings.csat_changed")
    assert entry.actor_label == "eva" and entry.target_label == "Acme"
    shot(page, f"csat-settings-saved-{language}")

    # Turned off: the preview says nobody is asked.
    page.uncheck("#csat-enabled")
    expect(page.locator("#csat-preview-off")).to_be_visible()
    with page.expect_navigation():
        page.click("#csat-save")
    assert not csat_setting_for(brand_id=brand.pk).enabled
    assert not problems.errors and not problems.server_errors, (problems.errors, problems.server_errors)


def test_the_question_is_answered_in_telegram_and_the_rating_shows_everywhere(
    live_server: Any, page: Page, problems: PageProblems, brand: Brand, admin: User, fake_telegram: Any
) -> None:
    account = connect(brand, fake_telegram)
    base = live_server.url
    log_in(page, base, "eva", PASSWORD)

    # The admin turns the review invitation on, from the settings page.
    settings_menu(page, "#csat-settings-link")
    page.check("#csat-review-enabled")
    page.fill("#csat-review-url", REVIEW_URL)
    with page.expect_navigation():
        page.click("#csat-save")
    assert csat_setting_for(brand_id=brand.pk).review_enabled

    fake_telegram.inbound(*PETRA, COMPLAINT)
    account_poll(account_id=account.pk)
    ticket = Ticket.objects.get()
    page.goto(f"{base}/tickets/{ticket.pk}/")
    panel = page.locator("#customer-csat")
    expect(panel).to_contain_text("Not asked in this conversation.")

    # The agent answers and solves in one go.
    page.fill("#reply-text", "Omlouváme se, balík je už na cestě a zítra dorazí.")
    page.select_option("select[name=then_status]", "solved")
    with page.expect_navigation():
        page.locator("#send").click()
    expect(page.locator("#status")).to_have_value("solved")

    # The question reached Petra's chat, after the answer, in Czech.
    sent = wait_for(lambda: [o["text"] for o in fake_telegram.outbound()] if len(fake_telegram.outbound()) >= 2
                    else None)
    assert sent[0].startswith("Omlouváme se, balík je už na cestě")
    assert sent[1] == DEFAULT_TEXTS["cs"].replace("{brand}", "Acme")
    page.reload()
    expect(panel).to_contain_text("Asked, no answer yet.")

    # Petra writes "5" in Telegram: stored as her rating, the conversation stays solved.
    fake_telegram.inbound(*PETRA, "5")
    account_poll(account_id=account.pk)
    survey = CsatSurvey.objects.get(ticket=ticket)
    assert (survey.rating, survey.answered_via) == (5, "message")
    assert Ticket.objects.get(pk=ticket.pk).status == "solved"
    # A 5 where the brand asks for reviews: one invitation, in Czech, with the tracked link.
    invitation = wait_for(lambda: [o["text"] for o in fake_telegram.outbound()][2:])
    assert invitation[0].startswith(REVIEW_TEXTS["cs"].split("{link}")[0].strip()) and "/csat/review/" in invitation[0]

    page.reload()
    expect(panel).to_contain_text("5 / 5")
    expect(panel.locator(".csat-stars")).to_have_text("★★★★★")
    expect(panel).to_contain_text("Average 5.0 from 1 rating")
    expect(page.locator("ul.events")).to_contain_text("Customer rated the conversation: 5 / 5")
    shot(page, "csat-conversation-en")

    page.click("#customer-profile")
    expect(page.locator("#customer-csat-summary")).to_have_text("Average 5.0 from 1 rating")
    expect(page.locator(f'#customer-conversations tr[data-ticket="{ticket.pk}"]')).to_contain_text("5 / 5")
    shot(page, "csat-profile-en")

    page.goto(f"{base}/reports/")
    report = page.locator("#report-csat")
    report.scroll_into_view_if_needed()
    overall = [c.strip() for c in report.locator("tr.csat-all td").all_inner_texts()]
    # Asked, answered, response rate, average, rated 4 or 5, invited to review, accepted.
    assert overall == ["1", "1", "100.0", "5.00", "100.0", "1", "0"], overall
    channel_row = [c.strip() for c in report.locator('tr[data-group="channel"]').first.all_inner_texts()]
    assert "telegram" in channel_row[0].lower(), channel_row
    page.locator("#csat").screenshot(path=str(shot(page, "csat-reports-en")))

    # The same screens in Czech and Bulgarian.
    words = {"cs": ("Spokojenost", "Průměr 5,0 (1 hodnocení)"), "bg": ("Удовлетвореност", "Средно 5,0 от 1 оценка")}
    for language, (title, average) in words.items():
        page.goto(f"{base}/tickets/{ticket.pk}/")
        speak(page, language)
        expect(page.locator("aside.side")).to_contain_text(title)
        expect(panel).to_contain_text(average)
        no_overflow(page, "aside.side")
        shot(page, f"csat-conversation-{language}")
        page.click("#customer-profile")
        expect(page.locator("#customer-csat-summary")).to_have_text(average)
        shot(page, f"csat-profile-{language}")
        page.goto(f"{base}/reports/")
        page.locator("#csat").scroll_into_view_if_needed()
        page.locator("#csat").screenshot(path=str(shot(page, f"csat-reports-{language}")))
        page.goto(f"{base}/settings/csat/")
        shot(page, f"csat-settings-review-on-{language}")
    assert not problems.errors and not problems.server_errors, (problems.errors, problems.server_errors)
