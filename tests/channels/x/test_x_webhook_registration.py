"""Registering Hovor's webhook with X through the API (V2 Webhooks + Account Activity
subscription), against the fake and a live Hovor: X's CRC at registration reaches Hovor's real
endpoint, deliveries follow, and X's periodic re-check switches them off when Hovor answers wrong."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from channels.http import ApiPermanentError
from channels.models import BrandAccount
from channels.services import brand_account_connect, brand_account_register_webhook
from channels.webhooks import forget_account
from channels.x.client import XClient
from channels.x.connector import connector
from fakes.x import FakeX
from inbox.enums import Direction
from inbox.models import Message
from tests.support import X_CREDENTIALS, wait_for

pytestmark = pytest.mark.django_db(transaction=True)

BRAND_ID = "1000000000000000001"


def hook_url(live_server: Any, account: BrandAccount, suffix: str = "") -> str:
    return f"{live_server.url}/webhooks/x/{account.pk}/{suffix}"


def inbound_texts() -> list[str]:
    return sorted(Message.objects.filter(direction=Direction.IN).values_list("text", flat=True))


def set_consumer_secret(account: BrandAccount, secret: str) -> None:
    account.credentials = {**account.credentials, "consumer_secret": secret}
    account.save(update_fields=["credentials_encrypted"])
    forget_account(account.pk)  # the webhook view keeps accounts for a few seconds


@pytest.fixture
def quick_fake() -> Iterator[FakeX]:
    """A fake X that re-checks webhooks every 0.2 s instead of hourly."""
    fake = FakeX(
        consumer_key=X_CREDENTIALS["consumer_key"],
        consumer_secret=X_CREDENTIALS["consumer_secret"],
        access_token=X_CREDENTIALS["access_token"],
        access_token_secret=X_CREDENTIALS["access_token_secret"],
        bearer_token=X_CREDENTIALS["bearer_token"],
        rate_limit_scale=1000,
        crc_interval=0.2,
    ).start()
    yield fake
    fake.stop()


def test_register_subscribes_and_a_dm_arrives_through_the_webhook(
    live_server: Any, x_account: BrandAccount, fake_x: FakeX
) -> None:
    url = hook_url(live_server, x_account)

    note = connector.webhook_register(x_account, url)

    [hook] = fake_x.webhooks()
    assert note == f"X webhook {hook['id']} registered and @AcmeCare subscribed."
    assert (hook["url"], hook["valid"], hook["subscriptions"]) == (url, True, [BRAND_ID])
    x_account.refresh_from_db()
    assert x_account.options["webhook_id"] == hook["id"]
    # X's CRC went to Hovor's real endpoint before X answered.
    [crc] = [e for e in fake_x.webhook_log() if e["type"] == "crc"]
    assert crc["trigger"] == "create" and crc["status"] == 200 and crc["valid"] is True

    fake_x.inbound("@jnovakova", "Jana Nováková", "Dobrý den, kde je můj balík?", kind="dm")
    assert fake_x.wait_deliveries(timeout=20)
    [post] = [e for e in fake_x.webhook_log() if e["type"] == "post"]
    assert post["status"] == 200 and post["webhook_id"] == hook["id"]
    assert inbound_texts() == ["Dobrý den, kde je můj balík?"]


def test_registering_again_reuses_the_webhook_and_the_subscription(
    live_server: Any, x_account: BrandAccount, fake_x: FakeX
) -> None:
    url = hook_url(live_server, x_account)
    first = connector.webhook_register(x_account, url)
    second = connector.webhook_register(x_account, url)
    [hook] = fake_x.webhooks()
    assert first.endswith("registered and @AcmeCare subscribed.")
    assert second == f"X webhook {hook['id']} already registered and @AcmeCare subscribed."
    assert hook["subscriptions"] == [BRAND_ID]
    # No second POST /2/webhooks and no second subscription attempt (X would refuse both).
    calls = [(r["method"], r["path"], r["status"]) for r in fake_x.requests_log() if "webhooks" in r["path"]]
    assert [c for c in calls if c[0] == "POST"] == [
        ("POST", "/2/webhooks", 200),
        ("POST", f"/2/account_activity/webhooks/{hook['id']}/subscriptions/all", 200),
    ]


def test_service_keeps_the_webhook_id_beside_its_own_notes(
    live_server: Any, x_account: BrandAccount, fake_x: FakeX
) -> None:
    url = hook_url(live_server, x_account)
    result = brand_account_register_webhook(account=x_account, webhook_url=url)
    assert result.ok, result.error
    x_account.refresh_from_db()
    [hook] = fake_x.webhooks()
    assert x_account.options["webhook_id"] == hook["id"] and x_account.options["webhook_url"] == url


def test_crc_failure_at_registration_is_a_clear_error(live_server: Any, brand: Any, fake_x: FakeX) -> None:
    # Hovor answers the CRC with a consumer secret that is not the app's.
    account = brand_account_connect(
        brand=brand,
        platform="x",
        handle="@AcmeCare",
        base_url=fake_x.base_url,
        credentials={**X_CREDENTIALS, "consumer_secret": "not-the-apps-s3cr3t"},
    )
    with pytest.raises(ApiPermanentError) as refused:
        connector.webhook_register(account, hook_url(live_server, account))
    message = refused.value.message
    assert "could not verify" in message and "CrcValidationFailed" in message and "consumer secret" in message
    assert refused.value.status == 400
    assert "not-the-apps-s3cr3t" not in str(refused.value) and X_CREDENTIALS["consumer_secret"] not in message
    assert fake_x.webhooks() == []
    account.refresh_from_db()
    assert "webhook_id" not in account.options

    result = brand_account_register_webhook(account=account, webhook_url=hook_url(live_server, account))
    assert not result.ok and "CrcValidationFailed" in result.error


def test_unreachable_url_fails_the_crc(x_account: BrandAccount, fake_x: FakeX) -> None:
    with pytest.raises(ApiPermanentError, match="CrcValidationFailed"):
        connector.webhook_register(x_account, "http://127.0.0.1:9/webhooks/x/1/")
    assert fake_x.webhooks() == []


def test_periodic_crc_stops_deliveries_until_validated_again(live_server: Any, brand: Any, quick_fake: FakeX) -> None:
    account = brand_account_connect(
        brand=brand, platform="x", handle="@AcmeCare", base_url=quick_fake.base_url, credentials=dict(X_CREDENTIALS)
    )
    connector.webhook_register(account, hook_url(live_server, account))
    quick_fake.inbound("@jana", "Jana", "first", kind="dm")
    assert quick_fake.wait_deliveries(timeout=20)
    assert wait_for(lambda: inbound_texts() == ["first"], timeout=10)

    # The admin pastes a new consumer secret that is not the app's: Hovor answers the next CRC wrong.
    set_consumer_secret(account, "rotated-but-wrong")
    assert wait_for(lambda: quick_fake.webhooks()[0]["valid"] is False, timeout=10)
    failed = [e for e in quick_fake.webhook_log() if e["type"] == "crc" and e["trigger"] == "periodic"]
    assert failed[-1]["valid"] is False and failed[-1]["transient"] is False  # a wrong token: invalid at once

    quick_fake.inbound("@jana", "Jana", "second", kind="dm")
    assert quick_fake.wait_deliveries(timeout=20)
    assert quick_fake.webhook_log()[-1]["type"] == "skipped"
    assert quick_fake.webhook_log()[-1]["reason"] == "webhook invalid"

    # Fixed in Hovor, but X does not look again by itself: still invalid a few periods later.
    set_consumer_secret(account, X_CREDENTIALS["consumer_secret"])
    time.sleep(0.7)
    assert quick_fake.webhooks()[0]["valid"] is False
    # Registering again finds the invalid webhook and PUTs it through a new CRC.
    note = connector.webhook_register(account, hook_url(live_server, account))
    assert "validated again" in note
    assert quick_fake.webhooks()[0]["valid"] is True
    quick_fake.inbound("@jana", "Jana", "third", kind="dm")
    assert quick_fake.wait_deliveries(timeout=20)
    assert wait_for(lambda: inbound_texts() == ["first", "third"], timeout=10)


def test_the_fakes_control_endpoint_runs_the_periodic_check_now(
    live_server: Any, x_account: BrandAccount, fake_x: FakeX
) -> None:
    connector.webhook_register(x_account, hook_url(live_server, x_account))
    ctl = requests.post(f"{fake_x.base_url}/_fake/webhooks/crc", timeout=10).json()
    assert [h["valid"] for h in ctl["data"]] == [True]
    set_consumer_secret(x_account, "rotated-but-wrong")
    ctl = requests.post(f"{fake_x.base_url}/_fake/webhooks/crc", timeout=10).json()
    assert [h["valid"] for h in ctl["data"]] == [False]
    # PUT /2/webhooks/:id itself fails its CRC while Hovor still answers wrong.
    client = XClient(base_url=fake_x.base_url, credentials=dict(X_CREDENTIALS))
    with pytest.raises(ApiPermanentError, match="CrcValidationFailed"):
        client.validate_webhook(ctl["data"][0]["id"])


def one_webhook_app() -> FakeX:
    """X's Self-Serve Pro: one webhook per app."""
    return FakeX(
        consumer_key=X_CREDENTIALS["consumer_key"],
        consumer_secret=X_CREDENTIALS["consumer_secret"],
        access_token=X_CREDENTIALS["access_token"],
        access_token_secret=X_CREDENTIALS["access_token_secret"],
        bearer_token=X_CREDENTIALS["bearer_token"],
        webhook_limit=1,
    )


def test_a_webhook_for_an_old_url_makes_room_when_the_app_has_no_more(live_server: Any, brand: Any) -> None:
    """Self-Serve Pro allows one webhook: the account's own, for Hovor's old URL, is replaced."""
    with one_webhook_app() as fake:
        account = brand_account_connect(
            brand=brand, platform="x", handle="AcmeCare", base_url=fake.base_url, credentials=dict(X_CREDENTIALS)
        )
        connector.webhook_register(account, hook_url(live_server, account))
        [old] = fake.webhooks()
        account.refresh_from_db()
        note = connector.webhook_register(account, hook_url(live_server, account, "?moved=1"))
        [new] = fake.webhooks()
        assert new["id"] != old["id"] and new["url"].endswith("?moved=1") and new["subscriptions"] == [BRAND_ID]
        assert note == f"X webhook {new['id']} registered (replacing the one for the old URL) and @AcmeCare subscribed."

        # Another account's webhook is never taken: the admin is told what to do instead.
        other = brand_account_connect(
            brand=brand, platform="x", handle="@Other", base_url=fake.base_url, credentials=dict(X_CREDENTIALS)
        )
        with pytest.raises(ApiPermanentError, match="no webhook left") as refused:
            connector.webhook_register(other, hook_url(live_server, other))
        assert "WebhookLimitExceeded" in refused.value.message
        assert [h["id"] for h in fake.webhooks()] == [new["id"]]


def test_registration_fetches_a_bearer_token_when_the_account_has_none(
    live_server: Any, brand: Any, fake_x: FakeX
) -> None:
    credentials = {k: v for k, v in X_CREDENTIALS.items() if k != "bearer_token"}
    account = brand_account_connect(
        brand=brand, platform="x", handle="@AcmeCare", base_url=fake_x.base_url, credentials=credentials
    )
    assert connector.webhook_register(account, hook_url(live_server, account)).endswith("@AcmeCare subscribed.")
    assert ("POST", "/oauth2/token") in [(r["method"], r["path"]) for r in fake_x.requests_log()]


def test_registration_needs_user_context_credentials(brand: Any, fake_x: FakeX) -> None:
    account = brand_account_connect(
        brand=brand,
        platform="x",
        handle="@AcmeCare",
        base_url=fake_x.base_url,
        credentials={"bearer_token": X_CREDENTIALS["bearer_token"]},
    )
    with pytest.raises(ApiPermanentError, match="consumer_key, consumer_secret, access_token, access_token_secret"):
        connector.webhook_register(account, "https://hovor.example/webhooks/x/1/")
    assert fake_x.requests_log() == []


def test_a_second_account_of_the_app_shares_its_one_webhook(live_server: Any, brand: Any) -> None:
    """Self-Serve Pro: one webhook per app. Another account of the same app subscribes its
    user to the webhook that already points at Hovor; deliveries are filed by for_user_id."""
    with one_webhook_app() as fake:
        first = brand_account_connect(
            brand=brand, platform="x", handle="@AcmeCare", base_url=fake.base_url, credentials=dict(X_CREDENTIALS)
        )
        connector.webhook_register(first, hook_url(live_server, first))
        second = brand_account_connect(
            brand=brand, platform="x", handle="@AcmeHelp", base_url=fake.base_url, credentials=dict(X_CREDENTIALS)
        )
        note = connector.webhook_register(second, hook_url(live_server, second))
        [hook] = fake.webhooks()
        assert hook["url"] == hook_url(live_server, first)
        assert note == f"X webhook {hook['id']} shared (it is {hook['url']}) and @AcmeHelp subscribed."
        second.refresh_from_db()
        assert second.options["webhook_id"] == hook["id"]


def test_polls_notice_when_x_stops_sending_to_the_webhook(live_server: Any, brand: Any, fake_x: FakeX) -> None:
    """Fed by a valid webhook, the account is polled only as a safety net; once an hourly
    check finds the webhook gone or invalid, it is polled at full speed and the page says why."""
    from django.utils import timezone

    from channels.inbound import account_poll, due_polling_accounts
    from channels.x.connector import client_for

    account = brand_account_connect(
        brand=brand, platform="x", handle="@AcmeCare", base_url=fake_x.base_url, credentials=dict(X_CREDENTIALS)
    )
    assert brand_account_register_webhook(account=account, webhook_url=hook_url(live_server, account)).ok
    account_poll(account_id=account.pk)
    account.refresh_from_db()
    assert account.poll_cursor["webhook"]["valid"] is True and "webhook" not in account.poll_cursor["notes"]
    assert account.pk not in due_polling_accounts()  # just polled, messages come by webhook

    client_for(account).delete_webhook(account.options["webhook_id"])  # gone (or invalidated) at X
    stale = {**account.poll_cursor, "webhook": {"checked_at": "2026-01-01T00:00:00+00:00", "valid": True}}
    BrandAccount.objects.filter(pk=account.pk).update(poll_cursor=stale)
    account_poll(account_id=account.pk)
    account.refresh_from_db()
    assert account.poll_cursor["webhook"]["valid"] is False
    assert "no longer sends to Hovor's webhook" in account.poll_cursor["notes"]["webhook"]
    BrandAccount.objects.filter(pk=account.pk).update(last_polled_at=timezone.now())
    assert account.pk in due_polling_accounts()  # back to every beat tick
