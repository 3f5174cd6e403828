"""Send over a colleague's reply: the reply action refuses, holding the ticket's row lock,
when someone else's reply or note came after the newest message the composer had seen; the
agent's confirmation (a later seen id) sends it; the API's contract ({"text"}) is untouched.
Two agents sending at once on PostgreSQL: one goes out, the other is asked."""
from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from inbox.actions import replies
from inbox.actions.replies import RepliedSince, ticket_reply
from inbox.enums import Direction
from inbox.models import AgentProfile, Message, Ticket
from tests.support import make_ticket

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def dana(everyone_team: Any) -> User:
    user = User.objects.create_user("dana", password="pw-dana-123")
    AgentProfile.objects.create(user=user, display_name="Dana Horáková", signature="^DH")
    everyone_team.members.add(user)
    return user


@pytest.fixture
def ticket(fake_x: Any, x_account: Any, agent: User) -> Ticket:
    made, _ = make_ticket(fake_x, x_account, "@jnovakova", "Jana Nováková", "Kde je moje objednávka? 📦")
    return made


def _newest(ticket: Ticket) -> int:
    return ticket.messages.order_by("-pk").values_list("pk", flat=True)[0]


def test_a_colleagues_reply_since_the_draft_began_is_asked_about(
    ticket: Ticket, agent: User, dana: User, fake_x: Any
) -> None:
    seen = _newest(ticket)
    theirs = ticket_reply(ticket=ticket, agent=dana, text="Hned to prověřím.", seen_message_id=seen)
    with pytest.raises(RepliedSince) as asked:
        ticket_reply(ticket=ticket, agent=agent, text="Dobrý den, podívám se.", seen_message_id=seen)
    assert asked.value.message.pk == theirs.pk
    assert asked.value.author_name == "Dana Horáková"
    assert [t["text"] for t in fake_x.outbound()] == ["Hned to prověřím. ^DH"]
    assert ticket.messages.filter(direction=Direction.OUT).count() == 1

    # "Send anyway": the agent has seen it now.
    ticket_reply(ticket=ticket, agent=agent, text="Dobrý den, podívám se.", seen_message_id=theirs.pk)
    assert [t["text"] for t in fake_x.outbound()][-1] == "Dobrý den, podívám se. ^JD"


def test_a_note_counts_and_ones_own_reply_and_customer_messages_do_not(
    ticket: Ticket, agent: User, dana: User, fake_x: Any, x_account: Any
) -> None:
    seen = _newest(ticket)
    ticket_reply(ticket=ticket, agent=agent, text="První odpověď.", seen_message_id=seen)  # mine, another tab
    make_ticket(fake_x, x_account, "@jnovakova", "Jana Nováková", "Ještě jedna věc…")  # the customer again
    ticket_reply(ticket=ticket, agent=agent, text="Druhá odpověď.", seen_message_id=seen)
    note = Message.objects.create(
        ticket=ticket, account=ticket.account, direction=Direction.NOTE, text="Pozor, VIP zákaznice",
        author_user=dana, sent_at=ticket.created_at, created_at=ticket.created_at,
    )
    with pytest.raises(RepliedSince) as asked:
        ticket_reply(ticket=ticket, agent=agent, text="Třetí.", seen_message_id=seen)
    assert asked.value.message.pk == note.pk


def test_without_a_seen_id_nothing_is_checked_so_the_api_contract_holds(
    ticket: Ticket, agent: User, dana: User
) -> None:
    ticket_reply(ticket=ticket, agent=dana, text="Hned to prověřím.")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=agent).key}")
    response = api.post(f"/api/v1/tickets/{ticket.pk}/reply/", {"text": "Dobrý den!"}, format="json")
    assert response.status_code == 201, response.content


def test_the_composer_asks_keeps_the_draft_and_sends_when_confirmed(
    client: Client, ticket: Ticket, agent: User, dana: User, fake_x: Any
) -> None:
    client.force_login(agent)
    page = client.get(f"/tickets/{ticket.pk}/").content.decode()
    seen = _newest(ticket)
    assert f'name="seen_message_id" value="{seen}"' in page
    theirs = ticket_reply(ticket=ticket, agent=dana, text="Hned to prověřím.", seen_message_id=seen)

    asked = client.post(f"/tickets/{ticket.pk}/reply/", {"text": "Můj koncept", "seen_message_id": seen})
    assert asked.status_code == 409
    html = asked.content.decode()
    assert 'id="send-over"' in html and "New reply from Dana Horáková" in html and "Hned to prověřím." in html
    assert f'name="send_over" value="{theirs.pk}"' in html
    assert ">Můj koncept</textarea>" in html
    assert len(fake_x.outbound()) == 1

    sent = client.post(f"/tickets/{ticket.pk}/reply/",
                       {"text": "Můj koncept", "seen_message_id": seen, "send_over": theirs.pk})
    assert sent.status_code == 302
    assert [t["text"] for t in fake_x.outbound()] == ["Hned to prověřím. ^DH", "Můj koncept ^JD"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks: PostgreSQL")
def test_two_agents_sending_at_once_one_goes_out_the_other_is_asked(
    ticket: Ticket, agent: User, dana: User, fake_x: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = _newest(ticket)
    enqueue = replies.outbox_enqueue

    def slow_enqueue(**kwargs: Any) -> Any:
        time.sleep(0.5)  # hold the transaction (and the ticket's lock) open while the other one arrives
        return enqueue(**kwargs)

    monkeypatch.setattr(replies, "outbox_enqueue", slow_enqueue)
    start = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def send(who: User, text: str) -> None:
        from django.db import connections

        start.wait()
        try:
            ticket_reply(ticket=ticket, agent=who, text=text, seen_message_id=seen)
            outcomes[who.username] = "sent"
        except RepliedSince as exc:
            outcomes[who.username] = f"asked about {exc.author_name}"
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send, args=(agent, "Jana píše.")),
               threading.Thread(target=send, args=(dana, "Dana píše."))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes.values()) in (
        ["asked about Dana Horáková", "sent"], ["asked about Jana Dvořáková", "sent"]
    ), outcomes
    assert len(fake_x.outbound()) == 1
    assert ticket.messages.filter(direction=Direction.OUT).count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks: PostgreSQL")
def test_a_reply_does_not_wait_on_the_customer_row_a_worker_threading_their_message_holds(
    ticket: Ticket, agent: User, fake_x: Any
) -> None:
    """Ingest locks the customer, then the ticket; a reply locks the ticket only (it used
    to lock the customer too, through its joins, and the two deadlocked in the care day)."""
    from django.db import connections, transaction

    from inbox.actions.ingest import _follow_customer_merges
    from inbox.models import Identity

    held, release = threading.Event(), threading.Event()

    def worker() -> None:
        try:
            with transaction.atomic():
                identities = {i.external_id: i for i in Identity.objects.filter(customer_id=ticket.customer_id)}
                _follow_customer_merges(identities=identities, lock=True)
                held.set()
                release.wait(timeout=20)
        finally:
            connections.close_all()

    thread = threading.Thread(target=worker)
    thread.start()
    try:
        assert held.wait(timeout=10)
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '3s'")
            ticket_reply(ticket=ticket, agent=agent, text="Hned to prověřím.")
    finally:
        release.set()
        thread.join(timeout=30)
    assert [t["text"] for t in fake_x.outbound()] == ["Hned to prověřím. ^JD"]
