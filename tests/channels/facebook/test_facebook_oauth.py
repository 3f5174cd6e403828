"""Connect with Facebook: Facebook Login's code flow run against the fake, with the admin's
browser simulated by requests (consent page, form, 302 back), then what the chosen Page's
credentials can do."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests

from channels.accounts import fields_for
from channels.base import OAuthApp, OAuthChoice, OAuthDenied
from channels.facebook.connector import SCOPES, connector
from channels.http import ApiAuthError, ApiError, ApiPermanentError
from channels.types import OutboundRequest
from fakes.facebook import DEMO_OTHER_PAGES, FakeMeta
from fakes.meta.login import consent_form
from tests.channels.facebook.meta_support import APP_SECRET, PAGE_ID, start_fake
from tests.channels.meta_oauth_support import connect as meta_connect
from tests.channels.meta_oauth_support import consent as meta_consent

CALLBACK = "http://localhost:8000/admin/accounts/connect/facebook/callback/"
STATE = "st-9fK2xQ"
OTHER = {p["name"]: p for p in DEMO_OTHER_PAGES}


@pytest.fixture
def fake() -> Iterator[FakeMeta]:
    server = start_fake("facebook")
    yield server
    server.stop()


@pytest.fixture
def app(fake: FakeMeta) -> OAuthApp:
    return OAuthApp(client_id=fake.app_id, client_secret=APP_SECRET, base_url=fake.base_url)


def consent(url: str, **kwargs: Any) -> dict[str, str]:
    return meta_consent(url, CALLBACK, **kwargs)


def connect(app: OAuthApp, **kwargs: Any) -> list[OAuthChoice]:
    return meta_connect(connector, app, CALLBACK, STATE, **kwargs)


def test_the_authorize_url_asks_for_the_page_permissions() -> None:
    start = connector.oauth_begin(OAuthApp(client_id="123", client_secret="s"), callback_url=CALLBACK, state=STATE)
    url = urlsplit(start.authorize_url)
    assert (url.scheme, url.netloc, url.path) == ("https", "www.facebook.com", "/v21.0/dialog/oauth")
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert query == {
        "client_id": "123",
        "redirect_uri": CALLBACK,
        "state": STATE,
        "response_type": "code",
        "scope": "pages_show_list,pages_messaging,pages_read_engagement,pages_manage_metadata,"
        "pages_read_user_content,pages_manage_engagement",
    }
    assert connector.oauth and connector.oauth_state_param and connector.registers_webhooks


def test_the_consent_page_names_the_app_and_what_it_gets(fake: FakeMeta, app: OAuthApp) -> None:
    start = connector.oauth_begin(app, callback_url=CALLBACK, state=STATE)
    assert start.authorize_url.startswith(f"{fake.base_url}/v21.0/dialog/oauth?")
    form = consent_form(requests.get(start.authorize_url, timeout=10).text)
    assert "Hovor is requesting access to your account" in form.text
    assert set(form.values("scope")) == {"public_profile", *SCOPES}
    assert form.values("asset") == [PAGE_ID, *(p["id"] for p in DEMO_OTHER_PAGES)]
    assert set(form.buttons) == {"allow", "cancel"}


def test_every_page_the_admin_can_answer_messages_on_with_working_credentials(
    fake: FakeMeta, app: OAuthApp, brand: Any
) -> None:
    choices = connect(app)

    # Five Pages shared, two a page of /me/accounts: three pages read, Acme Careers left out
    # (no MESSAGING task there).
    assert [c.handle for c in choices] == ["Acme Care", "Acme Care Deutschland", "Acme Outlet", "Acme Care Slovensko"]
    listed = [r for r in fake.requests() if r["path"].endswith("/me/accounts")]
    assert len(listed) == 3
    assert [bool(r["params"].get("after")) for r in listed] == [False, True, True]
    main = choices[0]
    assert main.platform_user_id == PAGE_ID
    assert main.label == f"Acme Care (Facebook Page {PAGE_ID})"
    assert main.options == {"app_id": fake.app_id}
    for choice in choices:
        assert set(choice.credentials) == {f.name for f in fields_for("facebook")}
        assert choice.credentials["app_secret"] == APP_SECRET
        assert len(choice.credentials["verify_token"]) >= 32
    assert len({c.credentials["verify_token"] for c in choices}) == 4
    assert len({c.credentials["page_access_token"] for c in choices}) == 4
    # Page tokens from a long-lived user token do not expire.
    issued = {t.value: t for t in fake.login.tokens()}
    assert issued[main.credentials["page_access_token"]].expires_at is None

    from channels.services import brand_account_connect_authorised

    account, created = brand_account_connect_authorised(
        brand=brand, platform="facebook", choice=main, base_url=fake.base_url
    )
    assert created and account.platform_user_id == PAGE_ID
    assert connector.test_connection(account) == {"id": PAGE_ID, "name": "Acme Care"}

    # The issued Page token sends through the Send API like a configured one.
    jana = fake.inbound("jana", "Jana Nováková", "Kde je můj balík?")
    sent = connector.send(
        account,
        OutboundRequest(
            text="Dobrý den, hned to zjistíme.",
            kind="dm",
            recipient=jana["sender"]["id"],
            extra={"timestamp": jana["timestamp"]},
        ),
    )
    assert [o["id"] for o in fake.outbound()] == [sent]

    # Another Page's credentials work for that Page, and only for it.
    outlet = next(c for c in choices if c.handle == "Acme Outlet")
    other, _ = brand_account_connect_authorised(brand=brand, platform="facebook", choice=outlet, base_url=fake.base_url)
    assert connector.test_connection(other) == {"id": OTHER["Acme Outlet"]["id"], "name": "Acme Outlet"}
    with pytest.raises(ApiPermanentError):
        connector.send(
            other,
            OutboundRequest(
                text="x", kind="dm", recipient=jana["sender"]["id"], extra={"timestamp": jana["timestamp"]}
            ),
        )


def test_only_the_pages_the_admin_picked(fake: FakeMeta, app: OAuthApp) -> None:
    skipped = tuple(p["id"] for p in DEMO_OTHER_PAGES)
    choices = connect(app, unchecked=skipped)
    assert [(c.handle, c.platform_user_id) for c in choices] == [("Acme Care", PAGE_ID)]


def test_cancel_on_the_consent_page(app: OAuthApp) -> None:
    start = connector.oauth_begin(app, callback_url=CALLBACK, state=STATE)
    params = consent(start.authorize_url, button="cancel")
    assert params == {
        "error": "access_denied",
        "error_code": "200",
        "error_description": "Permissions error",
        "error_reason": "user_denied",
        "state": STATE,
    }
    with pytest.raises(OAuthDenied, match="cancelled"):
        connector.oauth_complete(app, callback_url=CALLBACK, params=params, saved={})


def test_a_permission_switched_off_is_named(app: OAuthApp) -> None:
    with pytest.raises(OAuthDenied) as denied:
        connect(app, unchecked=("pages_messaging",))
    assert "pages_messaging" in denied.value.reason


def test_no_page_with_a_messaging_role(fake: FakeMeta, app: OAuthApp) -> None:
    careers = OTHER["Acme Careers"]["id"]
    with pytest.raises(OAuthDenied, match="MESSAGING"):
        connect(app, unchecked=tuple(p for p in [PAGE_ID, *(p["id"] for p in DEMO_OTHER_PAGES)] if p != careers))


def test_a_code_works_once(app: OAuthApp) -> None:
    start = connector.oauth_begin(app, callback_url=CALLBACK, state=STATE)
    params = consent(start.authorize_url)
    assert connector.oauth_complete(app, callback_url=CALLBACK, params=params, saved={})
    with pytest.raises(ApiPermanentError) as reused:
        connector.oauth_complete(app, callback_url=CALLBACK, params=params, saved={})
    assert "already used" in reused.value.message and "36009" in reused.value.message
    assert params["code"] not in str(reused.value)


def test_a_code_is_bound_to_its_callback_address(app: OAuthApp) -> None:
    start = connector.oauth_begin(app, callback_url=CALLBACK, state=STATE)
    params = consent(start.authorize_url)
    with pytest.raises(ApiPermanentError, match="different callback address"):
        connector.oauth_complete(app, callback_url=CALLBACK + "other/", params=params, saved={})


def test_a_wrong_app_secret_never_shows_in_the_error(fake: FakeMeta, app: OAuthApp) -> None:
    wrong = OAuthApp(client_id=app.client_id, client_secret="not-the-secret-81c2", base_url=app.base_url)
    start = connector.oauth_begin(wrong, callback_url=CALLBACK, state=STATE)
    params = consent(start.authorize_url)
    with pytest.raises(ApiAuthError) as refused:
        connector.oauth_complete(wrong, callback_url=CALLBACK, params=params, saved={})
    text = f"{refused.value} {refused.value.message} {refused.value!r}"
    assert "app secret" in text and "Error validating client secret" in text
    for secret in ("not-the-secret-81c2", APP_SECRET, params["code"]):
        assert secret not in text
    # The fake's request log keeps no secret either.
    logged = [r for r in fake.requests() if r["path"].endswith("/oauth/access_token")]
    assert logged and all(r["params"]["client_secret"] == "***" and r["params"]["code"] == "***" for r in logged)


def test_meta_unreachable_while_connecting(fake: FakeMeta, app: OAuthApp) -> None:
    start = connector.oauth_begin(app, callback_url=CALLBACK, state=STATE)
    params = consent(start.authorize_url)
    fake.stop()
    with pytest.raises(ApiError) as failed:
        connector.oauth_complete(app, callback_url=CALLBACK, params=params, saved={})
    assert failed.value.__cause__ is None and failed.value.__suppress_context__
    assert params["code"] not in str(failed.value) and APP_SECRET not in str(failed.value)


def test_the_dialog_refuses_another_app_or_an_unlisted_callback(fake: FakeMeta, app: OAuthApp) -> None:
    unknown = connector.oauth_begin(
        OAuthApp(client_id="999", client_secret="x", base_url=fake.base_url), callback_url=CALLBACK, state=STATE
    )
    page = requests.get(unknown.authorize_url, timeout=10)
    assert page.status_code == 400 and "Invalid App ID" in page.text

    elsewhere = connector.oauth_begin(app, callback_url="https://hovor.example.com/callback/", state=STATE)
    page = requests.get(elsewhere.authorize_url, timeout=10)
    assert page.status_code == 400 and "URL blocked" in page.text

    fake.login.redirect_uris.append("https://hovor.example.com/callback/")
    assert requests.get(elsewhere.authorize_url, timeout=10).status_code == 200


def test_a_form_posted_twice_is_refused(app: OAuthApp) -> None:
    start = connector.oauth_begin(app, callback_url=CALLBACK, state=STATE)
    form = consent_form(requests.get(start.authorize_url, timeout=10).text)
    target = urljoin(start.authorize_url, form.action)
    assert requests.post(target, data=form.data(), allow_redirects=False, timeout=10).status_code == 302
    again = requests.post(target, data=form.data(), allow_redirects=False, timeout=10)
    assert again.status_code == 400 and "Location" not in again.headers


def test_an_expired_code(fake: FakeMeta, app: OAuthApp) -> None:
    fake.login.code_ttl = 0.2
    start = connector.oauth_begin(app, callback_url=CALLBACK, state=STATE)
    params = consent(start.authorize_url)
    time.sleep(0.3)
    with pytest.raises(ApiPermanentError, match="expired"):
        connector.oauth_complete(app, callback_url=CALLBACK, params=params, saved={})
