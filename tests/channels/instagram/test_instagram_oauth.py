"""Connect with Facebook for Instagram: the Instagram professional accounts connected to
the Pages the admin shares, found through /me/accounts field expansion, with the browser
simulated by requests against the fake."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from channels.accounts import fields_for
from channels.base import OAuthApp, OAuthChoice, OAuthDenied
from channels.http import ApiAuthError, ApiPermanentError
from channels.instagram.connector import connector
from channels.meta.page import MetaCredentials
from channels.types import OutboundRequest
from fakes.facebook import DEMO_OTHER_PAGES, FakeMeta
from tests.channels.facebook.meta_support import APP_SECRET, IG_USER_ID, PAGE_ID, start_fake
from tests.channels.meta_oauth_support import connect as meta_connect
from tests.channels.meta_oauth_support import consent as meta_consent

CALLBACK = "http://127.0.0.1:8000/admin/accounts/connect/instagram/callback/"
STATE = "ig-state-71"
OTHER = {p["name"]: p for p in DEMO_OTHER_PAGES}


@pytest.fixture
def fake() -> Iterator[FakeMeta]:
    server = start_fake("instagram")
    yield server
    server.stop()


@pytest.fixture
def app(fake: FakeMeta) -> OAuthApp:
    return OAuthApp(client_id=fake.app_id, client_secret=APP_SECRET, base_url=fake.base_url)


def consent(url: str, **kwargs: Any) -> dict[str, str]:
    return meta_consent(url, CALLBACK, **kwargs)


def connect(app: OAuthApp, **kwargs: Any) -> list[OAuthChoice]:
    return meta_connect(connector, app, CALLBACK, STATE, **kwargs)


def test_the_authorize_url_asks_for_the_instagram_permissions() -> None:
    start = connector.oauth_begin(OAuthApp(client_id="42", client_secret="s"), callback_url=CALLBACK, state=STATE)
    url = urlsplit(start.authorize_url)
    assert f"{url.scheme}://{url.netloc}{url.path}" == "https://www.facebook.com/v21.0/dialog/oauth"
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert query["scope"].split(",") == [
        "instagram_basic",
        "instagram_manage_messages",
        "instagram_manage_comments",
        "pages_show_list",
        "pages_read_engagement",
        "pages_manage_metadata",
        "business_management",
    ]
    assert (query["client_id"], query["redirect_uri"], query["state"], query["response_type"]) == (
        "42",
        CALLBACK,
        STATE,
        "code",
    )


def test_each_instagram_account_of_a_shared_page(fake: FakeMeta, app: OAuthApp, brand: Any) -> None:
    choices = connect(app)

    # Acme Outlet has no Instagram account; on Acme Careers the admin cannot moderate.
    assert [(c.handle, c.platform_user_id) for c in choices] == [
        ("@acmecare", IG_USER_ID),
        ("@acmecare.de", OTHER["Acme Care Deutschland"]["ig_id"]),
        ("@acmecare.sk", OTHER["Acme Care Slovensko"]["ig_id"]),
    ]
    listed = [r for r in fake.requests() if r["path"].endswith("/me/accounts")]
    assert len(listed) == 3 and "instagram_business_account{id,username}" in listed[0]["params"]["fields"]
    main = choices[0]
    assert main.label == "@acmecare (Instagram, through the Facebook Page Acme Care)"
    assert main.options == {"app_id": fake.app_id, "page_name": "Acme Care"}
    assert set(main.credentials) == {f.name for f in fields_for("instagram")}
    assert main.credentials["page_id"] == PAGE_ID and main.credentials["app_secret"] == APP_SECRET

    from channels.services import brand_account_connect_authorised

    account, _ = brand_account_connect_authorised(
        brand=brand, platform="instagram", choice=main, base_url=fake.base_url
    )
    assert MetaCredentials.of(account).ig_user_id == IG_USER_ID
    assert connector.test_connection(account) == {"id": IG_USER_ID, "name": "@acmecare", "page": "Acme Care"}
    dm = fake.inbound("kaja.novak", "Kája", "Máte to i v modré?")
    sent = connector.send(
        account,
        OutboundRequest(text="Máme!", kind="dm", recipient=dm["sender"]["id"], extra={"timestamp": dm["timestamp"]}),
    )
    assert [(o["id"], o["platform"]) for o in fake.outbound()] == [(sent, "instagram")]

    slovak = choices[2]
    other, _ = brand_account_connect_authorised(
        brand=brand, platform="instagram", choice=slovak, base_url=fake.base_url
    )
    assert connector.test_connection(other)["name"] == "@acmecare.sk"


def test_business_management_may_be_left_off(app: OAuthApp) -> None:
    assert [c.handle for c in connect(app, unchecked=("business_management",))][0] == "@acmecare"


def test_messages_permission_left_off(app: OAuthApp) -> None:
    with pytest.raises(OAuthDenied) as denied:
        connect(app, unchecked=("instagram_manage_messages",))
    assert "instagram_manage_messages" in denied.value.reason


def test_no_shared_page_with_an_instagram_account(app: OAuthApp) -> None:
    keep = {OTHER["Acme Outlet"]["id"], OTHER["Acme Careers"]["id"]}
    skip = tuple(p for p in [PAGE_ID, *(p["id"] for p in DEMO_OTHER_PAGES)] if p not in keep)
    with pytest.raises(OAuthDenied, match="Instagram professional account"):
        connect(app, unchecked=skip)


def test_cancel(app: OAuthApp) -> None:
    start = connector.oauth_begin(app, callback_url=CALLBACK, state=STATE)
    params = consent(start.authorize_url, button="cancel")
    assert (params["error"], params["error_reason"], params["state"]) == ("access_denied", "user_denied", STATE)
    with pytest.raises(OAuthDenied):
        connector.oauth_complete(app, callback_url=CALLBACK, params=params, saved={})


def test_reused_code_and_wrong_secret(app: OAuthApp) -> None:
    start = connector.oauth_begin(app, callback_url=CALLBACK, state=STATE)
    params = consent(start.authorize_url)
    wrong = OAuthApp(client_id=app.client_id, client_secret="wrong-secret-ig-3", base_url=app.base_url)
    with pytest.raises(ApiAuthError) as refused:
        connector.oauth_complete(wrong, callback_url=CALLBACK, params=params, saved={})
    assert "wrong-secret-ig-3" not in str(refused.value) and params["code"] not in str(refused.value)
    # A refused exchange leaves the code usable; once used, it is spent.
    assert connector.oauth_complete(app, callback_url=CALLBACK, params=params, saved={})
    with pytest.raises(ApiPermanentError, match="already used"):
        connector.oauth_complete(app, callback_url=CALLBACK, params=params, saved={})
