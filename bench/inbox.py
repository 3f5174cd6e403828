"""Inbox benchmark on PostgreSQL: seeds its own database with COPY at 100,000 and then
1,000,000 tickets (three messages each, in Czech, Polish, Bulgarian and English; three
brands, two teams; customers with names, handles, emails and phones), runs ANALYZE, and
measures in-process (Django's test client: server time, no network) for each of: the
inbox page (default view), with a brand + channel filter, the htmx list, the API list, a
search matching ~100 rows and one matching ~100,000 (at 1M), and a conversation page:
p50 and p95 time and SQL queries per request.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hovor_bench_search \\
        .venv/bin/python bench/inbox.py [--size 100000,1000000] [--requests 40] [--keep]

The database named is dropped and re-created (unless --keep reuses a seeded one); point
it at a scratch database. `--size 5000` runs in seconds. Prints `RESULT <name> <n> <unit>`:
`inbox_p95`, `inbox_p95_1m`, `search_p95_1m`, `inbox_queries`, `conversation_p95_1m` …
(the `_1m` suffix for the million, none for the first size)."""

from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.setup_db import model_defaults_in_database, recreate_database, setup_django  # noqa: E402

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/hovor_bench_search"
# One ticket in RARE_EVERY carries the rare word (~100 at a million); COMMON_SHARE of them
# the common one (~100,000 at a million).
RARE_WORD, RARE_EVERY = "zxreklamace", 10_000
COMMON_WORD, COMMON_SHARE = "faktura", 0.10

FIRST = ["Jana", "Petr", "Łucja", "Paweł", "Иван", "Мария", "John", "Émilie", "Zdeněk", "Agnieszka", "Георги", "Kate"]
LAST = ["Nováková", "Dvořák", "Wiśniewski", "Łódzka", "Петров", "Иванова", "Smith", "Kowalczyk", "Černý", "Brown"]
TEXTS = {
    "cs": ["Dobrý den, kde je moje objednávka č. {i}?", "Zásilka {i} stále nedorazila, prosím o info.",
           "Děkuji za odpověď, ještě dotaz k objednávce {i}."],
    "pl": ["Dzień dobry, zamówienie {i} jest opóźnione", "Paczka {i} nie dotarła do Łodzi, co się dzieje?",
           "Dziękuję, a kiedy wysyłka zamówienia {i}?"],
    "bg": ["Здравейте, поръчка {i} не е пристигнала", "Кога ще получа пратката {i}?",
           "Благодаря, имам още въпрос за поръчка {i}."],
    "en": ["Hi, my order #{i} hasn't arrived yet, any update?", "The parcel {i} is late again.",
           "Thanks! One more question about order {i}."],
}
REPLIES = {
    "cs": "Dobrý den, omlouváme se, objednávku {i} jsme prověřili.",
    "pl": "Dzień dobry, przepraszamy, sprawdziliśmy zamówienie {i}.",
    "bg": "Здравейте, съжаляваме, проверихме поръчка {i}.",
    "en": "Hi, sorry about that, we checked order {i}.",
}
PLATFORMS = ["x", "telegram", "email"]






def base_objects() -> dict[str, Any]:
    """Brands, accounts, two teams and the measured agent (in one team: two of three brands)."""
    from django.contrib.auth.models import User

    from channels.models import Brand, BrandAccount
    from channels.services import brand_account_connect
    from inbox.actions.people import agent_create
    from inbox.models import Team
    from tests.support import X_CREDENTIALS

    if Brand.objects.exists():
        brands = list(Brand.objects.order_by("id"))
        return {"brands": brands, "accounts": list(BrandAccount.objects.order_by("id")),
                "agent": User.objects.get(username="bench-agent")}
    brands = [Brand.objects.create(name=n) for n in ("Acme", "Acme Mobile", "Bistro")]
    creds = {"x": dict(X_CREDENTIALS), "telegram": {"bot_token": "123456:TEST-token", "webhook_secret": "s3cret-value"},
             "email": {"imap_host": "imap.example.com", "smtp_host": "smtp.example.com", "username": "u",
                       "password": "p", "address": "help@example.com"}}
    accounts = []
    for brand in brands:
        for platform in PLATFORMS:
            try:
                accounts.append(brand_account_connect(brand=brand, platform=platform,
                                                      handle=f"{brand.name}-{platform}", credentials=creds[platform]))
            except Exception:  # noqa: BLE001 (a platform whose form wants other fields: store it plainly)
                accounts.append(BrandAccount.objects.create(brand=brand, platform=platform,
                                                            handle=f"{brand.name}-{platform}"))
    agent = agent_create(username="bench-agent", password="bench-pass-123", display_name="Bench Agent", role="agent")
    team = Team.objects.create(name="Acme team")
    team.brands.set(brands[:2])
    team.members.set([agent])
    other = Team.objects.create(name="Bistro team")
    other.brands.set(brands[2:])
    return {"brands": brands, "accounts": accounts, "agent": agent}


def _copy(cur: Any, table: str, columns: list[str], rows: list[str]) -> None:
    cur.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", io.StringIO("".join(rows)))


def _esc(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\t", " ").replace("\n", "\\n")


def seed(objects: dict[str, Any], start: int, end: int, rng: random.Random) -> None:
    """Tickets start..end-1 (by number), each with a customer message, a reply and a
    follow-up; one customer (identity with handle, email, phone) per three tickets."""
    from django.db import connection

    from inbox.search import fold

    accounts = objects["accounts"]
    now = datetime.now(UTC)
    folded_texts = {lang: [fold(t) for t in ts] for lang, ts in TEXTS.items()}
    folded_replies = {lang: fold(t) for lang, t in REPLIES.items()}
    chunk = 50_000
    with connection.cursor() as django_cursor:
        cur = django_cursor.cursor
        # A run stopped half-way may have left the next chunk's customers: start clean after `start`.
        last_customer = (start - 1) // 3 + 1 if start else 0
        cur.execute("DELETE FROM inbox_identity WHERE customer_id > %s", [last_customer])
        cur.execute("DELETE FROM inbox_customer WHERE id > %s", [last_customer])
        for lo in range(start, end, chunk):
            hi = min(end, lo + chunk)
            customers, identities, tickets, messages = [], [], [], []
            for n in range(lo, hi):
                account = accounts[n % len(accounts)]
                cust = n // 3 + 1
                lang = ("cs", "pl", "bg", "en")[n % 4]
                first, last = FIRST[n % len(FIRST)], LAST[(n // 7) % len(LAST)]
                name = f"{first} {last}"
                handle = f"@{fold(first)}{cust}"
                email = f"{fold(first)}.{cust}@example.com"
                phone = f"420{700000000 + cust}"
                who = fold(f"{name} {handle} {name} {email} +{phone}")
                if n % 3 == 0:
                    customers.append(f"{cust}\t{account.brand_id}\t{_esc(name)}\t{now.isoformat()}\n")
                    identities.append(
                        f"{cust}\t{cust}\t{account.brand_id}\t{account.platform}\tu{cust}\t{handle}\t{_esc(name)}\t"
                        f"{email}\t{phone}\t\t{now.isoformat()}\n")
                variant = rng.randrange(3)
                i = n + 1
                texts = [TEXTS[lang][variant].format(i=i), REPLIES[lang].format(i=i), TEXTS[lang][(variant + 2) % 3]
                         .format(i=i)]
                folded = [folded_texts[lang][variant].format(i=i), folded_replies[lang].format(i=i),
                          folded_texts[lang][(variant + 2) % 3].format(i=i)]
                if rng.random() < COMMON_SHARE:
                    texts[2] += f" Prosím i fakturu — {COMMON_WORD}."
                    folded[2] += f" prosim i fakturu — {COMMON_WORD}."
                if n % RARE_EVERY == RARE_EVERY // 2:
                    texts[0] += f" ({RARE_WORD})"
                    folded[0] += f" ({RARE_WORD})"
                created = now - timedelta(minutes=(end - n) * 3)
                roll = rng.random()
                status = "solved" if roll < 0.85 else "pending" if roll < 0.95 else rng.choice(["new", "open"])
                waiting = (created + timedelta(minutes=2)).isoformat() if status in ("new", "open") else "\\N"
                due = (created + timedelta(hours=1)).isoformat()
                answered = (created + timedelta(minutes=30)).isoformat()
                last_at = (created + timedelta(minutes=40)).isoformat()
                tickets.append("\t".join([
                    str(i), str(account.brand_id), str(account.pk), str(cust), "", status, "\\N", lang,
                    created.isoformat(), last_at, waiting, due, answered, last_at, who, _esc("\n".join(folded)),
                ]) + "\n")
                for k, (text, direction) in enumerate(zip(texts, ("in", "out", "in"), strict=True)):
                    at = (created + timedelta(minutes=(0, 30, 40)[k])).isoformat()
                    author = str(cust) if direction == "in" else "\\N"
                    writer = "\\N" if direction == "in" else str(objects["agent"].pk)
                    pid = f"b{i}-{k}"
                    messages.append("\t".join([
                        str(i * 3 + k), str(i), str(account.pk), direction, "dm", _esc(text), author, writer, pid, "",
                        f"t{i}", "received" if direction == "in" else "sent", "[]", "{}", "\\N", lang, at, at, "\\N",
                        "\\N",
                    ]) + "\n")
            _copy(cur, "inbox_customer", ["id", "brand_id", "name", "created_at"], customers)
            _copy(cur, "inbox_identity", ["id", "customer_id", "brand_id", "platform", "external_id", "handle",
                                          "display_name", "email", "phone", "avatar_url", "created_at"], identities)
            _copy(cur, "inbox_ticket", ["id", "brand_id", "account_id", "customer_id", "subject", "status",
                                        "assignee_id", "language", "created_at", "updated_at", "waiting_since",
                                        "first_response_due_at", "first_response_at", "last_message_at",
                                        "search_who", "search_text"], tickets)
            _copy(cur, "inbox_message", ["id", "ticket_id", "account_id", "direction", "kind", "text",
                                         "author_identity_id", "author_user_id", "platform_id",
                                         "in_reply_to_platform_id", "thread_key", "delivery_status", "attachments",
                                         "extra", "automated", "language", "sent_at", "created_at", "client_token",
                                         "inbound_event_id"], messages)
            print(f"  seeded {hi:,} tickets", flush=True)
        for table in ("inbox_customer", "inbox_identity", "inbox_ticket", "inbox_message"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        cur.execute("ANALYZE")


def measure(client: Any, paths: list[str], requests: int) -> tuple[float, float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for path in paths[:3]:  # warm caches
        client.get(path)
    times: list[float] = []
    queries: set[int] = set()
    for n in range(requests):
        path = paths[n % len(paths)]
        with CaptureQueriesContext(connection) as ctx:
            t0 = time.perf_counter()
            response = client.get(path)
            times.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200, (path, response.status_code)
        queries.add(len(ctx.captured_queries))
    times.sort()
    p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
    return statistics.median(times), p95, max(queries)


def run_size(objects: dict[str, Any], size: int, suffix: str, requests: int) -> None:
    from django.test import Client

    from helpdesk.heap import freeze_loaded_heap
    from inbox.models import Ticket

    # As a web worker does once its application is loaded (helpdesk/wsgi.py).
    freeze_loaded_heap()
    client = Client()
    client.force_login(objects["agent"])
    brand = objects["brands"][0]
    waiting = list(Ticket.objects.filter(brand__in=objects["brands"][:2], waiting_since__isnull=False)
                   .order_by("?").values_list("id", flat=True)[:20])
    cases = {
        "inbox": ["/?view=waiting"],
        "inbox_filtered": [f"/?view=waiting&brand={brand.pk}&platform=telegram"],
        "htmx_list": ["/inbox/list/?view=waiting"],
        "api": ["/api/v1/tickets/"],
        "search_100": [f"/?q={RARE_WORD}"],
        "search_100k": [f"/?q={COMMON_WORD}"],
        "search_name": ["/?q=lodzka"],
        "api_search": [f"/api/v1/tickets/?q={COMMON_WORD}"],
        "conversation": [f"/tickets/{pk}/" for pk in waiting],
    }
    matches = {
        name: Ticket.objects.filter(search_text__contains=word).count()
        for name, word in (("search_100", RARE_WORD), ("search_100k", COMMON_WORD))
    }
    print(f"# {size:,} tickets; search_100 matches {matches['search_100']:,}, search_100k {matches['search_100k']:,}")
    search_p95 = 0.0
    for name, paths in cases.items():
        p50, p95, queries = measure(client, paths, requests)
        if name.startswith("search_"):
            search_p95 = max(search_p95, p95)
        print(f"RESULT {name}_p50{suffix} {p50:.1f} ms")
        print(f"RESULT {name}_p95{suffix} {p95:.1f} ms")
        print(f"RESULT {name}_queries{suffix} {queries} queries")
    print(f"RESULT search_p95{suffix} {search_p95:.1f} ms")  # the slowest of the searches


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", default="100000,1000000", help="ticket counts to measure at, ascending")
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--keep", action="store_true", help="reuse the database if it is seeded already")
    parser.add_argument("--seed", type=int, default=8)
    args = parser.parse_args()
    db_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB)
    if not db_url.startswith("postgres"):
        print("bench/inbox.py: BENCH_DATABASE_URL must be a scratch PostgreSQL database", file=sys.stderr)
        return 2
    if not args.keep:
        recreate_database(db_url)
    setup_django(db_url)
    from django.conf import settings
    from django.core.management import call_command

    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
    model_defaults_in_database("inbox.Customer", "inbox.Identity", "inbox.Ticket", "inbox.Message")
    from inbox.models import Ticket

    objects = base_objects()
    rng = random.Random(args.seed)
    sizes = [int(s) for s in args.size.split(",")]
    for index, size in enumerate(sizes):
        have = Ticket.objects.count()
        if have < size:
            t0 = time.perf_counter()
            seed(objects, have, size, rng)
            print(f"# seeded to {size:,} in {time.perf_counter() - t0:.0f} s", flush=True)
        suffix = "_1m" if size == 1_000_000 else "" if index == 0 else f"_{size}"
        run_size(objects, size, suffix, args.requests)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
