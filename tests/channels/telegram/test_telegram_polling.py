"""Polling getUpdates through account_poll against the fake Bot API: offset confirmation,
paging, no duplicates across polls or across a webhook and a poll, and failures."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from channels.inbound import account_poll
from channels.models import AccountStatus, BrandAccount, InboundEvent, InboundEventStatus
from channels.telegram.connector import connector
from channels.types import RawEvent
from inbox.models import Message, Ticket
from tests.channels.webhook_support import post_webhook

pytestmark = pytest.mark.django_db(transaction=True)


def get_updates_calls(fake: Any) -> list[dict[str, Any]]:
    return [r for r in fake.requests_log() if r["method"] == "getUpdates"]


def cursor_of(account: BrandAccount) -> dict[str, Any]:
    return dict(BrandAccount.objects.get(pk=account.pk).poll_cursor)


def test_poll_brings_a_message_into_a_ticket(fake_telegram: Any, telegram_account: BrandAccount) -> None:
    text = "Dobrý den, kde je moje zásilka? 📦 Příliš žluťoučký kůň"
    update = fake_telegram.inbound("@jnovakova", "Jana Nováková", text)
    assert account_poll(account_id=telegram_account.pk) == 1
    message = Message.objects.select_related("author_identity").get()
    assert message.text == text and message.kind == "message"
    assert message.platform_id == f"{update['message']['chat']['id']}:{update['message']['message_id']}"
    assert message.author_identity is not None and message.author_identity.handle == "@jnovakova"
    call = get_updates_calls(fake_telegram)[0]["params"]
    assert call["limit"] == 100 and call["timeout"] == 0
    assert call["allowed_updates"] == ["message", "edited_message", "callback_query"]
    assert "offset" not in call  # nothing recorded yet


def test_cursor_is_the_last_update_id_plus_one_and_confirms_on_the_next_poll(
    fake_telegram: Any, telegram_account: BrandAccount
) -> None:
    first = fake_telegram.inbound("@a_cust", "A", "one")
    second = fake_telegram.inbound("@b_cust", "B", "two")
    account_poll(account_id=telegram_account.pk)
    assert cursor_of(telegram_account)["offset"] == second["update_id"] + 1
    # Recorded but not yet confirmed: Telegram still holds them until the next call.
    assert [u["update_id"] for u in fake_telegram.pending()] == [first["update_id"], second["update_id"]]
    assert account_poll(account_id=telegram_account.pk) == 0
    assert get_updates_calls(fake_telegram)[-1]["params"]["offset"] == second["update_id"] + 1
    assert fake_telegram.pending() == []
    assert Message.objects.count() == 2


def test_two_polls_create_no_duplicates(fake_telegram: Any, telegram_account: BrandAccount) -> None:
    fake_telegram.inbound("@a_cust", "A", "one")
    assert account_poll(account_id=telegram_account.pk) == 1
    # The cursor is lost (e.g. restored from a backup): Telegram sends the same updates again.
    BrandAccount.objects.filter(pk=telegram_account.pk).update(poll_cursor={})
    assert account_poll(account_id=telegram_account.pk) == 0
    fake_telegram.inbound("@a_cust", "A", "two")
    assert account_poll(account_id=telegram_account.pk) == 1
    assert sorted(Message.objects.values_list("text", flat=True)) == ["one", "two"]
    assert Ticket.objects.count() == 1


def test_pages_until_a_short_page(fake_telegram: Any, telegram_account: BrandAccount) -> None:
    updates = [fake_telegram.inbound(f"{5_100_000_000 + i}", f"Customer {i}", f"message {i}") for i in range(205)]
    assert account_poll(account_id=telegram_account.pk) == 205
    offsets = [c["params"].get("offset") for c in get_updates_calls(fake_telegram)]
    assert offsets == [None, updates[99]["update_id"] + 1, updates[199]["update_id"] + 1]
    assert cursor_of(telegram_account)["offset"] == updates[-1]["update_id"] + 1
    assert Message.objects.count() == 205


def test_webhook_then_poll_of_the_same_message_is_one_message(
    client: Client, fake_telegram: Any, telegram_account: BrandAccount
) -> None:
    update = fake_telegram.inbound("@jnovakova", "Jana", "Kde je můj balík?")
    body, headers = fake_telegram.delivery(update)
    headers.pop("Content-Type")
    assert post_webhook(client, "telegram", telegram_account.pk, body, headers).status_code == 200
    assert account_poll(account_id=telegram_account.pk) == 0
    assert Message.objects.count() == 1 and InboundEvent.objects.count() == 1


def test_poll_then_webhook_of_the_same_message_is_one_message(
    client: Client, fake_telegram: Any, telegram_account: BrandAccount
) -> None:
    update = fake_telegram.inbound("@jnovakova", "Jana", "Kde je můj balík?")
    account_poll(account_id=telegram_account.pk)
    body, headers = fake_telegram.delivery(update)
    headers.pop("Content-Type")
    assert post_webhook(client, "telegram", telegram_account.pk, body, headers).json() == {"received": 1, "new": 0}
    assert Message.objects.count() == 1


def test_edit_and_unsupported_updates_by_polling(fake_telegram: Any, telegram_account: BrandAccount) -> None:
    fake_telegram.inbound("@jnovakova", "Jana", "Objednávka 4411")
    callback = fake_telegram.update(
        "callback_query", {"id": "1", "from": {"id": 5, "is_bot": False, "first_name": "J"}, "data": "x"}
    )
    edit = fake_telegram.inbound("@jnovakova", "Jana", "Objednávka 4412", kind="edit")
    account_poll(account_id=telegram_account.pk)
    original, edited = Message.objects.order_by("id")
    assert edited.kind == "message_edit" and edited.ticket_id == original.ticket_id
    # A press of a button that is not Hovor's: answered on the platform, never a message.
    pressed = InboundEvent.objects.get(platform_id=f"update:{callback['update_id']}")
    assert pressed.status == InboundEventStatus.PROCESSED
    assert Message.objects.count() == 2
    assert cursor_of(telegram_account)["offset"] == edit["update_id"] + 1


def test_a_malformed_update_is_recorded_as_failed_and_does_not_block(
    fake_telegram: Any, telegram_account: BrandAccount
) -> None:
    bad = fake_telegram.update("message", {"message_id": "x", "chat": {"id": 5, "type": "private"}, "date": 1})
    fake_telegram.inbound("@jnovakova", "Jana", "still here")
    account_poll(account_id=telegram_account.pk)
    event = InboundEvent.objects.get(platform_id=f"update:{bad['update_id']}")
    assert event.status == InboundEventStatus.FAILED and "message_id" in event.error
    assert Message.objects.get().text == "still here"


def test_a_crash_mid_poll_loses_nothing(fake_telegram: Any, telegram_account: BrandAccount) -> None:
    """Updates are confirmed only by the call after the one that fetched them, which is
    made only once their page is recorded."""
    for i in range(150):
        fake_telegram.inbound(f"{5_200_000_000 + i}", "C", f"m{i}")
    recorded: list[RawEvent] = []

    def record_then_crash(events: list[RawEvent]) -> None:
        if recorded:
            raise RuntimeError("worker killed")
        recorded.extend(events)

    with pytest.raises(RuntimeError):
        connector.poll(telegram_account, {}, record_then_crash)
    assert len(recorded) == 100
    # Page two was fetched but not recorded, so not confirmed: the next poll gets it again.
    assert account_poll(account_id=telegram_account.pk) == 50


def test_a_stale_cursor_is_not_sent(fake_telegram: Any, telegram_account: BrandAccount) -> None:
    """After a week without updates Telegram may restart update_ids below a stored offset;
    an offset older than Telegram's 24-hour retention is therefore dropped."""
    stale = (datetime.now(UTC) - timedelta(days=8)).isoformat()
    BrandAccount.objects.filter(pk=telegram_account.pk).update(
        poll_cursor={"offset": 9_999_999_999, "advanced_at": stale}
    )
    update = fake_telegram.inbound("@jnovakova", "Jana", "po týdnu")
    assert account_poll(account_id=telegram_account.pk) == 1
    assert "offset" not in get_updates_calls(fake_telegram)[0]["params"]
    assert cursor_of(telegram_account)["offset"] == update["update_id"] + 1


def test_a_fresh_cursor_is_sent(fake_telegram: Any, telegram_account: BrandAccount) -> None:
    fresh = datetime.now(UTC).isoformat()
    BrandAccount.objects.filter(pk=telegram_account.pk).update(poll_cursor={"offset": 123, "advanced_at": fresh})
    account_poll(account_id=telegram_account.pk)
    assert get_updates_calls(fake_telegram)[0]["params"]["offset"] == 123


def test_webhook_mode_accounts_are_not_polled(fake_telegram: Any, telegram_webhook_account: BrandAccount) -> None:
    fake_telegram.inbound("@jnovakova", "Jana", "hello")
    assert account_poll(account_id=telegram_webhook_account.pk) == 0
    assert get_updates_calls(fake_telegram) == []
    account = BrandAccount.objects.get(pk=telegram_webhook_account.pk)
    assert account.status == AccountStatus.ACTIVE and account.last_error == ""


def test_polling_while_a_webhook_is_set_backs_off_with_a_clear_error(
    fake_telegram: Any, telegram_account: BrandAccount
) -> None:
    fake_telegram.set_webhook("http://127.0.0.1:9/hook", "s")
    assert account_poll(account_id=telegram_account.pk) == 0
    account = BrandAccount.objects.get(pk=telegram_account.pk)
    assert get_updates_calls(fake_telegram)[0]["status"] == 409
    assert "409" in account.last_error and "webhook" in account.last_error
    assert account.status == AccountStatus.ACTIVE and account.rate_limited_until is not None


def test_poll_rate_limited_waits_retry_after(fake_telegram: Any, telegram_account: BrandAccount) -> None:
    fake_telegram.inbound("@jnovakova", "Jana", "hello")
    fake_telegram.fail(429, retry_after=42, method="getUpdates")
    assert account_poll(account_id=telegram_account.pk) == 0
    account = BrandAccount.objects.get(pk=telegram_account.pk)
    assert account.rate_limited_until is not None
    wait = (account.rate_limited_until - timezone.now()).total_seconds()
    assert 35 < wait <= 42
    assert account_poll(account_id=telegram_account.pk) == 0  # not before retry_after
    BrandAccount.objects.filter(pk=account.pk).update(rate_limited_until=timezone.now())
    assert account_poll(account_id=telegram_account.pk) == 1


def test_revoked_token_marks_the_account_broken(fake_telegram: Any, telegram_account: BrandAccount) -> None:
    fake_telegram.fail(401, method="getUpdates")
    account_poll(account_id=telegram_account.pk)
    account = BrandAccount.objects.get(pk=telegram_account.pk)
    assert account.status == AccountStatus.BROKEN and "401" in account.last_error
    assert telegram_account.credentials["bot_token"] not in account.last_error


def test_unreachable_telegram_backs_off_and_keeps_the_cursor(
    fake_telegram: Any, telegram_account: BrandAccount
) -> None:
    fake_telegram.inbound("@jnovakova", "Jana", "one")
    account_poll(account_id=telegram_account.pk)
    cursor = cursor_of(telegram_account)
    fake_telegram.stop()
    assert account_poll(account_id=telegram_account.pk) == 0
    account = BrandAccount.objects.get(pk=telegram_account.pk)
    assert account.poll_cursor == cursor and account.consecutive_failures == 1
    assert "unreachable" in account.last_error
    assert telegram_account.credentials["bot_token"] not in account.last_error
