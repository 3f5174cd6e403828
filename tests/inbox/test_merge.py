"""Merging (issue 9): two customers into one and back (identities and tickets return), ingest
following a merge; two conversations of one customer into one timeline and back; a message
split out into its own conversation and back; and a reply in a merged conversation going
out on the channel of the message it answers."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from channels.models import Brand
from channels.services import brand_account_connect
from channels.types import NormalizedAuthor, NormalizedMessage
from inbox.actions.conversations import ticket_split_message, tickets_merge, tickets_merge_undo
from inbox.actions.customers import CustomerChanges, customer_update, customers_merge, customers_merge_undo
from inbox.actions.ingest import _follow_customer_merges
from inbox.actions.replies import ticket_reply
from inbox.actions.tickets import TicketActionError, ticket_ingest_message
from inbox.enums import Direction, TicketEventType, TicketStatus
from inbox.models import Customer, Identity, Message, OutboundMessage, Ticket
from inbox.selectors import in_view, merge_suggestions

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 20, 9, tzinfo=UTC)


def _say(
    account: Any, pid: str, author: NormalizedAuthor, *, at: datetime = T0, kind: str = "mention", **extra: Any
) -> Message:
    msg = NormalizedMessage(platform_id=pid, author=author, text=f"hello {pid}", sent_at=at, kind=kind, **extra)
    return ticket_ingest_message(account=account, incoming=msg).message


@pytest.fixture
def x(brand: Brand) -> Any:
    return brand_account_connect(brand=brand, platform="x", handle="@AcmeCare", credentials={})


@pytest.fixture
def telegram(brand: Brand) -> Any:
    return brand_account_connect(brand=brand, platform="telegram", handle="@AcmeBot", credentials={})


@pytest.fixture
def email(brand: Brand) -> Any:
    return brand_account_connect(brand=brand, platform="email", handle="care@acme.example", credentials={})


JANA_X = NormalizedAuthor("x-1", "@jana", "Jana", email="jana@example.cz")
JANA_TG = NormalizedAuthor("tg-1", "@jana_tg", "", email="jana@example.cz")
JANA_MAIL = NormalizedAuthor("jana@example.cz", "jana@example.cz", "Jana Nováková", email="jana@example.cz")


# --- customers ---------------------------------------------------------------------------
def test_customer_merge_and_undo_put_identities_and_tickets_back(x: Any, telegram: Any, agent: User) -> None:
    kept = _say(x, "x1", JANA_X).ticket
    gone = _say(telegram, "tg1", JANA_TG, kind="dm").ticket
    customer_update(
        customer=gone.customer,
        changes=CustomerChanges(name="", email="jana@example.cz", phone="+420601123456", language="cs", notes="",
                                tags=("vip",)),
        actor=agent,
    )
    merge = customers_merge(source=gone.customer, target=kept.customer, actor=agent)
    target = Customer.objects.get(pk=kept.customer_id)
    assert set(Identity.objects.values_list("customer_id", flat=True)) == {target.pk}
    assert set(Ticket.objects.values_list("customer_id", flat=True)) == {target.pk}
    assert target.phone == "420601123456" and target.language == "cs"  # filled from the source
    assert list(target.tags.values_list("name", flat=True)) == ["vip"]
    assert Customer.objects.get(pk=gone.customer_id).merged_into_id == target.pk
    assert merge_suggestions(customer=target) == []  # nobody left to suggest
    for ticket in (kept, gone):
        assert ticket.events.filter(type=TicketEventType.CUSTOMER_MERGED, payload__merge_id=merge.pk).exists()

    customers_merge_undo(merge=merge, actor=agent)
    assert Ticket.objects.get(pk=gone.pk).customer_id == gone.customer_id
    assert Ticket.objects.get(pk=kept.pk).customer_id == kept.customer_id
    assert Identity.objects.get(external_id="tg-1").customer_id == gone.customer_id
    assert Identity.objects.get(external_id="x-1").customer_id == kept.customer_id
    restored = Customer.objects.get(pk=kept.customer_id)
    assert (restored.phone, restored.language) == ("", "")  # what the merge filled in is gone again
    assert Customer.objects.get(pk=gone.customer_id).merged_into_id is None
    assert gone.events.filter(type=TicketEventType.CUSTOMER_UNMERGED, actor=agent).exists()
    assert [c.pk for c, _ in merge_suggestions(customer=restored)] == [gone.customer_id]  # suggested again
    with pytest.raises(TicketActionError):
        customers_merge_undo(merge=merge, actor=agent)


def test_ingest_after_a_merge_finds_the_customer_kept(x: Any, telegram: Any, agent: User) -> None:
    kept = _say(x, "x1", JANA_X).ticket
    gone = _say(telegram, "tg1", JANA_TG, kind="dm").ticket
    customers_merge(source=gone.customer, target=kept.customer, actor=agent)
    again = _say(telegram, "tg2", JANA_TG, kind="dm", at=T0 + timedelta(minutes=5))
    assert again.ticket.customer_id == kept.customer_id
    # An identity read just before the merge committed still names the source: followed.
    stale = Identity.objects.get(external_id="tg-1")
    stale.customer_id = gone.customer_id
    assert _follow_customer_merges(identities={"tg-1": stale}, lock=False) == [kept.customer_id]
    assert stale.customer_id == kept.customer_id


def test_the_panel_merges_a_suggestion_and_the_profile_undoes_it(
    client: Client, x: Any, telegram: Any, agent: User
) -> None:
    kept = _say(x, "x1", JANA_X).ticket
    gone = _say(telegram, "tg1", JANA_TG, kind="dm").ticket
    client.force_login(agent)
    html = client.get(f"/tickets/{kept.pk}/").content.decode()
    assert "Earlier conversations" in html and f'data-history="{gone.pk}"' not in html  # two people, so far
    client.post(f"/customers/{kept.customer_id}/merge/", {"source": gone.customer_id})
    html = client.get(f"/tickets/{kept.pk}/").content.decode()
    assert f'data-history="{gone.pk}"' in html  # the Telegram conversation is an earlier one now
    profile = client.get(f"/customers/{kept.customer_id}/").content.decode()
    merge_id = kept.customer.merges.get().pk
    assert f'data-merge="{merge_id}"' in profile
    # The merged-away customer's page leads to the one kept.
    response = client.get(f"/customers/{gone.customer_id}/")
    assert response.status_code == 302 and response["Location"] == f"/customers/{kept.customer_id}/"
    client.post(f"/customers/merges/{merge_id}/undo/")
    assert Ticket.objects.get(pk=gone.pk).customer_id == gone.customer_id


# --- conversations -----------------------------------------------------------------------
@pytest.fixture
def mention_then_email(x: Any, email: Any, agent: User) -> tuple[Ticket, Ticket]:
    """Jana mentions the brand on X, then writes an email; one person (merged)."""
    mention = _say(x, "x1", JANA_X).ticket
    mail = _say(
        email, "<m1@example.cz>", JANA_MAIL, kind="email", at=T0 + timedelta(hours=1), subject="Order 12345",
        thread_key="<m1@example.cz>",
    ).ticket
    customers_merge(source=mail.customer, target=mention.customer, actor=agent)
    return Ticket.objects.get(pk=mention.pk), Ticket.objects.get(pk=mail.pk)


def test_two_conversations_become_one_timeline_and_back(mention_then_email: tuple[Ticket, Ticket], agent: User) -> None:
    mention, mail = mention_then_email
    merge = tickets_merge(source=mail, target=mention, actor=agent)
    assert list(Message.objects.filter(ticket=mention).values_list("platform_id", flat=True)) == [
        "x1", "<m1@example.cz>"
    ]
    mail.refresh_from_db()
    mention.refresh_from_db()
    assert (mail.status, mail.merged_into_id) == (TicketStatus.SOLVED, mention.pk)
    assert mention.subject == "Order 12345"
    assert mention.last_message_at == T0 + timedelta(hours=1) and mention.waiting_since == T0
    assert not in_view(Ticket.objects.all(), view="all", agent=agent).filter(pk=mail.pk).exists()
    for ticket in (mention, mail):
        assert ticket.events.filter(type=TicketEventType.TICKETS_MERGED, payload__merge_id=merge.pk).exists()
    with pytest.raises(TicketActionError):
        tickets_merge(source=mail, target=mention, actor=agent)  # already merged

    tickets_merge_undo(merge=merge, actor=agent)
    assert list(Message.objects.filter(ticket=mail).values_list("platform_id", flat=True)) == ["<m1@example.cz>"]
    mail.refresh_from_db()
    mention.refresh_from_db()
    assert mail.merged_into_id is None and mail.status == TicketStatus.NEW
    assert mention.subject == "" and mention.waiting_since == T0
    assert mail.events.filter(type=TicketEventType.TICKETS_UNMERGED, actor=agent).exists()
    # A customer's new email in that thread goes to the email conversation again.
    followup = _say(
        mail.account, "<m2@example.cz>", JANA_MAIL, kind="email", at=T0 + timedelta(hours=2),
        in_reply_to="<m1@example.cz>", thread_key="<m1@example.cz>",
    )
    assert followup.ticket_id == mail.pk


def test_only_one_customers_conversations_are_merged(x: Any, agent: User) -> None:
    jana = _say(x, "x1", JANA_X).ticket
    petr = _say(x, "x2", NormalizedAuthor("x-2", "@petr", "Petr")).ticket
    with pytest.raises(TicketActionError):
        tickets_merge(source=petr, target=jana, actor=agent)
    assert Message.objects.get(platform_id="x2").ticket_id == petr.pk


def test_a_message_is_split_out_and_back(x: Any, agent: User) -> None:
    first = _say(x, "x1", JANA_X)
    ticket = first.ticket
    ticket_reply(ticket=ticket, agent=agent, text="Checking your order", then_status="open")
    later = timezone.now() + timedelta(seconds=1)  # after the reply
    second = _say(x, "x2", JANA_X, at=later)
    assert second.ticket_id == ticket.pk
    split = ticket_split_message(message=second, actor=agent)
    new = Ticket.objects.get(pk=split.target_id)
    assert list(new.messages.values_list("platform_id", flat=True)) == ["x2"]
    assert (new.customer_id, new.account_id, new.status) == (ticket.customer_id, ticket.account_id, "open")
    assert new.waiting_since == later
    ticket.refresh_from_db()
    assert ticket.waiting_since is None  # what is left was answered
    for t in (ticket, new):
        assert t.events.filter(type=TicketEventType.MESSAGE_SPLIT, payload__message_id=second.pk).exists()
    with pytest.raises(TicketActionError):
        ticket_split_message(message=second, actor=agent)  # it is the whole conversation now
    reply = Message.objects.get(ticket=ticket, direction=Direction.OUT)
    with pytest.raises(TicketActionError):
        ticket_split_message(message=reply, actor=agent)  # only a customer's message

    tickets_merge_undo(merge=split, actor=agent)
    assert Message.objects.get(pk=second.pk).ticket_id == ticket.pk
    new.refresh_from_db()
    assert (new.status, new.merged_into_id) == (TicketStatus.SOLVED, ticket.pk)
    assert new.events.filter(type=TicketEventType.SPLIT_UNDONE).exists()
    ticket.refresh_from_db()
    assert ticket.waiting_since == later


def test_split_and_merge_from_the_conversation_page(client: Client, x: Any, agent: User) -> None:
    _say(x, "x1", JANA_X)
    second = _say(x, "x2", JANA_X, at=T0 + timedelta(hours=1))
    client.force_login(agent)
    html = client.get(f"/tickets/{second.ticket_id}/").content.decode()
    assert f'action="/messages/{second.pk}/split/"' in html
    response = client.post(f"/messages/{second.pk}/split/")
    new_id = Message.objects.get(pk=second.pk).ticket_id
    assert new_id != second.ticket_id and response["Location"] == f"/tickets/{new_id}/"
    html = client.get(f"/tickets/{new_id}/").content.decode()
    assert f'data-history="{second.ticket_id}"' in html
    # Merge the original back in from the earlier-conversations list; its page then leads here.
    client.post(f"/tickets/{new_id}/merge/", {"other": second.ticket_id})
    assert Message.objects.filter(ticket_id=new_id).count() == 2
    assert client.get(f"/tickets/{second.ticket_id}/")["Location"] == f"/tickets/{new_id}/"


# --- the reply channel -------------------------------------------------------------------
def test_a_reply_goes_out_on_the_channel_of_the_message_it_answers(
    mention_then_email: tuple[Ticket, Ticket], agent: User
) -> None:
    mention, mail = mention_then_email
    tickets_merge(source=mail, target=mention, actor=agent)
    # The newest customer message is the email: the reply is an email, in its thread.
    reply = ticket_reply(ticket=mention, agent=agent, text="We are on it", then_status="open")
    assert reply.account_id == mail.account_id and reply.ticket_id == mention.pk
    out = OutboundMessage.objects.get(message=reply)
    assert out.account_id == mail.account_id
    assert (out.kind, out.in_reply_to_platform_id, out.subject) == ("email", "<m1@example.cz>", "Order 12345")
    # Jana mentions the brand again on X: the next reply goes out on X, as a reply to it.
    _say(mention.account, "x3", JANA_X, at=timezone.now() + timedelta(seconds=1), in_reply_to="x1")
    reply = ticket_reply(ticket=mention, agent=agent, text="Sorted", then_status="open")
    out = OutboundMessage.objects.get(message=reply)
    assert (out.account_id, out.in_reply_to_platform_id) == (mention.account_id, "x3")
