"""Fixtures for the Viber connector tests: a loopback fake REST Bot API and a connected account."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.channels.viber.viber_support import AUTH_TOKEN, connect


@pytest.fixture
def fake_viber() -> Iterator[Any]:
    """A fake whose callbacks wait for the test (take_callbacks) instead of being POSTed."""
    from fakes.viber import FakeViber

    with FakeViber(auth_token=AUTH_TOKEN, push=False) as fake:
        yield fake


@pytest.fixture
def viber_account(brand: Any, fake_viber: Any) -> Any:
    """An account whose bot has its webhook set (Viber sends nothing, and refuses to send,
    without one)."""
    account = connect(brand, fake_viber)
    fake_viber.set_webhook(f"http://testserver/webhooks/viber/{account.pk}/")
    return account
