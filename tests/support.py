"""Helpers shared by tests (fixtures live in conftest.py)."""
from __future__ import annotations

import time
from typing import Any

X_CREDENTIALS = {
    "consumer_key": "test-consumer-key",
    "consumer_secret": "test-consumer-secret",
    "access_token": "test-access-token",
    "access_token_secret": "test-access-token-secret",
    "bearer_token": "test-bearer-token",
}


def make_ticket(fake_x: Any, account: Any, author: str, name: str, text: str) -> tuple[Any, dict[str, Any]]:
    """A customer mentions the brand on the fake X and one poll brings it into a ticket."""
    from channels.inbound import account_poll
    from inbox.models import Message

    tweet = fake_x.inbound(author=author, name=name, text=text)["data"]
    account_poll(account_id=account.pk)
    message = Message.objects.select_related("ticket").get(account=account, platform_id=tweet["id"])
    return message.ticket, tweet


def whatsapp_ticket_past_its_window(brand: Any, platform_id: str) -> Any:
    """A WhatsApp conversation whose customer wrote 30 hours ago: the 24-hour window for free
    text is closed (nothing is sent: the account points at a closed port)."""
    from datetime import UTC, datetime, timedelta

    from channels.services import brand_account_connect
    from channels.types import NormalizedAuthor, NormalizedMessage
    from inbox.actions.tickets import ticket_ingest_message
    from inbox.models import Ticket

    account = brand_account_connect(
        brand=brand, platform="whatsapp", handle="+15550783881", base_url="http://127.0.0.1:9",
        credentials={"phone_number_id": "106540352242922", "access_token": "t", "app_secret": "s",
                     "verify_token": "v"},
    )
    incoming = NormalizedMessage(
        platform_id=platform_id, author=NormalizedAuthor(external_id="420601998877", handle="+420601998877",
                                                         display_name="Jana Nováková"),
        text="Dobrý den, kde je objednávka?", sent_at=datetime.now(UTC) - timedelta(hours=30), kind="message",
    )
    return Ticket.objects.get(pk=ticket_ingest_message(account=account, incoming=incoming).message.ticket_id)


def wait_for(predicate: Any, timeout: float = 20.0, interval: float = 0.1) -> Any:
    """Poll until predicate() is truthy (for work a separate worker process does)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return predicate()


def log_in(page: Any, base_url: str, username: str, password: str) -> None:
    """Log in through the login form in a browser page and wait for the inbox."""
    page.goto(base_url + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("form.login button[type=submit]")
    page.wait_for_url(base_url + "/")
