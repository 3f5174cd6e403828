from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from fakes.facebook import FakeMeta
from tests.channels.facebook.meta_support import connect, start_fake


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    """The shared `agent` fixture sets a password; PBKDF2 would cost half a second a test."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def fake() -> Iterator[FakeMeta]:
    server = start_fake("facebook")
    yield server
    server.stop()


@pytest.fixture
def account(brand: Any, fake: FakeMeta) -> Any:
    return connect(brand, "facebook", fake)
