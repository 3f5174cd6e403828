"""The customer's profile (issue 9): a chat visitor's email and name land on the customer,
so two visitors who gave the same address are suggested as one person; agents edit the
profile (an event on each conversation); the profile page lists every identity and every
conversation newest first and is scoped to the agent's brands."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from channels.chat.parser import parse_visitor_message
from channels.models import Brand
from channels.services import brand_account_connect
from channels.types import NormalizedAuthor, NormalizedMessage
from inbox.actions.customers import CustomerChanges, customer_update
from inbox.actions.tickets import TicketActionError, ticket_ingest_message
from inbox.enums import TicketEventType
from inbox.models import AgentProfile, Customer, Identity, Team, Ticket
from inbox.search import SearchQuery, tickets_search
from inbox.selectors import merge_suggestions

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 20, 9, tzinfo=UTC)


def _chat(account: Any, *, visitor: str, msg: str, name: str = "", email: str = "") -> Ticket:
    payload = {
        "session": f"s-{visitor}", "visitor_id": visitor, "client_msg_id": msg, "text": "Dobrý den 📦",
        "name": name, "email": email, "received_at": T0.isoformat(),
    }
    (incoming,) = parse_visitor_message(payload)
    return ticket_ingest_message(account=account, incoming=incoming).message.ticket


def _say(account: Any, pid: str, author: NormalizedAuthor, *, at: datetime = T0, kind: str = "mention") -> Ticket:
    msg = NormalizedMessage(platform_id=pid, author=author, text=f"hello {pid}", sent_at=at, kind=kind)
    return ticket_ingest_message(account=account, incoming=msg).message.ticket


@pytest.fixture
def chat(brand: Brand) -> Any:
    return brand_account_connect(brand=brand, platform="chat", handle="shop.example", credentials={})


@pytest.fixture
def x(brand: Brand) -> Any:
    return brand_account_connect(brand=brand, platform="x", handle="@AcmeCare", credentials={})


def _changes(**values: Any) -> CustomerChanges:
    base: dict[str, Any] = {"name": "", "email": "", "phone": "", "language": "", "notes": "", "tags": ()}
    base.update(values)
    return CustomerChanges(**base)


def test_a_chat_visitors_email_is_the_customers_email_and_a_match_key(chat: Any) -> None:
    t1 = _chat(chat, visitor="v1", msg="m1", name="Jana Nováková", email=" Jana@Example.CZ ")
    t2 = _chat(chat, visitor="v2", msg="m2", name="Jana N.", email="jana@example.cz")
    one = Customer.objects.get(pk=t1.customer_id)
    assert (one.name, one.email) == ("Jana Nováková", "jana@example.cz")
    assert Identity.objects.get(customer=one).email == "jana@example.cz"
    assert Customer.objects.count() == 2  # suggested, never merged by itself
    assert [(c.pk, r) for c, r in merge_suggestions(customer=one)] == [
        (t2.customer_id, "same email jana@example.cz")
    ]


def test_a_visitor_who_gives_name_and_email_later_is_named(chat: Any) -> None:
    ticket = _chat(chat, visitor="v1", msg="m1")
    assert Customer.objects.get(pk=ticket.customer_id).name == "Website visitor"
    _chat(chat, visitor="v1", msg="m2", name="Petr Svoboda", email="petr@example.cz")
    customer = Customer.objects.get(pk=ticket.customer_id)
    assert (customer.name, customer.email) == ("Petr Svoboda", "petr@example.cz")


def test_a_name_an_agent_wrote_is_kept_when_the_platform_shows_another(chat: Any, agent: User) -> None:
    ticket = _chat(chat, visitor="v1", msg="m1", name="jn")
    customer_update(customer=ticket.customer, changes=_changes(name="Jana Nováková"), actor=agent)
    _chat(chat, visitor="v1", msg="m2", name="Jana N.")
    assert Customer.objects.get(pk=ticket.customer_id).name == "Jana Nováková"


def test_customer_update_saves_the_profile_with_an_event_on_each_conversation(x: Any, agent: User) -> None:
    first = _say(x, "1", NormalizedAuthor("u1", "@jana", "Jana"))
    Ticket.objects.filter(pk=first.pk).update(status="solved")
    second = _say(x, "2", NormalizedAuthor("u1", "@jana", "Jana"))
    assert first.pk != second.pk
    customer = customer_update(
        customer=first.customer,
        changes=_changes(
            name="  Jana   Nováková ", email="JANA@example.cz", phone="+420 601 123 456", language="cs",
            notes="Prefers email.\nVIP since 2024.", tags=("vip", "VIP", " refund "),
        ),
        actor=agent,
    )
    customer.refresh_from_db()
    assert (customer.name, customer.email, customer.phone, customer.language) == (
        "Jana Nováková", "jana@example.cz", "420601123456", "cs"
    )
    assert customer.notes == "Prefers email.\nVIP since 2024."
    assert sorted(customer.tags.values_list("name", flat=True)) == ["refund", "vip"]
    for ticket in (first, second):
        event = ticket.events.get(type=TicketEventType.CUSTOMER_UPDATED)
        assert event.actor == agent
        assert event.payload["changes"]["email"] == {"old": "", "new": "jana@example.cz"}
    # Search finds the conversations by the new email and phone.
    found = tickets_search(Ticket.objects.all(), SearchQuery.parse("jana@example.cz"))
    assert {t.pk for t in found} == {first.pk, second.pk}
    # Saving the same again changes nothing and writes no event.
    customer_update(
        customer=customer,
        changes=_changes(
            name="Jana Nováková", email="jana@example.cz", phone="+420601123456", language="cs",
            notes="Prefers email.\nVIP since 2024.", tags=("refund", "vip"),
        ),
        actor=agent,
    )
    assert first.events.filter(type=TicketEventType.CUSTOMER_UPDATED).count() == 1


@pytest.mark.parametrize(
    "bad", [{"email": "not an email"}, {"phone": "call me"}, {"phone": "12"}, {"tags": ("x" * 51,)}]
)
def test_customer_update_refuses_what_is_not_valid(x: Any, agent: User, bad: dict[str, Any]) -> None:
    ticket = _say(x, "1", NormalizedAuthor("u1", "@jana", "Jana"))
    with pytest.raises(TicketActionError):
        customer_update(customer=ticket.customer, changes=_changes(name="Jana", **bad), actor=agent)
    assert Customer.objects.get(pk=ticket.customer_id).email == ""


def test_the_profile_page_lists_identities_and_every_conversation_newest_first(
    client: Client, x: Any, chat: Any, agent: User
) -> None:
    old = _say(x, "1", NormalizedAuthor("u1", "@jana", "Jana <b>N</b>", email="jana@example.cz"))
    Ticket.objects.filter(pk=old.pk).update(status="solved")
    new = _say(x, "2", NormalizedAuthor("u1", "@jana", "Jana <b>N</b>"), at=T0 + timedelta(days=3))
    visitor = _chat(chat, visitor="v1", msg="m1", name="Jana", email="jana@example.cz")
    client.force_login(agent)
    html = client.get(f"/customers/{old.customer_id}/").content.decode()
    assert "Jana &lt;b&gt;N&lt;/b&gt;" in html and "<b>N</b>" not in html
    assert html.index(f'href="/tickets/{new.pk}/"') < html.index(f'href="/tickets/{old.pk}/"')
    assert "@jana" in html
    # The chat visitor with the same email is suggested, with a Merge button to this customer.
    assert f'data-suggestion="{visitor.customer_id}"' in html and "same email jana@example.cz" in html
    assert f'action="/customers/{old.customer_id}/merge/"' in html
    # Each conversation opens.
    assert client.get(f"/tickets/{old.pk}/").status_code == 200


def test_the_conversation_panel_links_the_profile_and_lists_earlier_conversations(
    client: Client, x: Any, agent: User
) -> None:
    old = _say(x, "1", NormalizedAuthor("u1", "@jana", "Jana"))
    Ticket.objects.filter(pk=old.pk).update(status="solved")
    new = _say(x, "2", NormalizedAuthor("u1", "@jana", "Jana"), at=T0 + timedelta(days=1))
    client.force_login(agent)
    html = client.get(f"/tickets/{new.pk}/").content.decode()
    assert f'href="/customers/{new.customer_id}/"' in html
    assert f'data-history="{old.pk}"' in html


def test_the_profile_form_saves_through_the_action(client: Client, x: Any, agent: User) -> None:
    ticket = _say(x, "1", NormalizedAuthor("u1", "@jana", "Jana"))
    client.force_login(agent)
    response = client.post(
        f"/customers/{ticket.customer_id}/edit/",
        {"name": "Jana Nováková", "email": "jana@example.cz", "phone": "", "language": "cs", "notes": "n",
         "tags": "vip, refund"},
    )
    assert response.status_code == 302
    customer = Customer.objects.get(pk=ticket.customer_id)
    assert (customer.name, customer.email, customer.language) == ("Jana Nováková", "jana@example.cz", "cs")
    assert ticket.events.filter(type=TicketEventType.CUSTOMER_UPDATED, actor=agent).exists()
    bad = client.post(f"/customers/{ticket.customer_id}/edit/", {"name": "J", "email": "nope"}, follow=True)
    assert "That is not an email address." in bad.content.decode()
    assert Customer.objects.get(pk=ticket.customer_id).name == "Jana Nováková"


def test_another_brands_customer_is_404(client: Client, x: Any) -> None:
    ticket = _say(x, "1", NormalizedAuthor("u1", "@jana", "Jana"))
    other = Brand.objects.create(name="Other")
    team = Team.objects.create(name="Other team")
    team.brands.add(other)
    outsider = User.objects.create_user("olga", password="pw-olga-123")
    AgentProfile.objects.create(user=outsider, display_name="Olga")
    team.members.add(outsider)
    client.force_login(outsider)
    assert client.get(f"/customers/{ticket.customer_id}/").status_code == 404
    assert client.post(f"/customers/{ticket.customer_id}/edit/", {"name": "X"}).status_code == 404
    assert Customer.objects.get(pk=ticket.customer_id).name == "Jana"
