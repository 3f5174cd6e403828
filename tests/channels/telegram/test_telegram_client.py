"""The Telegram Bot API client: Telegram's errors mapped onto the channels error family,
the bot token kept out of every message and log line, and setWebhook."""
from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from channels.http import (
    ApiAuthError,
    ApiOutcomeUnknown,
    ApiPermanentError,
    ApiRateLimited,
    ApiUnavailable,
)
from channels.telegram.client import ChatMigrated, TelegramClient, error_for, redact
from channels.telegram.connector import connector
from channels.telegram.limits import text_length, text_problem
from tests.channels.telegram.telegram_support import BOT_TOKEN, WEBHOOK_SECRET, connect


def err(status: int, description: str, **parameters: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return body


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (429, err(429, "Too Many Requests: retry after 15", retry_after=15), ApiRateLimited),
        (401, err(401, "Unauthorized"), ApiAuthError),
        (404, err(404, "Not Found"), ApiAuthError),
        (403, err(403, "Forbidden: bot was blocked by the user"), ApiPermanentError),
        (403, err(403, "Forbidden: bot can't initiate conversation with a user"), ApiPermanentError),
        (400, err(400, "Bad Request: message is too long"), ApiPermanentError),
        (400, err(400, "Bad Request: group chat was upgraded to a supergroup chat", migrate_to_chat_id=-100123),
         ChatMigrated),
        (409, err(409, "Conflict: terminated by other getUpdates request"), ApiPermanentError),
        (500, err(500, "Internal Server Error"), ApiOutcomeUnknown),
        (502, "<html>Bad Gateway</html>", ApiOutcomeUnknown),
        (504, None, ApiOutcomeUnknown),
    ],
)
def test_error_mapping(status: int, body: Any, expected: type[Exception]) -> None:
    error = error_for(status, body, what="sendMessage")
    assert type(error) is expected


def test_rate_limit_retries_exactly_after_retry_after() -> None:
    error = error_for(429, err(429, "Too Many Requests: retry after 15", retry_after=15), what="sendMessage")
    assert isinstance(error, ApiRateLimited)
    assert abs((error.retry_at - datetime.now(UTC)) - timedelta(seconds=15)) < timedelta(seconds=2)


def test_agent_facing_messages_for_403() -> None:
    blocked = error_for(403, err(403, "Forbidden: bot was blocked by the user"), what="sendMessage")
    assert blocked.message.startswith("The customer has blocked the brand's Telegram bot")
    never = error_for(403, err(403, "Forbidden: bot can't initiate conversation with a user"), what="sendMessage")
    assert "started a chat with the bot" in never.message
    kicked = error_for(403, err(403, "Forbidden: bot was kicked from the group chat"), what="sendMessage")
    assert "no longer a member" in kicked.message


def test_redact_removes_tokens() -> None:
    text = f"HTTPConnectionPool(host='x'): Max retries exceeded with url: /bot{BOT_TOKEN}/sendMessage"
    assert BOT_TOKEN not in redact(text)
    assert "bot<token>" in redact(text)
    assert redact("/bot987:ABC-def_1/getMe", "") == "/bot<token>/getMe"


def test_an_error_description_echoing_the_token_is_redacted() -> None:
    error = error_for(400, err(400, f"Bad Request: wrong url /bot{BOT_TOKEN}/x"), what="sendMessage")
    assert BOT_TOKEN not in error.message


def test_transport_errors_carry_no_token_and_no_chained_cause() -> None:
    client = TelegramClient(base_url="http://127.0.0.1:9", token=BOT_TOKEN)
    with pytest.raises(ApiUnavailable) as info:
        client.get_me()
    assert BOT_TOKEN not in str(info.value)
    assert info.value.__cause__ is None and info.value.__suppress_context__


def test_urllib3_debug_lines_do_not_log_the_token(fake_telegram: Any, caplog: pytest.LogCaptureFixture) -> None:
    client = TelegramClient(base_url=fake_telegram.base_url, token=BOT_TOKEN)
    with caplog.at_level(logging.DEBUG, logger="urllib3.connectionpool"):
        client.get_me()
    lines = [r.getMessage() for r in caplog.records if r.name == "urllib3.connectionpool"]
    assert any("/bot<token>/getMe" in line for line in lines)
    assert not any(BOT_TOKEN in line for line in lines)


def test_unreadable_success_is_an_unknown_outcome(monkeypatch: pytest.MonkeyPatch) -> None:
    client = TelegramClient(base_url="http://127.0.0.1:9", token=BOT_TOKEN)
    response = requests.Response()
    response.status_code = 200
    response._content = b"<html>ok</html>"
    monkeypatch.setattr(client.session, "post", lambda *a, **k: response)
    with pytest.raises(ApiOutcomeUnknown):
        client.send_message(chat_id=1, text="x")


def test_missing_token_is_an_auth_error() -> None:
    with pytest.raises(ApiAuthError):
        TelegramClient(base_url="", token="")


def test_default_base_url_is_telegrams() -> None:
    assert TelegramClient(base_url="", token=BOT_TOKEN).base == "https://api.telegram.org"


def test_client_refuses_text_telegram_would_refuse() -> None:
    client = TelegramClient(base_url="http://127.0.0.1:9", token=BOT_TOKEN)
    with pytest.raises(ApiPermanentError):
        client.send_message(chat_id=1, text=" \n ")
    with pytest.raises(ApiPermanentError):
        client.send_message(chat_id=1, text="a" * 4097)


@pytest.mark.parametrize(
    ("text", "length"),
    [("abc", 3), ("Příliš žluťoučký", 16), ("Здравейте", 9), ("😀", 2), ("👨‍👩‍👧‍👦", 11), ("日本", 2)],
)
def test_length_counts_utf16_units(text: str, length: int) -> None:
    assert text_length(text) == length == connector.count(text)


def test_text_problem() -> None:
    assert text_problem("a" * 4096) == ""
    assert "4097/4096" in text_problem("a" * 4097)
    assert text_problem("😀" * 2048) == ""
    assert text_problem("😀" * 2049)
    assert text_problem("\n\t ") == "The message text is empty."


def test_limits_for_group_messages_are_public() -> None:
    assert connector.limits_for("group_message").public is True
    assert connector.limits_for("message").public is False
    assert connector.limits_for("message_edit").max_length == 4096


# --- setWebhook -----------------------------------------------------------------------
@pytest.mark.django_db
def test_set_webhook_registers_url_secret_and_allowed_updates(fake_telegram: Any, brand: Any) -> None:
    account = connect(brand, fake_telegram, mode="webhook")
    url = f"https://hovor.example.com/webhooks/telegram/{account.pk}/"
    assert connector.set_webhook(account, url) is True
    call = [r for r in fake_telegram.requests_log() if r["method"] == "setWebhook"][-1]["params"]
    allowed = ["message", "edited_message", "callback_query"]
    assert call == {"url": url, "secret_token": WEBHOOK_SECRET, "allowed_updates": allowed}
    info = TelegramClient(base_url=fake_telegram.base_url, token=BOT_TOKEN).get_webhook_info()
    assert info["url"] == url and info["allowed_updates"] == allowed
    update = fake_telegram.inbound("@jnovakova", "Jana", "hi")
    body, headers = fake_telegram.delivery(update)
    assert headers["X-Telegram-Bot-Api-Secret-Token"] == WEBHOOK_SECRET
    assert connector.delete_webhook(account) is True
    assert TelegramClient(base_url=fake_telegram.base_url, token=BOT_TOKEN).get_webhook_info()["url"] == ""


@pytest.mark.django_db
def test_set_webhook_needs_a_secret(fake_telegram: Any, brand: Any) -> None:
    account = connect(brand, fake_telegram, mode="webhook", webhook_secret="")
    with pytest.raises(ApiPermanentError):
        connector.set_webhook(account, "https://hovor.example.com/webhooks/telegram/1/")


@pytest.mark.django_db
def test_set_webhook_with_a_secret_telegram_refuses(fake_telegram: Any, brand: Any) -> None:
    account = connect(brand, fake_telegram, mode="webhook", webhook_secret="not base64+/=")
    with pytest.raises(ApiPermanentError) as info:
        connector.set_webhook(account, "https://hovor.example.com/webhooks/telegram/1/")
    assert info.value.message == "Telegram 400: Bad Request: secret token contains unallowed characters"


# --- the admin's connection test --------------------------------------------------------
@pytest.mark.django_db
def test_connection_test_names_the_bot_and_its_mode(fake_telegram: Any, brand: Any) -> None:
    from channels.services import brand_account_test

    account = connect(brand, fake_telegram)
    check = brand_account_test(account=account)
    assert check.ok and check.details["id"] == "123456789"
    assert check.details["username"] == "@AcmeCareBot" and check.details["mode"] == "polling"
    assert check.details["webhook"] == "not set" and "warning" not in check.details
    account.refresh_from_db()
    assert account.platform_user_id == "123456789"
    fake_telegram.set_webhook("https://hovor.example.com/webhooks/telegram/1/", "s")
    assert "409" in connector.test_connection(account)["warning"]


@pytest.mark.django_db
def test_connection_test_in_webhook_mode_without_a_webhook_warns(fake_telegram: Any, brand: Any) -> None:
    account = connect(brand, fake_telegram, mode="webhook")
    assert "No webhook is registered" in connector.test_connection(account)["warning"]


@pytest.mark.django_db
def test_connection_test_with_a_wrong_token(fake_telegram: Any, brand: Any) -> None:
    from channels.services import brand_account_test

    account = connect(brand, fake_telegram, bot_token="123456789:nope")
    check = brand_account_test(account=account)
    assert not check.ok and "401" in check.error and "nope" not in check.error
