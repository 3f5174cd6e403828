"""The two-factor policy: admins choose nobody / admins and leads / everyone; a person who
must enrol is sent to enrolment after login, and cannot remove their last factor."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from accounts import signals
from accounts.actions.policy import security_policy_set
from accounts.selectors import security_policy, two_factor_required_for
from tests.accounts.test_two_factor import Recorder, code_for, enrolled

pytestmark = pytest.mark.django_db


def login(username: str, password: str) -> Client:
    client = Client()
    client.post("/login/", {"username": username, "password": password})
    return client


def test_by_default_nobody_must(people: dict[str, User]) -> None:
    assert not any(two_factor_required_for(u) for u in people.values())
    assert login("admin1", "pw-admin-12345").get("/").status_code == 200


def test_admins_and_leads_must_enrol_after_login(people: dict[str, User]) -> None:
    security_policy_set(actor=people["admin"], two_factor_required="staff")
    assert [r for r, u in people.items() if two_factor_required_for(u)] == ["admin", "lead"]
    for role in ("admin", "lead"):
        client = login(f"{role}1", f"pw-{role}-12345")
        response = client.get("/")
        assert response.status_code == 302 and response["Location"] == "/profile/two-factor/"
        assert client.get("/settings/teams/")["Location"] == "/profile/two-factor/"
        assert client.get("/profile/two-factor/").status_code == 200
        # A polled fragment (the bell) sends the whole page there: no enrolment page in the top bar.
        polled = client.get("/notifications/bell/", HTTP_HX_REQUEST="true")
        assert polled.status_code == 204 and polled["HX-Redirect"] == "/profile/two-factor/"
        there = client.get("/notifications/bell/", HTTP_HX_REQUEST="true",
                           HTTP_HX_CURRENT_URL="http://testserver/profile/two-factor/")
        assert there.status_code == 204 and "HX-Redirect" not in there  # no reload loop on that page
    assert login("agent1", "pw-agent-12345").get("/").status_code == 200


def test_a_polled_fragment_after_the_session_ended_sends_the_whole_page_to_login() -> None:
    polled = Client().get("/notifications/bell/", HTTP_HX_REQUEST="true",
                          HTTP_HX_CURRENT_URL="http://testserver/tickets/7/?tab=all")
    # Back to the conversation after logging in, not to the bell fragment.
    assert polled.status_code == 204 and polled["HX-Redirect"] == "/login/?next=%2Ftickets%2F7%2F%3Ftab%3Dall"
    assert "csrftoken" not in polled.cookies  # no login form rendered, so no fresh CSRF cookie
    plain = Client().get("/notifications/bell/")
    assert plain.status_code == 302 and plain["Location"].startswith("/login/")


def test_enrolling_lets_them_in_and_the_last_factor_stays(people: dict[str, User]) -> None:
    security_policy_set(actor=people["admin"], two_factor_required="everyone")
    client = login("newcomer1", "pw-newcomer-12345")
    assert client.get("/")["Location"] == "/profile/two-factor/"
    client.post("/profile/two-factor/app/new/")
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.get(user=people["newcomer"])
    client.post(f"/profile/two-factor/app/{device.pk}/", {"code": code_for(device)})
    assert client.get("/").status_code == 200  # this session is verified by the new app
    client.post(f"/profile/two-factor/app/{device.pk}/remove/")
    assert TOTPDevice.objects.filter(pk=device.pk).exists()  # required: the last one stays


def test_a_session_not_verified_with_the_factor_must_log_in_again(people: dict[str, User]) -> None:
    enrolled(people["admin"])
    security_policy_set(actor=people["admin"], two_factor_required="staff")
    client = Client()
    client.force_login(people["admin"])  # as a session from before the policy would be
    response = client.get("/settings/teams/")
    assert response["Location"] == "/login/?next=/settings/teams/"
    assert "_auth_user_id" not in client.session


def test_the_policy_is_set_on_the_security_page_by_admins_only(people: dict[str, User]) -> None:
    client = Client()
    client.force_login(people["lead"])
    assert client.post("/settings/security/policy/", {"two_factor_required": "everyone"}).status_code == 404
    client.force_login(people["admin"])
    assert 'value="off" checked' in client.get("/settings/security/").content.decode()
    with Recorder(signals.security_policy_changed) as rec:
        assert client.post("/settings/security/policy/", {"two_factor_required": "everyone"}).status_code == 302
        client.post("/settings/security/policy/", {"two_factor_required": "nonsense"})
    assert security_policy().two_factor_required == "everyone"  # the cached copy was dropped
    assert [kw["details"] for _, kw in rec.seen] == [{"field": "two_factor_required", "old": "off", "new": "everyone"}]
    assert rec.seen[0][1]["actor"] == people["admin"]


def test_the_api_and_webhooks_are_not_redirected(people: dict[str, User], settings: Any) -> None:
    security_policy_set(actor=people["admin"], two_factor_required="everyone")
    client = Client()
    client.force_login(people["agent"])
    assert client.get("/api/v1/tickets/").status_code == 200
    assert client.get("/healthz").status_code in (200, 503)
