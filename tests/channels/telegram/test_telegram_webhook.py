"""Telegram webhook deliveries through /webhooks/telegram/<account id>/: the secret-token
check, ingestion byte for byte, redeliveries and reordering, and malformed bodies."""
from __future__ import annotations

import json
import time
from typing import Any

import pytest
from django.test import Client

from channels.models import InboundEvent, InboundEventStatus
from channels.telegram.connector import connector
from inbox.models import Identity, Message, Ticket
from tests.channels.telegram.telegram_support import WEBHOOK_SECRET, connect
from tests.channels.webhook_support import fixture_bytes, post_webhook

pytestmark = pytest.mark.django_db(transaction=True)

FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"
SECRET = {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}


def deliver(client: Client, account: Any, fake: Any, update: dict[str, Any], **kwargs: Any) -> Any:
    body, headers = fake.delivery(update, **kwargs)
    headers.pop("Content-Type")
    return post_webhook(client, "telegram", account.pk, body, headers)


def nothing_created() -> bool:
    return not InboundEvent.objects.exists() and not Message.objects.exists() and not Ticket.objects.exists()


# --- the secret token ---------------------------------------------------------------------
def test_valid_secret_creates_exactly_one_message(
    client: Client, fake_telegram: Any, telegram_webhook_account: Any
) -> None:
    text = f"Dobrý den, kde je moje zásilka? Příliš žluťoučký kůň {FAMILY}\U0001f1e8\U0001f1ff"
    update = fake_telegram.inbound("@jnovakova", "Jana Nováková", text)
    response = deliver(client, telegram_webhook_account, fake_telegram, update)
    assert response.status_code == 200 and response.json() == {"received": 1, "new": 1}
    message = Message.objects.select_related("ticket", "author_identity").get()
    chat_id = update["message"]["chat"]["id"]
    assert message.text == text  # byte for byte
    assert message.text.encode("utf-8") == text.encode("utf-8")
    assert message.platform_id == f"{chat_id}:{update['message']['message_id']}"
    assert message.kind == "message" and message.thread_key == str(chat_id)
    assert message.author_identity is not None
    assert message.author_identity.handle == "@jnovakova"
    assert message.author_identity.display_name == "Jana Nováková"
    assert message.author_identity.external_id == str(update["message"]["from"]["id"])
    assert Ticket.objects.count() == 1


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({"X-Telegram-Bot-Api-Secret-Token": "wrong-secret"}, id="wrong"),
        pytest.param({"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET[:-1]}, id="prefix"),
        pytest.param({"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET + "x"}, id="longer"),
        pytest.param({"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET.upper()}, id="case"),
        pytest.param({"X-Telegram-Bot-Api-Secret-Token": ""}, id="empty"),
        pytest.param({}, id="missing"),
    ],
)
def test_bad_or_missing_secret_is_403_and_creates_nothing(
    client: Client, fake_telegram: Any, telegram_webhook_account: Any, headers: dict[str, str]
) -> None:
    update = fake_telegram.inbound("@jnovakova", "Jana", "hello")
    body, _ = fake_telegram.delivery(update)
    response = post_webhook(client, "telegram", telegram_webhook_account.pk, body, headers)
    assert response.status_code == 403
    assert nothing_created()


def test_non_ascii_secret_header_is_403_not_an_error(
    client: Client, fake_telegram: Any, telegram_webhook_account: Any
) -> None:
    update = fake_telegram.inbound("@jnovakova", "Jana", "hello")
    body, _ = fake_telegram.delivery(update)
    response = client.post(
        f"/webhooks/telegram/{telegram_webhook_account.pk}/", data=body, content_type="application/json",
        HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN="tajné-heslo",
    )
    assert response.status_code == 403 and nothing_created()


def test_account_without_a_webhook_secret_refuses_every_delivery(
    client: Client, fake_telegram: Any, brand: Any
) -> None:
    account = connect(brand, fake_telegram, mode="webhook", webhook_secret="")
    update = fake_telegram.inbound("@jnovakova", "Jana", "hello")
    assert deliver(client, account, fake_telegram, update, secret="").status_code == 403
    assert deliver(client, account, fake_telegram, update, secret="anything").status_code == 403
    assert nothing_created()


def test_a_polling_account_also_takes_a_correctly_signed_delivery(
    client: Client, fake_telegram: Any, telegram_account: Any
) -> None:
    update = fake_telegram.inbound("@jnovakova", "Jana", "hello")
    assert deliver(client, telegram_account, fake_telegram, update).status_code == 200
    assert Message.objects.count() == 1


# --- redeliveries and order ---------------------------------------------------------------
def test_replayed_delivery_creates_one_message(
    client: Client, fake_telegram: Any, telegram_webhook_account: Any
) -> None:
    update = fake_telegram.inbound("@jnovakova", "Jana", "Kde je můj balík?")
    answers = [deliver(client, telegram_webhook_account, fake_telegram, update).json() for _ in range(3)]
    assert answers == [{"received": 1, "new": 1}, {"received": 1, "new": 0}, {"received": 1, "new": 0}]
    assert Message.objects.count() == 1 and InboundEvent.objects.count() == 1


def test_a_redelivery_under_a_new_update_id_is_still_one_message(
    client: Client, fake_telegram: Any, telegram_webhook_account: Any
) -> None:
    update = fake_telegram.inbound("@jnovakova", "Jana", "Kde je můj balík?")
    deliver(client, telegram_webhook_account, fake_telegram, update)
    deliver(client, telegram_webhook_account, fake_telegram, dict(update, update_id=update["update_id"] + 1000))
    assert Message.objects.count() == 1


def test_three_deliveries_three_times_out_of_order_give_one_message_each(
    client: Client, fake_telegram: Any, telegram_webhook_account: Any
) -> None:
    texts = ["Здравейте! Поръчка № 58213 още не е пристигнала.", "Кога да я очаквам? 🤔", "Благодаря! 👍"]
    updates = [fake_telegram.inbound("@mpetrova_bg", "Мария Петрова", t) for t in texts]
    for update in [updates[2], updates[0], updates[1]] * 3:
        assert deliver(client, telegram_webhook_account, fake_telegram, update).status_code == 200
    messages = list(Message.objects.order_by("sent_at", "platform_id"))
    assert sorted(m.text for m in messages) == sorted(texts)
    assert len({m.platform_id for m in messages}) == 3
    assert Ticket.objects.count() == 1  # one chat, one conversation


def test_two_customers_get_two_tickets(client: Client, fake_telegram: Any, telegram_webhook_account: Any) -> None:
    deliver(client, telegram_webhook_account, fake_telegram, fake_telegram.inbound("@a_cust", "A", "one"))
    deliver(client, telegram_webhook_account, fake_telegram, fake_telegram.inbound("@b_cust", "B", "two"))
    assert Ticket.objects.count() == 2 and Identity.objects.count() == 2


# --- kinds ----------------------------------------------------------------------------------
def test_an_edit_joins_the_ticket_of_the_message_it_changes(
    client: Client, fake_telegram: Any, telegram_webhook_account: Any
) -> None:
    first = fake_telegram.inbound("@jnovakova", "Jana", "Objednávka 4411 nedorazila")
    deliver(client, telegram_webhook_account, fake_telegram, first)
    edit = fake_telegram.inbound("@jnovakova", "Jana", "Objednávka 4412 nedorazila", kind="edit")
    deliver(client, telegram_webhook_account, fake_telegram, edit)
    deliver(client, telegram_webhook_account, fake_telegram, edit)
    original, edited = Message.objects.order_by("id")
    assert edited.kind == "message_edit" and edited.text == "Objednávka 4412 nedorazila"
    assert edited.ticket_id == original.ticket_id
    assert edited.in_reply_to_platform_id == original.platform_id
    assert edited.platform_id == f"{original.platform_id}:edit:{edit['edited_message']['edit_date']}"
    assert original.text == "Objednávka 4411 nedorazila"  # the first version is kept


def test_sticker_and_photo_arrive_with_attachments(
    client: Client, fake_telegram: Any, telegram_webhook_account: Any
) -> None:
    deliver(client, telegram_webhook_account, fake_telegram, fake_telegram.inbound("@j", "J", "😀", kind="sticker"))
    update = fake_telegram.inbound("@j", "J", "Rozbitá krabice", kind="photo")
    deliver(client, telegram_webhook_account, fake_telegram, update)
    largest = update["message"]["photo"][-1]["file_size"]
    sticker, photo = Message.objects.order_by("id")
    assert sticker.text == "[sticker 😀]"
    assert sticker.attachments == [
        {"filename": "sticker.webp", "content_type": "image/webp", "size": 25110, "url": ""}
    ]
    assert photo.text == "Rozbitá krabice"
    assert photo.attachments == [{"filename": "photo.jpg", "content_type": "image/jpeg", "size": largest, "url": ""}]


def test_group_message_is_a_group_message_in_the_group_conversation(
    client: Client, fake_telegram: Any, telegram_webhook_account: Any
) -> None:
    update = fake_telegram.inbound("@jnovakova", "Jana", "@AcmeCareBot otevřeno?", kind="group")
    deliver(client, telegram_webhook_account, fake_telegram, update)
    message = Message.objects.get()
    assert message.kind == "group_message"
    assert message.thread_key == str(update["message"]["chat"]["id"]) and message.thread_key.startswith("-")


def test_fixture_delivery_as_telegram_sent_it(client: Client, telegram_webhook_account: Any) -> None:
    body = fixture_bytes("telegram", "message__private_text_cyrillic.json")
    assert post_webhook(client, "telegram", telegram_webhook_account.pk, body, SECRET).status_code == 200
    assert Message.objects.get().text == "Здравейте! Поръчка № 58213 още не е пристигнала. Кога да я очаквам?"


@pytest.mark.parametrize(
    "name", ["my_chat_member__blocked.json", "message__new_chat_members.json"]
)
def test_unsupported_updates_are_accepted_and_ignored(client: Client, telegram_webhook_account: Any, name: str) -> None:
    body = fixture_bytes("telegram", name)
    # 200, so Telegram does not retry; stored and marked ignored; no message.
    assert post_webhook(client, "telegram", telegram_webhook_account.pk, body, SECRET).status_code == 200
    assert InboundEvent.objects.get().status == InboundEventStatus.IGNORED
    assert not Message.objects.exists()


# --- malformed bodies -----------------------------------------------------------------------
GOOD = {"update_id": 1, "message": {"message_id": 1, "from": {"id": 5, "is_bot": False, "first_name": "A"},
                                    "chat": {"id": 5, "type": "private"}, "date": 1763629200, "text": "hi"}}


def _with(path: str, value: Any) -> bytes:
    data = json.loads(json.dumps(GOOD))
    target = data
    keys = path.split(".")
    for key in keys[:-1]:
        target = target[key]
    target[keys[-1]] = value
    return json.dumps(data).encode()


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(json.dumps(GOOD).encode()[:-7], id="truncated-json"),
        pytest.param(b"", id="empty"),
        pytest.param(b"\xff\xfe{\"update_id\": 1}", id="invalid-utf8"),
        pytest.param('{"update_id": 1, "message": {"text": "\udcff"}}'.encode("utf-8", "surrogatepass"),
                     id="lone-surrogate"),
        pytest.param(b'{"update_id": 1, "message": {"text": "\\udcff"}}', id="escaped-lone-surrogate"),
        pytest.param(b"[1, 2, 3]", id="json-list"),
        pytest.param(b"null", id="json-null"),
        pytest.param(b'"update"', id="json-string"),
        pytest.param(b"[" * 100_000 + b"]" * 100_000, id="deep-nesting"),
        pytest.param(_with("update_id", "1"), id="update-id-string"),
        pytest.param(_with("update_id", None), id="update-id-null"),
        pytest.param(_with("message.chat.id", "5"), id="chat-id-string"),
        pytest.param(_with("message.message_id", 1.0), id="message-id-float"),
        pytest.param(_with("message.text", 5), id="text-number"),
        pytest.param(_with("message.from", "someone"), id="from-string"),
        pytest.param(_with("message.date", "yesterday"), id="date-string"),
        pytest.param(_with("message", "hello"), id="message-string"),
        pytest.param(b'{"update_id": 7}', id="empty-update"),
    ],
)
def test_malformed_bodies_are_400_and_create_nothing(
    client: Client, telegram_webhook_account: Any, body: bytes
) -> None:
    response = post_webhook(client, "telegram", telegram_webhook_account.pk, body, SECRET)
    assert response.status_code == 400
    assert nothing_created()


def test_ten_megabyte_body_is_refused(client: Client, telegram_webhook_account: Any) -> None:
    body = b'{"update_id": 1, "message": {"text": "' + b"a" * (10 * 1024 * 1024) + b'"}}'
    response = post_webhook(client, "telegram", telegram_webhook_account.pk, body, SECRET)
    assert 400 <= response.status_code < 500
    assert nothing_created()


def test_bad_secret_with_a_malformed_body_is_403(client: Client, telegram_webhook_account: Any) -> None:
    response = post_webhook(client, "telegram", telegram_webhook_account.pk, b"{nope", {})
    assert response.status_code == 403 and nothing_created()


def test_get_is_not_a_handshake(client: Client, telegram_webhook_account: Any) -> None:
    assert client.get(f"/webhooks/telegram/{telegram_webhook_account.pk}/").status_code == 405


def test_nul_in_text_is_stored_as_a_replacement_character(client: Client, telegram_webhook_account: Any) -> None:
    """NUL cannot be stored in PostgreSQL; nobody types it, so it never blocks a message."""
    body = _with("message.text", "a\u0000b")
    assert b"\\u0000" in body
    assert post_webhook(client, "telegram", telegram_webhook_account.pk, body, SECRET).status_code == 200
    assert Message.objects.get().text == "a\ufffdb"


# --- the fake's own push, over real HTTP ------------------------------------------------------
def test_fake_pushes_to_hovor_and_retries_until_accepted(
    live_server: Any, fake_telegram: Any, telegram_webhook_account: Any
) -> None:
    """A webhook registered with a stale secret gets 403s, which Telegram retries; once
    Hovor registers the webhook with the account's secret, the same update goes through."""
    url = f"{live_server.url}/webhooks/telegram/{telegram_webhook_account.pk}/"
    fake_telegram.set_webhook(url, "an-old-secret")
    text = "Добър ден! Čekám na balík 📦"
    fake_telegram.inbound("@mpetrova_bg", "Мария Петрова", text)
    deadline = time.monotonic() + 5
    while not fake_telegram.delivered() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert fake_telegram.delivered()[0]["status"] == 403
    assert connector.set_webhook(telegram_webhook_account, url) is True
    assert fake_telegram.wait_delivered(timeout=10)
    assert fake_telegram.delivered()[-1]["status"] == 200
    assert list(Message.objects.values_list("text", flat=True)) == [text]
