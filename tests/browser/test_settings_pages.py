"""Admin settings in a real Chromium: staffed hours per brand, and connecting accounts
through each platform's consent page (OAuth against the loopback fakes)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from channels.models import Brand, BrandAccount
from shifts.selectors import hours_for_brand
from tests.browser.conftest import PageProblems, settings_menu, shot
from tests.support import X_CREDENTIALS, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def admin(db: None) -> User:
    return User.objects.create_user("eva", password="pw-eva-12345", is_staff=True, first_name="Eva")


def login_admin(page: Page, base_url: str) -> None:
    log_in(page, base_url, "eva", "pw-eva-12345")


def fill_connect_form(page: Page, platform: str, client_id: str, client_secret: str, base_url: str) -> None:
    """The "Connect with <platform>" card: a new brand, the app's keys, the fake as the API."""
    card = page.locator("section.connect-oauth")
    expect(card.locator("h2")).to_have_text(f"Connect with {platform}")
    card.locator("#o-brand_name").fill("Acme")
    card.locator("#o-client_id").fill(client_id)
    card.locator("#o-client_secret").fill(client_secret)
    card.locator("summary >> text=Advanced").click()
    card.locator("#o-base_url").fill(base_url)


def test_lead_sets_staffed_hours(live_server: Any, page: Page, problems: PageProblems, admin: User) -> None:
    acme = Brand.objects.create(name="Acme")
    Brand.objects.create(name="Żabka Care")
    login_admin(page, live_server.url)
    settings_menu(page, "Hours")
    expect(page.locator("h1")).to_have_text("Staffed hours")
    card = page.locator(f"#brand-{acme.pk}")
    expect(card.locator(".badge")).to_have_text("always staffed")
    shot(page, "hours_initial")

    card.locator("input[name=timezone]").fill("Europe/Warsaw")
    card.locator("input[name='open-5']").check()
    card.locator("input[name='opens-5']").fill("22:00")
    card.locator("input[name='closes-5']").fill("06:00")
    card.locator("button.primary").click()
    expect(page.locator(".flash")).to_contain_text("Acme: staffed hours saved.")
    card = page.locator(f"#brand-{acme.pk}")
    expect(card.locator(".badge")).to_have_text(re.compile(r"^(staffed now|off hours)$"))
    shot(page, "hours_saved")

    hours = hours_for_brand(acme.pk)
    assert hours is not None and hours.timezone == "Europe/Warsaw"
    assert [str(p) for p in hours.periods.all()] == [
        "Monday 08:00–17:00",
        "Tuesday 08:00–17:00",
        "Wednesday 08:00–17:00",
        "Thursday 08:00–17:00",
        "Friday 08:00–17:00",
        "Saturday 22:00–06:00",
    ]
    assert not problems.errors and not problems.server_errors


def test_admin_connects_x_through_its_consent_page_and_registers_the_webhook(
    live_server: Any, page: Page, problems: PageProblems, admin: User, fake_x: Any
) -> None:
    login_admin(page, live_server.url)
    settings_menu(page, "Accounts")
    page.click("a.button >> text=X")
    fill_connect_form(page, "X", X_CREDENTIALS["consumer_key"], X_CREDENTIALS["consumer_secret"], fake_x.base_url)
    shot(page, "connect_x_form")
    page.click("#connect-oauth")

    page.wait_for_url(re.compile(re.escape(fake_x.base_url) + r"/oauth/authorize\?oauth_token="))
    shot(page, "connect_x_consent")
    page.click("#allow")

    page.wait_for_url(re.compile(r"/settings/accounts/\d+/$"))
    expect(page.locator(".flash")).to_contain_text("@AcmeCare connected.")
    account = BrandAccount.objects.get(platform="x")
    assert account.brand.name == "Acme" and account.handle == "@AcmeCare"
    assert account.credentials["consumer_key"] == X_CREDENTIALS["consumer_key"]
    assert account.credentials["access_token"] and account.credentials["access_token_secret"]
    assert account.credentials["access_token_secret"] not in page.content()
    page.click("button >> text=Test connection")
    expect(page.locator("div.ok")).to_contain_text("Connected.")

    page.click("#register-webhook")
    expect(page.locator("div.ok")).to_contain_text("registered")
    shot(page, "connect_x_webhook_registered")
    account.refresh_from_db()
    assert account.options["webhook_id"] and account.options["webhook_url"].endswith(f"/webhooks/x/{account.pk}/")
    assert not problems.errors and not problems.server_errors


def test_admin_connects_two_facebook_pages_through_the_consent_page(
    live_server: Any, page: Page, problems: PageProblems, admin: User
) -> None:
    from fakes.facebook import DEMO_OTHER_PAGES
    from tests.channels.facebook.meta_support import APP_SECRET, start_fake

    fake = start_fake("facebook")
    try:
        login_admin(page, live_server.url)
        page.goto(live_server.url + "/settings/accounts/new/?platform=facebook")
        fill_connect_form(page, "Facebook", fake.app_id, APP_SECRET, fake.base_url)
        page.click("#connect-oauth")

        page.wait_for_url(re.compile(re.escape(fake.base_url) + r"/v\d+\.\d+/dialog/oauth\?"))
        shot(page, "connect_facebook_consent")
        page.click("#allow")

        page.wait_for_url(re.compile(r"/settings/accounts/connect/facebook/callback/"))
        expect(page.locator("h1")).to_contain_text("Which Pages should Hovor answer from?")
        choices = page.locator("ul.choices li")
        expect(choices.first).to_be_visible()
        assert choices.count() >= 3  # the brand's Page and the other Pages the admin can answer for
        keep = (f"Page {fake.page_id})", f"Page {DEMO_OTHER_PAGES[0]['id']})")
        for i in range(choices.count()):  # Pages new to Hovor start unticked: pick the brand's own and one other
            expect(choices.nth(i).locator("input")).not_to_be_checked()
            if choices.nth(i).inner_text().strip().endswith(keep):
                choices.nth(i).locator("input").check()
        shot(page, "connect_facebook_choose")
        page.click("#connect-chosen")

        page.wait_for_url(live_server.url + "/settings/accounts/")
        expect(page.locator(".flash")).to_contain_text(
            "Acme Care Deutschland connected. Its messages now arrive by webhook."
        )
        shot(page, "connect_facebook_connected")
        accounts = list(BrandAccount.objects.filter(platform="facebook").order_by("pk"))
        assert len(accounts) == 2 and {a.credentials["app_secret"] for a in accounts} == {APP_SECRET}
        assert {a.credentials["page_id"] for a in accounts} == {fake.page_id, DEMO_OTHER_PAGES[0]["id"]}
        assert not problems.errors and not problems.server_errors
    finally:
        fake.stop()


def test_a_bad_time_zone_is_refused_with_one_message(
    live_server: Any, page: Page, problems: PageProblems, admin: User
) -> None:
    acme = Brand.objects.create(name="Acme")
    login_admin(page, live_server.url)
    page.goto(live_server.url + "/settings/hours/")
    card = page.locator(f"#brand-{acme.pk}")
    card.locator("input[name=timezone]").fill("Mars/Olympus")
    card.locator("button.primary").click()
    expect(card.locator("[role=alert]")).to_have_text(
        "Unknown time zone 'Mars/Olympus': use a name like Europe/Prague."
    )
    shot(page, "hours_bad_zone")
    assert page.get_by_text(re.compile("Unknown time zone")).count() == 1  # once: beside the field, not also a flash
    assert page.locator(".flash").count() == 0
    expect(card.locator("input[name=timezone]")).to_have_value("Mars/Olympus")  # what the lead typed, to correct
    assert hours_for_brand(acme.pk) is None
    assert not problems.errors and not problems.server_errors


def test_account_list_badges_take_their_colours_from_the_registry(
    live_server: Any, page: Page, problems: PageProblems, admin: User
) -> None:
    from channels.services import brand_account_connect

    acme = Brand.objects.create(name="Acme")
    for platform, handle in (("x", "@AcmeCare"), ("whatsapp", "+15550783881"), ("email", "help@acme.example"),
                             ("chat", "acme.example")):
        brand_account_connect(brand=acme, platform=platform, handle=handle, credentials={})
    gone = brand_account_connect(brand=acme, platform="telegram", handle="@OldBot", credentials={})
    BrandAccount.objects.filter(pk=gone.pk).update(platform="myspace")  # its package was removed
    login_admin(page, live_server.url)
    page.goto(live_server.url + "/settings/accounts/")
    x_badge = page.locator(".badge.platform-x")
    expect(x_badge).to_have_text("X")
    assert x_badge.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(17, 17, 17)"
    whatsapp = page.locator(".badge.platform-whatsapp")
    assert whatsapp.evaluate("e => getComputedStyle(e).color") == "rgb(27, 127, 59)"
    expect(page.locator(".badge.platform-myspace")).to_have_text("myspace")  # listed plainly, not a 500
    shot(page, "accounts_badges")
    page.select_option("select[name=language]", "cs")
    expect(page.locator(".badge.platform-email")).to_have_text("E-mail")
    expect(page.locator(".badge.platform-chat")).to_have_text("Živý chat")
    assert not problems.errors and not problems.server_errors
