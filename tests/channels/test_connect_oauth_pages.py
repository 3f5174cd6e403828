"""The admin pages' OAuth path (Connect with <platform>) against the fake X: the start
remembers the app encrypted in the session, the callback only finishes a flow this
session started, refusals come back as clear messages, and nothing is created then."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
import requests
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.test import Client

from channels.models import AccountStatus, BrandAccount
from tests.support import X_CREDENTIALS

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def admin_client(client: Client) -> Client:
    client.force_login(User.objects.create_user("root", password="pw-root-123", is_staff=True))
    return client


class _Form(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.action = ""
        self.fields: dict[str, str] = {}
        self.buttons: dict[str, tuple[str, str]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.action = a.get("action", "")
        elif tag == "input" and a.get("type") == "hidden":
            self.fields[a["name"]] = a.get("value", "")
        elif (tag == "button" or a.get("type") == "submit") and a.get("id"):
            self.buttons[a["id"]] = (a.get("name", ""), a.get("value", ""))


def consent(authorize_url: str, button: str) -> str:
    """What the admin's browser does on the platform's page: press a button, follow back."""
    page = requests.get(authorize_url, timeout=10)
    form = _Form()
    form.feed(page.text)
    name, value = form.buttons[button]
    answer = requests.post(
        urljoin(authorize_url, form.action), data={**form.fields, name: value}, allow_redirects=False, timeout=10
    )
    assert answer.status_code == 302
    back = urlsplit(answer.headers["Location"])
    return f"{back.path}?{back.query}"


def start(client: Client, fake_x: Any, **changes: str) -> Any:
    form = {
        "brand_name": "Acme",
        "client_id": X_CREDENTIALS["consumer_key"],
        "client_secret": X_CREDENTIALS["consumer_secret"],
        "base_url": fake_x.base_url,
        **changes,
    }
    return client.post("/settings/accounts/connect/x/", form)


def test_connect_with_x_creates_the_account_with_fresh_tokens(admin_client: Client, fake_x: Any) -> None:
    response = start(admin_client, fake_x)
    assert response.status_code == 302 and response["Location"].startswith(f"{fake_x.base_url}/oauth/authorize?")
    # The pending flow holds the app secret: the session row has it encrypted only.
    session = Session.objects.get().get_decoded()
    assert X_CREDENTIALS["consumer_secret"] not in str(session)

    done = admin_client.get(consent(response["Location"], "allow"))
    account = BrandAccount.objects.get()
    assert done.status_code == 302 and done["Location"] == f"/settings/accounts/{account.pk}/"
    assert (account.platform, account.handle, account.brand.name) == ("x", "@AcmeCare", "Acme")
    assert account.platform_user_id and account.options["oauth_app_id"] == X_CREDENTIALS["consumer_key"]
    assert account.credentials["access_token"] and account.credentials["access_token_secret"]
    page = admin_client.get(done["Location"]).content.decode()
    assert "@AcmeCare connected." in page and account.credentials["access_token_secret"] not in page
    # The flow is spent: the same callback again finishes nothing.
    again = admin_client.get(consent(start(admin_client, fake_x)["Location"], "allow"), follow=True)
    assert BrandAccount.objects.count() == 1  # authorised again: the same account, new tokens
    assert "authorised again" in again.content.decode()


def test_cancel_on_x_connects_nothing_and_says_so(admin_client: Client, fake_x: Any) -> None:
    response = start(admin_client, fake_x)
    page = admin_client.get(consent(response["Location"], "cancel"), follow=True).content.decode()
    assert "Not connected:" in page
    assert not BrandAccount.objects.exists()


def test_a_callback_this_session_did_not_start_is_refused(admin_client: Client, fake_x: Any) -> None:
    response = start(admin_client, fake_x)
    callback = consent(response["Location"], "allow")
    stranger = Client()
    stranger.force_login(User.objects.create_user("other-admin", password="pw-other-123", is_staff=True))
    page = stranger.get(callback, follow=True).content.decode()
    assert "was not started here or took too long" in page
    assert not BrandAccount.objects.exists()


def test_refused_app_keys_show_x_answer_on_the_form(admin_client: Client, fake_x: Any) -> None:
    response = start(admin_client, fake_x, client_secret="not-the-secret")
    assert response.status_code == 400
    page = response.content.decode()
    assert "X refused to start the authorisation" in page and "not-the-secret" not in page
    assert not BrandAccount.objects.exists()


def test_missing_app_keys_and_brand_are_named(admin_client: Client, fake_x: Any) -> None:
    page = start(admin_client, fake_x, client_id="", brand_name="").content.decode()
    assert "API key (consumer key) is required." in page and "Choose a brand or name a new one." in page


def test_reauthorising_a_broken_account_makes_it_active_with_new_tokens(admin_client: Client, fake_x: Any) -> None:
    admin_client.get(consent(start(admin_client, fake_x)["Location"], "allow"))
    account = BrandAccount.objects.get()
    old_secret = account.credentials["access_token_secret"]
    account.credentials = {**account.credentials, "access_token": "revoked", "verify_token": "kept-token"}
    account.status = AccountStatus.BROKEN
    account.save()

    detail = admin_client.get(f"/settings/accounts/{account.pk}/").content.decode()
    assert "Authorise again" in detail and re.search(r'id="r-client_id"[^>]*value="test-consumer-key"', detail)
    admin_client.get(
        consent(start(admin_client, fake_x, brand=str(account.brand_id), brand_name="")["Location"], "allow")
    )
    account.refresh_from_db()
    assert account.status == AccountStatus.ACTIVE and BrandAccount.objects.count() == 1
    assert account.credentials["access_token"] != "revoked"
    assert account.credentials["verify_token"] == "kept-token"  # the webhook side keeps working
    assert old_secret  # the fake hands the brand user its token pair again


def test_oauth_pages_are_for_admins_only(client: Client, agent: Any, fake_x: Any) -> None:
    client.force_login(agent)
    assert start(client, fake_x).status_code == 404
    assert client.get("/settings/accounts/connect/x/callback/?oauth_token=a&oauth_verifier=b").status_code == 404


def test_platforms_without_oauth_have_no_connect_flow(admin_client: Client) -> None:
    assert admin_client.post("/settings/accounts/connect/email/", {}).status_code == 404
    assert admin_client.post("/settings/accounts/connect/nowhere/", {}).status_code == 404


# --- Facebook: a choice of Pages -----------------------------------------------------------
FB_CALLBACK = "http://testserver/settings/accounts/connect/facebook/callback/"


def test_facebook_pages_to_choose_with_a_broken_one_offered_for_new_tokens(admin_client: Client, brand: Any) -> None:
    from fakes.facebook import DEMO_OTHER_PAGES
    from tests.channels.facebook.meta_support import APP_SECRET, connect, start_fake
    from tests.channels.meta_oauth_support import consent as meta_consent

    fake = start_fake("facebook", redirect_uris=[FB_CALLBACK])
    try:
        broken = connect(brand, "facebook", fake)  # the brand's Page, connected earlier, token since revoked
        BrandAccount.objects.filter(pk=broken.pk).update(status=AccountStatus.BROKEN)
        started = admin_client.post(
            "/settings/accounts/connect/facebook/",
            {"brand": str(brand.pk), "client_id": fake.app_id, "client_secret": APP_SECRET, "base_url": fake.base_url},
        )
        assert started.status_code == 302
        back = meta_consent(started["Location"], FB_CALLBACK)
        page = admin_client.get("/settings/accounts/connect/facebook/callback/", back)
        html = page.content.decode()
        assert page.status_code == 200 and "Which Pages should Hovor answer from?" in html
        row = r'<input type="checkbox" name="choice" value="(\d+)"( checked)?>\s*<span><strong>([^<]+)'
        rows = re.findall(row, html)
        ticked = {label for _, checked, label in rows if checked}
        assert any(label.startswith("Acme Care (") for label in ticked)  # broken: offered for new tokens
        other = DEMO_OTHER_PAGES[0]
        index = next(i for i, _, label in rows if label.startswith(f"{other['name']} ("))
        # Pages seen for the first time wait for the admin to pick them (other brands' Pages too).
        assert ticked == {label for label in ticked if label.startswith("Acme Care (")}
        assert len(rows) > len(ticked)

        chosen = [i for i, _, label in rows if label.startswith("Acme Care (")] + [index]
        done = admin_client.post("/settings/accounts/connect/facebook/choose/", {"choice": chosen})
        assert done.status_code == 302 and done["Location"] == "/settings/accounts/"
        broken.refresh_from_db()
        assert broken.status == AccountStatus.ACTIVE and broken.credentials["verify_token"]  # kept
        added = BrandAccount.objects.get(platform="facebook", platform_user_id=other["id"])
        assert added.credentials["app_secret"] == APP_SECRET and added.options["oauth_app_id"] == fake.app_id
        # The flow is spent: choosing again does nothing.
        again = admin_client.post("/settings/accounts/connect/facebook/choose/", {"choice": chosen}, follow=True)
        assert "was not started here or took too long" in again.content.decode()
    finally:
        fake.stop()


def test_authorising_again_ticks_only_that_account(admin_client: Client, brand: Any) -> None:
    from fakes.facebook import DEMO_OTHER_PAGES
    from tests.channels.facebook.meta_support import APP_SECRET, connect, start_fake
    from tests.channels.meta_oauth_support import consent as meta_consent

    fake = start_fake("facebook", redirect_uris=[FB_CALLBACK])
    try:
        again = connect(brand, "facebook", fake)  # "Authorise again" on its account page
        other = DEMO_OTHER_PAGES[0]
        connect(brand, "facebook", fake, handle=other["name"])  # connected and fine: left alone
        started = admin_client.post(
            "/settings/accounts/connect/facebook/",
            {"brand": str(brand.pk), "client_id": fake.app_id, "client_secret": APP_SECRET,
             "base_url": fake.base_url, "account": str(again.pk)},
        )
        page = admin_client.get("/settings/accounts/connect/facebook/callback/", meta_consent(started["Location"],
                                                                                            FB_CALLBACK))
        row = r'<input type="checkbox" name="choice" value="(\d+)"( checked)?>\s*<span><strong>([^<]+)'
        rows = re.findall(row, page.content.decode())
        assert len(rows) >= 3
        assert [label for _, checked, label in rows if checked] == [
            next(label for _, _, label in rows if label.startswith("Acme Care ("))
        ]
    finally:
        fake.stop()


def test_a_callback_with_someone_elses_state_is_refused(admin_client: Client, brand: Any) -> None:
    from tests.channels.facebook.meta_support import APP_SECRET, start_fake
    from tests.channels.meta_oauth_support import consent as meta_consent

    fake = start_fake("facebook", redirect_uris=[FB_CALLBACK])
    try:
        started = admin_client.post(
            "/settings/accounts/connect/facebook/",
            {"brand": str(brand.pk), "client_id": fake.app_id, "client_secret": APP_SECRET, "base_url": fake.base_url},
        )
        back = meta_consent(started["Location"], FB_CALLBACK)
        forged = {**back, "state": "attackers-state"}
        page = admin_client.get("/settings/accounts/connect/facebook/callback/", forged, follow=True)
        assert "does not belong to this authorisation" in page.content.decode()
        assert not BrandAccount.objects.exists()
    finally:
        fake.stop()


def test_a_new_brand_is_created_only_when_an_account_is_connected(admin_client: Client, fake_x: Any) -> None:
    from channels.models import Brand

    response = start(admin_client, fake_x, brand_name="Żabka Care")
    assert not Brand.objects.exists()  # the admin may still cancel on X
    admin_client.get(consent(response["Location"], "cancel"))
    assert not Brand.objects.exists()
    admin_client.get(consent(start(admin_client, fake_x, brand_name="Żabka Care")["Location"], "allow"))
    assert BrandAccount.objects.get().brand.name == "Żabka Care"
