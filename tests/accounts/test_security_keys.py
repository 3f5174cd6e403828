"""Security keys (WebAuthn) end to end through the views, with a software authenticator:
registration from the two-factor page, then the second login step with the key."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import User
from django.test import Client

from accounts import signals
from accounts.models import SecurityKey
from tests.accounts.soft_authenticator import SoftKey
from tests.accounts.test_two_factor import Recorder

pytestmark = pytest.mark.django_db


def register(client: Client, key: SoftKey, name: str = "YubiKey") -> dict[str, str]:
    options = client.post("/profile/two-factor/keys/options/").content
    body = {"name": name, "credential": key.create(options)}
    return client.post("/profile/two-factor/keys/", json.dumps(body), content_type="application/json").json()


def password_step(username: str, password: str) -> Client:
    client = Client()
    assert client.post("/login/", {"username": username, "password": password})["Location"] == "/login/verify/"
    return client


def key_step(client: Client, key: SoftKey) -> tuple[int, dict[str, str]]:
    options = client.post("/login/verify/key/options/").content
    answer = client.post("/login/verify/key/", json.dumps(key.get(options)), content_type="application/json")
    return answer.status_code, answer.json()


def test_a_key_is_registered_and_then_logs_in(people: dict[str, User]) -> None:
    client = Client()
    client.force_login(people["agent"])
    key = SoftKey()
    with Recorder(signals.two_factor_enrolled) as rec:
        answer = register(client, key)
    assert answer == {"redirect": "/profile/two-factor/recovery/"}  # the first factor: recovery codes too
    stored = SecurityKey.objects.get(user=people["agent"])
    assert stored.name == "YubiKey" and stored.transports == ["usb"]
    assert rec.seen[0][1]["details"]["method"] == "webauthn"
    login = password_step("agent1", "pw-agent-12345")
    assert "Use my security key" in login.get("/login/verify/").content.decode()
    status, body = key_step(login, key)
    assert status == 200 and body == {"redirect": "/"}
    assert login.get("/").status_code == 200
    stored.refresh_from_db()
    assert stored.sign_count == 1 and stored.last_used_at is not None


def test_an_unregistered_key_or_a_forged_answer_is_refused(people: dict[str, User]) -> None:
    client = Client()
    client.force_login(people["agent"])
    key = SoftKey()
    register(client, key)
    login = password_step("agent1", "pw-agent-12345")
    status, _ = key_step(login, SoftKey())  # a key nobody registered
    assert status == 400
    options = login.post("/login/verify/key/options/").content
    forged = key.get(options)
    forged["response"]["signature"] = forged["response"]["signature"][:-4] + "AAAA"
    answer = login.post("/login/verify/key/", json.dumps(forged), content_type="application/json")
    assert answer.status_code == 400
    assert login.get("/").status_code == 302  # still not logged in


def test_someone_elses_key_does_not_open_my_account(people: dict[str, User]) -> None:
    lead = Client()
    lead.force_login(people["lead"])
    lead_key = SoftKey()
    register(lead, lead_key)
    mine = Client()
    mine.force_login(people["agent"])
    register(mine, SoftKey())
    login = password_step("agent1", "pw-agent-12345")
    assert key_step(login, lead_key)[0] == 400


def test_a_registration_answer_without_a_challenge_is_refused(people: dict[str, User]) -> None:
    client = Client()
    client.force_login(people["agent"])
    body = {"name": "x", "credential": SoftKey().create(json.dumps({"challenge": "AAAA"}))}
    answer = client.post("/profile/two-factor/keys/", json.dumps(body), content_type="application/json")
    assert answer.status_code == 400 and not SecurityKey.objects.exists()
