"""WhatsApp fixtures: the loopback fake and a connected account pointing at it."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.channels.whatsapp.wa_support import PHONE_NUMBER_ID, TEMPLATES, WA_CREDENTIALS


@pytest.fixture
def fake_wa() -> Iterator[Any]:
    from fakes.whatsapp import FakeWhatsApp

    fake = FakeWhatsApp(
        app_secret=WA_CREDENTIALS["app_secret"],
        verify_token=WA_CREDENTIALS["verify_token"],
        access_token=WA_CREDENTIALS["access_token"],
        phone_number_id=PHONE_NUMBER_ID,
        templates=TEMPLATES,
    ).start()
    yield fake
    fake.stop()


@pytest.fixture
def wa_account(brand: Any, fake_wa: Any) -> Any:
    from channels.services import brand_account_connect

    return brand_account_connect(
        brand=brand, platform="whatsapp", handle="+15550783881", base_url=fake_wa.base_url,
        credentials=dict(WA_CREDENTIALS),
    )
