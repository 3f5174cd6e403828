"""Fixtures for the live chat: a chat account, a widget-side client speaking the protocol
through Django's test client, and a short event stream (one pass) for unit tests."""
from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.channels.chat.chat_support import Widget


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


@pytest.fixture
def one_pass_stream(monkeypatch: pytest.MonkeyPatch) -> None:
    """The event stream reads once and ends (the real one polls for ~25 s)."""
    from channels.chat import stream

    monkeypatch.setattr(stream, "STREAM_SECONDS", 0.0)


@pytest.fixture
def widget(client: Client, chat_account: Any) -> Widget:
    w = Widget(client, chat_account.pk)
    w.open()
    return w
