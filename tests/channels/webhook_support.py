"""Helpers for connector webhook tests (in the spirit of Zulip's WebhookTestCase):
post a fixture as the platform would, and read what the inbox made of it."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.test import Client

ROOT = Path(__file__).resolve().parents[2]


def fixture_bytes(platform: str, name: str) -> bytes:
    """Raw bytes of channels/<platform>/fixtures/<name> (exactly as the platform sent them)."""
    return (ROOT / "channels" / platform / "fixtures" / name).read_bytes()


def fixture_json(platform: str, name: str) -> Any:
    return json.loads(fixture_bytes(platform, name))


def post_webhook(
    client: Client, platform: str, account_id: int, body: bytes, headers: dict[str, str] | None = None
) -> Any:
    """POST raw bytes to /webhooks/<platform>/<account id>/ with the given headers."""
    extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in (headers or {}).items()}
    return client.post(
        f"/webhooks/{platform}/{account_id}/", data=body, content_type="application/json", **extra
    )
