"""Connect with Facebook for WhatsApp: the WhatsApp Business accounts the admin shares
(debug_token's granular_scopes) and each of their phone numbers, run against the fake with
the browser simulated by requests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from channels.accounts import fields_for
from channels.base import OAuthApp, OAuthChoice, OAuthDenied
from channels.http import ApiAuthError, ApiPermanentError
from channels.types import OutboundRequest
from channels.whatsapp.connector import connector
from fakes.meta.login import consent_form
from fakes.whatsapp import DEMO_OTHER_NUMBERS, DEMO_OTHER_WABAS, DEMO_WABA_ID
from tests.channels.meta_oauth_support import connect as meta_connect
from tests.channels.meta_oauth_support import consent as meta_consent
from tests.channels.whatsapp.wa_support import PHONE_NUMBER_ID, WA_CREDENTIALS

CALLBACK = "http://localhost:8000/admin/accounts/connect/whatsapp/callback/"
STATE = "wa-state-3x"
APP_SECRET = WA_CREDENTIALS["app_secret"]
CZ_WABA = DEMO_OTHER_WABAS[0]["id"]


@pytest.fixture
def app(fake_wa: Any) -> OAuthApp:
    return OAuthApp(client_id=fake_wa.app_id, client_secret=APP_SECRET, base_url=fake_wa.base_url)


def consent(url: str, **kwargs: Any) -> dict[str, str]:
    return meta_consent(url, CALLBACK, **kwargs)


def connect(app: OAuthApp, **kwargs: Any) -> list[OAuthChoice]:
    return meta_connect(connector, app, CALLBACK, STATE, **kwargs)


def test_the_authorize_url_asks_for_whatsapp_permissions() -> None:
    start = connector.oauth_begin(OAuthApp(client_id="77", client_secret="s"), callback_url=CALLBACK, state=STATE)
    url = urlsplit(start.authorize_url)
    assert f"{url.scheme}://{url.netloc}{url.path}" == "https://www.facebook.com/v21.0/dialog/oauth"
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert query == {
        "client_id": "77",
        "redirect_uri": CALLBACK,
        "state": STATE,
        "response_type": "code",
        "scope": "whatsapp_business_management,whatsapp_business_messaging,business_management",
    }


def test_the_consent_page_lists_the_whatsapp_accounts(app: OAuthApp) -> None:
    start = connector.oauth_begin(app, callback_url=CALLBACK, state=STATE)
    form = consent_form(requests.get(start.authorize_url, timeout=10).text)
    assert form.values("asset") == [DEMO_WABA_ID, CZ_WABA]
    assert "Acme Care CZ (WhatsApp Business account)" in form.text


def test_every_number_of_every_shared_account(fake_wa: Any, app: OAuthApp, brand: Any) -> None:
    choices = connect(app)

    assert [(c.handle, c.platform_user_id) for c in choices] == [
        ("+15550783881", PHONE_NUMBER_ID),
        *(("+" + n["display_phone_number"], n["id"]) for n in DEMO_OTHER_NUMBERS),
    ]
    # Three numbers on the main account, two a page: its phone_numbers edge was read twice.
    listed = [r for r in fake_wa.requests_log() if r["path"].endswith(f"{DEMO_WABA_ID}/phone_numbers")]
    assert len(listed) == 2
    main = choices[0]
    assert main.label == "Acme Care +1 555-078-3881 (WhatsApp Business account Acme Care)"
    # All but the message templates (synced, or listed by hand: doc.md) and the WhatsApp
    # Business account, which Facebook Login keeps in the account's options (below).
    assert set(main.credentials) == {f.name for f in fields_for("whatsapp")} - {"templates", "waba_id"}
    assert main.credentials["app_secret"] == APP_SECRET
    assert {c.options["waba_id"] for c in choices} == {DEMO_WABA_ID, CZ_WABA}
    assert choices[-1].options["waba_id"] == CZ_WABA
    # A long-lived user token: about 60 days.
    expires = datetime.fromisoformat(main.options["token_expires_at"])
    assert timedelta(days=59) < expires - datetime.now(UTC) <= timedelta(days=60)
    assert len({c.credentials["verify_token"] for c in choices}) == len(choices)

    from channels.services import brand_account_connect_authorised

    account, created = brand_account_connect_authorised(
        brand=brand, platform="whatsapp", choice=main, base_url=fake_wa.base_url
    )
    assert created and account.options["waba_id"] == DEMO_WABA_ID
    assert connector.test_connection(account) == {
        "id": PHONE_NUMBER_ID,
        "name": "Acme Care",
        "display_phone_number": "15550783881",
        "quality_rating": "GREEN",
    }
    customer = fake_wa.inbound("420601234567", "Dobrý den", name="Jana")
    wamid = connector.send(
        account,
        OutboundRequest(
            text="Dobrý den, Jano!",
            kind="dm",
            recipient="420601234567",
            in_reply_to=customer["id"],
            extra={"timestamp": int(customer["timestamp"])},
        ),
    )
    assert [o["id"] for o in fake_wa.outbound()] == [wamid]

    cz, _ = brand_account_connect_authorised(
        brand=brand, platform="whatsapp", choice=choices[-1], base_url=fake_wa.base_url
    )
    assert connector.test_connection(cz)["name"] == "Acme Care CZ"

    # The user token runs out after 60 days: Meta's 190/463, the account needs an admin.
    fake_wa.advance(61 * 24 * 3600)
    with pytest.raises(ApiAuthError, match="Session has expired"):
        connector.test_connection(account)


def test_only_the_account_the_admin_picked(app: OAuthApp) -> None:
    choices = connect(app, unchecked=(DEMO_WABA_ID,))
    assert [(c.handle, c.options["waba_id"]) for c in choices] == [("+420225123456", CZ_WABA)]


def test_no_account_shared(app: OAuthApp) -> None:
    with pytest.raises(OAuthDenied, match="no WhatsApp Business account"):
        connect(app, unchecked=(DEMO_WABA_ID, CZ_WABA))


def test_messaging_permission_left_off(app: OAuthApp) -> None:
    with pytest.raises(OAuthDenied) as denied:
        connect(app, unchecked=("whatsapp_business_messaging",))
    assert "whatsapp_business_messaging" in denied.value.reason


def test_cancel(app: OAuthApp) -> None:
    start = connector.oauth_begin(app, callback_url=CALLBACK, state=STATE)
    params = consent(start.authorize_url, button="cancel")
    assert (params["error"], params["error_reason"], params["error_description"]) == (
        "access_denied",
        "user_denied",
        "Permissions error",
    )
    with pytest.raises(OAuthDenied, match="cancelled"):
        connector.oauth_complete(app, callback_url=CALLBACK, params=params, saved={})


def test_a_code_is_single_use_and_short_lived(fake_wa: Any, app: OAuthApp) -> None:
    start = connector.oauth_begin(app, callback_url=CALLBACK, state=STATE)
    params = consent(start.authorize_url)
    connector.oauth_complete(app, callback_url=CALLBACK, params=params, saved={})
    with pytest.raises(ApiPermanentError, match="already used"):
        connector.oauth_complete(app, callback_url=CALLBACK, params=params, saved={})

    late = consent(connector.oauth_begin(app, callback_url=CALLBACK, state=STATE).authorize_url)
    fake_wa.advance(11 * 60)
    with pytest.raises(ApiPermanentError, match="expired") as expired:
        connector.oauth_complete(app, callback_url=CALLBACK, params=late, saved={})
    assert late["code"] not in str(expired.value)


def test_a_wrong_app_secret(app: OAuthApp) -> None:
    wrong = OAuthApp(client_id=app.client_id, client_secret="wa-wrong-secret-9", base_url=app.base_url)
    params = consent(connector.oauth_begin(wrong, callback_url=CALLBACK, state=STATE).authorize_url)
    with pytest.raises(ApiAuthError) as refused:
        connector.oauth_complete(wrong, callback_url=CALLBACK, params=params, saved={})
    text = f"{refused.value} {refused.value!r}"
    assert "app secret" in text
    assert "wa-wrong-secret-9" not in text and APP_SECRET not in text and params["code"] not in text
