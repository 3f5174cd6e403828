"""Search: message text, names, handles, emails, phones and ticket numbers, accent- and
case-insensitive both ways (ł too, Cyrillic), scoped to the agent's brands, ranked and
highlighted with the customer's text escaped; the API's q= is the same search."""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import count
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from channels.models import Brand, BrandAccount
from channels.services import brand_account_connect
from channels.types import NormalizedAuthor, NormalizedMessage
from inbox.actions.customers import customers_merge
from inbox.actions.tickets import ticket_ingest_message
from inbox.models import Customer, Team, Ticket
from inbox.search import SearchQuery, fold, highlight, tickets_search
from tests.support import X_CREDENTIALS

pytestmark = pytest.mark.django_db
_ids = count(1)


def write(acct: BrandAccount, name: str, text: str, *, handle: str = "", email: str = "", phone: str = "") -> int:
    n = next(_ids)
    author = NormalizedAuthor(external_id=f"s{n}", handle=handle or f"@s{n}", display_name=name, email=email,
                              phone=phone)
    message = NormalizedMessage(platform_id=f"sm{n}", author=author, text=text, sent_at=datetime.now(UTC),
                                kind="mention")
    return ticket_ingest_message(account=acct, incoming=message).message.ticket_id


@pytest.fixture
def data(client: Client, agent: User) -> dict[str, Any]:
    acme, other = Brand.objects.create(name="Acme"), Brand.objects.create(name="Other")
    # The agent's team covers Acme only: Other's conversations must never be found.
    Team.objects.exclude(members=agent).delete()
    for team in Team.objects.filter(members=agent):
        team.brands.set([acme])
    acct = brand_account_connect(brand=acme, platform="x", handle="acme", credentials=dict(X_CREDENTIALS))
    foreign = brand_account_connect(brand=other, platform="x", handle="other", credentials=dict(X_CREDENTIALS))
    ids = {
        "jana": write(acct, "Jana Nováková", "Kde je moje objednávka?", handle="@jana_n"),
        "lodz": write(acct, "Piotr", "Paczka utknęła w Łódź od wtorku"),
        "ivan": write(acct, "Иван Петров", "Къде е пратката? Ёлка", email="ivan.petrov@example.bg"),
        "phone": write(acct, "Kate", "Call me please", phone="+420 777 123 456"),
        "hidden": write(foreign, "Jana Skrytá", "Objednávka z jiné značky"),
    }
    client.force_login(agent)
    return {"client": client, "ids": ids, "agent": agent}


def found(data: dict[str, Any], q: str) -> list[int]:
    response = data["client"].get("/api/v1/tickets/", {"q": q})
    assert response.status_code == 200
    return [row["id"] for row in response.json()["results"]]


def test_fold_strips_accents_and_case_and_the_letters_unicode_keeps() -> None:
    assert fold("Objednávka") == "objednavka"
    assert fold("ŁÓDŹ") == "lodz"
    assert fold("Łódź") == fold("LODZ")
    assert fold("Ёлка Йога") == "елка иога"
    assert fold("Straße Ørsted") == "strasse orsted"


@pytest.mark.parametrize(
    ("q", "who"),
    [
        ("objednavka", "jana"),  # without accents finds with
        ("OBJEDNÁVKA", "jana"),  # with accents and upper case
        ("lodz", "lodz"),  # ł does not decompose: folded explicitly
        ("ŁÓDŹ", "lodz"),
        ("пратката", "ivan"),  # Cyrillic
        ("ПРАТКАТА", "ivan"),
        ("елка", "ivan"),  # ё folds to е both ways
        ("иван петров", "ivan"),  # customer name, every word
        ("@jana_n", "jana"),  # handle
        ("jana_n", "jana"),
        ("ivan.petrov@example.bg", "ivan"),  # email
        ("+420777123456", "phone"),  # phone, as stored
        ("777123", "phone"),  # part of the phone
    ],
)
def test_search_finds(data: dict[str, Any], q: str, who: str) -> None:
    assert data["ids"][who] in found(data, q)


def test_every_word_must_match(data: dict[str, Any]) -> None:
    assert found(data, "objednavka moje") == [data["ids"]["jana"]]
    assert found(data, "objednavka paczka") == []


def test_another_brands_ticket_is_never_found(data: dict[str, Any]) -> None:
    hidden = data["ids"]["hidden"]
    assert hidden not in found(data, "objednavka")
    assert hidden not in found(data, "skryta")
    assert hidden not in found(data, str(hidden))
    assert hidden not in found(data, f"#{hidden}")
    page = data["client"].get("/", {"q": "skryta"}).content.decode()
    assert "Skrytá" not in page


def test_ticket_number_first_then_person_then_text_then_recent(data: dict[str, Any]) -> None:
    ids = data["ids"]
    assert found(data, f"#{ids['lodz']}")[0] == ids["lodz"]
    assert found(data, str(ids["lodz"]))[0] == ids["lodz"]
    acct = Ticket.objects.get(pk=ids["jana"]).account
    in_text = write(acct, "Someone", "Piszę do pani Nowakowej")  # 'nowakowej' ≠ 'novakova'
    named = write(acct, "Novakova Eva", "hello")
    newer_text = write(acct, "Other", "Zpráva pro Novakova")
    result = found(data, "novakova")
    assert result.index(named) < result.index(ids["jana"]) < result.index(newer_text)
    assert in_text not in result


def test_results_are_highlighted_and_customer_text_escaped(data: dict[str, Any]) -> None:
    acct = Ticket.objects.get(pk=data["ids"]["jana"]).account
    write(acct, "<b>Evil</b>", "<script>alert(1)</script> objednávka <img src=x>")
    page = data["client"].get("/", {"q": "objednavka"}).content.decode()
    assert "<mark>objednávka</mark>" in page
    assert "<script>alert(1)</script>" not in page and "<img src=x>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<b>Evil</b>" not in page


def test_highlight_maps_folded_matches_back_to_the_original() -> None:
    assert highlight("Paczka w Łódź!", ["lodz"]) == "Paczka w <mark>Łódź</mark>!"
    assert highlight("a<b> OBJEDNÁVKA", ["objednavka"]) == "a&lt;b&gt; <mark>OBJEDNÁVKA</mark>"
    assert highlight("Straße", ["strasse"]) == "<mark>Straße</mark>"


def test_query_parsing() -> None:
    assert SearchQuery.parse("#123").ticket_number == 123
    assert SearchQuery.parse(" 123 ").ticket_number == 123
    assert SearchQuery.parse("order 123").ticket_number is None
    assert not SearchQuery.parse("   ")


def test_merge_and_new_messages_keep_the_index_current(data: dict[str, Any]) -> None:
    jana = Ticket.objects.get(pk=data["ids"]["jana"])
    kate = Ticket.objects.get(pk=data["ids"]["phone"])
    assert jana.pk not in found(data, "777123")
    customers_merge(source=Customer.objects.get(pk=kate.customer_id), target=jana.customer, actor=data["agent"])
    assert jana.pk in found(data, "777123")  # Jana's ticket is found by the merged phone
    new = write(jana.account, "Jana Nováková", "Ještě reklamace", handle="@jana_n")
    assert found(data, "reklamace") == [new]  # a new message is searchable at once


def test_inbox_search_box_keeps_the_filters_and_drops_an_empty_search(data: dict[str, Any]) -> None:
    client = data["client"]
    page = client.get("/", {"q": "objednavka", "view": "all"}).content.decode()
    assert 'id="inbox-search"' in page and 'value="objednavka"' in page
    assert "q=objednavka" in page  # rows and the poll keep the search
    response = client.get("/", {"q": "  ", "view": "all"})
    assert response.status_code == 302 and "q=" not in response["Location"]


def test_the_queryset_search_is_the_same_as_the_api(data: dict[str, Any]) -> None:
    qs = tickets_search(Ticket.objects.filter(brand__name="Acme"), SearchQuery.parse("lodz"))
    assert list(qs.values_list("id", flat=True)) == [data["ids"]["lodz"]]


def test_the_page_by_page_search_walks_the_ranked_order_rank_by_rank(data: dict[str, Any]) -> None:
    """search_page reads each rank in its own query; walking every page with any page size
    gives exactly tickets_search's order (number, then person, then text; newest first)."""
    from inbox.search import search_page

    acct = BrandAccount.objects.get(handle="acme")
    for i in range(5):
        write(acct, f"Zed Order{i}", f"about order {i}")  # a person match on "order"
        write(acct, f"Amy {i}", f"order {i} is late")  # a text match on "order"
    number = write(acct, "Numbered", "nothing relevant")
    write(acct, "Ordinary", f"see {number}")  # the number as text: ranks below the ticket itself
    qs = Ticket.objects.filter(brand__name="Acme")
    for raw in ("order", str(number), f"#{number}", "zzz-nothing"):
        query = SearchQuery.parse(raw)
        expected = list(tickets_search(qs, query).values_list("id", flat=True))
        for size in (1, 2, 3, 50):
            seen, cursor = [], None
            while True:
                page = search_page(qs, query, cursor=cursor, size=size)
                assert len(page.rows) <= size
                seen += [t.pk for t in page.rows]
                if page.next_cursor is None:
                    break
                assert page.rows  # a next page is never announced empty
                cursor = page.next_cursor
            assert seen == expected, (raw, size)
    assert expected == [] and search_page(qs, SearchQuery.parse("order"), cursor=None, size=50).rows


def test_a_search_cursor_from_elsewhere_is_refused(data: dict[str, Any]) -> None:
    response = data["client"].get("/api/v1/tickets/", {"q": "objednavka", "cursor": "9~abc"})
    assert response.status_code == 400
    assert data["client"].get("/", {"q": "objednavka", "cursor": "nonsense"}).status_code == 404
