"""Hovor points a Page's webhooks at itself: the app's `page` subscription (Meta verifies
the callback with the hub.challenge handshake against a live Hovor) and the Page's
subscription to the app; afterwards the fake delivers to Hovor."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, urljoin, urlsplit

import pytest
import requests

from channels.base import OAuthApp
from channels.facebook.connector import WEBHOOK_FIELDS, connector
from channels.http import ApiError, ApiPermanentError
from channels.models import InboundEvent
from fakes.facebook import FakeMeta
from fakes.meta.login import consent_form
from tests.channels.facebook.meta_support import APP_SECRET, PAGE_ID, PAGE_TOKEN, VERIFY_TOKEN, connect, start_fake
from tests.support import wait_for

CALLBACK = "http://localhost:8000/admin/accounts/connect/facebook/callback/"


@pytest.fixture
def fake() -> Iterator[FakeMeta]:
    server = start_fake("facebook", retry_interval=0.2)
    yield server
    server.stop()


def hook(live_server: Any, account: Any) -> str:
    return f"{live_server.url}/webhooks/facebook/{account.pk}/"




def graph(fake: FakeMeta, method: str, path: str, token: str, **data: Any) -> Any:
    response = requests.request(
        method,
        f"{fake.base_url}/v21.0/{path}",
        data=data or None,
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    return response.json()


def test_register_then_meta_delivers_to_hovor(live_server: Any, fake: FakeMeta, brand: Any) -> None:
    account = connect(brand, "facebook", fake)  # pasted credentials: the app id comes from GET /app
    url = hook(live_server, account)

    sentence = connector.webhook_register(account, url)

    assert url in sentence and "Meta verified" in sentence and PAGE_ID in sentence
    assert any(r["path"] == "/v21.0/app" for r in fake.requests())
    assert fake.app_subscriptions["page"] == {
        "object": "page",
        "callback_url": url,
        "active": True,
        "fields": list(WEBHOOK_FIELDS),
    }
    assert fake.page_subscriptions[PAGE_ID] == list(WEBHOOK_FIELDS)
    assert (fake.webhook, fake.verify_token, fake.verified) == (url, VERIFY_TOKEN, True)
    # What the app token sees, as Meta lists it.
    listed = graph(fake, "GET", f"{fake.app_id}/subscriptions", f"{fake.app_id}|{APP_SECRET}")
    assert listed["data"][0]["callback_url"] == url
    assert [f["name"] for f in listed["data"][0]["fields"]] == list(WEBHOOK_FIELDS)

    message = fake.inbound("jana", "Jana Nováková", "Dobrý den, kde je objednávka?")
    assert fake.last_delivery.pushed and fake.last_delivery.status == 200
    assert wait_for(
        lambda: InboundEvent.objects.filter(account=account, platform_id=message["message"]["mid"]).exists()
    )


def test_an_authorised_page_registers_with_its_own_token(live_server: Any, fake: FakeMeta, brand: Any) -> None:
    from channels.services import brand_account_connect_authorised

    app = OAuthApp(client_id=fake.app_id, client_secret=APP_SECRET, base_url=fake.base_url)
    start = connector.oauth_begin(app, callback_url=CALLBACK, state="s1")
    form = consent_form(requests.get(start.authorize_url, timeout=10).text)
    answer = requests.post(
        urljoin(start.authorize_url, form.action), data=form.data("allow"), allow_redirects=False, timeout=10
    )
    params = dict(parse_qsl(urlsplit(answer.headers["Location"]).query))
    choice = next(
        c
        for c in connector.oauth_complete(app, callback_url=CALLBACK, params=params, saved={})
        if c.platform_user_id == PAGE_ID
    )
    account, _ = brand_account_connect_authorised(
        brand=brand, platform="facebook", choice=choice, base_url=fake.base_url
    )
    before = len(fake.requests())

    connector.webhook_register(account, hook(live_server, account))

    assert not any(r["path"] == "/v21.0/app" for r in fake.requests()[before:])  # the app id was kept
    assert fake.verify_token == choice.credentials["verify_token"]
    assert fake.page_subscriptions[PAGE_ID] == list(WEBHOOK_FIELDS)
    fake.inbound("petr", "Petr", "Máte to v M?", kind="comment")
    assert wait_for(lambda: InboundEvent.objects.filter(account=account).exists())


def test_fields_already_subscribed_are_kept(live_server: Any, fake: FakeMeta, brand: Any) -> None:
    assert graph(fake, "POST", f"{PAGE_ID}/subscribed_apps", PAGE_TOKEN, subscribed_fields="message_reads,feed") == {
        "success": True
    }
    account = connect(brand, "facebook", fake)

    connector.webhook_register(account, hook(live_server, account))

    assert fake.page_subscriptions[PAGE_ID] == [*WEBHOOK_FIELDS, "message_reads"]


def test_a_second_account_of_the_same_app_takes_the_callback_over(live_server: Any, fake: FakeMeta, brand: Any) -> None:
    first = connect(brand, "facebook", fake)
    second = connect(brand, "facebook", fake, handle="Acme Care (2)")
    connector.webhook_register(first, hook(live_server, first))

    sentence = connector.webhook_register(second, hook(live_server, second))

    assert f"This replaced {hook(live_server, first)}" in sentence
    assert fake.app_subscriptions["page"]["callback_url"] == hook(live_server, second)


def test_a_failed_handshake_saves_nothing(live_server: Any, fake: FakeMeta, brand: Any) -> None:
    account = connect(brand, "facebook", fake)
    other = connect(brand, "facebook", fake, handle="Acme Care (other)")
    creds = other.credentials
    creds["verify_token"] = "another-verify-token-55"
    other.credentials = creds
    other.save()
    # Meta sends the account's verify token; the other account's URL refuses it (403).
    wrong = hook(live_server, other)

    with pytest.raises(ApiPermanentError) as refused:
        connector.webhook_register(account, wrong)

    message = refused.value.message
    assert f"Meta could not verify {wrong}" in message and "HTTP Status Code = 403" in message
    assert "(code 2200)" in message
    assert VERIFY_TOKEN not in message and APP_SECRET not in message
    assert fake.app_subscriptions == {} and fake.page_subscriptions == {} and fake.webhook is None


def test_an_unreachable_callback(fake: FakeMeta, brand: Any) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    account = connect(brand, "facebook", fake)
    with pytest.raises(ApiError, match="Couldn't connect to server"):
        connector.webhook_register(account, f"http://127.0.0.1:{port}/webhooks/facebook/{account.pk}/")
    assert fake.app_subscriptions == {}


def test_a_page_token_cannot_configure_the_app(fake: FakeMeta) -> None:
    answer = graph(
        fake,
        "POST",
        f"{fake.app_id}/subscriptions",
        PAGE_TOKEN,
        object="page",
        callback_url="http://127.0.0.1:9/",
        fields="feed",
        verify_token="t",
    )
    assert answer["error"]["code"] == 15
    wrong_secret = graph(fake, "GET", f"{fake.app_id}/subscriptions", f"{fake.app_id}|nope")
    assert wrong_secret["error"]["code"] == 190


def test_a_second_page_moves_the_apps_callback_and_the_first_pages_messages_still_reach_it(
    live_server: Any, brand: Any
) -> None:
    """Meta has one callback URL per app: after the second Page registers, the first Page's
    deliveries go to the second account's URL, and Hovor files them under the first."""
    from channels.services import brand_account_connect_authorised
    from fakes.facebook import DEMO_OTHER_PAGES
    from inbox.models import Message
    from tests.channels.meta_oauth_support import connect as oauth_connect

    # The first Page was set up by hand in the app dashboard (its URL is known once it exists).
    fake = start_fake("facebook", retry_interval=0.2, webhook=f"{live_server.url}/webhooks/facebook/0/")
    try:
        first = connect(brand, "facebook", fake)
        fake.webhook = hook(live_server, first)
        app = OAuthApp(client_id=fake.app_id, client_secret=APP_SECRET, base_url=fake.base_url)
        choices = oauth_connect(connector, app, CALLBACK, "st-2")
        other = next(c for c in choices if c.platform_user_id == DEMO_OTHER_PAGES[0]["id"])
        second, _ = brand_account_connect_authorised(brand=brand, platform="facebook", choice=other,
                                                     base_url=fake.base_url)
        connector.webhook_register(second, hook(live_server, second))
        assert fake.webhook == hook(live_server, second)

        fake.inbound("7300000000000042", "Jana Nováková", "Dobrý den, kde je můj balík?")
        assert wait_for(lambda: Message.objects.exists(), timeout=10)
        message = Message.objects.get()
        assert message.account_id == first.pk and message.text == "Dobrý den, kde je můj balík?"
    finally:
        fake.stop()
