"""What the agent sees of messages Hovor cannot show (a placeholder, in the agent's
language, never silence) and of messages the customer edited (the new text, marked
"edited", the earlier versions viewable)."""
from __future__ import annotations

import json
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from channels.inbound import inbound_events_record
from channels.services import brand_account_connect
from channels.whatsapp.connector import split_delivery
from inbox.models import Message
from inbox.pipeline import inbound_events_ingest
from tests.channels.webhook_support import fixture_bytes
from tests.channels.whatsapp.wa_support import WA_CREDENTIALS

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def agent_client(client: Client, agent: User) -> Client:
    client.force_login(agent)
    return client


def ingest_whatsapp(account: Any, delivery: dict[str, Any]) -> Message:
    ids = inbound_events_record(account=account, events=split_delivery(delivery))
    inbound_events_ingest(event_ids=ids)
    return Message.objects.select_related("ticket").get(account=account)


@pytest.fixture
def wa_account(brand: Any) -> Any:
    return brand_account_connect(brand=brand, platform="whatsapp", handle="+1 555 078 3881", credentials=WA_CREDENTIALS)


@pytest.mark.parametrize(
    ("language", "placeholder"),
    [
        ("en", "The customer sent something Hovor cannot show: Message type unknown (code 131051)."),
        ("cs", "Zákazník poslal něco, co Hovor neumí zobrazit: Message type unknown (code 131051)."),
        ("bg", "Клиентът изпрати нещо, което Hovor не може да покаже: Message type unknown (code 131051)."),
    ],
)
def test_an_unsupported_whatsapp_message_shows_a_placeholder(
    agent_client: Client, wa_account: Any, language: str, placeholder: str
) -> None:
    message = ingest_whatsapp(wa_account, json.loads(fixture_bytes("whatsapp", "messages__unsupported.json")))
    assert message.text == "" and message.extra["unsupported"]["what"] == "unsupported"
    html = agent_client.get(f"/tickets/{message.ticket_id}/messages/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert placeholder in html


def test_an_unknown_whatsapp_type_is_a_placeholder_not_silence(agent_client: Client, wa_account: Any) -> None:
    delivery = json.loads(fixture_bytes("whatsapp", "messages__text.json"))
    item = delivery["entry"][0]["changes"][0]["value"]["messages"][0]
    item["type"], item["poll"] = "poll", {"question": "?"}
    del item["text"]
    message = ingest_whatsapp(wa_account, delivery)
    html = agent_client.get(f"/tickets/{message.ticket_id}/messages/").content.decode()
    assert "The customer sent something Hovor cannot show: poll" in html


def test_an_edited_message_shows_edited_and_its_earlier_versions(agent_client: Client, wa_account: Any) -> None:
    message = ingest_whatsapp(wa_account, json.loads(fixture_bytes("whatsapp", "messages__text.json")))
    Message.objects.filter(pk=message.pk).update(
        text="<b>new</b> text",
        extra={**message.extra, "history": [{"text": "<i>old</i> text", "until": "2026-11-20T10:00:00+00:00"}]},
    )
    html = agent_client.get(f"/tickets/{message.ticket_id}/messages/", HTTP_ACCEPT_LANGUAGE="pl").content.decode()
    assert "edytowano" in html and "1 wcześniejsza wersja" in html
    assert "&lt;i&gt;old&lt;/i&gt; text" in html and "<i>old</i>" not in html
