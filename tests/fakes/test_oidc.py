"""The fake OpenID provider itself: discovery, JWKS, PKCE enforced, codes used once, signed
ID tokens that verify with its JWKS, userinfo for the access token only."""

from __future__ import annotations

import base64
import hashlib
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from joserfc import jwt
from joserfc.jwk import KeySet

from fakes.oidc import FakeOidc


@pytest.fixture
def fake() -> Iterator[FakeOidc]:
    with FakeOidc() as fake:
        fake.add_user("eva", groups=["care"])
        yield fake


def _code(fake: FakeOidc, verifier: str) -> str:
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    params = {
        "client_id": fake.client_id,
        "response_type": "code",
        "redirect_uri": "http://app.test/cb",
        "scope": "openid",
        "state": "s1",
        "nonce": "n1",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "login_hint": "eva",
    }
    answer = requests.get(f"{fake.issuer}/authorize?{urlencode(params)}", allow_redirects=False, timeout=5)
    assert answer.status_code == 302
    query = parse_qs(urlsplit(answer.headers["Location"]).query)
    assert query["state"] == ["s1"]
    return query["code"][0]


def _exchange(fake: FakeOidc, code: str, verifier: str) -> requests.Response:
    return requests.post(
        f"{fake.issuer}/token",
        auth=(fake.client_id, fake.client_secret),
        timeout=5,
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": "http://app.test/cb",
            "code_verifier": verifier,
        },
    )


def test_discovery_names_its_endpoints(fake: FakeOidc) -> None:
    doc = requests.get(f"{fake.issuer}/.well-known/openid-configuration", timeout=5).json()
    assert doc["issuer"] == fake.issuer and doc["code_challenge_methods_supported"] == ["S256"]
    assert requests.get(doc["jwks_uri"], timeout=5).json()["keys"][0]["kty"] == "RSA"


def test_the_code_flow_issues_a_signed_id_token(fake: FakeOidc) -> None:
    answer = _exchange(fake, _code(fake, "v" * 50), "v" * 50)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    keys = KeySet.import_key_set(requests.get(f"{fake.issuer}/jwks", timeout=5).json())
    claims: dict[str, Any] = jwt.decode(body["id_token"], keys).claims
    assert claims["aud"] == fake.client_id and claims["nonce"] == "n1" and claims["groups"] == ["care"]
    info = requests.get(
        f"{fake.issuer}/userinfo", headers={"Authorization": f"Bearer {body['access_token']}"}, timeout=5
    )
    assert info.json()["preferred_username"] == "eva"
    assert (
        requests.get(f"{fake.issuer}/userinfo", headers={"Authorization": "Bearer nope"}, timeout=5).status_code == 401
    )


def test_pkce_is_enforced_and_a_code_works_once(fake: FakeOidc) -> None:
    code = _code(fake, "a" * 50)
    assert _exchange(fake, code, "b" * 50).status_code == 400
    code = _code(fake, "a" * 50)
    assert _exchange(fake, code, "a" * 50).status_code == 200
    assert _exchange(fake, code, "a" * 50).status_code == 400
    no_pkce = {
        "client_id": fake.client_id,
        "response_type": "code",
        "redirect_uri": "http://app.test/cb",
        "scope": "openid",
    }
    assert requests.get(f"{fake.issuer}/authorize?{urlencode(no_pkce)}", timeout=5).status_code == 400


def test_the_switches_make_bad_tokens(fake: FakeOidc) -> None:
    requests.post(f"{fake.base_url}/_fake/mode", json={"audience": "wrong", "expired": True}, timeout=5)
    body = _exchange(fake, _code(fake, "c" * 50), "c" * 50).json()
    claims = jwt.decode(body["id_token"], KeySet.import_key_set(fake.jwks())).claims
    assert claims["aud"] != fake.client_id
    assert claims["exp"] < time.time()


def test_the_pick_page_lists_people_without_a_hint(fake: FakeOidc) -> None:
    params = {
        "client_id": fake.client_id,
        "response_type": "code",
        "redirect_uri": "http://app.test/cb",
        "scope": "openid",
        "code_challenge": "x" * 43,
        "code_challenge_method": "S256",
    }
    page = requests.get(f"{fake.issuer}/authorize?{urlencode(params)}", timeout=5).text
    assert "Sign in as eva" in page
