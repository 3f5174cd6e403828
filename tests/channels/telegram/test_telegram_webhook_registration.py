"""The admin's "Register webhook" for Telegram: setWebhook with a secret Hovor makes and
keeps, then the account switches from polling to webhook mode."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from channels.inbound import account_poll
from channels.services import brand_account_register_webhook
from channels.telegram.connector import MODE_WEBHOOK, account_mode
from inbox.models import Message
from tests.channels.telegram.telegram_support import BOT_TOKEN, connect

pytestmark = pytest.mark.django_db(transaction=True)


def test_register_makes_a_secret_sets_the_webhook_and_stops_polling(
    live_server: Any, brand: Any, fake_telegram: Any
) -> None:
    account = connect(brand, fake_telegram, webhook_secret="")
    url = f"{live_server.url}/webhooks/telegram/{account.pk}/"

    result = brand_account_register_webhook(account=account, webhook_url=url)

    assert result.ok, result.error
    account.refresh_from_db()
    secret = account.credentials["webhook_secret"]
    assert len(secret) >= 32 and secret not in result.details["webhook"]
    assert account_mode(account) == MODE_WEBHOOK
    assert account.options["webhook_url"] == url
    info = requests.get(f"{fake_telegram.base_url}/bot{BOT_TOKEN}/getWebhookInfo", timeout=5).json()["result"]
    assert info["url"] == url

    fake_telegram.inbound("@jana_n", "Jana Nováková", "Dobrý den, kde je můj balík?")
    assert fake_telegram.wait_delivered(timeout=10)
    assert fake_telegram.delivered()[-1]["status"] == 200
    assert list(Message.objects.values_list("text", flat=True)) == ["Dobrý den, kde je můj balík?"]
    # A webhook-mode account is not polled (getUpdates would get 409 from Telegram).
    assert account_poll(account_id=account.pk) == 0


def test_refused_registration_keeps_the_account_polling(brand: Any, fake_telegram: Any) -> None:
    account = connect(brand, fake_telegram)

    result = brand_account_register_webhook(account=account, webhook_url="not a url")

    assert not result.ok
    assert "bad webhook" in result.error
    account.refresh_from_db()
    assert account_mode(account) == "polling"
    assert "webhook_registered_at" not in account.options
