"""Replies on Facebook through the fake: Messenger inside 24 hours (RESPONSE), up to 7 days
(HUMAN_AGENT), refused after; public comment replies; private replies; and Meta's errors
(throttling, 5xx with and without effect, revoked token, a person who is unavailable)."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from unittest import mock

import pytest
from django.test import Client
from django.utils import timezone

from channels.facebook.client import FacebookClient
from channels.facebook.connector import connector
from channels.http import ApiPermanentError
from channels.meta.windows import HUMAN_AGENT, RESPONSE
from channels.models import AccountStatus
from channels.types import OutboundRequest
from fakes.facebook import FakeMeta
from inbox.actions.delivery import reply_deliver
from inbox.actions.replies import ReplyError, reply_compose, ticket_reply
from inbox.enums import OutboundStatus
from inbox.models import Message, OutboundMessage, Ticket
from tests.channels.facebook.meta_support import PAGE_ID, PAGE_TOKEN, post_delivery

pytestmark = pytest.mark.django_db(transaction=True)


def customer_writes(
    client: Client, account: Any, fake: FakeMeta, text: str = "Kde je můj balík?", **kwargs: Any
) -> Any:
    obj = fake.inbound(kwargs.pop("author", "jana"), kwargs.pop("name", "Jana Nováková"), text, push=False, **kwargs)
    assert post_delivery(client, "facebook", account.pk, fake.last_delivery).status_code == 200
    return obj


def ago(**delta: float) -> str:
    return (datetime.now(UTC) - timedelta(**delta)).isoformat()


def queued_reply(ticket: Ticket, agent: Any, text: str, mode: str = "") -> OutboundMessage:
    with mock.patch("inbox.tasks.deliver_outbound.delay"):
        message = ticket_reply(ticket=ticket, agent=agent, text=text, mode=mode)
    return OutboundMessage.objects.get(message=message)


def attempt_now(outbound: OutboundMessage) -> OutboundMessage:
    OutboundMessage.objects.filter(pk=outbound.pk).update(next_attempt_at=timezone.now())
    reply_deliver(outbound_id=outbound.pk)
    outbound.refresh_from_db()
    return outbound


# --- Messenger ------------------------------------------------------------------------
def test_dm_reply_inside_24_hours_is_a_response(client: Client, account: Any, fake: FakeMeta, agent: Any) -> None:
    item = customer_writes(client, account, fake)
    ticket = Ticket.objects.get()
    reply = ticket_reply(ticket=ticket, agent=agent, text="Dobrý den, prověřím to.")
    [sent] = fake.outbound()
    assert sent["kind"] == "dm"
    assert sent["recipient_id"] == item["sender"]["id"]
    assert sent["messaging_type"] == "RESPONSE" and sent["tag"] is None
    assert sent["text"] == "Dobrý den, prověřím to. ^JD"
    reply.refresh_from_db()
    assert reply.platform_id == sent["id"] and reply.delivery_status == "sent"
    assert fake.requests()[-1]["path"] == f"/v21.0/{PAGE_ID}/messages"


def test_dm_reply_after_24_hours_uses_the_human_agent_tag(
    client: Client, account: Any, fake: FakeMeta, agent: Any
) -> None:
    customer_writes(client, account, fake, at=ago(days=2))
    ticket = Ticket.objects.get()
    assert reply_compose(ticket=ticket, agent=agent, text="Omlouváme se za zdržení.").error == ""
    ticket_reply(ticket=ticket, agent=agent, text="Omlouváme se za zdržení.")
    [sent] = fake.outbound()
    assert (sent["messaging_type"], sent["tag"]) == ("MESSAGE_TAG", "HUMAN_AGENT")


def test_dm_reply_after_7_days_is_refused_in_the_composer(
    client: Client, account: Any, fake: FakeMeta, agent: Any
) -> None:
    customer_writes(client, account, fake, at=ago(days=8))
    ticket = Ticket.objects.get()
    composed = reply_compose(ticket=ticket, agent=agent, text="Haló?")
    assert "within 7 days" in composed.error and "8 days ago" in composed.error
    with pytest.raises(ReplyError):
        ticket_reply(ticket=ticket, agent=agent, text="Haló?")
    assert fake.outbound() == []
    assert not Message.objects.filter(direction="out").exists()


def test_send_refuses_a_closed_window_even_if_reached(account: Any, fake: FakeMeta) -> None:
    old = int((datetime.now(UTC) - timedelta(days=9)).timestamp() * 1000)
    request = OutboundRequest(text="hi", kind="dm", recipient="7129834501234567", extra={"timestamp": old})
    with pytest.raises(ApiPermanentError, match="within 7 days"):
        connector.send(account, request)
    assert fake.requests() == []


def test_the_fake_enforces_the_windows(fake: FakeMeta) -> None:
    day_old = fake.inbound("petr", "Petr", "hi", at=ago(hours=25), push=False)
    week_old = fake.inbound("olga", "Olga", "hi", at=ago(days=7, minutes=5), push=False)
    page = FacebookClient(base_url=fake.base_url, page_id=PAGE_ID, page_access_token=PAGE_TOKEN)
    with pytest.raises(ApiPermanentError, match="outside the allowed window") as info:
        page.send_message(recipient_id=day_old["sender"]["id"], text="late", mode=RESPONSE)
    assert "(code 10/2018278)" in info.value.message
    assert page.send_message(recipient_id=day_old["sender"]["id"], text="tagged", mode=HUMAN_AGENT).startswith("m_")
    with pytest.raises(ApiPermanentError, match="outside the allowed window"):
        page.send_message(recipient_id=week_old["sender"]["id"], text="too late", mode=HUMAN_AGENT)
    assert [o["text"] for o in fake.outbound()] == ["tagged"]


def test_dm_length_is_2000_characters(client: Client, account: Any, fake: FakeMeta, agent: Any) -> None:
    customer_writes(client, account, fake)
    ticket = Ticket.objects.get()
    assert connector.limits_for("dm").max_length == 2000
    ok = reply_compose(ticket=ticket, agent=agent, text="ž" * (2000 - 4))
    assert ok.error == "" and ok.length == 2000
    too_long = reply_compose(ticket=ticket, agent=agent, text="ž" * (2000 - 3))
    assert too_long.error == "Too long for Facebook: 2001/2000."


# --- comments -------------------------------------------------------------------------
def test_comment_reply_goes_under_the_top_level_comment(
    client: Client, account: Any, fake: FakeMeta, agent: Any
) -> None:
    top = customer_writes(client, account, fake, "Máte velikost M?", kind="comment")
    reply_in_thread = customer_writes(client, account, fake, "A L?", kind="comment", in_reply_to=top["comment_id"])
    ticket = Ticket.objects.get()
    assert connector.limits_for("comment").max_length == 8000
    assert reply_compose(ticket=ticket, agent=agent, text="x" * 3000).error == ""
    message = ticket_reply(ticket=ticket, agent=agent, text="Obě budou v pondělí.")
    [sent] = fake.outbound()
    assert sent["kind"] == "comment_reply"
    assert sent["comment_id"] == top["comment_id"]  # the thread's root, not the reply
    assert sent["text"] == "Obě budou v pondělí. ^JD"
    message.refresh_from_db()
    assert message.platform_id == sent["id"]
    assert message.in_reply_to_platform_id == reply_in_thread["comment_id"]
    assert fake.requests()[-1]["path"] == f"/v21.0/{top['comment_id']}/comments"


def test_an_edited_comment_is_answered_under_the_comment(
    client: Client, account: Any, fake: FakeMeta, agent: Any
) -> None:
    top = customer_writes(client, account, fake, "Máte velikost M?", kind="comment")
    fake.edit_comment(top["comment_id"], "Máte velikost M a L?", push=False)
    post_delivery(client, "facebook", account.pk, fake.last_delivery)
    ticket = Ticket.objects.get()
    ticket_reply(ticket=ticket, agent=agent, text="Ano, obě.")
    [sent] = fake.outbound()
    assert sent["kind"] == "comment_reply" and sent["comment_id"] == top["comment_id"]


def test_comments_have_no_window(client: Client, account: Any, fake: FakeMeta, agent: Any) -> None:
    customer_writes(client, account, fake, "Starý dotaz", kind="comment", at=ago(days=30))
    ticket = Ticket.objects.get()
    assert reply_compose(ticket=ticket, agent=agent, text="Pořád platí.").error == ""
    ticket_reply(ticket=ticket, agent=agent, text="Pořád platí.")
    assert len(fake.outbound()) == 1


def test_private_reply_to_a_comment_once(client: Client, account: Any, fake: FakeMeta, agent: Any) -> None:
    top = customer_writes(client, account, fake, "Můžete mi napsat cenu?", kind="comment")
    ticket = Ticket.objects.get()
    assert connector.can_reply_privately("comment") and not connector.can_reply_privately("dm")
    ticket_reply(ticket=ticket, agent=agent, text="Posílám cenu soukromě.", mode="private")
    [sent] = fake.outbound()
    assert sent["kind"] == "private_reply" and sent["comment_id"] == top["comment_id"]
    assert sent["recipient_id"] == fake.user_id("jana")
    second = queued_reply(ticket, agent, "Ještě jednou.", mode="private")
    reply_deliver(outbound_id=second.pk)
    second.refresh_from_db()
    assert second.status == OutboundStatus.FAILED
    assert "already has a private reply" in second.last_error
    assert len(fake.outbound()) == 1


def test_private_reply_after_7_days_is_refused(client: Client, account: Any, fake: FakeMeta, agent: Any) -> None:
    customer_writes(client, account, fake, "Dotaz", kind="comment", at=ago(days=8))
    ticket = Ticket.objects.get()
    assert "within 7 days" in reply_compose(ticket=ticket, agent=agent, text="Soukromě", mode="private").error
    assert reply_compose(ticket=ticket, agent=agent, text="Veřejně").error == ""


def test_private_reply_on_a_dm_is_refused(client: Client, account: Any, fake: FakeMeta, agent: Any) -> None:
    customer_writes(client, account, fake)
    ticket = Ticket.objects.get()
    assert reply_compose(ticket=ticket, agent=agent, text="x", mode="private").error
    with pytest.raises(ApiPermanentError):
        connector.send(account, OutboundRequest(text="x", kind="dm", mode="private", recipient="1"))


# --- errors ---------------------------------------------------------------------------
@pytest.mark.parametrize("code", [613, 4, 32, 80006])
def test_throttling_waits_for_the_regain_time(
    client: Client, account: Any, fake: FakeMeta, agent: Any, code: int
) -> None:
    customer_writes(client, account, fake)
    outbound = queued_reply(Ticket.objects.get(), agent, "Hned.")
    fake.fail(code=code, regain_minutes=7)
    started = timezone.now()
    retry_at = reply_deliver(outbound_id=outbound.pk)
    outbound.refresh_from_db()
    assert outbound.status == OutboundStatus.QUEUED
    assert retry_at is not None
    assert timedelta(minutes=6) < retry_at - started < timedelta(minutes=8)
    assert outbound.next_attempt_at == retry_at
    assert f"code {code}" in outbound.last_error
    assert fake.outbound() == []
    assert attempt_now(outbound).status == OutboundStatus.SENT
    assert len(fake.outbound()) == 1


def test_5xx_before_acting_is_retried_and_sent_once(
    client: Client, account: Any, fake: FakeMeta, agent: Any
) -> None:
    customer_writes(client, account, fake)
    outbound = queued_reply(Ticket.objects.get(), agent, "Hned.")
    fake.fail(status=500)
    assert reply_deliver(outbound_id=outbound.pk) is not None
    outbound.refresh_from_db()
    assert outbound.status == OutboundStatus.UNKNOWN
    assert fake.outbound() == []
    assert attempt_now(outbound).status == OutboundStatus.SENT
    assert len(fake.outbound()) == 1
    assert outbound.platform_id == fake.outbound()[0]["id"]


@pytest.mark.parametrize("kind", ["dm", "comment"])
def test_5xx_after_acting_is_found_not_sent_again(
    client: Client, account: Any, fake: FakeMeta, agent: Any, kind: str
) -> None:
    customer_writes(client, account, fake, "Dotaz", kind=kind)
    outbound = queued_reply(Ticket.objects.get(), agent, "Odpověď.")
    fake.fail(code=2, status=503, after=True)
    reply_deliver(outbound_id=outbound.pk)
    outbound.refresh_from_db()
    assert outbound.status == OutboundStatus.UNKNOWN
    assert len(fake.outbound()) == 1  # Meta did it, then failed to say so
    assert attempt_now(outbound).status == OutboundStatus.SENT
    [sent] = fake.outbound()
    assert outbound.platform_id == sent["id"]


def test_private_reply_after_an_unknown_outcome_is_not_repeated(
    client: Client, account: Any, fake: FakeMeta, agent: Any
) -> None:
    customer_writes(client, account, fake, "Dotaz", kind="comment")
    outbound = queued_reply(Ticket.objects.get(), agent, "Soukromě.", mode="private")
    fake.fail(status=500, after=True)
    reply_deliver(outbound_id=outbound.pk)
    assert attempt_now(outbound).status == OutboundStatus.SENT
    assert len(fake.outbound()) == 1


def test_revoked_token_fails_the_reply_and_breaks_the_account(
    client: Client, account: Any, fake: FakeMeta, agent: Any
) -> None:
    customer_writes(client, account, fake)
    outbound = queued_reply(Ticket.objects.get(), agent, "Hned.")
    fake.fail(code=190)
    reply_deliver(outbound_id=outbound.pk)
    outbound.refresh_from_db()
    account.refresh_from_db()
    assert outbound.status == OutboundStatus.FAILED and "code 190" in outbound.last_error
    assert Message.objects.get(pk=outbound.message_id).delivery_status == "failed"
    assert account.status == AccountStatus.BROKEN
    assert fake.outbound() == []


def test_a_wrong_token_is_an_auth_error(client: Client, account: Any, fake: FakeMeta, agent: Any) -> None:
    customer_writes(client, account, fake)
    account.credentials = {**account.credentials, "page_access_token": "stale"}
    account.save()
    outbound = queued_reply(Ticket.objects.get(), agent, "Hned.")
    reply_deliver(outbound_id=outbound.pk)
    account.refresh_from_db()
    assert account.status == AccountStatus.BROKEN


def test_unavailable_person_fails_with_an_explanation(
    client: Client, account: Any, fake: FakeMeta, agent: Any
) -> None:
    customer_writes(client, account, fake)
    fake.block("jana")
    outbound = queued_reply(Ticket.objects.get(), agent, "Hned.")
    reply_deliver(outbound_id=outbound.pk)
    outbound.refresh_from_db()
    assert outbound.status == OutboundStatus.FAILED
    assert "not available on Messenger" in outbound.last_error and "code 551" in outbound.last_error


def test_window_refused_by_meta_fails_with_an_explanation(
    client: Client, account: Any, fake: FakeMeta, agent: Any
) -> None:
    customer_writes(client, account, fake)
    outbound = queued_reply(Ticket.objects.get(), agent, "Hned.")
    fake.fail(code=10)  # Meta's clock says the window closed
    reply_deliver(outbound_id=outbound.pk)
    outbound.refresh_from_db()
    assert outbound.status == OutboundStatus.FAILED
    assert "outside the allowed window" in outbound.last_error


def test_permalink_only_for_comments_on_the_real_graph(account: Any) -> None:
    comment_id = "122165432109876543_1234567890123456"
    assert connector.permalink(account, comment_id) == ""  # the fake has no public pages
    account.base_url = ""
    assert connector.permalink(account, comment_id) == (
        f"https://www.facebook.com/{PAGE_ID}/posts/122165432109876543?comment_id=1234567890123456"
    )
    assert connector.permalink(account, "m_abc") == ""
