"""Fixtures for the Telegram connector tests: a loopback fake Bot API and connected accounts."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.channels.telegram.telegram_support import BOT_TOKEN, WEBHOOK_SECRET, connect


@pytest.fixture
def fake_telegram() -> Iterator[Any]:
    from fakes.telegram import FakeTelegram

    fake = FakeTelegram(bot_token=BOT_TOKEN, webhook_secret=WEBHOOK_SECRET, retry_delay=0.05).start()
    yield fake
    fake.stop()


@pytest.fixture
def telegram_account(brand: Any, fake_telegram: Any) -> Any:
    """A polling-mode account (the default)."""
    return connect(brand, fake_telegram)


@pytest.fixture
def telegram_webhook_account(brand: Any, fake_telegram: Any) -> Any:
    return connect(brand, fake_telegram, mode="webhook", handle="@AcmeCareHookBot")
