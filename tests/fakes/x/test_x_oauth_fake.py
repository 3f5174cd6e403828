"""The fake's OAuth endpoints on the wire, as a client other than Hovor's would meet them:
request token, consent page, access token, the app-only bearer token, and which tokens the
/2/ endpoints then accept."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from urllib.parse import parse_qs, quote, urlsplit

import pytest
import requests
from requests_oauthlib import OAuth1

from channels.x.oauth import app_bearer_token
from fakes.x import FakeX, _Handler
from tests.support import X_CREDENTIALS

KEY, SECRET = X_CREDENTIALS["consumer_key"], X_CREDENTIALS["consumer_secret"]


@pytest.fixture
def fake() -> Iterator[FakeX]:
    with FakeX(consumer_key=KEY, consumer_secret=SECRET, bearer_token=X_CREDENTIALS["bearer_token"]) as fake:
        yield fake


def request_token(fake: FakeX, callback: str | None = "http://app.test/cb", secret: str = SECRET) -> requests.Response:
    # Signed over the loopback URL itself: the fake accepts that as well as the canonical URL.
    return requests.post(
        f"{fake.base_url}/oauth/request_token", auth=OAuth1(KEY, secret, callback_uri=callback), timeout=10
    )


def token_pair(response: requests.Response) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(response.text).items()}


def authorize(fake: FakeX, token: str, button: str = "allow") -> requests.Response:
    page = requests.get(f"{fake.base_url}/oauth/authorize", params={"oauth_token": token}, timeout=10).text
    authenticity = page.split('name="authenticity_token" value="')[1].split('"')[0]
    return requests.post(
        f"{fake.base_url}/oauth/authorize",
        data={"oauth_token": token, "authenticity_token": authenticity, button: "x"},
        allow_redirects=False,
        timeout=10,
    )


def test_request_token_needs_a_signature_and_a_callback(fake: FakeX) -> None:
    ok = request_token(fake)
    assert ok.status_code == 200 and ok.headers["Content-Type"] == "application/x-www-form-urlencoded"
    pair = token_pair(ok)
    assert set(pair) == {"oauth_token", "oauth_token_secret", "oauth_callback_confirmed"}
    assert pair["oauth_callback_confirmed"] == "true"

    bad = request_token(fake, secret="not-the-secret")
    assert bad.status_code == 401
    assert bad.json() == {"errors": [{"code": 32, "message": "Could not authenticate you."}]}
    unsigned = requests.post(f"{fake.base_url}/oauth/request_token", timeout=10)
    assert unsigned.status_code == 401 and unsigned.json()["errors"][0]["code"] == 32
    no_callback = request_token(fake, callback=None)
    assert no_callback.status_code == 401 and no_callback.json()["errors"][0]["code"] == 417


def test_consent_redirects_with_a_verifier_and_the_access_token_is_single_use(fake: FakeX) -> None:
    pair = token_pair(request_token(fake, callback="http://app.test/cb?next=%2Finbox"))
    redirect = authorize(fake, pair["oauth_token"])
    assert redirect.status_code == 302
    location = urlsplit(redirect.headers["Location"])
    query = parse_qs(location.query)
    assert location.path == "/cb" and query["next"] == ["/inbox"] and query["oauth_token"] == [pair["oauth_token"]]
    verifier = query["oauth_verifier"][0]

    def exchange(verifier: str, token_secret: str = pair["oauth_token_secret"]) -> requests.Response:
        auth = OAuth1(
            KEY, SECRET, resource_owner_key=pair["oauth_token"], resource_owner_secret=token_secret, verifier=verifier
        )
        return requests.post(f"{fake.base_url}/oauth/access_token", auth=auth, timeout=10)

    assert exchange(verifier, token_secret="wrong").json()["errors"][0]["code"] == 32
    wrong = exchange("not-the-verifier")
    assert wrong.status_code == 401
    assert wrong.text == "Error processing your OAuth request: Invalid oauth_verifier parameter"
    granted = exchange(verifier)
    assert granted.status_code == 200
    access = token_pair(granted)
    assert access["user_id"] == fake.brand_id and access["screen_name"] == "AcmeCare"
    again = exchange(verifier)
    assert again.status_code == 401
    assert again.json() == {"errors": [{"code": 89, "message": "Invalid or expired token."}]}

    # The issued pair is the brand user on /2/; a made-up token is not.
    me = requests.get(
        f"{fake.base_url}/2/users/me",
        auth=OAuth1(KEY, SECRET, access["oauth_token"], access["oauth_token_secret"]),
        timeout=10,
    )
    assert me.status_code == 200 and me.json()["data"]["username"] == "AcmeCare"
    forged = requests.get(
        f"{fake.base_url}/2/users/me", auth=OAuth1(KEY, SECRET, f"{fake.brand_id}-forged", "forged"), timeout=10
    )
    assert forged.status_code == 401


def test_cancel_redirects_with_denied_and_forgets_the_token(fake: FakeX) -> None:
    pair = token_pair(request_token(fake))
    redirect = authorize(fake, pair["oauth_token"], button="cancel")
    assert redirect.status_code == 302
    assert parse_qs(urlsplit(redirect.headers["Location"]).query) == {"denied": [pair["oauth_token"]]}
    page = requests.get(f"{fake.base_url}/oauth/authorize", params={"oauth_token": pair["oauth_token"]}, timeout=10)
    assert "Whoa there!" in page.text and 'id="allow"' not in page.text


def test_consent_form_needs_its_authenticity_token(fake: FakeX) -> None:
    pair = token_pair(request_token(fake))
    forged = requests.post(
        f"{fake.base_url}/oauth/authorize",
        data={"oauth_token": pair["oauth_token"], "authenticity_token": "guess", "allow": "Authorize app"},
        allow_redirects=False,
        timeout=10,
    )
    assert forged.status_code == 403 and "Location" not in forged.headers


def test_out_of_band_callback_shows_a_pin(fake: FakeX) -> None:
    pair = token_pair(request_token(fake, callback="oob"))
    page = authorize(fake, pair["oauth_token"])
    assert page.status_code == 200 and 'id="oauth_pin"' in page.text


def test_app_only_bearer_token(fake: FakeX) -> None:
    ok = requests.post(
        f"{fake.base_url}/oauth2/token", auth=(KEY, SECRET), data={"grant_type": "client_credentials"}, timeout=10
    )
    assert ok.status_code == 200
    assert ok.json() == {"token_type": "bearer", "access_token": X_CREDENTIALS["bearer_token"]}
    wrong = requests.post(
        f"{fake.base_url}/oauth2/token", auth=(KEY, "nope"), data={"grant_type": "client_credentials"}, timeout=10
    )
    assert wrong.status_code == 403 and wrong.json()["errors"][0]["code"] == 99
    no_grant = requests.post(f"{fake.base_url}/oauth2/token", auth=(KEY, SECRET), timeout=10)
    assert no_grant.status_code == 403 and no_grant.json()["errors"][0]["code"] == 170
    assert app_bearer_token(base_url=fake.base_url, consumer_key=KEY, consumer_secret=SECRET) == "test-bearer-token"


def test_bearer_token_credentials_are_url_encoded_before_basic_auth() -> None:
    """X's application-only auth: key and secret are RFC 1738-encoded, then joined with ':'."""
    secret = "s3cr3t%41+/=:&"
    with FakeX(consumer_key=KEY, consumer_secret=secret, bearer_token="b") as fake:
        assert app_bearer_token(base_url=fake.base_url, consumer_key=KEY, consumer_secret=secret) == "b"
        raw = base64.b64encode(f"{KEY}:{secret}".encode()).decode()  # not encoded: "%41" reads as "A"
        refused = requests.post(
            f"{fake.base_url}/oauth2/token",
            headers={"Authorization": f"Basic {raw}"},
            data={"grant_type": "client_credentials"},
            timeout=10,
        )
        assert refused.status_code == 403
        encoded = base64.b64encode(f"{KEY}:{quote(secret, safe='')}".encode()).decode()
        accepted = requests.post(
            f"{fake.base_url}/oauth2/token",
            headers={"Authorization": f"Basic {encoded}"},
            data={"grant_type": "client_credentials"},
            timeout=10,
        )
        assert accepted.status_code == 200


def test_tokens_and_verifiers_stay_out_of_the_fake_log() -> None:
    line = '"GET /oauth/authorize?oauth_token=abc123&x=1 HTTP/1.1" 200'
    assert "abc123" not in _Handler.redact(None, line)  # type: ignore[arg-type]
    line = '"GET /cb?oauth_token=abc&oauth_verifier=v3r1f1er HTTP/1.1" 302'
    assert "v3r1f1er" not in _Handler.redact(None, line)  # type: ignore[arg-type]
