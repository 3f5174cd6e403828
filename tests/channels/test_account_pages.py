"""Admins connect, test, repair and disconnect brand accounts from the browser."""
from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from channels.inbound import account_poll
from channels.models import AccountStatus, BrandAccount
from tests.support import X_CREDENTIALS

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def admin_client(client: Client) -> Client:
    client.force_login(User.objects.create_user("root", password="pw-root-123", is_staff=True))
    return client


def test_connect_x_account_test_it_and_see_health(admin_client: Client, fake_x: Any) -> None:
    response = admin_client.post(
        "/settings/accounts/new/?platform=x",
        {"platform": "x", "brand_name": "Acme", "handle": "@AcmeCare", "base_url": fake_x.base_url, **X_CREDENTIALS},
    )
    assert response.status_code == 302, response.content
    account = BrandAccount.objects.get()
    assert account.credentials == X_CREDENTIALS
    assert "test-consumer-secret" not in account.credentials_encrypted
    page = admin_client.get(response["Location"]).content.decode()
    assert f"/webhooks/x/{account.pk}/" in page
    assert "test-consumer-secret" not in page and "test-access-token-secret" not in page  # never shown again

    tested = admin_client.post(response["Location"], {"action": "test"}).content.decode()
    assert "Connected." in tested and "@AcmeCare" in tested and "user context" in tested
    listing = admin_client.get("/settings/accounts/").content.decode()
    assert "@AcmeCare" in listing and "Active" in listing


def test_missing_credentials_are_named(admin_client: Client) -> None:
    response = admin_client.post("/settings/accounts/new/?platform=x", {"platform": "x", "brand_name": "Acme",
                                                                         "handle": "@AcmeCare"})
    assert response.status_code == 400
    assert "API key (consumer key) is required." in response.content.decode()
    assert not BrandAccount.objects.exists()


def test_revoked_token_alerts_admins_until_new_credentials(
    admin_client: Client, fake_x: Any, x_account: BrandAccount
) -> None:
    fake_x.fail(status=401, times=1, path="/2/users")
    account_poll(account_id=x_account.pk)
    x_account.refresh_from_db()
    assert x_account.status == AccountStatus.BROKEN
    page = admin_client.get("/settings/accounts/").content.decode()
    assert "needs new credentials" in page
    failed = admin_client.post(f"/settings/accounts/{x_account.pk}/", {"action": "test"}).content.decode()
    assert "Connected." in failed  # the fake accepts again: the test shows it
    admin_client.post(
        f"/settings/accounts/{x_account.pk}/", {"action": "credentials", "access_token": "test-access-token"}
    )
    x_account.refresh_from_db()
    assert x_account.status == AccountStatus.ACTIVE and x_account.credentials == X_CREDENTIALS
    assert "needs new credentials" not in admin_client.get("/settings/accounts/").content.decode()


def test_disconnect_wipes_credentials_and_refuses_webhooks(admin_client: Client, x_account: BrandAccount) -> None:
    admin_client.post(f"/settings/accounts/{x_account.pk}/disconnect/")
    x_account.refresh_from_db()
    assert x_account.status == AccountStatus.DISABLED and x_account.credentials == {}
    webhook = admin_client.post(f"/webhooks/x/{x_account.pk}/", data=b"{}", content_type="application/json")
    assert webhook.status_code == 404
    assert account_poll(account_id=x_account.pk) == 0


def test_agents_cannot_reach_account_settings(client: Client, agent: User, x_account: BrandAccount) -> None:
    client.force_login(agent)
    assert client.get("/settings/accounts/").status_code == 404
    assert client.get(f"/settings/accounts/{x_account.pk}/").status_code == 404


def test_history_import_shows_progress_and_leaves_the_live_cursor(
    admin_client: Client, fake_x: Any, x_account: BrandAccount
) -> None:
    for i in range(30):
        fake_x.inbound(author=f"@hist{i % 9}", name=f"History {i % 9}", text=f"older question {i}")
    response = admin_client.post(f"/settings/accounts/{x_account.pk}/", {"action": "backfill"})
    assert response.status_code == 302
    x_account.refresh_from_db()
    assert x_account.backfill["state"] == "done" and x_account.backfill["fetched"] == 30
    assert x_account.poll_cursor == {}  # the live poller still starts from where it was
    from inbox.models import Message

    assert Message.objects.count() == 30
    assert account_poll(account_id=x_account.pk) == 0  # nothing twice
    page = admin_client.get(f"/settings/accounts/{x_account.pk}/").content.decode()
    assert "History imported: 30 fetched, 30 new." in page

    BrandAccount.objects.filter(pk=x_account.pk).update(backfill={"state": "running", "fetched": 7, "new": 5})
    fragment = admin_client.get(f"/settings/accounts/{x_account.pk}/backfill/").content.decode()
    assert "<progress" in fragment and "7 fetched, 5 new" in fragment and 'hx-trigger="every 1s"' in fragment


def test_history_import_on_a_push_only_platform_says_so(admin_client: Client, brand: Any) -> None:
    from channels.services import brand_account_connect

    account = brand_account_connect(brand=brand, platform="whatsapp", handle="+1555", credentials={})
    admin_client.post(f"/settings/accounts/{account.pk}/", {"action": "backfill"})
    account.refresh_from_db()
    assert account.backfill["state"] == "unavailable" and "no history" in account.backfill["error"]


def test_a_token_about_to_expire_is_announced_to_admins(admin_client: Client, brand: Any) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from channels.services import brand_account_connect

    credentials = {"phone_number_id": "106540352242922", "access_token": "t", "app_secret": "s", "verify_token": "v"}
    account = brand_account_connect(
        brand=brand, platform="whatsapp", handle="+15550783881", credentials=credentials,
        options={"token_expires_at": (timezone.now() + timedelta(days=3)).isoformat()},
    )
    page = admin_client.get("/settings/accounts/").content.decode()
    assert "+15550783881: its token expires" in page and f"/settings/accounts/{account.pk}/" in page
    assert "Token expires" in admin_client.get(f"/settings/accounts/{account.pk}/").content.decode()

    account.options = {"token_expires_at": (timezone.now() + timedelta(days=40)).isoformat()}
    account.save()
    assert "its token expires" not in admin_client.get("/settings/accounts/").content.decode()


def test_chat_account_page_gives_the_snippet_and_sets_the_widgets_look(admin_client: Client, brand: Any) -> None:
    from channels.services import brand_account_connect

    chat = brand_account_connect(brand=brand, platform="chat", handle="acme.example chat", credentials={})
    url = f"/settings/accounts/{chat.pk}/"
    page = admin_client.get(url).content.decode()
    assert f'data-account="{chat.pk}" async></script>' in page and "/chat/widget.js" in page
    assert "Test connection" not in page and "Import recent history" not in page  # nothing to ask or import

    form = {"action": "presentation", "title": "Acme <b>pomoc</b>", "color": "#0f766e", "greeting": "Ahoj!",
            "hours_text": ""}
    assert admin_client.post(url, form).status_code == 302
    config = admin_client.get(f"/chat/{chat.pk}/config").json()
    assert (config["title"], config["color"], config["greeting"]) == ("Acme <b>pomoc</b>", "#0f766e", "Ahoj!")
    assert "&lt;b&gt;pomoc" in admin_client.get(url).content.decode()  # escaped on the page

    refused = admin_client.post(url, {**form, "color": "red;background:url(//evil)"}, follow=True)
    assert "The colour must look like" in refused.content.decode()
    assert admin_client.get(f"/chat/{chat.pk}/config").json()["color"] == "#0f766e"


def test_account_page_counts_stored_events_by_status(admin_client: Client, x_account: BrandAccount) -> None:
    from channels.models import InboundEvent, InboundEventStatus

    for i, status in enumerate(["processed"] * 3 + ["ignored"] * 2 + ["failed", "received"]):
        InboundEvent.objects.create(account=x_account, platform_id=f"e{i}", kind="mention", payload={}, status=status)
    assert InboundEventStatus.IGNORED == "ignored"
    page = admin_client.get(f"/settings/accounts/{x_account.pk}/").content.decode()
    counts = dict(re.findall(r'<span class="count-(\w+)">[^<]*<strong>(\d+)</strong>', page))
    assert counts == {"received": "1", "processed": "3", "ignored": "2", "failed": "1"}
    assert "skipped on purpose" in page  # events ignored deliberately are visible, not hidden


def test_a_stored_platform_no_package_provides_is_a_clear_error(
    admin_client: Client, x_account: BrandAccount
) -> None:
    BrandAccount.objects.filter(pk=x_account.pk).update(platform="myspace")
    listing = admin_client.get("/settings/accounts/")
    assert listing.status_code == 200
    assert '<span class="badge platform-myspace">myspace</span>' in listing.content.decode()  # plain label, no 500
    page = admin_client.get(f"/settings/accounts/{x_account.pk}/")
    html = page.content.decode()
    assert page.status_code == 500 and "No connector package provides the platform &#x27;myspace&#x27;" in html
    assert "channels/myspace/connector.py" in html and f"/settings/accounts/{x_account.pk}/disconnect/" in html
    assert "skipped on purpose <strong>0</strong>" in html  # its stored events are still counted
    admin_client.post(f"/settings/accounts/{x_account.pk}/disconnect/")
    x_account.refresh_from_db()
    assert x_account.status == AccountStatus.DISABLED and x_account.credentials == {}


def test_badge_colours_are_a_cached_stylesheet_from_the_registry(client: Client, admin_client: Client) -> None:
    from channels.registry import badge_stylesheet

    css, version = badge_stylesheet()
    page = admin_client.get("/settings/accounts/").content.decode()
    assert f'<link rel="stylesheet" href="/settings/accounts/badges.css?v={version}">' in page
    assert '<link rel="icon" href="/static/hovor/favicon.svg" type="image/svg+xml">' in page
    assert "style=" not in re.sub(r"<form[^>]*logout[^>]*>", "", page.split("<main", 1)[1])  # no inline badge colours
    response = client.get(f"/settings/accounts/badges.css?v={version}")  # public: the login page uses it too
    assert response.status_code == 200 and response["Content-Type"].startswith("text/css")
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    body = response.content.decode()
    assert ".badge.platform-x { background: #111111; color: #ffffff; }" in body
    assert ".badge.platform-whatsapp {" in body and body == css
    stale = client.get("/settings/accounts/badges.css?v=old")
    assert stale["Cache-Control"] == "public, max-age=300"
    again = client.get("/settings/accounts/badges.css", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304


def test_credential_fields_come_from_the_connector(admin_client: Client) -> None:
    from channels.registry import get_connector

    page = admin_client.get("/settings/accounts/new/?platform=email").content.decode()
    for field in get_connector("email").credential_fields:
        assert f'name="{field.name}"' in page
    assert 'type="email" id="f-address" name="address" required' in page
    assert 'type="number" id="f-imap_port" name="imap_port"' in page and "993 with TLS, else 143" in page
    assert 'type="password" id="f-imap_password" name="imap_password" required' in page
    whatsapp = admin_client.get("/settings/accounts/new/?platform=whatsapp").content.decode()
    assert '<textarea id="f-templates" name="templates"' in whatsapp
    x_form = admin_client.get("/settings/accounts/new/?platform=x").content.decode()
    assert 'name="search_query"' in x_form and "&quot;Acme&quot; -from:AcmeCare" in x_form
    assert admin_client.get("/settings/accounts/new/?platform=myspace").status_code == 404


def test_only_the_webhook_secret_the_platform_asks_for_is_shown_back(admin_client: Client, brand: Any) -> None:
    from channels.services import brand_account_connect

    credentials = {"page_id": "104512345678901", "page_access_token": "page-token-secret", "app_secret": "app-secret-1",
                   "verify_token": "verify-me-7"}
    account = brand_account_connect(brand=brand, platform="facebook", handle="Acme Care", credentials=credentials)
    page = admin_client.get(f"/settings/accounts/{account.pk}/").content.decode()
    assert f"/webhooks/facebook/{account.pk}/" in page and 'value="verify-me-7"' in page
    assert "page-token-secret" not in page and "app-secret-1" not in page
    email = brand_account_connect(brand=brand, platform="email", handle="help@acme.example", credentials={})
    assert "/webhooks/email/" not in admin_client.get(f"/settings/accounts/{email.pk}/").content.decode()


@pytest.mark.parametrize(("platform", "offered"), [("x", True), ("telegram", True), ("viber", False), ("chat", False)])
def test_history_import_is_offered_only_where_the_platform_has_history(
    admin_client: Client, platform: str, offered: bool
) -> None:
    html = admin_client.get(f"/settings/accounts/new/?platform={platform}").content.decode()
    assert ('name="backfill"' in html) is offered
