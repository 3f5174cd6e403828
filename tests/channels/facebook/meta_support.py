"""Helpers shared by the Facebook and Instagram connector tests: test credentials, a
connected account pointed at the fake, and posting a fake's signed delivery to Hovor."""
from __future__ import annotations

from typing import Any

from django.test import Client

from channels.meta.webhooks import signature_for
from fakes.facebook import Delivery, FakeMeta
from tests.channels.webhook_support import post_webhook

PAGE_ID = "104512345678901"
IG_USER_ID = "17841405793187218"
APP_SECRET = "test-app-secret-4f1c9b"
VERIFY_TOKEN = "test-verify-token-77"
PAGE_TOKEN = "test-page-access-token-EAAB"


def credentials(platform: str) -> dict[str, str]:
    creds = {
        "page_id": PAGE_ID,
        "page_access_token": PAGE_TOKEN,
        "app_secret": APP_SECRET,
        "verify_token": VERIFY_TOKEN,
    }
    if platform == "instagram":
        creds["ig_user_id"] = IG_USER_ID
    return creds


def start_fake(platform: str, **kwargs: Any) -> FakeMeta:
    return FakeMeta(
        mode="instagram" if platform == "instagram" else "page",
        page_id=PAGE_ID,
        ig_user_id=IG_USER_ID,
        app_secret=APP_SECRET,
        verify_token=VERIFY_TOKEN,
        access_token=PAGE_TOKEN,
        **kwargs,
    ).start()


def connect(brand: Any, platform: str, fake: FakeMeta | None = None, handle: str = "Acme Care") -> Any:
    from channels.services import brand_account_connect

    return brand_account_connect(
        brand=brand,
        platform=platform,
        handle=handle,
        base_url=fake.base_url if fake is not None else "",
        credentials=credentials(platform),
    )


def signed_headers(body: bytes, secret: str = APP_SECRET) -> dict[str, str]:
    return {"X-Hub-Signature-256": signature_for(secret, body)}


def post_signed(client: Client, platform: str, account_id: int, body: bytes, secret: str = APP_SECRET) -> Any:
    return post_webhook(client, platform, account_id, body, signed_headers(body, secret))


def post_delivery(client: Client, platform: str, account_id: int, delivery: Delivery) -> Any:
    """POST exactly the bytes and signature the fake (as Meta) would send."""
    headers = {"X-Hub-Signature-256": delivery.headers["X-Hub-Signature-256"]}
    return post_webhook(client, platform, account_id, delivery.body, headers)
