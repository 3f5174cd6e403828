"""Login throttling: failures slow down, then lock a username and an address; an unknown
username is treated exactly like a real one; an admin unlocks; the message is translated."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from accounts import signals
from accounts.throttle import slowdown_seconds

pytestmark = pytest.mark.django_db


@pytest.fixture
def throttle(settings: Any, monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The throttle on, with the default limit; sleeps recorded instead of slept."""
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 5
    settings.HOVOR_LOGIN_SLOWDOWN_AFTER = 3
    settings.HOVOR_LOGIN_SLOWDOWN_SECONDS = 1.0
    slept: list[float] = []
    monkeypatch.setattr("accounts.throttle.time.sleep", slept.append)
    return slept


def _without_csrf(body: bytes) -> str:
    """The page with its CSRF tokens (different per client) blanked."""
    return re.sub(r'("X-CSRFToken": "|name="csrfmiddlewaretoken" value=")[^"]+', r"\1", body.decode())


def _fail(client: Client, username: str, times: int, ip: str = "10.0.0.1") -> list[int]:
    return [
        client.post("/login/", {"username": username, "password": "wrong"}, REMOTE_ADDR=ip).status_code
        for _ in range(times)
    ]


def test_five_failures_lock_the_account_even_with_the_right_password(
    people: dict[str, User], throttle: list[float]
) -> None:
    client = Client()
    assert _fail(client, "agent1", 5) == [200, 200, 200, 200, 429]
    response = client.post("/login/", {"username": "agent1", "password": "pw-agent-12345"}, REMOTE_ADDR="10.0.0.9")
    assert response.status_code == 429
    assert "Too many failed logins" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_failed_logins_slow_down_from_the_third(people: dict[str, User], throttle: list[float]) -> None:
    _fail(Client(), "agent1", 4)
    assert throttle == [1.0, 2.0]  # the 3rd and 4th failures wait; the 5th is the lockout itself
    assert [slowdown_seconds(n) for n in range(1, 8)] == [0.0, 0.0, 1.0, 2.0, 3.0, 3.0, 3.0]


def test_an_unknown_username_is_answered_exactly_like_a_real_one(
    people: dict[str, User], throttle: list[float]
) -> None:
    real, ghost = Client(), Client()
    real_answers = _fail(real, "agent1", 6, ip="10.0.1.1")
    ghost_answers = _fail(ghost, "nobody-here", 6, ip="10.0.1.2")
    assert real_answers == ghost_answers == [200, 200, 200, 200, 429, 429]
    assert throttle == [1.0, 2.0, 1.0, 2.0]  # the same delays
    body_real = real.post("/login/", {"username": "agent1", "password": "x"}, REMOTE_ADDR="10.0.1.1").content
    body_ghost = ghost.post("/login/", {"username": "nobody-here", "password": "x"}, REMOTE_ADDR="10.0.1.2").content
    assert _without_csrf(body_real) == _without_csrf(body_ghost)


def test_an_address_with_many_failures_is_locked_for_every_username(
    people: dict[str, User], throttle: list[float]
) -> None:
    client = Client()
    for n in range(5):
        _fail(client, f"guess{n}", 1, ip="10.0.2.1")
    ok = {"username": "lead1", "password": "pw-lead-12345"}
    assert client.post("/login/", ok, REMOTE_ADDR="10.0.2.1").status_code == 429
    assert Client().post("/login/", ok, REMOTE_ADDR="10.0.2.2").status_code == 302  # another address: fine


def test_an_admin_sees_and_lifts_a_lockout(people: dict[str, User], throttle: list[float]) -> None:
    seen: list[tuple[str, dict[str, Any]]] = []

    def listen(signal_name: str) -> Any:
        def receiver(sender: Any, **kwargs: Any) -> None:
            seen.append((signal_name, kwargs))

        return receiver

    on_lock, on_unlock = listen("locked"), listen("unlocked")
    signals.login_locked_out.connect(on_lock)
    signals.login_unlocked.connect(on_unlock)
    try:
        _fail(Client(), "agent1", 5, ip="10.0.3.1")
        admin = Client()
        admin.force_login(people["admin"])
        page = admin.get("/settings/security/").content.decode()
        assert "agent1" in page and "10.0.3.1" in page
        response = admin.post("/settings/security/unlock/", {"kind": "username", "value": "agent1"})
        assert response.status_code == 302
        admin.post("/settings/security/unlock/", {"kind": "ip_address", "value": "10.0.3.1"})
    finally:
        signals.login_locked_out.disconnect(on_lock)
        signals.login_unlocked.disconnect(on_unlock)
    ok = {"username": "agent1", "password": "pw-agent-12345"}
    assert Client().post("/login/", ok, REMOTE_ADDR="10.0.3.1").status_code == 302
    locked = [kw for name, kw in seen if name == "locked"]
    assert locked and locked[0]["details"] == {"username": "agent1", "ip_address": "10.0.3.1"}
    assert locked[0]["user"] == people["agent"] and locked[0]["request"] is not None
    unlocked = [kw for name, kw in seen if name == "unlocked"]
    assert unlocked[0]["actor"] == people["admin"] and unlocked[0]["details"]["username"] == "agent1"


def test_only_admins_have_the_security_page(people: dict[str, User]) -> None:
    for role in ("lead", "agent"):
        client = Client()
        client.force_login(people[role])
        assert client.get("/settings/security/").status_code == 404
        assert client.post("/settings/security/unlock/", {"kind": "username", "value": "x"}).status_code == 404


def test_the_lockout_message_speaks_czech(people: dict[str, User], throttle: list[float]) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="cs")
    _fail(client, "agent1", 4)
    response = client.post("/login/", {"username": "agent1", "password": "wrong"}, REMOTE_ADDR="10.0.0.1")
    assert response.status_code == 429
    assert "Příliš mnoho neúspěšných přihlášení" in response.content.decode()


def test_the_django_admin_login_goes_through_hovors_login(db: None) -> None:
    response = Client().get("/admin/login/?next=/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/login/?next=/admin/")
