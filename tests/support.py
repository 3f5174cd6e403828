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
