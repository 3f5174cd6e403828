"""Signing in as people meet it in Chromium: setting up an authenticator app and logging in
with its code, adding a security key (Chromium's virtual authenticator) and logging in with
it, single sign-on through the fake OpenID provider, the lockout message (in Polish), and an
API token made, used and revoked on the profile page. Screenshots in test-artifacts/."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from django.contrib.auth.models import User
from django_otp.oath import totp
from playwright.sync_api import Browser, Page, expect

from inbox.actions.people import agent_create, team_create
from tests.browser.conftest import VIEWPORT, settings_menu, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def jana(db: None) -> User:
    user = agent_create(username="jana", password="Jana-pw-2026!", display_name="Jana Dvořáková", role="lead")
    team_create(name="Acme care", members=[user])
    return user


def log_in(page: Page, base: str, username: str, password: str) -> None:
    page.goto(base + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("form.login button[type=submit]")


def code_from_secret(secret: str, drift: int = 0) -> str:
    key = base64.b32decode(secret.replace(" ", "") + "=" * (-len(secret.replace(" ", "")) % 8))
    return f"{totp(key, drift=drift):06d}"


def test_an_agent_sets_up_an_app_and_logs_in_with_its_code(page: Page, live_server: Any, jana: User) -> None:
    base = live_server.url
    log_in(page, base, "jana", "Jana-pw-2026!")
    page.wait_for_url(base + "/")
    page.click("#profile-link")
    page.click("text=Two-factor authentication")
    page.click("#totp-new")
    expect(page.locator(".qr svg")).to_be_visible()
    secret = page.locator("#totp-secret").inner_text()
    shot(page, "auth-totp-setup")
    page.fill("#id_code", code_from_secret(secret))
    page.click("text=Turn on two-factor")
    expect(page.locator("#recovery-codes")).to_contain_text("Your recovery codes")
    codes = page.locator(".codes code").all_inner_texts()
    assert len(codes) == 10
    shot(page, "auth-recovery-codes")
    page.click("text=I have saved them")
    expect(page.locator("#app-list")).to_contain_text("Authenticator app")
    page.click("header form button[type=submit]")  # log out

    log_in(page, base, "jana", "Jana-pw-2026!")
    page.wait_for_url(base + "/login/verify/")
    shot(page, "auth-verify-step")
    page.fill("#id_code", code_from_secret(secret, drift=1))  # the next code: the first was used
    page.click("#verify-form button[type=submit]")
    page.wait_for_url(base + "/")
    expect(page.locator("#profile-link")).to_have_text("Jana Dvořáková")


@pytest.fixture
def key_page(browser: Browser) -> Iterator[tuple[Page, Any]]:
    """A page with Chromium's virtual security key attached (CDP WebAuthn domain)."""
    context = browser.new_context(viewport=VIEWPORT, locale="en-GB")
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("WebAuthn.enable", {"enableUI": False})
    authenticator = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "usb", "hasResidentKey": False, "hasUserVerification": True,
        "isUserVerified": True, "automaticPresenceSimulation": True,
    }})
    try:
        yield page, (cdp, authenticator["authenticatorId"])
    finally:
        context.close()


def test_an_agent_adds_a_security_key_and_logs_in_with_it(
    key_page: tuple[Page, Any], live_server: Any, jana: User
) -> None:
    page, (cdp, authenticator_id) = key_page
    base = live_server.url.replace("127.0.0.1", "localhost")  # WebAuthn wants a domain, not an IP
    log_in(page, base, "jana", "Jana-pw-2026!")
    page.wait_for_url(base + "/")
    page.goto(base + "/profile/two-factor/")
    page.fill("#key-name", "Virtual key")
    page.click("#key-add")
    page.wait_for_url(base + "/profile/two-factor/recovery/")
    page.click("text=I have saved them")
    expect(page.locator("#key-list")).to_contain_text("Virtual key")
    shot(page, "auth-security-key-added")
    assert len(cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator_id})["credentials"]) == 1
    page.click("header form button[type=submit]")

    log_in(page, base, "jana", "Jana-pw-2026!")
    page.wait_for_url(base + "/login/verify/")
    page.click("#use-key")
    page.wait_for_url(base + "/")
    expect(page.locator("#profile-link")).to_be_visible()


def test_single_sign_on_through_the_fake_provider(page: Page, live_server: Any, settings: Any, db: None) -> None:
    from fakes.oidc import FakeOidc
    from inbox.models import Team

    Team.objects.create(name="Mobile care")
    with FakeOidc() as idp:
        idp.add_user("petra", name="Petra Malá", groups=["hovor-agents", "care-mobile"])
        settings.OIDC_ISSUER, settings.OIDC_CLIENT_ID = idp.issuer, idp.client_id
        settings.OIDC_CLIENT_SECRET = idp.client_secret
        settings.OIDC_ROLE_MAP = {"hovor-agents": "agent"}
        settings.OIDC_TEAM_MAP = {"care-mobile": "Mobile care"}
        settings.OIDC_BUTTON_LABEL = "Log in with Acme ID"
        page.goto(live_server.url + "/login/")
        shot(page, "auth-login-with-sso")
        page.click("#sso-login")
        page.click("text=Sign in as Petra Malá")
        page.wait_for_url(live_server.url + "/")
        expect(page.locator("#profile-link")).to_have_text("Petra Malá")
        petra = User.objects.get(username="petra")
        assert petra.agent_profile.role == "agent"
        assert list(petra.teams.values_list("name", flat=True)) == ["Mobile care"]

        page.click("header form button[type=submit]")
        requests.post(idp.base_url + "/_fake/mode", json={"expired": True}, timeout=5)
        page.click("#sso-login")
        page.click("text=Sign in as Petra Malá")
        page.wait_for_url(live_server.url + "/login/")
        expect(page.locator(".flash")).to_contain_text("Single sign-on failed")


def test_the_lockout_message_in_polish(browser: Browser, live_server: Any, settings: Any, jana: User) -> None:
    settings.AXES_ENABLED = True
    settings.HOVOR_LOGIN_SLOWDOWN_SECONDS = 0.0
    context = browser.new_context(viewport=VIEWPORT, locale="pl-PL")
    page = context.new_page()
    try:
        for _ in range(5):
            log_in(page, live_server.url, "jana", "not-her-password")
        expect(page.locator("#login-locked")).to_contain_text("Zbyt wiele nieudanych logowań")
        shot(page, "auth-lockout-pl")
        log_in(page, live_server.url, "jana", "Jana-pw-2026!")  # the right password: still locked
        expect(page.locator("#login-locked")).to_be_visible()
    finally:
        context.close()


def test_a_token_is_made_used_and_revoked(browser: Browser, live_server: Any, jana: User) -> None:
    context = browser.new_context(viewport=VIEWPORT, locale="bg-BG")
    page = context.new_page()
    try:
        log_in(page, live_server.url, "jana", "Jana-pw-2026!")
        page.wait_for_url(live_server.url + "/")
        page.goto(live_server.url + "/profile/")
        page.fill("#token-name", "Отчети")
        page.click("#token-new button[type=submit]")
        key = page.locator("#new-token-key").inner_text()
        assert re.fullmatch(r"hvr_[\w-]{40,}", key)
        shot(page, "auth-token-created-bg")
        api = live_server.url + "/api/v1/tickets/"
        assert requests.get(api, headers={"Authorization": f"Token {key}"}, timeout=5).status_code == 200
        page.reload()
        expect(page.locator("#new-token-key")).to_have_count(0)  # shown once
        page.click("#token-list button[type=submit]")
        expect(page.locator("#token-list")).to_contain_text("Отменен")
        shot(page, "auth-token-revoked-bg")
        assert requests.get(api, headers={"Authorization": f"Token {key}"}, timeout=5).status_code == 401
    finally:
        context.close()


def test_an_admin_lifts_a_lockout_and_requires_two_factor_in_czech(
    browser: Browser, live_server: Any, settings: Any, jana: User
) -> None:
    agent_create(username="sefka", password="Sefka-pw-2026!", display_name="Šéfka", role="admin")
    settings.AXES_ENABLED = True
    settings.HOVOR_LOGIN_SLOWDOWN_SECONDS = 0.0
    context = browser.new_context(viewport=VIEWPORT, locale="cs-CZ")
    page = context.new_page()
    try:
        for _ in range(5):
            log_in(page, live_server.url, "jana", "spatne-heslo")
        expect(page.locator("#login-locked")).to_be_visible()
        page.goto("about:blank")  # no poll of the last page racing the next login
        page.context.clear_cookies()
        settings.AXES_ENABLED = False  # the admin logs in from the same (locked) address
        log_in(page, live_server.url, "sefka", "Sefka-pw-2026!")
        page.wait_for_url(live_server.url + "/")
        settings_menu(page, "Zabezpečení")
        expect(page.locator("#lockouts")).to_contain_text("jana")
        shot(page, "auth-security-cs")
        page.locator("#lockouts tr", has_text="jana").locator("button").click()
        expect(page.locator(".flash")).to_contain_text("jana se může znovu přihlásit")
        page.check("input[value=staff]")
        page.click("#policy button[type=submit]")
        expect(page.locator(".flash")).to_contain_text("Pravidla dvoufázového ověření jsou uložena")
        page.click("header form button[type=submit]")
        settings.AXES_ENABLED = True
        log_in(page, live_server.url, "jana", "Jana-pw-2026!")  # a lead: now sent to set up two-factor
        page.wait_for_url(live_server.url + "/profile/two-factor/")
        expect(page.locator("#two-factor")).to_contain_text("Vaše organizace od vás vyžaduje dvoufázové ověření")
        shot(page, "auth-two-factor-required-cs")
    finally:
        context.close()
