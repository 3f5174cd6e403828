"""Replies through send_message against the fake: what Viber receives, delivered/seen/failed
moving the reply's delivery state, Viber's error statuses onto the transient/permanent
family, and an unsubscribed customer refused in the composer."""
from __future__ import annotations

from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
import requests
from django.test import Client
from django.utils import timezone, translation

from channels.http import (
    ApiAuthError,
    ApiError,
    ApiOutcomeUnknown,
    ApiPermanentError,
    ApiRateLimited,
    ApiUnavailable,
)
from channels.models import AccountStatus, BrandAccount
from channels.viber.client import STATUS_NAMES, ViberClient, error_for
from channels.viber.connector import connector
from inbox.actions.delivery import reply_deliver
from inbox.actions.replies import ReplyError, reply_compose, ticket_reply
from inbox.enums import DeliveryStatus
from inbox.enums import OutboundStatus as S
from inbox.models import Message, OutboundMessage
from tests.channels.viber.viber_support import AUTH_TOKEN, deliver, deliver_all, ticket_from

pytestmark = pytest.mark.django_db(transaction=True)


def queued_reply(ticket: Any, agent: Any, text: str = "Dobrý den, {{ customer.first_name }}, prověřuji.") -> Any:
    with mock.patch("inbox.tasks.deliver_outbound.delay"):
        message = ticket_reply(ticket=ticket, agent=agent, text=text)
    return OutboundMessage.objects.get(message=message)


def make_due(outbound: OutboundMessage) -> None:
    OutboundMessage.objects.filter(pk=outbound.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))


# --- the send ---------------------------------------------------------------------------
def test_reply_goes_to_the_customer_with_the_brands_name(
    client: Client, fake_viber: Any, viber_account: BrandAccount, agent: Any
) -> None:
    ticket, callback = ticket_from(client, viber_account, fake_viber)
    message = ticket_reply(ticket=ticket, agent=agent, text="Dobrý den, {{ customer.first_name }}, prověřuji. 📦")
    (sent,) = fake_viber.outbound()
    assert sent["receiver"] == callback["sender"]["id"]
    assert sent["type"] == "text" and sent["min_api_version"] == 1
    assert sent["sender"] == {"name": "Acme"}
    assert sent["text"] == "Dobrý den, Jana, prověřuji. 📦 ^JD"
    message.refresh_from_db()
    assert message.platform_id == str(sent["message_token"])
    assert message.delivery_status == DeliveryStatus.SENT


def test_sender_name_option_is_cut_to_viber_s_28_characters(
    client: Client, fake_viber: Any, viber_account: BrandAccount, agent: Any
) -> None:
    BrandAccount.objects.filter(pk=viber_account.pk).update(
        options={"sender_name": "Acme Zákaznická podpora pro celou Evropu"}
    )
    ticket, _ = ticket_from(client, viber_account, fake_viber)
    ticket_reply(ticket=ticket, agent=agent, text="Dobrý den")
    (sent,) = fake_viber.outbound()
    assert sent["sender"]["name"] == "Acme Zákaznická podpora pro"
    assert len(sent["sender"]["name"]) <= 28


def test_too_long_reply_is_refused_in_the_composer(
    client: Client, fake_viber: Any, viber_account: BrandAccount, agent: Any
) -> None:
    ticket, _ = ticket_from(client, viber_account, fake_viber)
    fits = reply_compose(ticket=ticket, agent=agent, text="ž" * (7000 - len(" ^JD")))
    assert fits.ok and fits.max_length == 7000
    emoji = reply_compose(ticket=ticket, agent=agent, text="😀" * 3500)  # 7,000 UTF-16 units, plus the signature
    assert not emoji.ok and emoji.length == 7000 + len(" ^JD")


# --- delivery receipts ------------------------------------------------------------------
def test_delivered_then_seen_then_a_late_delivered(
    client: Client, fake_viber: Any, viber_account: BrandAccount, agent: Any
) -> None:
    ticket, _ = ticket_from(client, viber_account, fake_viber)
    reply = ticket_reply(ticket=ticket, agent=agent, text="Prověřuji.")
    (delivered,) = deliver_all(client, viber_account, fake_viber)  # the fake's automatic receipt
    assert delivered["event"] == "delivered"
    reply.refresh_from_db()
    assert reply.delivery_status == DeliveryStatus.DELIVERED
    seen = fake_viber.receipt(reply.platform_id, "seen")
    deliver_all(client, viber_account, fake_viber)
    reply.refresh_from_db()
    assert reply.delivery_status == DeliveryStatus.READ
    # A second device's late `delivered` (a different event) never moves it back.
    late = {**delivered, "timestamp": seen["timestamp"] + 10}
    body_headers = fake_viber.delivery(late)
    assert body_headers  # signed like any other
    assert deliver(client, viber_account, fake_viber, late).status_code == 200
    reply.refresh_from_db()
    assert reply.delivery_status == DeliveryStatus.READ


def test_seen_before_delivered_ends_read(
    client: Client, fake_viber: Any, viber_account: BrandAccount, agent: Any
) -> None:
    ticket, _ = ticket_from(client, viber_account, fake_viber)
    reply = ticket_reply(ticket=ticket, agent=agent, text="Prověřuji.")
    reply.refresh_from_db()
    fake_viber.receipt(reply.platform_id, "seen")
    delivered, seen = fake_viber.take_callbacks()
    for callback in (seen, delivered):
        assert deliver(client, viber_account, fake_viber, callback).status_code == 200
    reply.refresh_from_db()
    assert reply.delivery_status == DeliveryStatus.READ


def test_failed_receipt_marks_the_reply_failed_with_viber_s_reason(
    client: Client, fake_viber: Any, viber_account: BrandAccount, agent: Any
) -> None:
    ticket, _ = ticket_from(client, viber_account, fake_viber)
    reply = ticket_reply(ticket=ticket, agent=agent, text="Prověřuji.")
    reply.refresh_from_db()
    fake_viber.take_callbacks()
    fake_viber.receipt(reply.platform_id, "failed", desc="Message expired")
    deliver_all(client, viber_account, fake_viber)
    reply.refresh_from_db()
    assert reply.delivery_status == DeliveryStatus.FAILED
    outbound = OutboundMessage.objects.get(message=reply)
    assert outbound.status == S.FAILED and outbound.last_error == "Viber could not deliver the message: Message expired"
    ticket.refresh_from_db()
    assert ticket.waiting_since is not None  # the customer got nothing: still waiting


# --- an unsubscribed customer -------------------------------------------------------------
def test_unsubscribed_customer_is_refused_in_the_composer_until_they_write_again(
    client: Client, fake_viber: Any, viber_account: BrandAccount, agent: Any
) -> None:
    ticket, _ = ticket_from(client, viber_account, fake_viber)
    other, _ = ticket_from(client, viber_account, fake_viber, author="@ivan", name="Иван", text="Здравейте")
    assert reply_compose(ticket=ticket, agent=agent, text="Dobrý den").ok

    fake_viber.unsubscribe("@jana")
    deliver_all(client, viber_account, fake_viber)
    refused = reply_compose(ticket=ticket, agent=agent, text="Dobrý den")
    assert refused.error == (
        "The customer has unsubscribed from the brand's Viber bot: Viber delivers nothing to them "
        "until they write to it again."
    )
    with translation.override("cs"):
        czech = reply_compose(ticket=ticket, agent=agent, text="Dobrý den").error
    assert czech and czech != refused.error and "Viber" in czech
    with pytest.raises(ReplyError):
        ticket_reply(ticket=ticket, agent=agent, text="Dobrý den")
    assert reply_compose(ticket=other, agent=agent, text="Здравейте").ok  # only Jana left

    fake_viber.inbound("@jana", "Jana Nováková", "Omlouvám se, omylem jsem se odhlásila.")
    deliver_all(client, viber_account, fake_viber)
    assert reply_compose(ticket=ticket, agent=agent, text="Dobrý den").ok


def test_subscribing_again_lifts_the_refusal(
    client: Client, fake_viber: Any, viber_account: BrandAccount, agent: Any
) -> None:
    ticket, _ = ticket_from(client, viber_account, fake_viber)
    fake_viber.unsubscribe("@jana")
    deliver_all(client, viber_account, fake_viber)
    assert not reply_compose(ticket=ticket, agent=agent, text="Dobrý den").ok
    fake_viber.open("@jana")  # opening the chat alone does not subscribe
    deliver_all(client, viber_account, fake_viber)
    assert not reply_compose(ticket=ticket, agent=agent, text="Dobrý den").ok
    fake_viber.subscribe("@jana")
    deliver_all(client, viber_account, fake_viber)
    assert reply_compose(ticket=ticket, agent=agent, text="Dobrý den").ok


def test_an_unsubscribe_viber_reports_only_at_send_time_fails_the_reply_clearly(
    client: Client, fake_viber: Any, viber_account: BrandAccount, agent: Any
) -> None:
    """The unsubscribed callback lost or not yet here: Viber's status 6 says it."""
    ticket, _ = ticket_from(client, viber_account, fake_viber)
    fake_viber.unsubscribe("@jana")
    fake_viber.take_callbacks()
    reply = ticket_reply(ticket=ticket, agent=agent, text="Dobrý den")
    reply.refresh_from_db()
    assert reply.delivery_status == DeliveryStatus.FAILED
    error = OutboundMessage.objects.get(message=reply).last_error
    assert error.startswith("The customer has unsubscribed from the brand's Viber bot")
    assert "6 receiverNotSubscribed" in error


# --- Viber's statuses onto the error family -----------------------------------------------
EXPECTED_CLASS: dict[int, type[ApiError]] = {
    1: ApiPermanentError, 2: ApiAuthError, 3: ApiPermanentError, 4: ApiPermanentError, 5: ApiPermanentError,
    6: ApiPermanentError, 7: ApiAuthError, 8: ApiAuthError, 9: ApiAuthError, 10: ApiPermanentError,
    11: ApiPermanentError, 12: ApiRateLimited, 13: ApiPermanentError, 14: ApiPermanentError, 15: ApiAuthError,
    16: ApiPermanentError, 17: ApiPermanentError, 18: ApiPermanentError, 19: ApiPermanentError,
    20: ApiPermanentError, 21: ApiPermanentError, 22: ApiPermanentError, 23: ApiPermanentError,
    24: ApiPermanentError, 25: ApiUnavailable, 99: ApiUnavailable,
}


def test_every_documented_status_has_an_expectation() -> None:
    assert set(STATUS_NAMES) - {0} <= set(EXPECTED_CLASS)


@pytest.mark.parametrize("code", sorted(EXPECTED_CLASS))
def test_send_status_maps_onto_the_family(fake_viber: Any, code: int) -> None:
    receiver = fake_viber.inbound("@jana", "Jana", "Dobrý den")["sender"]["id"]
    fake_viber.set_webhook("http://testserver/")
    fake_viber.fail(status=code, method="send_message")
    with pytest.raises(ApiError) as caught:
        ViberClient(base_url=fake_viber.base_url, auth_token=AUTH_TOKEN).send_text(
            receiver=receiver, text="Dobrý den", sender="Acme"
        )
    assert type(caught.value) is EXPECTED_CLASS[code]
    assert f"(Viber {code} " in caught.value.message
    assert fake_viber.outbound() == []
    if code == 12:
        assert isinstance(caught.value, ApiRateLimited)
        assert timedelta(seconds=50) < caught.value.retry_at - timezone.now() <= timedelta(seconds=61)


def test_general_error_names_itself() -> None:
    assert "generalError" in error_for(1000, "", what="send_message").message
    assert "Rate control" in error_for(12, "Rate control breach", what="send_message").message


@pytest.mark.parametrize(
    ("http_status", "expected"),
    [(500, ApiOutcomeUnknown), (502, ApiOutcomeUnknown), (503, ApiOutcomeUnknown), (429, ApiRateLimited),
     (401, ApiAuthError), (404, ApiPermanentError)],
)
def test_http_errors_in_front_of_viber(fake_viber: Any, http_status: int, expected: type[ApiError]) -> None:
    fake_viber.fail(status=http_status, method="send_message")
    with pytest.raises(expected):
        ViberClient(base_url=fake_viber.base_url, auth_token=AUTH_TOKEN).send_text(
            receiver="x", text="Dobrý den", sender="Acme"
        )


def test_a_wrong_token_is_an_auth_error(fake_viber: Any) -> None:
    with pytest.raises(ApiAuthError, match="auth token"):
        ViberClient(base_url=fake_viber.base_url, auth_token="wrong").get_account_info()


def test_transport_failures(fake_viber: Any) -> None:
    dead = ViberClient(base_url="http://127.0.0.1:9", auth_token=AUTH_TOKEN)
    with pytest.raises(ApiUnavailable):
        dead.get_account_info()
    client = ViberClient(base_url=fake_viber.base_url, auth_token=AUTH_TOKEN)
    with mock.patch.object(client.session, "post", side_effect=requests.ReadTimeout("read timed out")), \
            pytest.raises(ApiOutcomeUnknown):
        client.get_account_info()


def test_token_never_appears_in_errors(fake_viber: Any) -> None:
    fake_viber.fail(status=503)
    with pytest.raises(ApiError) as caught:
        ViberClient(base_url=fake_viber.base_url, auth_token=AUTH_TOKEN).get_account_info()
    assert AUTH_TOKEN not in caught.value.message


# --- the outbox ---------------------------------------------------------------------------
def test_rate_limited_reply_waits_and_goes_once(
    client: Client, fake_viber: Any, viber_account: BrandAccount, agent: Any
) -> None:
    ticket, _ = ticket_from(client, viber_account, fake_viber)
    outbound = queued_reply(ticket, agent)
    fake_viber.fail(status=12, method="send_message")
    retry_at = reply_deliver(outbound_id=outbound.pk)
    assert retry_at is not None and retry_at > timezone.now() + timedelta(seconds=50)
    outbound.refresh_from_db()
    assert outbound.status == S.QUEUED and "tooManyRequests" in outbound.last_error
    make_due(outbound)
    assert reply_deliver(outbound_id=outbound.pk) is None
    outbound.refresh_from_db()
    assert outbound.status == S.SENT and len(fake_viber.outbound()) == 1


def test_broken_token_flags_the_account_and_fails_the_reply(
    client: Client, fake_viber: Any, viber_account: BrandAccount, agent: Any
) -> None:
    ticket, _ = ticket_from(client, viber_account, fake_viber)
    outbound = queued_reply(ticket, agent)
    fake_viber.fail(status=2, method="send_message")
    assert reply_deliver(outbound_id=outbound.pk) is None
    outbound.refresh_from_db()
    assert outbound.status == S.FAILED and "auth token" in outbound.last_error
    viber_account.refresh_from_db()
    assert viber_account.status == AccountStatus.BROKEN


def test_general_error_is_retried(client: Client, fake_viber: Any, viber_account: BrandAccount, agent: Any) -> None:
    ticket, _ = ticket_from(client, viber_account, fake_viber)
    outbound = queued_reply(ticket, agent)
    fake_viber.fail(status=99, method="send_message")
    assert reply_deliver(outbound_id=outbound.pk) is not None
    outbound.refresh_from_db()
    assert outbound.status == S.QUEUED
    make_due(outbound)
    reply_deliver(outbound_id=outbound.pk)
    outbound.refresh_from_db()
    assert outbound.status == S.SENT and len(fake_viber.outbound()) == 1


def test_lost_answer_is_sent_again_at_most_twice(
    client: Client, fake_viber: Any, viber_account: BrandAccount, agent: Any
) -> None:
    """Viber cannot look a sent message up (find_sent is None): after a 5xx that came after
    Viber acted, the retry sends again; the customer sees the reply twice, never more."""
    ticket, _ = ticket_from(client, viber_account, fake_viber)
    outbound = queued_reply(ticket, agent)
    fake_viber.fail(status=503, method="send_message", mode="after_commit")
    assert reply_deliver(outbound_id=outbound.pk) is not None
    outbound.refresh_from_db()
    assert outbound.status == S.UNKNOWN
    make_due(outbound)
    assert reply_deliver(outbound_id=outbound.pk) is None
    outbound.refresh_from_db()
    sent = fake_viber.outbound()
    assert outbound.status == S.SENT and len(sent) == 2
    assert Message.objects.get(pk=outbound.message_id).platform_id == str(sent[1]["message_token"])
    assert connector.find_sent(viber_account, mock.Mock()) is None
