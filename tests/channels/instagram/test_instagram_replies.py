"""Replies on Instagram through the fake: DMs via the Page's Send API (1000 UTF-8 bytes,
24 hours / 7 days with HUMAN_AGENT), public comment replies via /{ig-comment-id}/replies,
private replies, and Meta's errors."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from unittest import mock

import pytest
from django.test import Client
from django.utils import timezone

from channels.instagram.connector import connector
from channels.models import AccountStatus
from fakes.facebook import FakeMeta
from inbox.actions.delivery import reply_deliver
from inbox.actions.replies import ReplyError, reply_compose, ticket_reply
from inbox.enums import OutboundStatus
from inbox.models import OutboundMessage, Ticket
from tests.channels.facebook.meta_support import PAGE_ID, post_delivery

pytestmark = pytest.mark.django_db(transaction=True)


def customer_writes(client: Client, account: Any, fake: FakeMeta, text: str = "Máte velikost S?", **kw: Any) -> Any:
    obj = fake.inbound(kw.pop("author", "katerina.novakova"), None, text, push=False, **kw)
    assert post_delivery(client, "instagram", account.pk, fake.last_delivery).status_code == 200
    return obj


def ago(**delta: float) -> str:
    return (datetime.now(UTC) - timedelta(**delta)).isoformat()


def queued_reply(ticket: Ticket, agent: Any, text: str, mode: str = "") -> OutboundMessage:
    with mock.patch("inbox.tasks.deliver_outbound.delay"):
        message = ticket_reply(ticket=ticket, agent=agent, text=text, mode=mode)
    return OutboundMessage.objects.get(message=message)


def test_dm_reply_goes_through_the_page(client: Client, account: Any, fake: FakeMeta, agent: Any) -> None:
    item = customer_writes(client, account, fake)
    reply = ticket_reply(ticket=Ticket.objects.get(), agent=agent, text="Ano, od pondělí.")
    [sent] = fake.outbound()
    assert (sent["kind"], sent["platform"], sent["recipient_id"]) == ("dm", "instagram", item["sender"]["id"])
    assert (sent["messaging_type"], sent["tag"]) == ("RESPONSE", None)
    assert sent["text"] == "Ano, od pondělí. ^JD"
    assert fake.requests()[-1]["path"] == f"/v21.0/{PAGE_ID}/messages"
    reply.refresh_from_db()
    assert reply.platform_id == sent["id"]


def test_dm_windows(client: Client, account: Any, fake: FakeMeta, agent: Any) -> None:
    customer_writes(client, account, fake, at=ago(days=3))
    ticket = Ticket.objects.get()
    ticket_reply(ticket=ticket, agent=agent, text="Omlouváme se.")
    assert (fake.outbound()[0]["messaging_type"], fake.outbound()[0]["tag"]) == ("MESSAGE_TAG", "HUMAN_AGENT")
    fake.reset()
    Ticket.objects.all().delete()
    customer_writes(client, account, fake, "Старо съобщение", author="ivan", at=ago(days=7, hours=1))
    ticket = Ticket.objects.get()
    composed = reply_compose(ticket=ticket, agent=agent, text="Здравейте")
    assert composed.error.startswith("Instagram allows replies to a private message only within 7 days")
    with pytest.raises(ReplyError):
        ticket_reply(ticket=ticket, agent=agent, text="Здравейте")
    assert fake.outbound() == []


def test_dm_limit_is_1000_utf8_bytes(client: Client, account: Any, fake: FakeMeta, agent: Any) -> None:
    customer_writes(client, account, fake)
    ticket = Ticket.objects.get()
    limits = connector.limits_for("dm")
    assert (limits.max_length, limits.counting) == (1000, "utf8-bytes")
    fits = reply_compose(ticket=ticket, agent=agent, text="ž" * 498)  # 996 bytes + " ^JD"
    assert fits.error == "" and fits.length == 1000
    over = reply_compose(ticket=ticket, agent=agent, text="ž" * 499)
    assert over.error == "Too long for Instagram: 1002/1000."
    assert reply_compose(ticket=ticket, agent=agent, text="a" * 996).error == ""


def test_comment_reply_uses_the_replies_edge(client: Client, account: Any, fake: FakeMeta, agent: Any) -> None:
    top = customer_writes(client, account, fake, "Máte to v černé?", kind="comment")
    customer_writes(client, account, fake, "A v modré?", kind="comment", in_reply_to=top["id"])
    ticket = Ticket.objects.get()
    assert connector.limits_for("comment").max_length == 2200
    message = ticket_reply(ticket=ticket, agent=agent, text="Obojí máme.")
    [sent] = fake.outbound()
    assert (sent["kind"], sent["comment_id"]) == ("comment_reply", top["id"])
    assert fake.requests()[-1]["path"] == f"/v21.0/{top['id']}/replies"
    message.refresh_from_db()
    assert message.platform_id == sent["id"]


def test_private_reply_once(client: Client, account: Any, fake: FakeMeta, agent: Any) -> None:
    top = customer_writes(client, account, fake, "Cena?", kind="comment")
    ticket = Ticket.objects.get()
    ticket_reply(ticket=ticket, agent=agent, text="Posílám do zpráv.", mode="private")
    [sent] = fake.outbound()
    assert (sent["kind"], sent["comment_id"]) == ("private_reply", top["id"])
    second = queued_reply(ticket, agent, "Znovu.", mode="private")
    reply_deliver(outbound_id=second.pk)
    second.refresh_from_db()
    assert second.status == OutboundStatus.FAILED and "code 10900" in second.last_error


def test_rate_limit_then_sent(client: Client, account: Any, fake: FakeMeta, agent: Any) -> None:
    customer_writes(client, account, fake)
    outbound = queued_reply(Ticket.objects.get(), agent, "Hned.")
    fake.fail(code=80002, regain_minutes=2)
    retry_at = reply_deliver(outbound_id=outbound.pk)
    assert retry_at is not None and retry_at > timezone.now() + timedelta(seconds=90)
    outbound.refresh_from_db()
    assert outbound.status == OutboundStatus.QUEUED and fake.outbound() == []
    OutboundMessage.objects.filter(pk=outbound.pk).update(next_attempt_at=timezone.now())
    reply_deliver(outbound_id=outbound.pk)
    outbound.refresh_from_db()
    assert outbound.status == OutboundStatus.SENT and len(fake.outbound()) == 1


@pytest.mark.parametrize("after", [False, True])
@pytest.mark.parametrize("kind", ["dm", "comment"])
def test_5xx_is_retried_and_sent_exactly_once(
    client: Client, account: Any, fake: FakeMeta, agent: Any, after: bool, kind: str
) -> None:
    customer_writes(client, account, fake, "Dotaz", kind=kind)
    outbound = queued_reply(Ticket.objects.get(), agent, "Odpověď.")
    fake.fail(status=500, after=after)
    reply_deliver(outbound_id=outbound.pk)
    outbound.refresh_from_db()
    assert outbound.status == OutboundStatus.UNKNOWN
    OutboundMessage.objects.filter(pk=outbound.pk).update(next_attempt_at=timezone.now())
    reply_deliver(outbound_id=outbound.pk)
    outbound.refresh_from_db()
    [sent] = fake.outbound()
    assert outbound.status == OutboundStatus.SENT and outbound.platform_id == sent["id"]


def test_revoked_token(client: Client, account: Any, fake: FakeMeta, agent: Any) -> None:
    customer_writes(client, account, fake)
    outbound = queued_reply(Ticket.objects.get(), agent, "Hned.")
    fake.fail(code=190)
    reply_deliver(outbound_id=outbound.pk)
    outbound.refresh_from_db()
    account.refresh_from_db()
    assert outbound.status == OutboundStatus.FAILED and account.status == AccountStatus.BROKEN
    assert fake.outbound() == []
