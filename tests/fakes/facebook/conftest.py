"""The Meta Page server in facebook mode, started for each test (as in tests/channels/facebook/)."""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from fakes.meta.pages import FakeMeta
from tests.channels.facebook.meta_support import start_fake


@pytest.fixture
def fake() -> Iterator[FakeMeta]:
    server = start_fake("facebook")
    yield server
    server.stop()
