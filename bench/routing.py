"""Routing benchmark on PostgreSQL: seeds its own database with 200 agents (skills in four
languages and three channels, capacity 50, all online and on shift) in four teams over three
brands, and 10,000 waiting conversations (a tenth negative, some urgent, some overdue, a
tenth from returning customers); then routes the whole queue in one pass (routing.engine,
assignments through inbox's ticket_assign) and measures decisions per second and SQL
queries per decision.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hovor_bench_routing \\
        .venv/bin/python bench/routing.py [--agents 200] [--tickets 10000] [--capacity 50]

The database named is dropped and re-created: point it at a scratch database. Prints
`RESULT routing_rate <n> decisions/s`, `RESULT queries_per_decision <n>`,
`RESULT assigned <n> tickets` and checks nobody went over capacity."""

from __future__ import annotations

import argparse
import cProfile
import os
import random
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.setup_db import recreate_database, setup_django  # noqa: E402

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/hovor_bench_routing"
LANGUAGES = ["cs", "pl", "bg", "en"]
PLATFORMS = ["x", "telegram", "email"]






def seed(*, agents: int, tickets: int, capacity: int, rng: random.Random) -> Any:
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import User
    from django.utils import timezone

    from channels.models import Brand, BrandAccount
    from inbox.enums import Sentiment, TicketPriority, TicketStatus
    from inbox.models import AgentProfile, Customer, Team, Ticket
    from routing.models import PresenceStatus, RoutingProfile

    now = timezone.now()
    brands = [Brand.objects.create(name=f"Brand {i}") for i in range(3)]
    accounts = [
        BrandAccount.objects.create(brand=b, platform=p, handle=f"@{b.pk}{p}") for b in brands for p in PLATFORMS
    ]
    teams = [Team.objects.create(name=f"Team {i}") for i in range(4)]
    for i, team in enumerate(teams):
        team.brands.set(brands if i == 0 else [brands[i % 3]])
    password = make_password("pw-bench-12345")
    users = User.objects.bulk_create([User(username=f"agent{i}", password=password) for i in range(agents)])
    AgentProfile.objects.bulk_create([AgentProfile(user=u, display_name=f"Agent {u.pk}") for u in users])
    for i, user in enumerate(users):
        teams[i % 4].members.add(user)
    RoutingProfile.objects.bulk_create([
        RoutingProfile(
            user=u, capacity=capacity, presence=PresenceStatus.ONLINE, heartbeat_at=now, active_at=now, routable=True,
            languages=rng.sample(LANGUAGES, 2), platforms=[] if i % 2 else rng.sample(PLATFORMS, 2),
        )
        for i, u in enumerate(users)
    ])
    customers = Customer.objects.bulk_create([Customer(brand=brands[i % 3], name=f"c{i}") for i in range(tickets)])
    rows = []
    for i, customer in enumerate(customers):
        when = now - timedelta(seconds=tickets - i)
        rows.append(Ticket(
            brand_id=customer.brand_id, account=accounts[(i % 3) * 3 + rng.randrange(3)], customer=customer,
            status=TicketStatus.NEW, language=rng.choice(LANGUAGES), waiting_since=when, created_at=when,
            sentiment=Sentiment.NEGATIVE if i % 10 == 0 else Sentiment.NEUTRAL,
            priority=TicketPriority.URGENT if i % 37 == 0 else TicketPriority.NORMAL,
            first_response_due_at=when + timedelta(minutes=rng.choice([30, 60, 90])),
        ))
    Ticket.objects.bulk_create(rows, batch_size=2000)
    # A tenth are returning customers: an earlier solved ticket with someone.
    earlier = [
        Ticket(brand_id=c.brand_id, account=accounts[(i % 3) * 3], customer=c, status=TicketStatus.SOLVED,
               assignee=rng.choice(users), created_at=now - timedelta(days=3), last_message_at=now - timedelta(days=3))
        for i, c in enumerate(customers) if i % 10 == 5
    ]
    Ticket.objects.bulk_create(earlier, batch_size=2000)
    with __import__("django.db", fromlist=["connection"]).connection.cursor() as cur:
        cur.execute("ANALYZE")
    return now


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--agents", type=int, default=200)
    parser.add_argument("--tickets", type=int, default=10_000)
    parser.add_argument("--capacity", type=int, default=50)
    parser.add_argument("--profile", help="write a cProfile of the routing pass to this file")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", DEFAULT_DB)
    if not url.startswith("postgres"):
        sys.exit("bench/routing.py needs PostgreSQL (DATABASE_URL=postgres://...)")
    recreate_database(url)
    setup_django(url)
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count

    call_command("migrate", verbosity=0)
    now = seed(agents=args.agents, tickets=args.tickets, capacity=args.capacity, rng=random.Random(10))

    from inbox.enums import TicketStatus
    from inbox.models import Ticket
    from routing.engine import queue_route

    queries = 0

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        profiler = cProfile.Profile() if args.profile else None
        started = time.perf_counter()
        if profiler:
            profiler.enable()
        result = queue_route(at=now + timedelta(seconds=1))
        elapsed = time.perf_counter() - started
        if profiler:
            profiler.disable()
            profiler.dump_stats(args.profile)
    loads = Ticket.objects.exclude(status=TicketStatus.SOLVED).filter(assignee__isnull=False).values("assignee_id")
    worst = max((r["n"] for r in loads.annotate(n=Count("pk"))), default=0)
    print(f"agents {args.agents}, tickets {args.tickets}, capacity {args.capacity}: "
          f"{result.decisions} decisions ({len(result.assigned)} assigned, {result.waiting} waiting) "
          f"in {elapsed:.2f} s, {queries} queries; most open per agent {worst}")
    if worst > args.capacity:
        sys.exit(f"FAIL: an agent has {worst} open conversations, over capacity {args.capacity}")
    print(f"RESULT routing_rate {result.decisions / elapsed:.0f} decisions/s")
    print(f"RESULT queries_per_decision {queries / max(result.decisions, 1):.2f}")
    print(f"RESULT assigned {len(result.assigned)} tickets")


if __name__ == "__main__":
    main()
