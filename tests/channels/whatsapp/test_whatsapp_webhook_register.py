"""Hovor points a WhatsApp number's webhooks at itself: the app subscribed to the number's
WhatsApp Business account, then the number's own callback URL overridden (Meta verifies it
with the hub.challenge handshake against a live Hovor); afterwards the fake delivers there."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urljoin, urlsplit

import pytest
import requests

from channels.base import OAuthApp
from channels.http import ApiPermanentError
from channels.models import InboundEvent
from channels.whatsapp.connector import connector
from fakes.meta.login import consent_form
from fakes.whatsapp import DEMO_OTHER_WABAS, DEMO_WABA_ID
from tests.channels.whatsapp.wa_support import PHONE_NUMBER_ID, WA_CREDENTIALS
from tests.support import wait_for

CALLBACK = "http://localhost:8000/admin/accounts/connect/whatsapp/callback/"




def hook(live_server: Any, account: Any) -> str:
    return f"{live_server.url}/webhooks/whatsapp/{account.pk}/"


def graph(fake: Any, method: str, path: str, token: str, **body: Any) -> Any:
    response = requests.request(
        method,
        f"{fake.base_url}/v21.0/{path}",
        json=body or None,
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    return response.json()


def test_register_a_pasted_account(live_server: Any, fake_wa: Any, wa_account: Any) -> None:
    """No waba_id kept: Hovor finds the number's account through debug_token."""
    url = hook(live_server, wa_account)

    sentence = connector.webhook_register(wa_account, url)

    assert "Meta verified" in sentence and url in sentence and DEMO_WABA_ID in sentence
    assert any(r["path"].endswith("/debug_token") for r in fake_wa.requests_log())
    assert fake_wa.waba_subscriptions == {DEMO_WABA_ID: {"override_callback_uri": "", "verify_token": ""}}
    assert fake_wa.number_callbacks == {
        PHONE_NUMBER_ID: {"override_callback_uri": url, "verify_token": WA_CREDENTIALS["verify_token"]}
    }
    shown = requests.get(
        f"{fake_wa.base_url}/v21.0/{PHONE_NUMBER_ID}",
        params={"fields": "webhook_configuration"},
        headers={"Authorization": f"Bearer {WA_CREDENTIALS['access_token']}"},
        timeout=10,
    ).json()
    assert shown["webhook_configuration"] == {"phone_number": url}

    message = fake_wa.inbound("420601234567", "Dobrý den, kde je zásilka?", name="Jana")
    assert wait_for(lambda: InboundEvent.objects.filter(account=wa_account, platform_id=message["id"]).exists())


def test_register_an_authorised_number(live_server: Any, fake_wa: Any, brand: Any) -> None:
    from channels.services import brand_account_connect_authorised

    app = OAuthApp(client_id=fake_wa.app_id, client_secret=WA_CREDENTIALS["app_secret"], base_url=fake_wa.base_url)
    start = connector.oauth_begin(app, callback_url=CALLBACK, state="s")
    form = consent_form(requests.get(start.authorize_url, timeout=10).text)
    answer = requests.post(
        urljoin(start.authorize_url, form.action), data=form.data("allow"), allow_redirects=False, timeout=10
    )
    params = dict(parse_qsl(urlsplit(answer.headers["Location"]).query))
    choice = connector.oauth_complete(app, callback_url=CALLBACK, params=params, saved={})[0]
    account, _ = brand_account_connect_authorised(
        brand=brand, platform="whatsapp", choice=choice, base_url=fake_wa.base_url
    )
    before = len(fake_wa.requests_log())

    connector.webhook_register(account, hook(live_server, account))

    assert not any(r["path"].endswith("/debug_token") for r in fake_wa.requests_log()[before:])
    assert fake_wa.webhook_url == hook(live_server, account)
    assert fake_wa.verify_token == choice.credentials["verify_token"]
    message = fake_wa.inbound("420777000111", "Ahoj", name="Petr")
    assert wait_for(lambda: InboundEvent.objects.filter(account=account, platform_id=message["id"]).exists())


def test_a_failed_handshake_saves_no_callback(live_server: Any, fake_wa: Any, wa_account: Any, brand: Any) -> None:
    from channels.services import brand_account_connect

    other = brand_account_connect(
        brand=brand,
        platform="whatsapp",
        handle="+15550783882",
        base_url=fake_wa.base_url,
        credentials={**WA_CREDENTIALS, "verify_token": "someone-elses-token"},
    )

    with pytest.raises(ApiPermanentError) as refused:
        connector.webhook_register(wa_account, hook(live_server, other))

    message = refused.value.message
    assert "Meta could not verify" in message and "HTTP Status Code = 403" in message
    assert WA_CREDENTIALS["verify_token"] not in message and WA_CREDENTIALS["access_token"] not in message
    assert fake_wa.number_callbacks == {} and fake_wa.webhook_url is None


def test_an_account_level_override(live_server: Any, fake_wa: Any, wa_account: Any) -> None:
    """The fake also takes Meta's WABA-level override (subscribed_apps with a callback)."""
    token = WA_CREDENTIALS["access_token"]
    url = hook(live_server, wa_account)
    refused = graph(
        fake_wa, "POST", f"{DEMO_WABA_ID}/subscribed_apps", token, override_callback_uri=url, verify_token="wrong"
    )
    assert refused["error"]["code"] == 2200 and fake_wa.waba_subscriptions == {}
    assert graph(
        fake_wa,
        "POST",
        f"{DEMO_WABA_ID}/subscribed_apps",
        token,
        override_callback_uri=url,
        verify_token=WA_CREDENTIALS["verify_token"],
    ) == {"success": True}
    assert fake_wa.webhook_url == url
    listed = graph(fake_wa, "GET", f"{DEMO_WABA_ID}/subscribed_apps", token)
    assert listed["data"][0]["override_callback_uri"] == url
    assert listed["data"][0]["whatsapp_business_api_data"]["id"] == fake_wa.app_id
    # The configured token reaches only its own account.
    other = graph(fake_wa, "GET", f"{DEMO_OTHER_WABAS[0]['id']}/phone_numbers", token)
    assert (other["error"]["code"], other["error"]["error_subcode"]) == (100, 33)
