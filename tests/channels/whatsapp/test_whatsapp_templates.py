"""WhatsApp's approved templates: synced from GET /{WABA-ID}/message_templates (the fake
serves it as Graph does), offered by the composer once the 24-hour window has closed with
their parameters pre-filled from reply variables, sent through the outbox as a template
message (once, retried on 429/5xx) and shown in the thread as the text the customer got;
and the read receipt sent once when an agent opens the conversation."""
from __future__ import annotations

import time
from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
import requests
from django.urls import reverse
from django.utils import timezone

from channels.models import WhatsAppTemplate
from channels.services import account_templates_sync, brand_account_connect
from channels.types import TEMPLATE
from channels.whatsapp.connector import client_for, connector
from channels.whatsapp.limits import approved_templates, graph_template_body, render_template
from inbox.actions.delivery import reply_deliver
from inbox.actions.opening import ticket_opened
from inbox.actions.replies import ReplyError, reply_compose
from inbox.actions.templates import template_compose, ticket_send_template, ticket_templates
from inbox.enums import DeliveryStatus, OutboundStatus
from inbox.models import Customer, Message, OutboundMessage
from tests.channels.whatsapp.wa_support import PHONE_NUMBER_ID, WA_CREDENTIALS, deliver_all

pytestmark = pytest.mark.django_db(transaction=True)

WA_ID = "420601234567"
DAY_AGO = 25 * 3600


@pytest.fixture
def fake_graph() -> Any:
    """The fake with its demo business: four templates, one still PENDING review."""
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


@pytest.fixture
def synced_account(brand: Any, fake_graph: Any) -> Any:
    from fakes.whatsapp import DEMO_WABA_ID

    credentials = {k: v for k, v in WA_CREDENTIALS.items() if k != "templates"}
    account = brand_account_connect(
        brand=brand, platform="whatsapp", handle="+15550783881", base_url=fake_graph.base_url,
        credentials=credentials, options={"waba_id": DEMO_WABA_ID},
    )
    assert account_templates_sync(account_id=account.pk) == 3
    return account


def customer_writes(client: Any, account: Any, fake: Any, *, ago: float = DAY_AGO, name: str = "Jana Nováková") -> Any:
    sent = fake.inbound(WA_ID, "Kde je můj balík?", name=name, at=time.time() - ago)
    deliver_all(client, account, fake)
    return Message.objects.select_related("ticket").get(platform_id=sent["id"])


# --- the client and the fake: GET /{WABA-ID}/message_templates ------------------------
def test_message_templates_request_and_paging_as_graph_does(synced_account: Any, fake_graph: Any) -> None:
    original = requests.Session.request
    with mock.patch.object(requests.Session, "request", autospec=True, side_effect=original) as spy:
        items = client_for(synced_account).message_templates(waba_id=fake_graph.waba_id)
    urls = [c.args[2] for c in spy.call_args_list]
    assert urls[0] == f"{fake_graph.base_url}/v21.0/{fake_graph.waba_id}/message_templates"
    assert len(urls) == 2  # two a page: the second page through paging.cursors.after
    assert "components" in spy.call_args_list[0].kwargs["params"]["fields"]
    assert [(t["name"], t["language"], t["status"]) for t in items] == [
        ("hello_world", "en_US", "APPROVED"), ("follow_up", "en_US", "APPROVED"),
        ("follow_up", "cs", "APPROVED"), ("spring_sale", "en_US", "PENDING"),
    ]
    body = items[1]["components"][0]
    assert body["type"] == "BODY" and body["text"] == "Hi {{1}}, we have an update on your request {{2}}."
    assert body["example"] == {"body_text": [["example 1", "example 2"]]}


def test_another_business_has_no_templates_and_a_stranger_token_is_refused(fake_graph: Any) -> None:
    graph = f"{fake_graph.base_url}/v21.0"
    auth = {"Authorization": f"Bearer {WA_CREDENTIALS['access_token']}"}
    response = requests.get(f"{graph}/{fake_graph.waba_id}/message_templates?status=PENDING", headers=auth, timeout=5)
    assert [t["name"] for t in response.json()["data"]] == ["spring_sale"]
    refused = requests.get(f"{graph}/{fake_graph.waba_id}/message_templates",
                           headers={"Authorization": "Bearer wrong"}, timeout=5)
    assert refused.status_code in (400, 401) and refused.json()["error"]["code"] == 190


def test_only_approved_templates_with_a_name_and_language_are_kept() -> None:
    items = [
        {"name": "a", "language": "cs", "status": "APPROVED", "components": [{"type": "BODY", "text": "Ahoj {{1}}"}]},
        {"name": "b", "language": "cs", "status": "REJECTED", "components": []},
        {"name": "", "language": "cs", "status": "APPROVED"},
        {"name": "c", "status": "APPROVED"},
        "not an object",
        {"name": "d", "language": "en", "status": "APPROVED", "components": "junk"},
    ]
    kept = approved_templates(items)
    assert [(t["name"], t["body"]) for t in kept] == [("a", "Ahoj {{1}}"), ("d", "")]
    assert graph_template_body([{"type": "HEADER", "text": "x"}, {"type": "body", "text": "y"}]) == "y"
    assert render_template("Hi {{1}}, order {{2}}", ["Jana", "#12"]) == "Hi Jana, order #12"


def test_sync_caches_approved_templates_and_forgets_withdrawn_ones(synced_account: Any, fake_graph: Any) -> None:
    rows = {(t.name, t.language): t.body for t in WhatsAppTemplate.objects.filter(account=synced_account)}
    assert rows == {
        ("hello_world", "en_US"): "Hello World",
        ("follow_up", "en_US"): "Hi {{1}}, we have an update on your request {{2}}.",
        ("follow_up", "cs"): "Dobrý den, {{1}}, máme novinky k vašemu požadavku {{2}}.",
    }
    assert account_templates_sync(account_id=synced_account.pk) == 3  # idempotent
    assert WhatsAppTemplate.objects.filter(account=synced_account).count() == 3
    fake_graph.template_list = [t for t in fake_graph.template_list if t["name"] != "hello_world"]
    assert account_templates_sync(account_id=synced_account.pk) == 2
    assert not WhatsAppTemplate.objects.filter(account=synced_account, name="hello_world").exists()


def test_sync_finds_the_business_from_the_token_when_no_waba_id_is_set(brand: Any, fake_graph: Any) -> None:
    credentials = {k: v for k, v in WA_CREDENTIALS.items() if k != "templates"}
    account = brand_account_connect(
        brand=brand, platform="whatsapp", handle="+15550783881", base_url=fake_graph.base_url, credentials=credentials,
    )
    assert account_templates_sync(account_id=account.pk) == 3
    account.refresh_from_db()
    assert account.options["waba_id"] == fake_graph.waba_id


def test_a_rate_limited_sync_raises_for_the_tasks_retry_and_the_next_try_succeeds(
    synced_account: Any, fake_graph: Any
) -> None:
    from channels.http import ApiRateLimited
    from channels.tasks import sync_templates

    assert ApiRateLimited in sync_templates.autoretry_for and sync_templates.max_retries
    WhatsAppTemplate.objects.all().delete()
    fake_graph.fail(code=4, status=400, times=1)  # Graph's app-level throttling
    with pytest.raises(ApiRateLimited):
        account_templates_sync(account_id=synced_account.pk)
    assert not WhatsAppTemplate.objects.exists()
    assert account_templates_sync(account_id=synced_account.pk) == 3


# --- the composer -----------------------------------------------------------------------
def test_templates_are_offered_only_once_the_window_has_closed(
    client: Any, synced_account: Any, fake_graph: Any, agent: Any
) -> None:
    fresh = customer_writes(client, synced_account, fake_graph, ago=60)
    assert ticket_templates(ticket=fresh.ticket) == []
    Message.objects.filter(pk=fresh.pk).update(sent_at=fresh.sent_at - timedelta(hours=25))
    offered = ticket_templates(ticket=fresh.ticket)
    assert [t.label for t in offered] == ["follow_up (cs)", "follow_up (en_US)", "hello_world (en_US)"]


def test_parameters_are_prefilled_from_variables_and_previewed(
    client: Any, synced_account: Any, fake_graph: Any, agent: Any
) -> None:
    asked = customer_writes(client, synced_account, fake_graph)
    composed = template_compose(ticket=asked.ticket, agent=agent, key="follow_up|en_US")
    assert composed.ok, composed.error
    assert composed.inputs == ("{{ customer.first_name }}", "{{ ticket.id }}")
    assert composed.params == ("Jana", str(asked.ticket.pk))
    assert composed.text == f"Hi Jana, we have an update on your request {asked.ticket.pk}."
    edited = template_compose(ticket=asked.ticket, agent=agent, key="follow_up|en_US", inputs=["paní Jano", "#77"])
    assert edited.text == "Hi paní Jano, we have an update on your request #77."


def test_a_customer_with_no_name_blocks_the_template_until_the_agent_edits_it(
    client: Any, synced_account: Any, fake_graph: Any, agent: Any
) -> None:
    asked = customer_writes(client, synced_account, fake_graph, name="")
    Customer.objects.filter(pk=asked.ticket.customer_id).update(name="")
    composed = template_compose(ticket=asked.ticket, agent=agent, key="follow_up|en_US")
    assert not composed.ok and "customer.first_name" in composed.error
    with pytest.raises(ReplyError):
        ticket_send_template(ticket=asked.ticket, agent=agent, key="follow_up|en_US", inputs=list(composed.inputs))
    assert fake_graph.outbound() == []
    empty = template_compose(ticket=asked.ticket, agent=agent, key="follow_up|en_US", inputs=["", "#1"])
    assert not empty.ok and "Parameter 1" in empty.error
    unknown = template_compose(ticket=asked.ticket, agent=agent, key="spring_sale|en_US")
    assert not unknown.ok  # not approved: never offered, never sent


def test_template_goes_through_the_outbox_once_and_shows_in_the_thread(
    client: Any, synced_account: Any, fake_graph: Any, agent: Any
) -> None:
    asked = customer_writes(client, synced_account, fake_graph)
    assert not reply_compose(ticket=asked.ticket, agent=agent, text="Free text").ok
    message = ticket_send_template(
        ticket=asked.ticket, agent=agent, key="follow_up|en_US", inputs=["{{ customer.first_name }}", "#4411"],
        client_token="tpl-1",
    )
    again = ticket_send_template(
        ticket=asked.ticket, agent=agent, key="follow_up|en_US", inputs=["Jana", "#4411"], client_token="tpl-1",
    )
    assert again.pk == message.pk
    [sent] = fake_graph.outbound()
    assert sent["type"] == "template" and sent["to"] == WA_ID
    assert sent["template"] == {"name": "follow_up", "language": "en_US", "params": ["Jana", "#4411"]}
    message.refresh_from_db()
    assert message.text == "Hi Jana, we have an update on your request #4411."  # no signature
    assert message.extra[TEMPLATE]["name"] == "follow_up"
    assert message.platform_id == sent["id"] and message.delivery_status == DeliveryStatus.SENT
    deliver_all(client, synced_account, fake_graph)  # sent → delivered → read
    assert Message.objects.get(pk=message.pk).delivery_status == DeliveryStatus.READ
    client.force_login(agent)
    page = client.get(reverse("inbox:ticket", args=[asked.ticket.pk])).content.decode()
    assert "Hi Jana, we have an update on your request #4411." in page and 'data-template="follow_up"' in page


@pytest.mark.parametrize(("code", "status"), [(130429, 400), (None, 503)])
def test_throttled_or_unavailable_template_is_retried_and_sent_once(
    client: Any, synced_account: Any, fake_graph: Any, agent: Any, code: int | None, status: int
) -> None:
    asked = customer_writes(client, synced_account, fake_graph)
    with mock.patch("inbox.tasks.deliver_outbound.delay"):  # each attempt is ours to run
        message = ticket_send_template(ticket=asked.ticket, agent=agent, key="hello_world|en_US", inputs=[])
    row = OutboundMessage.objects.get(message=message)
    fake_graph.fail(code=code, status=status, times=1)
    assert reply_deliver(outbound_id=row.pk) is not None
    assert fake_graph.outbound() == []
    OutboundMessage.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    assert reply_deliver(outbound_id=row.pk) is None
    assert reply_deliver(outbound_id=row.pk) is None  # done: a second task sends nothing
    [sent] = fake_graph.outbound()
    assert sent["template"]["name"] == "hello_world"
    row.refresh_from_db()
    assert row.status == OutboundStatus.SENT and row.attempts == 2


def test_the_composer_page_offers_templates_and_sends_one(
    client: Any, synced_account: Any, fake_graph: Any, agent: Any
) -> None:
    asked = customer_writes(client, synced_account, fake_graph)
    client.force_login(agent)
    page = client.get(reverse("inbox:ticket", args=[asked.ticket.pk])).content.decode()
    assert 'id="template-choice"' in page and "follow_up (en_US)" in page
    preview = client.post(
        reverse("inbox:template_preview", args=[asked.ticket.pk]), {"template": "hello_world|en_US"}
    ).content.decode()
    assert "Hello World" in preview and 'name="param"' not in preview
    typed = client.post(
        reverse("inbox:template_preview", args=[asked.ticket.pk]),
        {"template": "follow_up|en_US", "template_shown": "follow_up|en_US", "param": ["<b>Jana</b>", "#9"]},
    ).content.decode()
    assert "Hi &lt;b&gt;Jana&lt;/b&gt;, we have an update on your request #9." in typed
    response = client.post(
        reverse("inbox:ticket_template", args=[asked.ticket.pk]),
        {"template": "follow_up|cs", "param": ["Jano", "#9"], "client_token": "t-page", "then_status": "pending"},
    )
    assert response.status_code == 302
    [sent] = fake_graph.outbound()
    assert sent["template"] == {"name": "follow_up", "language": "cs", "params": ["Jano", "#9"]}
    assert sent["text"] == "Dobrý den, Jano, máme novinky k vašemu požadavku #9."


# --- read receipts ----------------------------------------------------------------------
def test_opening_the_conversation_sends_the_read_receipt_once_per_last_message(
    client: Any, synced_account: Any, fake_graph: Any, agent: Any
) -> None:
    first = customer_writes(client, synced_account, fake_graph, ago=60)
    client.force_login(agent)
    url = reverse("inbox:ticket", args=[first.ticket.pk])
    assert client.get(url).status_code == 200
    assert client.get(url).status_code == 200
    assert [r["message_id"] for r in fake_graph.reads()] == [first.platform_id]
    later = customer_writes(client, synced_account, fake_graph, ago=0)
    assert later.ticket_id == first.ticket_id
    client.get(url)
    assert [r["message_id"] for r in fake_graph.reads()] == [first.platform_id, later.platform_id]
    assert ticket_opened(ticket=later.ticket) is None  # nothing left to mark


def test_a_failed_read_receipt_is_given_back_and_retried(
    client: Any, synced_account: Any, fake_graph: Any, agent: Any
) -> None:
    from inbox.actions.receipts import message_read_receipt_send

    asked = customer_writes(client, synced_account, fake_graph, ago=60)
    fake_graph.fail(code=1, status=503, times=1)
    with pytest.raises(Exception):  # noqa: B017,PT011 (the channels error family; the task retries)
        message_read_receipt_send(message_id=asked.pk)
    assert Message.objects.get(pk=asked.pk).read_receipt_at is None
    assert message_read_receipt_send(message_id=asked.pk) is True
    assert message_read_receipt_send(message_id=asked.pk) is False
    assert len(fake_graph.reads()) == 1


def test_connector_sends_templates_named_in_the_outbound_request(synced_account: Any, fake_graph: Any) -> None:
    from channels.types import OutboundRequest

    fake_graph.inbound(WA_ID, "hi")
    wamid = connector.send(
        synced_account,
        OutboundRequest(text="Hello World", recipient=WA_ID, extra={TEMPLATE: {"name": "hello_world",
                                                                                "language": "en_US", "params": []}}),
    )
    [sent] = fake_graph.outbound()
    assert sent["id"] == wamid and sent["type"] == "template"
