"""Customers across channels: merge suggestions and the merge itself (never automatic,
never across brands)."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from channels.models import Brand
from channels.services import brand_account_connect
from channels.types import NormalizedAuthor, NormalizedMessage
from inbox.actions.customers import customers_merge
from inbox.actions.tickets import TicketActionError, ticket_ingest_message
from inbox.enums import TicketEventType
from inbox.models import Customer, Identity, Ticket
from inbox.selectors import merge_suggestions

pytestmark = pytest.mark.django_db


def _say(account: Any, pid: str, author: NormalizedAuthor) -> Ticket:
    msg = NormalizedMessage(
        platform_id=pid, author=author, text="hello", sent_at=datetime(2026, 11, 20, 9, tzinfo=UTC), kind="dm"
    )
    return ticket_ingest_message(account=account, incoming=msg).message.ticket


@pytest.fixture
def accounts(brand: Brand) -> tuple[Any, Any]:
    x = brand_account_connect(brand=brand, platform="x", handle="@AcmeCare", credentials={})
    other = brand_account_connect(brand=brand, platform="x", handle="@AcmeHelp", credentials={})
    return x, other


def test_shared_email_or_phone_is_suggested_not_merged(accounts: tuple[Any, Any]) -> None:
    a, b = accounts
    t1 = _say(a, "1", NormalizedAuthor("u1", "@jana", "Jana Nováková", email=" Jana@Example.CZ "))
    t2 = _say(b, "2", NormalizedAuthor("u2", "@jnovakova", "J. N.", email="jana@example.cz"))
    t3 = _say(b, "3", NormalizedAuthor("u3", "@petr", "Petr", phone="+420 601 123 456"))
    t4 = _say(a, "4", NormalizedAuthor("u4", "@petr2", "Petr S.", phone="420601123456"))
    assert Customer.objects.count() == 4  # nothing merged by itself
    assert [(c.pk, r) for c, r in merge_suggestions(customer=t1.customer)] == [
        (t2.customer_id, "same email jana@example.cz")
    ]
    assert [c.pk for c, _ in merge_suggestions(customer=t3.customer)] == [t4.customer_id]
    assert merge_suggestions(customer=Customer.objects.create(brand=t1.brand, name="Nobody")) == []


def test_merge_moves_identities_and_conversations(accounts: tuple[Any, Any], agent: Any) -> None:
    a, b = accounts
    t1 = _say(a, "1", NormalizedAuthor("u1", "@jana", "Jana", email="jana@example.cz"))
    t2 = _say(b, "2", NormalizedAuthor("u2", "@jn", "Jana N", email="jana@example.cz"))
    target = customers_merge(source=t2.customer, target=t1.customer, actor=agent).target
    # The source stays, empty, pointing at the customer kept (so the merge can be undone).
    assert Customer.objects.filter(merged_into__isnull=True).count() == 1
    assert set(Identity.objects.values_list("customer_id", flat=True)) == {target.pk}
    assert set(Ticket.objects.values_list("customer_id", flat=True)) == {target.pk}
    assert Ticket.objects.get(pk=t2.pk).events.filter(type=TicketEventType.CUSTOMER_MERGED).exists()
    # The same person writing again threads into their customer, not a new one.
    t3 = _say(b, "3", NormalizedAuthor("u2", "@jn", "Jana N"))
    assert t3.customer_id == target.pk


def test_never_across_brands(accounts: tuple[Any, Any], agent: Any) -> None:
    a, _ = accounts
    other_brand = Brand.objects.create(name="Other")
    c = brand_account_connect(brand=other_brand, platform="x", handle="@Other", credentials={})
    t1 = _say(a, "1", NormalizedAuthor("u1", "@jana", "Jana", email="jana@example.cz"))
    t2 = _say(c, "2", NormalizedAuthor("u1", "@jana", "Jana", email="jana@example.cz"))
    assert t1.customer_id != t2.customer_id
    assert merge_suggestions(customer=t1.customer) == []
    with pytest.raises(TicketActionError):
        customers_merge(source=t2.customer, target=t1.customer, actor=agent)


def test_merge_from_the_conversation_panel(client: Any, accounts: tuple[Any, Any], agent: Any) -> None:
    a, b = accounts
    t1 = _say(a, "1", NormalizedAuthor("u1", "@jana", "Jana", email="jana@example.cz"))
    t2 = _say(b, "2", NormalizedAuthor("u2", "@jn", "Jana <b>N</b>", email="jana@example.cz"))
    client.force_login(agent)
    html = client.get(f"/tickets/{t1.pk}/").content.decode()
    assert "Possibly the same person" in html and "same email jana@example.cz" in html
    assert "Jana &lt;b&gt;N&lt;/b&gt;" in html
    response = client.post(f"/tickets/{t1.pk}/merge-customer/", {"source": t2.customer_id})
    assert response.status_code == 302
    assert Ticket.objects.get(pk=t2.pk).customer_id == t1.customer_id
