"""End to end with a real `celery -A helpdesk worker` on PostgreSQL + Redis: the worker syncs
the WhatsApp business's approved templates, an agent sends one after the 24-hour window
(a 503 on the way) and opens the conversation twice: the template and the read receipt each
reach the fake once. A Messenger customer who wrote with only their PSID gets their name
from the profile API, looked up by the worker after ingest."""
from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.urls import reverse

from channels.models import WhatsAppTemplate
from channels.services import brand_account_connect
from channels.tasks import sync_templates
from inbox.actions.templates import ticket_send_template, ticket_templates
from inbox.enums import DeliveryStatus, Direction
from inbox.models import Customer, Message
from tests.channels.facebook.meta_support import connect, post_delivery, start_fake
from tests.channels.whatsapp.wa_support import PHONE_NUMBER_ID, WA_CREDENTIALS, deliver
from tests.support import wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

WA_ID = "420601765432"


@pytest.fixture
def fake_graph() -> Iterator[Any]:
    from fakes.whatsapp import DEMO_WABA_ID, FakeWhatsApp

    fake = FakeWhatsApp(
        app_secret=WA_CREDENTIALS["app_secret"],
        verify_token=WA_CREDENTIALS["verify_token"],
        access_token=WA_CREDENTIALS["access_token"],
        phone_number_id=PHONE_NUMBER_ID,
        waba_id=DEMO_WABA_ID,
    ).start()
    yield fake
    fake.stop()


def test_template_and_read_receipt_reach_whatsapp_once_each(
    celery_worker_process: None, client: Any, fake_graph: Any, brand: Any, agent: Any
) -> None:
    account = brand_account_connect(
        brand=brand, platform="whatsapp", handle="+15550783881", base_url=fake_graph.base_url,
        credentials={k: v for k, v in WA_CREDENTIALS.items() if k != "templates"},
        options={"waba_id": fake_graph.waba_id},
    )
    sync_templates.delay(account.pk)
    assert wait_for(lambda: WhatsAppTemplate.objects.filter(account=account).count() == 3, timeout=30)

    asked = fake_graph.inbound(WA_ID, "Dobrý den, objednávka 5521?", name="Jana Nováková", at=time.time() - 26 * 3600)
    for delivery in fake_graph.take_deliveries():
        assert deliver(client, account, delivery).status_code == 200
    assert wait_for(lambda: Message.objects.filter(platform_id=asked["id"]).exists(), timeout=30)
    message = Message.objects.select_related("ticket").get(platform_id=asked["id"])
    ticket = message.ticket
    assert [t.key for t in ticket_templates(ticket=ticket)] == ["follow_up|cs", "follow_up|en_US", "hello_world|en_US"]

    fake_graph.fail(status=503, times=1)  # nothing sent: the worker tries again
    reply = ticket_send_template(
        ticket=ticket, agent=agent, key="follow_up|cs", inputs=["{{ customer.first_name }}", "5521"],
        client_token="e2e-template",
    )
    assert wait_for(lambda: Message.objects.get(pk=reply.pk).delivery_status == DeliveryStatus.SENT, timeout=60)
    [sent] = fake_graph.outbound()
    assert sent["type"] == "template" and sent["to"] == WA_ID
    assert sent["template"] == {"name": "follow_up", "language": "cs", "params": ["Jana", "5521"]}
    rendered = "Dobrý den, Jana, máme novinky k vašemu požadavku 5521."
    assert Message.objects.get(pk=reply.pk).text == sent["text"] == rendered

    client.force_login(agent)
    url = reverse("inbox:ticket", args=[ticket.pk])
    assert client.get(url).status_code == 200
    assert client.get(url).status_code == 200  # opened twice
    assert wait_for(lambda: len(fake_graph.reads()) >= 1, timeout=30)
    time.sleep(1.5)  # a second receipt, were one queued, would have gone by now
    assert [r["message_id"] for r in fake_graph.reads()] == [asked["id"]]
    assert len(fake_graph.outbound()) == 1
    assert Message.objects.get(pk=message.pk).read_receipt_at is not None


def test_a_messenger_customer_gets_their_name_from_the_worker(
    celery_worker_process: None, client: Any, brand: Any
) -> None:
    fake = start_fake("facebook")
    try:
        account = connect(brand, "facebook", fake)
        obj = fake.inbound("petr.svoboda", "Petr Svoboda", "Dobrý den, reklamace?", push=False)
        assert post_delivery(client, "facebook", account.pk, fake.last_delivery).status_code == 200
        mid = obj["message"]["mid"]
        assert wait_for(lambda: Message.objects.filter(platform_id=mid, direction=Direction.IN).exists(), timeout=30)
        customer_id = Message.objects.select_related("ticket").get(platform_id=mid).ticket.customer_id
        assert wait_for(lambda: Customer.objects.get(pk=customer_id).name == "Petr Svoboda", timeout=30)
        identity = Customer.objects.get(pk=customer_id).identities.get()
        assert identity.profile_fetched_at is not None and identity.avatar_url.startswith("https://")
        assert len(fake.profile_lookups) == 1
    finally:
        fake.stop()
