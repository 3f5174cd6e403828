""" "Connect with X" through the connector (OAuth 1.0a, three-legged) against the fake: the
admin's browser is played by requests and an HTML parser (consent page, button, redirect)."""

from __future__ import annotations

import socket
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests

from channels.base import OAuthApp, OAuthDenied, OAuthStart
from channels.http import ApiAuthError, ApiError, ApiPermanentError, ApiUnavailable
from channels.services import brand_account_connect
from channels.x.client import XClient
from channels.x.connector import connector
from fakes.x import FakeX
from tests.support import X_CREDENTIALS

CALLBACK = "http://hovor.test/accounts/oauth/x/callback/"
BRAND_ID = "1000000000000000001"


class ConsentForm(HTMLParser):
    """The consent page as a browser sees it: the form, its hidden fields, its buttons."""

    def __init__(self) -> None:
        super().__init__()
        self.action = ""
        self.method = ""
        self.hidden: dict[str, str] = {}
        self.buttons: dict[str, tuple[str, str]] = {}  # id -> (name, value)
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.action, self.method = a.get("action", ""), a.get("method", "get").lower()
        elif tag == "input" and a.get("type") == "hidden":
            self.hidden[a["name"]] = a.get("value", "")
        elif tag == "input" and a.get("type") == "submit":
            self.buttons[a.get("id", "")] = (a.get("name", ""), a.get("value", ""))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def open_consent(authorize_url: str) -> ConsentForm:
    page = requests.get(authorize_url, timeout=10)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    form = ConsentForm()
    form.feed(page.text)
    return form


def click(authorize_url: str, button: str) -> dict[str, str]:
    """Open the consent page, press a button, follow X's redirect as far as our callback."""
    form = open_consent(authorize_url)
    assert form.method == "post" and button in form.buttons
    name, value = form.buttons[button]
    answer = requests.post(
        urljoin(authorize_url, form.action), data={**form.hidden, name: value}, allow_redirects=False, timeout=10
    )
    assert answer.status_code == 302
    location = answer.headers["Location"]
    assert location.startswith(CALLBACK + "?")
    return {k: v[-1] for k, v in parse_qs(urlsplit(location).query).items()}


def app_for(fake: FakeX, **changes: str) -> OAuthApp:
    fields = {
        "client_id": X_CREDENTIALS["consumer_key"],
        "client_secret": X_CREDENTIALS["consumer_secret"],
        "base_url": fake.base_url,
    }
    return OAuthApp(**{**fields, **changes})


def begin(fake: FakeX, **changes: str) -> tuple[OAuthApp, OAuthStart]:
    app = app_for(fake, **changes)
    return app, connector.oauth_begin(app, callback_url=CALLBACK, state="ignored by OAuth 1.0a")


def test_connector_declares_oauth_1a() -> None:
    assert connector.oauth is True and connector.oauth_state_param is False


def test_connect_with_x_end_to_end(fake_x: FakeX, brand: Any) -> None:
    app, start = begin(fake_x)
    # The browser goes to the fake's consent page, never to api.twitter.com, with the request token.
    assert start.authorize_url.startswith(f"{fake_x.base_url}/oauth/authorize?oauth_token=")
    token = parse_qs(urlsplit(start.authorize_url).query)["oauth_token"][0]
    assert start.saved == {"oauth_token": token, "oauth_token_secret": start.saved["oauth_token_secret"]}
    assert X_CREDENTIALS["consumer_secret"] not in start.authorize_url

    form = open_consent(start.authorize_url)
    page_text = " ".join(form.text)
    assert "Authorize Hovor to access your account?" in page_text and "@AcmeCare" in page_text
    assert form.buttons["allow"][1] == "Authorize app" and form.buttons["cancel"][1] == "Cancel"

    params = click(start.authorize_url, "allow")
    assert params["oauth_token"] == token and params["oauth_verifier"]

    [choice] = connector.oauth_complete(app, callback_url=CALLBACK, params=params, saved=start.saved)
    assert (choice.handle, choice.platform_user_id, choice.label) == ("@AcmeCare", BRAND_ID, "@AcmeCare (Acme Care)")
    creds = choice.credentials
    assert set(creds) == {"consumer_key", "consumer_secret", "access_token", "access_token_secret", "bearer_token"}
    assert creds["consumer_key"] == X_CREDENTIALS["consumer_key"]
    # A token X issued for this authorisation (not the configured one), and the app's bearer token.
    assert creds["access_token"].startswith(f"{BRAND_ID}-") and creds["access_token"] != X_CREDENTIALS["access_token"]
    assert creds["bearer_token"] == X_CREDENTIALS["bearer_token"]

    # The credentials work: the connection test and a user-context-only read.
    account = brand_account_connect(
        brand=brand, platform="x", handle=choice.handle, base_url=fake_x.base_url, credentials=creds
    )
    assert connector.test_connection(account)["username"] == "@AcmeCare"
    fake_x.inbound("@jana", "Jana", "Soukromá zpráva", kind="dm")
    page = XClient(base_url=fake_x.base_url, credentials=creds).dm_events_page()
    assert [e["text"] for e in page["data"]] == ["Soukromá zpráva"]
    calls = [(r["method"], r["path"]) for r in fake_x.requests_log()]
    assert calls[:7] == [
        ("POST", "/oauth/request_token"),
        ("GET", "/oauth/authorize"),  # the browser, twice: the look in the test, then the click
        ("GET", "/oauth/authorize"),
        ("POST", "/oauth/authorize"),
        ("POST", "/oauth/access_token"),
        ("POST", "/oauth2/token"),
        ("GET", "/2/users/me"),
    ]


def test_authorising_again_gives_the_same_tokens(fake_x: FakeX) -> None:
    """X keeps one access token per user and app: a second authorisation returns it again."""
    tokens = []
    for _ in range(2):
        app, start = begin(fake_x)
        [choice] = connector.oauth_complete(
            app, callback_url=CALLBACK, params=click(start.authorize_url, "allow"), saved=start.saved
        )
        tokens.append((choice.credentials["access_token"], choice.credentials["access_token_secret"]))
    assert tokens[0] == tokens[1]


def test_cancel_on_the_consent_page_is_denied(fake_x: FakeX) -> None:
    app, start = begin(fake_x)
    params = click(start.authorize_url, "cancel")
    assert params == {"denied": start.saved["oauth_token"]}
    with pytest.raises(OAuthDenied, match="not granted"):
        connector.oauth_complete(app, callback_url=CALLBACK, params=params, saved=start.saved)
    # X forgets a refused request token: its consent page is gone.
    assert "Whoa there!" in requests.get(start.authorize_url, timeout=10).text


def test_callback_for_another_request_token_is_denied(fake_x: FakeX) -> None:
    app, first = begin(fake_x)
    _, second = begin(fake_x)
    params = click(first.authorize_url, "allow")
    with pytest.raises(OAuthDenied, match="another authorisation"):
        connector.oauth_complete(app, callback_url=CALLBACK, params=params, saved=second.saved)
    with pytest.raises(OAuthDenied, match="another authorisation"):
        connector.oauth_complete(app, callback_url=CALLBACK, params=params, saved={})
    with pytest.raises(OAuthDenied, match="no verifier"):
        connector.oauth_complete(
            app, callback_url=CALLBACK, params={"oauth_token": first.saved["oauth_token"]}, saved=first.saved
        )
    # The right pairing still works afterwards: nothing was spent on the mismatches.
    [choice] = connector.oauth_complete(app, callback_url=CALLBACK, params=params, saved=first.saved)
    assert choice.handle == "@AcmeCare"


def test_verifier_serves_once(fake_x: FakeX) -> None:
    app, start = begin(fake_x)
    params = click(start.authorize_url, "allow")
    connector.oauth_complete(app, callback_url=CALLBACK, params=params, saved=start.saved)
    with pytest.raises(ApiAuthError) as refused:
        connector.oauth_complete(app, callback_url=CALLBACK, params=params, saved=start.saved)
    assert refused.value.status == 401 and "Invalid or expired token" in refused.value.message
    for secret in (params["oauth_verifier"], start.saved["oauth_token_secret"], X_CREDENTIALS["consumer_secret"]):
        assert secret not in refused.value.message and secret not in str(refused.value)
    # The used token's consent page is gone too.
    assert "Whoa there!" in requests.get(start.authorize_url, timeout=10).text


def test_wrong_verifier_is_refused_without_echoing_it(fake_x: FakeX) -> None:
    app, start = begin(fake_x)
    params = click(start.authorize_url, "allow")
    forged = {**params, "oauth_verifier": "forged-verifier-123"}
    with pytest.raises(ApiAuthError, match="Invalid oauth_verifier") as refused:
        connector.oauth_complete(app, callback_url=CALLBACK, params=forged, saved=start.saved)
    assert "forged-verifier-123" not in refused.value.message
    # The genuine verifier still works (a wrong guess does not burn the request token).
    [choice] = connector.oauth_complete(app, callback_url=CALLBACK, params=params, saved=start.saved)
    assert choice.platform_user_id == BRAND_ID


@pytest.mark.parametrize("field", ["client_secret", "client_id"])
def test_wrong_app_credentials_are_an_auth_error_without_the_secret(fake_x: FakeX, field: str) -> None:
    wrong = "wrong-consumer-secret-s3cr3t" if field == "client_secret" else "wrong-consumer-key"
    with pytest.raises(ApiAuthError) as refused:
        begin(fake_x, **{field: wrong})
    assert refused.value.status == 401
    assert "Could not authenticate you" in refused.value.message and "API key and secret" in refused.value.message
    assert "wrong-consumer-secret-s3cr3t" not in str(refused.value)
    assert X_CREDENTIALS["consumer_secret"] not in str(refused.value)


def test_wrong_secret_at_the_access_token_step(fake_x: FakeX) -> None:
    """The admin's secret is re-read at the callback: a signature X cannot check is 401 there too."""
    app, start = begin(fake_x)
    params = click(start.authorize_url, "allow")
    wrong = app_for(fake_x, client_secret="another-wrong-s3cr3t")
    with pytest.raises(ApiAuthError) as refused:
        connector.oauth_complete(wrong, callback_url=CALLBACK, params=params, saved=start.saved)
    assert "another-wrong-s3cr3t" not in str(refused.value) and params["oauth_verifier"] not in str(refused.value)


def test_callback_not_approved_in_the_app_settings() -> None:
    with FakeX(
        consumer_key=X_CREDENTIALS["consumer_key"],
        consumer_secret=X_CREDENTIALS["consumer_secret"],
        allowed_callbacks=["https://hovor.example/accounts/oauth/x/callback/"],
    ) as fake:
        with pytest.raises(ApiPermanentError, match="Callback URL not approved") as refused:
            begin(fake)
        assert refused.value.status == 403


def test_x_errors_and_transport_failures_map_to_the_error_family(fake_x: FakeX) -> None:
    fake_x.fail(status=503, path="/oauth/request_token")
    with pytest.raises(ApiError) as unavailable:
        begin(fake_x)
    assert unavailable.value.status == 503 and "Over capacity" in unavailable.value.message

    app, start = begin(fake_x)
    params = click(start.authorize_url, "allow")
    fake_x.fail(status=500, path="/oauth/access_token")
    with pytest.raises(ApiError) as failed:
        connector.oauth_complete(app, callback_url=CALLBACK, params=params, saved=start.saved)
    assert failed.value.status == 500

    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}"
    with pytest.raises(ApiUnavailable, match="unreachable"):
        connector.oauth_begin(
            OAuthApp(X_CREDENTIALS["consumer_key"], X_CREDENTIALS["consumer_secret"], closed),
            callback_url=CALLBACK,
            state="",
        )


def test_connect_goes_on_without_a_bearer_token_when_x_gives_none(fake_x: FakeX) -> None:
    app, start = begin(fake_x)
    params = click(start.authorize_url, "allow")
    fake_x.fail(status=503, path="/oauth2/token")
    [choice] = connector.oauth_complete(app, callback_url=CALLBACK, params=params, saved=start.saved)
    assert "bearer_token" not in choice.credentials and choice.credentials["access_token"]
