"""Two-factor with an authenticator app and recovery codes: enrolment from the profile, the
second login step, one-time recovery codes, removal, and the signals for the audit log."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import signals
from accounts.actions.two_factor import totp_begin, totp_confirm

pytestmark = pytest.mark.django_db


def code_for(device: TOTPDevice, steps_ahead: int = 0) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=steps_ahead):06d}"


def enrolled(user: User) -> tuple[TOTPDevice, list[str]]:
    device = totp_begin(user=user)
    codes = totp_confirm(device=device, code=code_for(device))
    return device, codes


class Recorder:
    def __init__(self, *sigs: Any) -> None:
        self.sigs, self.seen = sigs, []

    def __call__(self, sender: Any, signal: Any, **kwargs: Any) -> None:
        self.seen.append((signal, kwargs))

    def __enter__(self) -> Recorder:
        for s in self.sigs:
            s.connect(self)
        return self

    def __exit__(self, *exc: object) -> None:
        for s in self.sigs:
            s.disconnect(self)


def test_enrolling_an_app_from_the_profile(people: dict[str, User]) -> None:
    client = Client()
    client.force_login(people["agent"])
    assert "Set up an authenticator app" in client.get("/profile/two-factor/").content.decode()
    response = client.post("/profile/two-factor/app/new/")
    device = TOTPDevice.objects.get(user=people["agent"])
    assert response["Location"] == f"/profile/two-factor/app/{device.pk}/" and not device.confirmed
    page = client.get(response["Location"]).content.decode()
    assert "<svg" in page and 'id="totp-secret"' in page
    wrong = client.post(response["Location"], {"code": "000000" if code_for(device) != "000000" else "111111"})
    assert "does not match" in wrong.content.decode()
    with Recorder(signals.two_factor_enrolled) as rec:
        ok = client.post(response["Location"], {"code": code_for(device)})
    assert ok["Location"] == "/profile/two-factor/recovery/"
    codes_page = client.get("/profile/two-factor/recovery/").content.decode()
    codes = re.findall(r"<li><code>(\w+)</code></li>", codes_page)
    assert len(codes) == 10
    assert client.get("/profile/two-factor/recovery/").status_code == 302  # shown once
    device.refresh_from_db()
    assert device.confirmed
    assert rec.seen[0][1]["details"] == {"method": "totp", "device_id": device.pk, "device_name": device.name}
    assert rec.seen[0][1]["user"] == people["agent"] and rec.seen[0][1]["request"] is not None


def test_someone_elses_unfinished_setup_is_a_404(people: dict[str, User]) -> None:
    device = totp_begin(user=people["lead"])
    client = Client()
    client.force_login(people["agent"])
    assert client.get(f"/profile/two-factor/app/{device.pk}/").status_code == 404


def test_login_asks_for_the_code_after_the_password(people: dict[str, User]) -> None:
    device, _ = enrolled(people["agent"])
    client = Client()
    response = client.post("/login/", {"username": "agent1", "password": "pw-agent-12345", "next": "/?view=all"})
    assert response["Location"] == "/login/verify/"
    assert "_auth_user_id" not in client.session  # not logged in yet
    assert client.get("/").status_code == 302
    page = client.get("/login/verify/").content.decode()
    assert "authenticator app" in page
    assert "Use my security key" not in page  # no key registered
    assert "not right" in client.post("/login/verify/", {"code": "12345"}).content.decode()
    # django-otp now throttles the device (1 s after one failure, doubling): skip the wait.
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=None)
    response = client.post("/login/verify/", {"code": code_for(device, steps_ahead=1)})
    assert response.status_code == 302 and response["Location"] == "/?view=all"
    assert client.get("/").status_code == 200


def test_a_recovery_code_works_once(people: dict[str, User]) -> None:
    _, codes = enrolled(people["agent"])
    for expected in (True, False):
        client = Client()
        client.post("/login/", {"username": "agent1", "password": "pw-agent-12345"})
        response = client.post("/login/verify/", {"code": codes[0].upper()})
        assert (response.status_code == 302) is expected
    assert StaticToken.objects.filter(device__user=people["agent"]).count() == 9


def test_five_wrong_codes_end_the_attempt(people: dict[str, User]) -> None:
    enrolled(people["agent"])
    client = Client()
    client.post("/login/", {"username": "agent1", "password": "pw-agent-12345"})
    answers = [client.post("/login/verify/", {"code": "99999999"}).status_code for _ in range(5)]
    assert answers == [200, 200, 200, 200, 302]
    assert client.get("/login/verify/")["Location"] == "/login/"


def test_the_verify_step_without_a_password_goes_back_to_login(db: None) -> None:
    assert Client().get("/login/verify/")["Location"] == "/login/"
    assert Client().post("/login/verify/key/options/").status_code == 400


def test_new_recovery_codes_replace_the_old(people: dict[str, User]) -> None:
    _, old = enrolled(people["agent"])
    client = Client()
    client.force_login(people["agent"])
    with Recorder(signals.recovery_codes_regenerated) as rec:
        assert client.post("/profile/two-factor/recovery/")["Location"] == "/profile/two-factor/recovery/"
    new = re.findall(r"<li><code>(\w+)</code></li>", client.get("/profile/two-factor/recovery/").content.decode())
    assert len(new) == 10 and not set(new) & set(old)
    assert rec.seen[0][1]["details"] == {"count": 10}


def test_removing_the_app_turns_two_factor_off(people: dict[str, User]) -> None:
    device, _ = enrolled(people["agent"])
    client = Client()
    client.force_login(people["agent"])
    with Recorder(signals.two_factor_removed) as rec:
        assert client.post(f"/profile/two-factor/app/{device.pk}/remove/").status_code == 302
    assert not TOTPDevice.objects.filter(user=people["agent"]).exists()
    assert not StaticToken.objects.filter(device__user=people["agent"]).exists()
    assert rec.seen[0][1]["details"]["method"] == "totp"
    login = Client().post("/login/", {"username": "agent1", "password": "pw-agent-12345"})
    assert login["Location"] == "/"  # password alone again


def test_another_persons_device_cannot_be_removed(people: dict[str, User]) -> None:
    device, _ = enrolled(people["lead"])
    client = Client()
    client.force_login(people["agent"])
    assert client.post(f"/profile/two-factor/app/{device.pk}/remove/").status_code == 404
    assert TOTPDevice.objects.filter(pk=device.pk).exists()
