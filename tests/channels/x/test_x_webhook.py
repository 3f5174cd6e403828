"""Account Activity API webhooks at /webhooks/x/<account id>/: the CRC handshake, the
signature, malformed bodies, and the fake's signed deliveries ending up as exactly one
inbox message each, also when the same post or DM is polled too."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

import pytest
from django.test import Client

from channels.inbound import account_poll
from channels.models import BrandAccount, InboundEvent, InboundEventStatus
from channels.services import brand_account_connect
from fakes.x import FakeX
from inbox.actions.replies import ticket_reply
from inbox.enums import Direction
from inbox.models import Message, Ticket
from tests.channels.webhook_support import fixture_bytes, post_webhook
from tests.support import X_CREDENTIALS

pytestmark = pytest.mark.django_db(transaction=True)

SECRET = X_CREDENTIALS["consumer_secret"]
BRAND_ID = "1000000000000000001"
FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"


def sign(body: bytes, secret: str = SECRET) -> dict[str, str]:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return {"x-twitter-webhooks-signature": "sha256=" + base64.b64encode(digest).decode()}


def deliver(client: Client, account: BrandAccount, fake: FakeX, platform_id: str) -> Any:
    body, headers = fake.signed_delivery(platform_id)
    return post_webhook(client, "x", account.pk, body, headers)


def inbound_messages() -> list[Message]:
    return list(Message.objects.filter(direction=Direction.IN).order_by("id"))


# --- CRC --------------------------------------------------------------------------------
def test_crc_answers_with_the_hmac_of_the_token(client: Client, x_account: BrandAccount, fake_x: FakeX) -> None:
    response = client.get(f"/webhooks/x/{x_account.pk}/", {"crc_token": "9b4507b3-4b7e-4a61-a1c1-2b2b7b0f1d3e"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    expected = base64.b64encode(
        hmac.new(SECRET.encode(), b"9b4507b3-4b7e-4a61-a1c1-2b2b7b0f1d3e", hashlib.sha256).digest()
    ).decode()
    assert response.json() == {"response_token": f"sha256={expected}"}
    assert response.json()["response_token"] == fake_x.crc_response_token("9b4507b3-4b7e-4a61-a1c1-2b2b7b0f1d3e")


def test_crc_without_token_is_400(client: Client, x_account: BrandAccount) -> None:
    assert client.get(f"/webhooks/x/{x_account.pk}/").status_code == 400


def test_crc_without_consumer_secret_is_403(client: Client, brand: Any) -> None:
    account = brand_account_connect(
        brand=brand, platform="x", handle="@NoSecret", credentials={"bearer_token": "only-a-bearer"}
    )
    assert client.get(f"/webhooks/x/{account.pk}/", {"crc_token": "abc"}).status_code == 403
    body = fixture_bytes("x", "tweet_create_events__mention.json")
    assert post_webhook(client, "x", account.pk, body, sign(body)).status_code == 403


# --- signatures -------------------------------------------------------------------------
def test_valid_signature_creates_the_message(client: Client, x_account: BrandAccount) -> None:
    body = fixture_bytes("x", "tweet_create_events__mention.json")
    response = post_webhook(client, "x", x_account.pk, body, sign(body))
    assert response.status_code == 200 and response.json() == {"received": 1, "new": 1}
    [message] = inbound_messages()
    assert message.platform_id == "2123706425275387904"
    assert message.kind == "mention"
    assert message.text == "@AcmeCare Hi, my order #4411 still hasn't arrived. Could you check what's going on?"
    assert message.author_identity.handle == "@samcarter_uk"


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({}, id="missing"),
        pytest.param({"x-twitter-webhooks-signature": ""}, id="empty"),
        pytest.param({"x-twitter-webhooks-signature": "sha256=AAAA"}, id="garbage"),
        pytest.param(sign(b"another body"), id="other-body"),
        pytest.param(sign(fixture_bytes("x", "tweet_create_events__mention.json"), "wrong-secret"), id="wrong-secret"),
        pytest.param(
            {"x-twitter-webhooks-signature": sign(fixture_bytes("x", "tweet_create_events__mention.json"))[
                "x-twitter-webhooks-signature"].removeprefix("sha256=")},
            id="no-prefix",
        ),
        pytest.param(
            {"x-hub-signature-256": "sha256=" + hmac.new(
                SECRET.encode(), fixture_bytes("x", "tweet_create_events__mention.json"), hashlib.sha256).hexdigest()},
            id="meta-style-hex",
        ),
    ],
)
def test_bad_or_missing_signature_is_403_and_creates_nothing(
    client: Client, x_account: BrandAccount, headers: dict[str, str]
) -> None:
    body = fixture_bytes("x", "tweet_create_events__mention.json")
    assert post_webhook(client, "x", x_account.pk, body, headers).status_code == 403
    assert InboundEvent.objects.count() == 0 and Message.objects.count() == 0


def test_signature_covers_every_byte(client: Client, x_account: BrandAccount) -> None:
    body = fixture_bytes("x", "tweet_create_events__mention.json")
    headers = sign(body)
    tampered = body.replace(b"#4411", b"#4412")
    assert post_webhook(client, "x", x_account.pk, tampered, headers).status_code == 403
    # Re-serialised (same JSON, other bytes): refused too; the raw bytes are what is signed.
    reserialised = json.dumps(json.loads(body)).encode()
    assert post_webhook(client, "x", x_account.pk, reserialised, headers).status_code == 403
    assert Message.objects.count() == 0


def test_replayed_delivery_makes_one_message(client: Client, x_account: BrandAccount) -> None:
    body = fixture_bytes("x", "direct_message_events__received.json")
    first = post_webhook(client, "x", x_account.pk, body, sign(body))
    again = post_webhook(client, "x", x_account.pk, body, sign(body))
    assert first.json() == {"received": 1, "new": 1}
    assert again.status_code == 200 and again.json() == {"received": 1, "new": 0}
    [message] = inbound_messages()
    assert message.kind == "dm" and message.text == "Здравейте, поръчка № 58213 пристигна счупена 😟"


# --- malformed bodies -------------------------------------------------------------------
@pytest.mark.parametrize(
    "body",
    [
        pytest.param(fixture_bytes("x", "tweet_create_events__mention.json")[:-40], id="truncated-json"),
        pytest.param(b"\xff\xfe{\"for_user_id\": \"1\"}", id="invalid-utf8"),
        pytest.param(b"", id="empty"),
        pytest.param(b"[]", id="array"),
        pytest.param(b'{"for_user_id": 1000000000000000001, "tweet_create_events": []}', id="for-user-id-number"),
        pytest.param(b'{"for_user_id": "1000000000000000001", "tweet_create_events": {"id_str": "1"}}',
                     id="events-object"),
        pytest.param(fixture_bytes("x", "tweet_create_events__malformed_no_id_str.json"), id="no-id-str"),
        pytest.param(
            fixture_bytes("x", "direct_message_events__received.json").replace(b'"created_timestamp": "1',
                                                                                 b'"created_timestamp": "x1'),
            id="dm-bad-timestamp",
        ),
    ],
)
def test_malformed_signed_body_is_400_and_creates_nothing(
    client: Client, x_account: BrandAccount, body: bytes
) -> None:
    response = post_webhook(client, "x", x_account.pk, body, sign(body))
    assert response.status_code == 400
    assert InboundEvent.objects.count() == 0 and Message.objects.count() == 0


def test_ten_megabytes_is_refused_before_anything_else(client: Client, x_account: BrandAccount) -> None:
    body = b'{"for_user_id": "1", "tweet_create_events": [' + b" " * (10 * 1024 * 1024) + b"]}"
    response = post_webhook(client, "x", x_account.pk, body, sign(body))
    assert response.status_code == 413
    assert InboundEvent.objects.count() == 0


def test_events_hovor_does_not_use_are_acknowledged(client: Client, x_account: BrandAccount) -> None:
    for name in ("favorite_events__like.json", "follow_events__follow.json", "user_event__revoke.json",
                 "direct_message_indicate_typing_events__typing.json", "tweet_delete_events__delete.json"):
        body = fixture_bytes("x", name)
        response = post_webhook(client, "x", x_account.pk, body, sign(body))
        assert response.status_code == 200 and response.json() == {"received": 0, "new": 0}, name
    assert InboundEvent.objects.count() == 0


def test_delivery_for_another_subscribed_user_is_not_kept(client: Client, x_account: BrandAccount) -> None:
    BrandAccount.objects.filter(pk=x_account.pk).update(platform_user_id="1999999999999999999")
    body = fixture_bytes("x", "tweet_create_events__mention.json")
    response = post_webhook(client, "x", x_account.pk, body, sign(body))
    assert response.status_code == 200 and response.json()["new"] == 0
    assert Message.objects.count() == 0 and not InboundEvent.objects.exists()


# --- the fake's deliveries, end to end -----------------------------------------------------
@pytest.mark.parametrize(
    ("kind", "text"),
    [
        ("mention", f"@AcmeCare Příliš žluťoučký kůň úpěl ďábelské ódy {FAMILY}\U0001f1e8\U0001f1ff <b>&amp;</b>"),
        ("mention", "@AcmeCare Здравейте! Поръчка № 58213 още не е пристигнала 😟 " + "дълго " * 30),
        ("dm", f"Dobrý den, balík dorazil rozbitý {FAMILY} & chybí <návod> &lt;3"),
        ("dm", "Здравейте, поръчка № 58213 пристигна счупена 😟"),
    ],
)
def test_fake_delivery_becomes_one_message_byte_for_byte(
    client: Client, x_account: BrandAccount, fake_x: FakeX, kind: str, text: str
) -> None:
    item = fake_x.inbound(author="@zakaznice", name="Zákaznice Ž.", text=text, kind=kind)["data"]
    response = deliver(client, x_account, fake_x, item["id"])
    assert response.status_code == 200 and response.json() == {"received": 1, "new": 1}
    [message] = inbound_messages()
    assert message.text.encode("utf-8") == text.encode("utf-8")
    assert message.platform_id == item["id"] and message.kind == kind
    assert message.author_identity.handle == "@zakaznice"
    assert message.ticket.customer.name == "Zákaznice Ž."


def test_three_times_and_out_of_order_still_one_message_each(
    client: Client, x_account: BrandAccount, fake_x: FakeX
) -> None:
    first = fake_x.inbound(author="@anna", name="Anna", text="my parcel is late")["data"]
    second = fake_x.inbound(author="@anna", text="hello? anyone?", kind="dm")["data"]
    third = fake_x.inbound(author="@anna", text="@AcmeCare still nothing", in_reply_to=first["id"])["data"]
    for platform_id in (third["id"], second["id"], first["id"]) * 3:
        assert deliver(client, x_account, fake_x, platform_id).status_code == 200
    assert sorted(m.platform_id for m in inbound_messages()) == sorted([first["id"], second["id"], third["id"]])
    # The reply arrived before its parent, yet all of Anna's messages share one ticket.
    assert Ticket.objects.count() == 1
    assert InboundEvent.objects.count() == 3


def test_webhook_then_poll_of_the_same_post_and_dm_is_one_message(
    client: Client, x_account: BrandAccount, fake_x: FakeX
) -> None:
    tweet = fake_x.inbound(author="@petr", name="Petr", text="Kde je moje zásilka?")["data"]
    dm = fake_x.inbound(author="@petr", name="Petr", text="Posílám číslo objednávky: 58213", kind="dm")["data"]
    for platform_id in (tweet["id"], dm["id"]):
        assert deliver(client, x_account, fake_x, platform_id).json()["new"] == 1
    pushed = {m.platform_id: (m.text, m.kind, m.thread_key, m.sent_at) for m in inbound_messages()}
    assert account_poll(account_id=x_account.pk) == 0  # both already stored: nothing new
    assert {m.platform_id: (m.text, m.kind, m.thread_key, m.sent_at) for m in inbound_messages()} == pushed
    assert Message.objects.filter(direction=Direction.IN).count() == 2


def test_poll_then_webhook_of_the_same_post_is_one_message(
    client: Client, x_account: BrandAccount, fake_x: FakeX
) -> None:
    tweet = fake_x.inbound(author="@ivan_petrov", name="Иван Петров", text="Поръчка 123 не е пристигнала 😟")["data"]
    dm = fake_x.inbound(author="@ivan_petrov", text="Номерът е 123", kind="dm")["data"]
    assert account_poll(account_id=x_account.pk) == 2
    def snapshot() -> dict[str, Any]:
        return {m.platform_id: (m.text, m.kind, m.thread_key, m.sent_at, m.author_identity_id)
                for m in inbound_messages()}

    polled = snapshot()
    for platform_id in (tweet["id"], dm["id"]):
        assert deliver(client, x_account, fake_x, platform_id).json() == {"received": 1, "new": 0}
    assert snapshot() == polled


def test_brands_own_post_and_dm_by_webhook_are_ignored(
    client: Client, x_account: BrandAccount, fake_x: FakeX, agent: Any
) -> None:
    tweet = fake_x.inbound(author="@lucie", name="Lucie", text="help please")["data"]
    assert deliver(client, x_account, fake_x, tweet["id"]).json()["new"] == 1
    ticket = Ticket.objects.get()
    reply = ticket_reply(ticket=ticket, agent=agent, text="Hned se podíváme.")
    reply.refresh_from_db()
    dm = ticket_reply(ticket=ticket, agent=agent, text="Pošlete nám číslo objednávky.", mode="private")
    dm.refresh_from_db()
    for platform_id in (reply.platform_id, dm.platform_id):
        assert platform_id
        assert deliver(client, x_account, fake_x, platform_id).json() == {"received": 1, "new": 1}
    kinds = dict(InboundEvent.objects.values_list("platform_id", "kind"))
    assert kinds[reply.platform_id] == "tweet_own" and kinds[dm.platform_id] == "dm_own"
    assert set(InboundEvent.objects.filter(kind__in=["tweet_own", "dm_own"]).values_list("status", flat=True)) == {
        InboundEventStatus.IGNORED
    }
    assert len(inbound_messages()) == 1


def test_fake_pushes_to_a_live_webhook_after_the_crc(live_server: Any, brand: Any) -> None:
    """The fake as a standalone X would behave: CRC GET first, then signed POSTs."""
    fake = FakeX(consumer_secret=SECRET, consumer_key=X_CREDENTIALS["consumer_key"],
                 access_token=X_CREDENTIALS["access_token"],
                 access_token_secret=X_CREDENTIALS["access_token_secret"], rate_limit_scale=1000).start()
    try:
        account = brand_account_connect(
            brand=brand, platform="x", handle="@AcmeCare", base_url=fake.base_url, credentials=dict(X_CREDENTIALS)
        )
        assert fake.register_webhook(f"{live_server.url}/webhooks/x/{account.pk}/") is True
        fake.inbound(author="@jnovakova", name="Jana Nováková", text="Kde je můj balík? 📦")
        fake.inbound(author="@jnovakova", text="Číslo objednávky 4411", kind="dm")
        assert fake.wait_deliveries(timeout=20)
        log = fake.webhook_log()
        assert [e["type"] for e in log] == ["crc", "post", "post"]
        assert log[0]["valid"] is True and [e["status"] for e in log[1:]] == [200, 200]
        texts = sorted(m.text for m in Message.objects.filter(direction=Direction.IN))
        assert texts == ["@AcmeCare Kde je můj balík? 📦", "Číslo objednávky 4411"]
    finally:
        fake.stop()


def test_poll_and_webhook_parse_to_identical_messages(x_account: BrandAccount, fake_x: FakeX) -> None:
    """Not just deduped: both paths yield the very same NormalizedMessage (root posts and DMs)."""
    from channels.types import RawEvent
    from channels.x.connector import connector
    from channels.x.parser import aaa_events, parse

    tweet = fake_x.inbound(author="@olga", name="Ольга", text="@AcmeCare Здравейте & <привет> 👋🏽")["data"]
    dm = fake_x.inbound(author="@olga", text=f"Soukromě {FAMILY} & <b>", kind="dm")["data"]
    polled: list[RawEvent] = []
    connector.poll(BrandAccount.objects.get(pk=x_account.pk), {}, polled.extend)
    by_poll = {e.platform_id: parse(e.kind, e.payload) for e in polled}
    for platform_id in (tweet["id"], dm["id"]):
        [event] = aaa_events(fake_x.aaa_body(platform_id), brand_id=BRAND_ID)
        assert parse(event.kind, event.payload) == by_poll[platform_id]
