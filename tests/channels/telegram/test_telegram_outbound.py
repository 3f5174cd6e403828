"""Replies through sendMessage against the fake Bot API: threading fields, plain text, the
length rule, and Telegram's errors (429, 5xx, 401, 403, group migration)."""
from __future__ import annotations

from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
from django.utils import timezone

from channels.inbound import account_poll
from channels.models import AccountStatus, BrandAccount
from channels.telegram.connector import connector
from channels.types import OutboundRequest
from inbox.actions.delivery import reply_deliver
from inbox.actions.replies import ReplyError, reply_compose, ticket_reply
from inbox.enums import DeliveryStatus
from inbox.enums import OutboundStatus as S
from inbox.models import Message, OutboundMessage, Ticket
from tests.channels.telegram.telegram_support import connect

pytestmark = pytest.mark.django_db(transaction=True)


def ticket_from(fake: Any, account: BrandAccount, author: str = "@jnovakova", text: str = "Kde je můj balík?",
                **kwargs: Any) -> tuple[Ticket, dict[str, Any]]:
    update = fake.inbound(author, "Jana Nováková", text, **kwargs)
    account_poll(account_id=account.pk)
    BrandAccount.objects.filter(pk=account.pk).update(poll_lease_until=None)
    return Ticket.objects.order_by("-id").first(), update  # type: ignore[return-value]


def queued_reply(ticket: Ticket, agent: Any, text: str = "Dobrý den, {{ customer.first_name }}, prověřuji.") -> Any:
    with mock.patch("inbox.tasks.deliver_outbound.delay"):
        message = ticket_reply(ticket=ticket, agent=agent, text=text)
    return OutboundMessage.objects.get(message=message)


def make_due(outbound: OutboundMessage) -> None:
    OutboundMessage.objects.filter(pk=outbound.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))


# --- the send ---------------------------------------------------------------------------
def test_reply_is_sent_once_with_the_right_threading(
    fake_telegram: Any, telegram_account: BrandAccount, agent: Any
) -> None:
    ticket, update = ticket_from(fake_telegram, telegram_account)
    message = ticket_reply(ticket=ticket, agent=agent, text="Dobrý den, {{ customer.first_name }}, prověřuji. 📦")
    (sent,) = fake_telegram.outbound()
    chat_id, mid = update["message"]["chat"]["id"], update["message"]["message_id"]
    assert sent["chat_id"] == chat_id
    assert sent["reply_to_message_id"] == mid
    assert sent["reply_parameters"] == {"message_id": mid, "allow_sending_without_reply": True}
    assert sent["parse_mode"] is None
    assert sent["text"] == sent["sent_text"] == "Dobrý den, Jana, prověřuji. 📦 ^JD"
    message.refresh_from_db()
    assert message.platform_id == f"{chat_id}:{sent['message_id']}"
    assert message.delivery_status == DeliveryStatus.SENT


def test_the_customers_answer_to_our_reply_threads_into_the_ticket(
    fake_telegram: Any, telegram_account: BrandAccount, agent: Any
) -> None:
    ticket, _ = ticket_from(fake_telegram, telegram_account)
    ours = ticket_reply(ticket=ticket, agent=agent, text="Prověřuji.")
    ours.refresh_from_db()
    Ticket.objects.filter(pk=ticket.pk).update(status="solved")
    fake_telegram.inbound("@jnovakova", "Jana", "Díky!", in_reply_to=ours.platform_id)
    account_poll(account_id=telegram_account.pk)
    answer = Message.objects.get(text="Díky!")
    assert answer.in_reply_to_platform_id == ours.platform_id and answer.ticket_id == ticket.pk


def test_reply_text_is_never_read_as_html(fake_telegram: Any, telegram_account: BrandAccount, agent: Any) -> None:
    ticket, _ = ticket_from(fake_telegram, telegram_account)
    text = "Zkuste <b>Nastavení</b> → &amp; <script>x</script> *ne tučně* _ani_ [odkaz](http://x)"
    ticket_reply(ticket=ticket, agent=agent, text=text)
    (sent,) = fake_telegram.outbound()
    assert sent["text"] == f"{text} ^JD" and sent["parse_mode"] is None


def test_reply_to_an_edited_message_quotes_the_original_message_id(
    fake_telegram: Any, telegram_account: BrandAccount, agent: Any
) -> None:
    ticket, update = ticket_from(fake_telegram, telegram_account)
    fake_telegram.inbound("@jnovakova", "Jana", "Kde je můj balík č. 2?", kind="edit")
    account_poll(account_id=telegram_account.pk)
    assert Message.objects.filter(kind="message_edit", ticket=ticket).exists()
    ticket_reply(ticket=ticket, agent=agent, text="Balík č. 2 je na cestě.")
    (sent,) = fake_telegram.outbound()
    assert sent["reply_to_message_id"] == update["message"]["message_id"]


def test_reply_in_a_group_goes_to_the_group(fake_telegram: Any, telegram_account: BrandAccount, agent: Any) -> None:
    ticket, update = ticket_from(fake_telegram, telegram_account, text="@AcmeCareBot otevřeno?", kind="group")
    ticket_reply(ticket=ticket, agent=agent, text="Ano, do 20:00.")
    (sent,) = fake_telegram.outbound()
    assert sent["chat_id"] == update["message"]["chat"]["id"] < 0
    assert sent["reply_to_message_id"] == update["message"]["message_id"]


def test_reply_to_a_sticker_and_a_photo(fake_telegram: Any, telegram_account: BrandAccount, agent: Any) -> None:
    ticket, update = ticket_from(fake_telegram, telegram_account, text="😀", kind="sticker")
    ticket_reply(ticket=ticket, agent=agent, text="🙂")
    assert fake_telegram.outbound()[0]["reply_to_message_id"] == update["message"]["message_id"]


def test_sent_row_is_never_sent_again(fake_telegram: Any, telegram_account: BrandAccount, agent: Any) -> None:
    ticket, _ = ticket_from(fake_telegram, telegram_account)
    outbound = queued_reply(ticket, agent)
    reply_deliver(outbound_id=outbound.pk)
    reply_deliver(outbound_id=outbound.pk)
    assert len(fake_telegram.outbound()) == 1


def test_reply_target_falls_back_to_the_platform_id_and_thread_key() -> None:
    assert connector_target(in_reply_to="42:7") == (42, 7)
    assert connector_target(in_reply_to="42:7:edit:1700000000") == (42, 7)
    assert connector_target(thread_key="-4001") == (-4001, None)
    assert connector_target(recipient="42") == (42, None)
    assert connector_target(in_reply_to="42:7", extra={"chat_id": 42, "message_id": 6}) == (42, 6)


def connector_target(**kwargs: Any) -> tuple[int, int | None]:
    from channels.telegram.connector import reply_target

    return reply_target(OutboundRequest(text="x", **kwargs))


# --- limits -------------------------------------------------------------------------------
def test_length_is_counted_in_utf16_units_signature_included(
    fake_telegram: Any, telegram_account: BrandAccount, agent: Any
) -> None:
    ticket, _ = ticket_from(fake_telegram, telegram_account)
    fits = "a" * (4096 - len(" ^JD"))
    assert reply_compose(ticket=ticket, agent=agent, text=fits).error == ""
    too_long = reply_compose(ticket=ticket, agent=agent, text=fits + "b")
    assert too_long.error == "Too long for Telegram: 4097/4096."
    emoji = reply_compose(ticket=ticket, agent=agent, text="😀" * 2047)  # 4094 + 4
    assert emoji.length == 4098 and emoji.error
    with pytest.raises(ReplyError):
        ticket_reply(ticket=ticket, agent=agent, text=fits + "b")
    assert fake_telegram.outbound() == [] and not OutboundMessage.objects.exists()


def test_the_longest_reply_is_taken_by_telegram(fake_telegram: Any, telegram_account: BrandAccount, agent: Any) -> None:
    ticket, _ = ticket_from(fake_telegram, telegram_account)
    ticket_reply(ticket=ticket, agent=agent, text="ž" * 4092)
    (sent,) = fake_telegram.outbound()
    assert len(sent["text"]) == 4096


def test_no_reply_window_on_telegram(fake_telegram: Any, telegram_account: BrandAccount, agent: Any) -> None:
    """Unlike Meta's 24-hour window, a bot may answer a chat at any time; what can stop a
    reply is the customer blocking the bot (a 403 on send, below)."""
    ticket, _ = ticket_from(fake_telegram, telegram_account)
    Message.objects.filter(ticket=ticket).update(sent_at=timezone.now() - timedelta(days=30))
    assert reply_compose(ticket=ticket, agent=agent, text="Still here?").error == ""


def test_an_empty_reply_is_refused(fake_telegram: Any, telegram_account: BrandAccount, agent: Any) -> None:
    ticket, _ = ticket_from(fake_telegram, telegram_account)
    assert reply_compose(ticket=ticket, agent=agent, text="   \n ").error == "The reply is empty."


# --- errors -------------------------------------------------------------------------------
def test_rate_limit_waits_for_retry_after(fake_telegram: Any, telegram_account: BrandAccount, agent: Any) -> None:
    ticket, _ = ticket_from(fake_telegram, telegram_account)
    outbound = queued_reply(ticket, agent)
    fake_telegram.fail(429, retry_after=17, method="sendMessage")
    before = timezone.now()
    retry_at = reply_deliver(outbound_id=outbound.pk)
    assert retry_at is not None
    assert timedelta(seconds=16) <= retry_at - before <= timedelta(seconds=18)
    outbound.refresh_from_db()
    assert outbound.status == S.QUEUED and outbound.next_attempt_at == retry_at
    assert "retry after 17" in outbound.last_error
    assert fake_telegram.outbound() == []
    assert reply_deliver(outbound_id=outbound.pk) == retry_at  # not before then
    make_due(outbound)
    assert reply_deliver(outbound_id=outbound.pk) is None
    assert len(fake_telegram.outbound()) == 1


@pytest.mark.parametrize("status", [500, 502, 504])
def test_5xx_is_retried_and_sent_exactly_once(
    fake_telegram: Any, telegram_account: BrandAccount, agent: Any, status: int
) -> None:
    ticket, _ = ticket_from(fake_telegram, telegram_account)
    outbound = queued_reply(ticket, agent)
    fake_telegram.fail(status, times=2, method="sendMessage")
    reply_deliver(outbound_id=outbound.pk)
    outbound.refresh_from_db()
    assert outbound.status == S.UNKNOWN
    make_due(outbound)
    reply_deliver(outbound_id=outbound.pk)
    make_due(outbound)
    reply_deliver(outbound_id=outbound.pk)
    outbound.refresh_from_db()
    assert outbound.status == S.SENT and outbound.attempts == 3
    assert len(fake_telegram.outbound()) == 1


def test_a_lost_answer_after_telegram_sent_is_sent_again(
    fake_telegram: Any, telegram_account: BrandAccount, agent: Any
) -> None:
    """The documented trade-off (doc.md): the Bot API cannot look up a bot's sent
    messages, so an unknown outcome is resolved by sending again."""
    ticket, _ = ticket_from(fake_telegram, telegram_account)
    outbound = queued_reply(ticket, agent)
    fake_telegram.fail(502, method="sendMessage", mode="after_commit")
    reply_deliver(outbound_id=outbound.pk)
    make_due(outbound)
    reply_deliver(outbound_id=outbound.pk)
    outbound.refresh_from_db()
    assert outbound.status == S.SENT
    assert len(fake_telegram.outbound()) == 2


def test_read_timeout_is_an_unknown_outcome(
    fake_telegram: Any, telegram_account: BrandAccount, agent: Any, settings: Any
) -> None:
    settings.HOVOR_HTTP_TIMEOUT = 0.3
    ticket, _ = ticket_from(fake_telegram, telegram_account)
    outbound = queued_reply(ticket, agent)
    fake_telegram.fail(200, method="sendMessage", mode="timeout", delay=1.0)
    reply_deliver(outbound_id=outbound.pk)
    outbound.refresh_from_db()
    assert outbound.status == S.UNKNOWN and "did not answer in time" in outbound.last_error


def test_connection_refused_is_retried_as_not_sent(
    fake_telegram: Any, telegram_account: BrandAccount, agent: Any
) -> None:
    ticket, _ = ticket_from(fake_telegram, telegram_account)
    outbound = queued_reply(ticket, agent)
    fake_telegram.stop()
    assert reply_deliver(outbound_id=outbound.pk) is not None
    outbound.refresh_from_db()
    assert outbound.status == S.QUEUED  # nothing reached Telegram: not an unknown outcome
    assert "connection refused" in outbound.last_error
    assert telegram_account.credentials["bot_token"] not in outbound.last_error


def test_revoked_token_fails_the_reply_and_breaks_the_account(
    fake_telegram: Any, telegram_account: BrandAccount, agent: Any
) -> None:
    ticket, _ = ticket_from(fake_telegram, telegram_account)
    outbound = queued_reply(ticket, agent)
    fake_telegram.fail(401, method="sendMessage")
    reply_deliver(outbound_id=outbound.pk)
    outbound.refresh_from_db()
    account = BrandAccount.objects.get(pk=telegram_account.pk)
    assert outbound.status == S.FAILED and "401" in outbound.last_error
    assert Message.objects.get(pk=outbound.message_id).delivery_status == DeliveryStatus.FAILED
    assert account.status == AccountStatus.BROKEN
    fake_telegram.inbound("@later", "Later", "hello?")
    assert account_poll(account_id=telegram_account.pk) == 0  # a broken account is not polled


def test_wrong_token_is_an_auth_error(fake_telegram: Any, brand: Any, agent: Any) -> None:
    account = connect(brand, fake_telegram, bot_token="123456789:wrong-token")
    assert account_poll(account_id=account.pk) == 0
    account.refresh_from_db()
    assert account.status == AccountStatus.BROKEN and "Unauthorized" in account.last_error
    assert "wrong-token" not in account.last_error


def test_customer_blocked_the_bot(fake_telegram: Any, telegram_account: BrandAccount, agent: Any) -> None:
    ticket, _ = ticket_from(fake_telegram, telegram_account)
    outbound = queued_reply(ticket, agent)
    fake_telegram.block("@jnovakova")
    reply_deliver(outbound_id=outbound.pk)
    outbound.refresh_from_db()
    assert outbound.status == S.FAILED
    assert outbound.last_error == (
        "The customer has blocked the brand's Telegram bot, so Telegram will not deliver this reply."
    )
    assert BrandAccount.objects.get(pk=telegram_account.pk).status == AccountStatus.ACTIVE
    assert fake_telegram.outbound() == []


def test_bad_request_fails_the_reply_with_telegrams_words(
    fake_telegram: Any, telegram_account: BrandAccount, agent: Any
) -> None:
    ticket, _ = ticket_from(fake_telegram, telegram_account)
    outbound = queued_reply(ticket, agent)
    fake_telegram.fail(400, method="sendMessage", description="Bad Request: chat not found")
    reply_deliver(outbound_id=outbound.pk)
    outbound.refresh_from_db()
    assert outbound.status == S.FAILED and outbound.last_error == "Telegram 400: Bad Request: chat not found"


def test_group_upgraded_to_supergroup_is_answered_in_the_new_chat(
    fake_telegram: Any, telegram_account: BrandAccount, agent: Any
) -> None:
    ticket, _ = ticket_from(fake_telegram, telegram_account, text="Otevřeno?", kind="group")
    new_chat = -1001555000111
    fake_telegram.inbound("@someone", "S", "hi", chat_id=new_chat)  # the supergroup exists now
    fake_telegram.fail(
        400, method="sendMessage", description="Bad Request: group chat was upgraded to a supergroup chat",
        parameters={"migrate_to_chat_id": new_chat},
    )
    ticket_reply(ticket=ticket, agent=agent, text="Ano.")
    (sent,) = fake_telegram.outbound()
    assert sent["chat_id"] == new_chat
    assert Message.objects.get(direction="out").platform_id == f"{new_chat}:{sent['message_id']}"


def test_find_sent_cannot_look_up_and_says_so(telegram_account: BrandAccount) -> None:
    assert connector.find_sent(telegram_account, OutboundRequest(text="x", in_reply_to="1:2")) is None
