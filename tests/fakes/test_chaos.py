"""The control plane every fake shares can make a platform misbehave as real ones do: 429
and 5xx storms in the platform's own error shape, answers that come too late, and lost
answers (the platform acted, the client heard nothing), counted for the fault tests."""
from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from fakes.telegram import FakeTelegram

TOKEN = "123456:chaos-token"


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram(bot_token=TOKEN) as running:
        running.inbound("@jana", "Jana Nováková", "Dobrý den")
        yield running


def _chaos(fake: Any, **spec: Any) -> Any:
    return requests.post(f"{fake.base_url}/_fake/chaos", json=spec, timeout=5)


def _send(fake: Any, text: str) -> requests.Response:
    return requests.post(f"{fake.base_url}/bot{TOKEN}/getMe", json={"text": text}, timeout=2)


def test_a_429_storm_answers_in_the_platforms_shape_and_is_counted(fake: FakeTelegram) -> None:
    assert _chaos(fake, mode="error", status=429, rate=1.0, times=2, retry_after=3).status_code == 200
    first, second, third = (_send(fake, "x") for _ in range(3))
    assert first.status_code == second.status_code == 429
    assert first.json()["parameters"] == {"retry_after": 3}
    assert third.status_code == 200  # the storm is over after `times`
    report = requests.get(f"{fake.base_url}/_fake/chaos", timeout=5).json()
    assert report == {"armed": 0, "counts": {"error_429": 2}, "unanswered": []}  # a 429 did not act


def test_a_lost_answer_acts_but_the_client_hears_nothing(fake: FakeTelegram) -> None:
    user = fake.inbound("@petr", "Petr", "Ahoj")
    chat_id = user["message"]["chat"]["id"]
    _chaos(fake, mode="lost", rate=1.0, times=1, path=f"/bot{TOKEN}/sendMessage")
    with pytest.raises(requests.ConnectionError):
        requests.post(f"{fake.base_url}/bot{TOKEN}/sendMessage", json={"chat_id": chat_id, "text": "Dobrý den"},
                      timeout=5)
    assert [m["text"] for m in fake.outbound()] == ["Dobrý den"]  # it went out all the same
    # The call is listed as acted on unanswered: a client without a lookup may send it again.
    unanswered = requests.get(f"{fake.base_url}/_fake/chaos", timeout=5).json()["unanswered"]
    assert [json.loads(body)["text"] for body in unanswered] == ["Dobrý den"]


def test_a_timeout_acts_after_the_client_gave_up(fake: FakeTelegram) -> None:
    _chaos(fake, mode="timeout", rate=1.0, times=1, delay=0.6)
    with pytest.raises(requests.Timeout):
        requests.get(f"{fake.base_url}/bot{TOKEN}/getMe", timeout=0.2)
    assert json.loads(requests.get(f"{fake.base_url}/_fake/chaos", timeout=5).content)["counts"] == {"timeout": 1}


def test_off_calms_everything_and_a_bad_spec_is_refused(fake: FakeTelegram) -> None:
    _chaos(fake, mode="error", status=503, rate=1.0, seconds=60)
    assert _send(fake, "x").status_code == 503
    assert _chaos(fake, mode="off").json() == {"mode": "off"}
    assert _send(fake, "x").status_code == 200
    assert _chaos(fake, mode="explode").status_code == 400
    assert _chaos(fake, mode="error", rate=2).status_code == 400


def test_the_control_plane_is_never_stormed(fake: FakeTelegram) -> None:
    _chaos(fake, mode="error", status=500, rate=1.0, seconds=60)
    connection = http.client.HTTPConnection("127.0.0.1", fake.port, timeout=5)
    connection.request("GET", "/_fake/requests")
    assert connection.getresponse().status == 200
