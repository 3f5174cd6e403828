"""Helpers shared by the Telegram connector tests (fixtures live in conftest.py)."""
from __future__ import annotations

from typing import Any

BOT_TOKEN = "123456789:AAtestTelegramToken_for-Hovor42"
WEBHOOK_SECRET = "test-telegram_webhook-secret-42"


def connect(brand: Any, fake: Any, *, mode: str = "polling", handle: str = "@AcmeCareBot", **creds: Any) -> Any:
    """Connect a Telegram account of `brand` to the fake Bot API."""
    from channels.services import brand_account_connect

    credentials = {"bot_token": BOT_TOKEN, "webhook_secret": WEBHOOK_SECRET, "mode": mode, **creds}
    return brand_account_connect(
        brand=brand, platform="telegram", handle=handle, base_url=fake.base_url, credentials=credentials
    )
