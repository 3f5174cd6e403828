"""The website chat account the simulated visitors write to."""
from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def chat_account(brand: Any) -> Any:
    from channels.services import brand_account_connect

    return brand_account_connect(
        brand=brand,
        platform="chat",
        handle="acme.example",
        credentials={},
        options={"color": "#0f766e", "greeting": "Ahoj! Jak vám můžeme pomoci?", "hours_text": "We answer 8–17 CET"},
    )
