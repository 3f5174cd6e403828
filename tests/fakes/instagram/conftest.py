"""The Meta Page server in instagram mode, started for each test (as in tests/channels/instagram/)."""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from fakes.meta.pages import FakeMeta
from tests.channels.facebook.meta_support import start_fake


@pytest.fixture
def fake() -> Iterator[FakeMeta]:
    server = start_fake("instagram")
    yield server
    server.stop()
