"""Helpers shared by the Viber connector tests (fixtures live in conftest.py)."""
from __future__ import annotations

from typing import Any

from tests.channels.webhook_support import post_webhook

AUTH_TOKEN = "4a5b6c7d8e9f0a1b-2c3d4e5f6a7b8c9d-0e1f2a3b4c5d6e7f"


def connect(brand: Any, fake: Any, *, handle: str = "Acme Care", **creds: Any) -> Any:
    """Connect a Viber account of `brand` to the fake REST Bot API."""
    from channels.services import brand_account_connect

    return brand_account_connect(
        brand=brand, platform="viber", handle=handle, base_url=fake.base_url,
        credentials={"auth_token": AUTH_TOKEN, **creds},
    )


def deliver(client: Any, account: Any, fake: Any, callback: dict[str, Any], **kwargs: Any) -> Any:
    """POST one callback to the account's webhook, signed as Viber signs it."""
    body, headers = fake.delivery(callback, **kwargs)
    headers.pop("Content-Type")
    return post_webhook(client, "viber", account.pk, body, headers)


def deliver_all(client: Any, account: Any, fake: Any) -> list[dict[str, Any]]:
    """POST everything the fake has queued since last time, in order; all must get 200."""
    callbacks = fake.take_callbacks()
    codes = [deliver(client, account, fake, c).status_code for c in callbacks]
    assert codes == [200] * len(callbacks), codes
    return callbacks


def ticket_from(client: Any, account: Any, fake: Any, author: str = "@jana", name: str = "Jana Nováková",
                text: str = "Dobrý den, kde je můj balík?") -> tuple[Any, dict[str, Any]]:
    """A customer writes; their callback reaches Hovor; returns (their ticket, the callback)."""
    from inbox.models import Ticket

    callback = fake.inbound(author, name, text)
    fake.take_callbacks()
    assert deliver(client, account, fake, callback).status_code == 200
    return Ticket.objects.get(messages__platform_id=str(callback["message_token"])), callback
