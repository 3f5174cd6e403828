"""One app, several accounts: Meta sends all of an app's Pages (and WhatsApp numbers) to the
one callback URL it knows, and X sends every user subscribed to an app's webhook to that
webhook's URL. Whatever account's URL a signed delivery reaches, each event is filed under
the account it is addressed to, and nothing crosses to another app's account."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

import pytest
from django.test import Client

from channels.meta.webhooks import signature_for
from channels.models import AccountStatus, Brand, BrandAccount, InboundEvent
from channels.services import brand_account_connect
from inbox.models import Message
from tests.channels.webhook_support import fixture_bytes, post_webhook
from tests.support import X_CREDENTIALS

pytestmark = pytest.mark.django_db(transaction=True)

APP_SECRET = "one-meta-app-secret"
PAGE_A, PAGE_B = "104512345678901", "104599999999999"


def page_account(brand: Brand, page_id: str, handle: str, app_secret: str = APP_SECRET) -> BrandAccount:
    credentials = {
        "page_id": page_id,
        "page_access_token": f"token-{page_id}",
        "app_secret": app_secret,
        "verify_token": "v",
    }
    return brand_account_connect(brand=brand, platform="facebook", handle=handle, credentials=credentials)


def messenger_delivery(page_id: str, mid: str, text: str) -> bytes:
    item = {
        "sender": {"id": "7300000000000001"},
        "recipient": {"id": page_id},
        "timestamp": 1763970000000,
        "message": {"mid": mid, "text": text},
    }
    return json.dumps(
        {"object": "page", "entry": [{"id": page_id, "time": 1763970000000, "messaging": [item]}]}, ensure_ascii=True
    ).encode()


def post_meta(client: Client, platform: str, account: BrandAccount, body: bytes, secret: str = APP_SECRET) -> Any:
    return post_webhook(client, platform, account.pk, body, {"X-Hub-Signature-256": signature_for(secret, body)})


def test_a_pages_message_reaching_a_sibling_pages_url_is_filed_under_its_own_page(client: Client) -> None:
    acme, zabka = Brand.objects.create(name="Acme"), Brand.objects.create(name="Żabka")
    a = page_account(acme, PAGE_A, "Acme Care")
    b = page_account(zabka, PAGE_B, "Żabka Care")
    response = post_meta(client, "facebook", a, messenger_delivery(PAGE_B, "m_b1", "Dzień dobry, gdzie paczka?"))
    assert response.status_code == 200 and response.json() == {"received": 1, "new": 1}
    message = Message.objects.get()
    assert message.account_id == b.pk and message.ticket.brand_id == zabka.pk
    assert InboundEvent.objects.get().account_id == b.pk
    # The same delivery again, now at B's own URL: still one message.
    post_meta(client, "facebook", b, messenger_delivery(PAGE_B, "m_b1", "Dzień dobry, gdzie paczka?"))
    assert Message.objects.count() == 1


def test_a_batch_for_two_pages_is_split_between_them(client: Client, brand: Brand) -> None:
    a = page_account(brand, PAGE_A, "Acme Care")
    b = page_account(brand, PAGE_B, "Acme Care SK")
    first, second = (
        json.loads(messenger_delivery(PAGE_A, "m_a", "Ahoj")),
        json.loads(messenger_delivery(PAGE_B, "m_b", "Čau")),
    )
    body = json.dumps({"object": "page", "entry": first["entry"] + second["entry"]}).encode()
    assert post_meta(client, "facebook", a, body).json() == {"received": 2, "new": 2}
    assert dict(Message.objects.values_list("text", "account_id")) == {"Ahoj": a.pk, "Čau": b.pk}


def test_another_apps_page_is_never_a_target(client: Client, brand: Brand) -> None:
    a = page_account(brand, PAGE_A, "Acme Care")
    page_account(brand, PAGE_B, "Other app's page", app_secret="another-app-secret")
    post_meta(client, "facebook", a, messenger_delivery(PAGE_B, "m_x", "Hello"))
    # Kept where it arrived (Meta may name a Page Hovor does not know yet), not in the other app's account.
    assert Message.objects.get().account_id == a.pk


def test_a_disabled_sibling_is_not_a_target(client: Client, brand: Brand) -> None:
    a = page_account(brand, PAGE_A, "Acme Care")
    b = page_account(brand, PAGE_B, "Acme Care SK")
    BrandAccount.objects.filter(pk=b.pk).update(status=AccountStatus.DISABLED)
    post_meta(client, "facebook", a, messenger_delivery(PAGE_B, "m_y", "Hello"))
    assert Message.objects.get().account_id == a.pk


def test_whatsapp_numbers_of_one_app_share_its_callback(client: Client, brand: Brand) -> None:
    def number(phone_number_id: str, handle: str) -> BrandAccount:
        credentials = {
            "phone_number_id": phone_number_id,
            "access_token": "t",
            "app_secret": APP_SECRET,
            "verify_token": "v",
        }
        return brand_account_connect(brand=brand, platform="whatsapp", handle=handle, credentials=credentials)

    first = number("106540352242922", "+15550783881")
    second = number("106540352242999", "+420800123456")
    body = fixture_bytes("whatsapp", "messages__image_caption.json")
    payload = json.loads(body)
    payload["entry"][0]["changes"][0]["value"]["metadata"]["phone_number_id"] = "106540352242999"
    body = json.dumps(payload).encode()
    assert post_meta(client, "whatsapp", first, body).status_code == 200
    assert Message.objects.get().account_id == second.pk


# --- X: one webhook per app, several subscribed users --------------------------------------
def x_sign(body: bytes) -> dict[str, str]:
    digest = hmac.new(X_CREDENTIALS["consumer_secret"].encode(), body, hashlib.sha256).digest()
    return {"x-twitter-webhooks-signature": "sha256=" + base64.b64encode(digest).decode()}


def x_account(brand: Brand, handle: str, user_id: str) -> BrandAccount:
    account = brand_account_connect(brand=brand, platform="x", handle=handle, credentials=dict(X_CREDENTIALS))
    BrandAccount.objects.filter(pk=account.pk).update(platform_user_id=user_id)
    account.refresh_from_db()
    return account


def test_x_delivery_for_another_subscribed_user_goes_to_that_users_account(client: Client, brand: Brand) -> None:
    body = fixture_bytes("x", "tweet_create_events__mention.json")
    for_user = json.loads(body)["for_user_id"]
    care = x_account(brand, "@AcmeHelp", "1999999999999999999")
    main = x_account(brand, "@AcmeCare", for_user)
    response = post_webhook(client, "x", care.pk, body, x_sign(body))
    assert response.status_code == 200 and response.json()["new"] == 1
    assert Message.objects.get().account_id == main.pk


def test_x_delivery_for_a_user_no_account_is_is_dropped(client: Client, brand: Brand) -> None:
    care = x_account(brand, "@AcmeHelp", "1999999999999999999")
    body = fixture_bytes("x", "tweet_create_events__mention.json")
    assert post_webhook(client, "x", care.pk, body, x_sign(body)).json()["new"] == 0
    assert not Message.objects.exists() and not InboundEvent.objects.exists()
