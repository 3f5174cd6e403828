"""channels.outbound.outbound_send after an unknown outcome: a refusal that may be the
platform refusing our own earlier attempt (X's duplicate-content 403) is looked up once
more before the reply is called failed."""
from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from channels import outbound
from channels.http import ApiPermanentError, ApiUnavailable
from channels.types import Failed, Sent


class Platform:
    """Finds nothing at first; the earlier attempt lands meanwhile, so a resend is refused."""

    def __init__(self, *, landed: bool, lookup_fails: bool = False) -> None:
        self.looks = 0
        self.landed = landed
        self.lookup_fails = lookup_fails

    def find_sent(self, account: Any, request: Any) -> str | None:
        self.looks += 1
        if self.looks > 1 and self.lookup_fails:
            raise ApiUnavailable("lookup down")
        return "1001" if self.looks > 1 and self.landed else None

    def send(self, account: Any, request: Any) -> str:
        raise ApiPermanentError("You are not allowed to create a Tweet with duplicate content.")


ACCOUNT = SimpleNamespace(status="active", platform="x")


def _send(monkeypatch: pytest.MonkeyPatch, platform: Platform, *, was_unknown: bool) -> Any:
    monkeypatch.setattr(outbound, "get_connector", lambda name: platform)
    return outbound.outbound_send(account=ACCOUNT, request=object(), attempts=2, was_unknown=was_unknown)  # type: ignore[arg-type]


def test_a_refusal_after_an_unknown_outcome_finds_the_earlier_attempt(monkeypatch: pytest.MonkeyPatch) -> None:
    platform = Platform(landed=True)
    assert _send(monkeypatch, platform, was_unknown=True) == Sent(platform_id="1001")
    assert platform.looks == 2


def test_a_refusal_stays_a_failure_when_nothing_is_found(monkeypatch: pytest.MonkeyPatch) -> None:
    result = _send(monkeypatch, Platform(landed=False), was_unknown=True)
    assert isinstance(result, Failed) and "duplicate content" in result.error
    result = _send(monkeypatch, Platform(landed=True, lookup_fails=True), was_unknown=True)
    assert isinstance(result, Failed)


def test_a_refusal_of_a_first_attempt_is_not_looked_up(monkeypatch: pytest.MonkeyPatch) -> None:
    platform = Platform(landed=True)
    assert isinstance(_send(monkeypatch, platform, was_unknown=False), Failed)
    assert platform.looks == 0
