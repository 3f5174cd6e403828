"""Helpers and constants for the WhatsApp tests (fixtures are in conftest.py)."""
from __future__ import annotations

from typing import Any

from tests.channels.webhook_support import post_webhook

PHONE_NUMBER_ID = "106540352242922"
TEMPLATES = [
    {"name": "follow_up", "language": "en_US", "body": "Hi {{1}}, we have an update on your request {{2}}."},
    {"name": "order_update", "language": "cs", "body": "Dobrý den {{1}}, vaše objednávka je na cestě."},
]
WA_CREDENTIALS: dict[str, Any] = {
    "phone_number_id": PHONE_NUMBER_ID,
    "access_token": "test-wa-access-token",
    "app_secret": "test-wa-app-secret",
    "verify_token": "test-wa-verify-token",
    "templates": TEMPLATES,
}



def deliver(client: Any, account: Any, delivery: Any) -> Any:
    """POST one of the fake's signed deliveries to the account's webhook, as Meta would."""
    headers = {k: v for k, v in delivery.headers.items() if k.lower().startswith("x-hub")}
    return post_webhook(client, "whatsapp", account.pk, delivery.body, headers)


def deliver_all(client: Any, account: Any, fake: Any) -> list[Any]:
    """Deliver everything the fake has queued since last time, in order; all must be 200."""
    responses = [deliver(client, account, d) for d in fake.take_deliveries()]
    assert [r.status_code for r in responses] == [200] * len(responses), [r.content for r in responses]
    return responses
