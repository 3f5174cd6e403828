"""Setting a Viber account up: "Register webhook" (set_webhook, answered by Viber's signed
`webhook` check to Hovor) from the account page, and "Test connection" (get_account_info)."""
from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from channels.models import BrandAccount, InboundEvent
from channels.services import brand_account_register_webhook, brand_account_test
from fakes.viber import ACCOUNT_ID, FakeViber
from inbox.models import Message
from tests.channels.viber.viber_support import AUTH_TOKEN, connect

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def pushing_viber() -> Any:
    """A fake that POSTs its callbacks, as Viber does."""
    with FakeViber(auth_token=AUTH_TOKEN, retry_delay=0.05) as fake:
        yield fake


@pytest.fixture
def admin_client(client: Client) -> Client:
    admin = User.objects.create_user("admin", password="pw-admin-123", is_staff=True, is_superuser=True)
    client.force_login(admin)
    return client


def test_register_sets_the_webhook_after_viber_s_check_and_messages_arrive(
    live_server: Any, brand: Any, pushing_viber: Any
) -> None:
    account = connect(brand, pushing_viber)
    url = f"{live_server.url}/webhooks/viber/{account.pk}/"

    result = brand_account_register_webhook(account=account, webhook_url=url)

    assert result.ok, result.error
    assert "Viber now sends" in result.details["webhook"]
    (check,) = pushing_viber.pushed()
    assert check["event"] == "webhook" and check["status"] == 200
    assert pushing_viber.webhook()["url"] == url
    assert pushing_viber.webhook()["send_name"] is True and pushing_viber.webhook()["send_photo"] is True
    account.refresh_from_db()
    assert account.options["webhook_url"] == url and not InboundEvent.objects.exists()

    pushing_viber.inbound("@jana", "Jana Nováková", "Dobrý den, kde je můj balík?")
    assert pushing_viber.wait_pushed(timeout=10)
    assert list(Message.objects.values_list("text", flat=True)) == ["Dobrý den, kde je můj balík?"]


def test_register_from_the_account_page(live_server: Any, admin_client: Client, brand: Any, pushing_viber: Any) -> None:
    account = connect(brand, pushing_viber)
    host = live_server.url.split("://", 1)[1]  # the page names its own host in the webhook URL
    response = admin_client.post(f"/settings/accounts/{account.pk}/", {"action": "register_webhook"}, HTTP_HOST=host)
    assert response.status_code == 200
    hook = pushing_viber.webhook()
    assert hook is not None and hook["url"] == f"{live_server.url}/webhooks/viber/{account.pk}/"
    account.refresh_from_db()
    assert "webhook_registered_at" in account.options


def test_registration_refused_when_hovor_does_not_answer_the_check(
    live_server: Any, brand: Any, pushing_viber: Any
) -> None:
    account = connect(brand, pushing_viber)
    other = connect(brand, pushing_viber, handle="Other bot", auth_token="another-bots-token")
    # Viber's check reaches an account whose token did not sign it: 403, so no webhook.
    elsewhere = f"{live_server.url}/webhooks/viber/{other.pk}/"
    result = brand_account_register_webhook(account=account, webhook_url=elsewhere)
    assert not result.ok and "invalidUrl" in result.error
    assert pushing_viber.webhook() is None
    account.refresh_from_db()
    assert "webhook_registered_at" not in account.options


def test_test_connection_names_the_bot_and_its_webhook(brand: Any, pushing_viber: Any) -> None:
    account = connect(brand, pushing_viber)
    unset = brand_account_test(account=account)
    assert unset.ok and unset.details["name"] == "Acme Care" and unset.details["id"] == ACCOUNT_ID
    assert unset.details["webhook"] == "not set" and "register it" in unset.details["warning"]
    account.refresh_from_db()
    assert account.platform_user_id == ACCOUNT_ID

    pushing_viber.set_webhook("https://hovor.example.com/webhooks/viber/1/")
    BrandAccount.objects.filter(pk=account.pk).update(options={"webhook_url": "https://elsewhere.example.com/"})
    account.refresh_from_db()
    moved = brand_account_test(account=account)
    assert moved.ok and moved.details["webhook"] == "https://hovor.example.com/webhooks/viber/1/"
    assert moved.details["warning"] == (
        "Viber sends this bot's callbacks elsewhere (https://hovor.example.com/webhooks/viber/1/): "
        "register the webhook again."
    )


def test_test_connection_with_a_wrong_token(brand: Any, pushing_viber: Any) -> None:
    account = connect(brand, pushing_viber, auth_token="wrong-token")
    check = brand_account_test(account=account)
    assert not check.ok and "auth token" in check.error
