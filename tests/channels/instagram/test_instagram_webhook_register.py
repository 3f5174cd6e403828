"""Hovor points an Instagram account's webhooks at itself: the app's `instagram`
subscription (verified by Meta's handshake against a live Hovor) and the connected Page's
subscription to the app, after which DMs and comments arrive."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from channels.http import ApiPermanentError
from channels.instagram.connector import PAGE_FIELDS, WEBHOOK_FIELDS, connector
from channels.models import InboundEvent
from fakes.facebook import FakeMeta
from tests.channels.facebook.meta_support import PAGE_ID, VERIFY_TOKEN, connect, start_fake
from tests.support import wait_for


@pytest.fixture
def fake() -> Iterator[FakeMeta]:
    server = start_fake("instagram", retry_interval=0.2)
    yield server
    server.stop()




def test_register_then_dms_and_comments_arrive(live_server: Any, fake: FakeMeta, brand: Any) -> None:
    account = connect(brand, "instagram", fake, handle="@acmecare")
    url = f"{live_server.url}/webhooks/instagram/{account.pk}/"
    fake.inbound("early.bird", "Early", "Jste tam?")  # no webhook configured yet: nothing delivered
    assert not fake.last_delivery.pushed

    sentence = connector.webhook_register(account, url)

    assert "Meta verified" in sentence and url in sentence
    assert fake.app_subscriptions["instagram"]["fields"] == list(WEBHOOK_FIELDS)
    assert fake.page_subscriptions[PAGE_ID] == list(PAGE_FIELDS)
    assert (fake.webhook, fake.verify_token) == (url, VERIFY_TOKEN)
    dm = fake.inbound("kaja.novak", "Kája", "Dobrý den")
    comment = fake.inbound("petr.s", "Petr", "Kolik to stojí?", kind="comment")
    assert wait_for(
        lambda: (
            set(InboundEvent.objects.filter(account=account).values_list("platform_id", flat=True))
            >= {dm["message"]["mid"], comment["id"]}
        )
    )


def test_a_failed_handshake(live_server: Any, fake: FakeMeta, brand: Any) -> None:
    account = connect(brand, "instagram", fake, handle="@acmecare")
    # Hovor's URL for another platform's account id that does not exist: 404, not the challenge.
    with pytest.raises(ApiPermanentError, match="Meta could not verify .*HTTP Status Code = 404"):
        connector.webhook_register(account, f"{live_server.url}/webhooks/instagram/{account.pk + 1000}/")
    assert fake.app_subscriptions == {} and fake.page_subscriptions == {}
