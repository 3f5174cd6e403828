"""Keyset paging of the inbox list and the API: walking the pages while conversations
arrive never skips or repeats one, there is no 200-row wall, and a query costs the same
number of SQL queries at any data size and page size (the conversation page runs no
inbox list query at all)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from itertools import count

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from channels.models import Brand, BrandAccount
from channels.services import brand_account_connect
from channels.types import NormalizedAuthor, NormalizedMessage
from inbox.actions.tickets import ticket_ingest_message
from inbox.models import Ticket
from inbox.paging import InvalidCursor, keyset_page
from inbox.views import agent as agent_views
from tests.support import X_CREDENTIALS

pytestmark = pytest.mark.django_db
_ids = count(1)
START = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def write(acct: BrandAccount, minute: int, *, name: str = "") -> int:
    n = next(_ids)
    author = NormalizedAuthor(external_id=f"p{n}", handle=f"@p{n}", display_name=name or f"Person {n}")
    message = NormalizedMessage(platform_id=f"pm{n}", author=author, text=f"Message {n}",
                                sent_at=START + timedelta(minutes=minute), kind="mention")
    return ticket_ingest_message(account=acct, incoming=message).message.ticket_id


@pytest.fixture
def acct(agent: User) -> BrandAccount:
    brand = Brand.objects.create(name="Acme")
    return brand_account_connect(brand=brand, platform="x", handle="acme", credentials=dict(X_CREDENTIALS))


def rows(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'data-ticket="(\d+)"', html)]


def next_url(html: str) -> str | None:
    found = re.search(r'data-load-more hx-get="([^"]+)"', html)
    return found.group(1).replace("&amp;", "&") if found else None


def test_load_more_walks_the_waiting_view_without_skip_or_repeat_while_tickets_arrive(
    client: Client, agent: User, acct: BrandAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(agent_views, "INBOX_PAGE", 4)
    # Several with the same waiting time: ties are broken by id, never lost.
    made = [write(acct, minute=i // 2) for i in range(10)]
    client.force_login(agent)
    html = client.get("/?view=waiting").content.decode()
    seen = rows(html)
    assert seen == made[:4]
    url = next_url(html)
    arrived = []
    while url:
        arrived.append(write(acct, minute=100 + len(arrived)))  # a new conversation between pages
        part = client.get(url).content.decode()
        assert 'id="nav"' not in part  # a next page is rows only, no counts
        seen += rows(part)
        url = next_url(part)
    assert seen == made + arrived  # oldest waiting first, each once, the late ones at the end
    assert len(seen) == len(set(seen))


def test_no_wall_at_200_rows_in_the_api(client: Client, agent: User, acct: BrandAccount) -> None:
    customer = Ticket.objects.get(pk=write(acct, 0)).customer
    Ticket.objects.bulk_create([Ticket(brand=acct.brand, account=acct, customer=customer) for _ in range(230)])
    client.force_login(agent)
    page = client.get("/api/v1/tickets/", {"page_size": 100}).json()
    assert set(page) == {"results", "next"}
    ids = [r["id"] for r in page["results"]]
    while page["next"]:
        write(acct, 5)  # arrives at the top (newest first): it must not shift the pages
        page = client.get(page["next"]).json()
        ids += [r["id"] for r in page["results"]]
    assert len(ids) == 231 and len(set(ids)) == 231
    assert ids == sorted(ids, reverse=True)


def test_a_bad_cursor_is_refused(client: Client, agent: User, acct: BrandAccount) -> None:
    client.force_login(agent)
    assert client.get("/api/v1/tickets/", {"cursor": "bm9wZQ"}).status_code == 400
    assert client.get("/inbox/list/", {"cursor": "garbage!"}).status_code == 404
    with pytest.raises(InvalidCursor):
        keyset_page(Ticket.objects.order_by("waiting_since"), cursor="W1siaWQiXSxbMV1d", size=2)


def test_nullable_keys_sort_last_and_page_through(acct: BrandAccount) -> None:
    ids = [write(acct, i) for i in range(6)]
    Ticket.objects.filter(pk__in=ids[::2]).update(waiting_since=None)
    qs = Ticket.objects.order_by("waiting_since", "-updated_at")
    seen: list[int] = []
    cursor = None
    while True:
        page = keyset_page(qs, cursor=cursor, size=2)
        seen += [t.pk for t in page.rows]
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    assert seen[:3] == ids[1::2]  # the waiting ones first, oldest first
    assert sorted(seen[3:]) == sorted(ids[::2]) and len(seen) == 6


def _queries(client: Client, path: str) -> int:
    cache.clear()  # the view counts are kept per inbox version: measure them computed each time
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200, path
    return len(ctx.captured_queries)


@pytest.mark.parametrize("path", ["/?view=waiting", "/inbox/list/?view=waiting", "/api/v1/tickets/",
                                  "/?q=message", "/api/v1/tickets/?q=message", "CONVERSATION"])
def test_query_count_is_the_same_at_any_size_and_page_size(
    client: Client, agent: User, acct: BrandAccount, monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    client.force_login(agent)
    first = write(acct, 0)
    other = Brand.objects.create(name="Bistro")
    more = brand_account_connect(brand=other, platform="telegram", handle="bistro",
                                 credentials={"bot_token": "123456:TEST-token", "webhook_secret": "s3cret-value"})
    url = f"/tickets/{first}/" if path == "CONVERSATION" else path
    _queries(client, url)  # the first request warms per-process caches (the sign-in policy, …)
    small = _queries(client, url)
    for i in range(12):
        ticket_id = write(acct if i % 2 else more, i + 1)
        if i % 3 == 0:
            Ticket.objects.filter(pk=ticket_id).update(assignee=agent)
    big = _queries(client, url)
    monkeypatch.setattr(agent_views, "INBOX_PAGE", 3)
    if url.startswith("/api/"):  # the API's page size is asked for; the pages' is INBOX_PAGE
        url = url.replace("?", "?page_size=3&") if "?" in url else f"{url}?page_size=3"
    paged = _queries(client, url)
    assert small == big == paged


def test_the_conversation_page_runs_no_inbox_list_query(client: Client, agent: User, acct: BrandAccount) -> None:
    ticket_id = write(acct, 0)
    write(acct, 1)
    client.force_login(agent)
    with CaptureQueriesContext(connection) as ctx:
        html = client.get(f"/tickets/{ticket_id}/").content.decode()
    ticket_reads = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith('SELECT "inbox_ticket"."id"')]
    # One read of this ticket and one of the customer's other conversations; no list.
    assert len(ticket_reads) == 2
    assert not any("LIMIT 51" in sql or "COUNT(" in sql for sql in ticket_reads)
    assert "current=" in html and 'hx-trigger="load, hovor:changed"' in html
    side = client.get(f"/inbox/list/?view=waiting&current={ticket_id}").content.decode()
    assert 'class="ticket-row current"' in side
