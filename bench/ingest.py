"""Ingest benchmark: N mentions served by the fake X, polled and ingested into tickets by
one Celery worker process (on Redis), on the database DATABASE_URL names (PostgreSQL for
quoted figures). Also counts SQL queries per mention, on an empty and on a full database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hovor_bench REDIS_URL=redis://127.0.0.1:6379/14 \
        .venv/bin/python bench/ingest.py [--mentions 10000] [--concurrency 2]

Prints `RESULT ingest_rate <n> mentions/s` and `RESULT ingest_queries <n> queries/mention`.
The database named is dropped and re-created: point it at a scratch database."""
from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.setup_db import recreate_database  # noqa: E402


def mentions(n: int, rng: random.Random, customers: int) -> list[dict[str, str]]:
    texts = [
        "Dobrý den, kde je moje objednávka č. {i}?",
        "Dzień dobry, zamówienie {i} jest opóźnione 😟",
        "Здравейте, поръчка {i} не е пристигнала",
        "Hi, my order #{i} hasn't arrived yet, any update? https://example.com/o/{i}",
    ]
    return [
        {
            "author": f"@bench_{c}",
            "name": f"Customer {c}",
            "text": rng.choice(texts).format(i=i),
        }
        for i in range(n)
        for c in [rng.randrange(customers)]
    ]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mentions", type=int, default=10_000)
    parser.add_argument("--customers", type=int, default=4_000)
    parser.add_argument("--concurrency", type=int, default=2, help="worker pool processes (one worker)")
    parser.add_argument("--sample", type=int, default=500, help="mentions measured for queries/mention")
    args = parser.parse_args()

    db_url = os.environ.get("DATABASE_URL", "")
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/14")
    if not db_url.startswith("postgres"):
        print("bench/ingest.py: set DATABASE_URL to a scratch PostgreSQL database", file=sys.stderr)
        return 2
    recreate_database(db_url)
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "helpdesk.settings",
            "REDIS_URL": redis_url,
            "HOVOR_VAR_DIR": str(ROOT / "var" / "bench"),
            "LOG_LEVEL": "WARNING",
        }
    )
    import django

    django.setup()
    import redis
    from django.core.management import call_command
    from django.db import connection

    from channels.inbound import account_poll
    from channels.models import Brand
    from channels.services import brand_account_connect
    from channels.tasks import poll_account
    from fakes.x import FakeX
    from helpdesk.celery import app as celery_app
    from inbox.enums import Direction
    from inbox.models import Message, Ticket

    call_command("migrate", verbosity=0)
    redis.Redis.from_url(redis_url).flushdb()
    rng = random.Random(7)
    fake = FakeX(rate_limit_scale=1000, mentions_reachable=10 * args.mentions + 10_000).start()
    brand = Brand.objects.create(name="Bench")
    account = brand_account_connect(
        brand=brand, platform="x", handle="@AcmeCare", base_url=fake.base_url,
        credentials={
            "consumer_key": "demo-consumer-key", "consumer_secret": "demo-consumer-secret",
            "access_token": "demo-access-token", "access_token_secret": "demo-access-token-secret",
            "bearer_token": "demo-bearer-token",
        },
    )

    # Queries per mention on an (almost) empty database, the whole pipeline in-process.
    def measure_queries(count: int) -> float:
        fake.inbound_bulk(mentions(count, rng, args.customers))
        queries = 0

        def counter(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
            nonlocal queries
            queries += 1
            return execute(sql, params, many, context)

        celery_app.conf.CELERY_TASK_ALWAYS_EAGER = True
        try:
            with connection.execute_wrapper(counter):
                stored = account_poll(account_id=account.pk)
        finally:
            celery_app.conf.CELERY_TASK_ALWAYS_EAGER = False
        assert stored == count, (stored, count)
        return queries / count

    q_empty = measure_queries(args.sample)

    fake.inbound_bulk(mentions(args.mentions, rng, args.customers))
    env = dict(os.environ, CONN_MAX_AGE="600")
    log = open(ROOT / "var" / "bench" / "worker.log", "wb")  # noqa: SIM115 (lives as long as the worker)
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "helpdesk", "worker", "-Q", "default,inbound,routing,outbound",
         "-c", str(args.concurrency), "-l", "warning", "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        time.sleep(3)  # worker boot, not measured
        before = Message.objects.filter(direction=Direction.IN).count()
        target = before + args.mentions
        start = time.perf_counter()
        poll_account.delay(account.pk)
        while True:
            done = Message.objects.filter(direction=Direction.IN).count()
            if done >= target:
                break
            if worker.poll() is not None:
                raise SystemExit("worker died; see var/bench/worker.log")
            if time.perf_counter() - start > 600:
                raise SystemExit(f"timeout: {done - before}/{args.mentions} ingested")
            time.sleep(0.05)
        elapsed = time.perf_counter() - start
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    rate = args.mentions / elapsed

    q_full = measure_queries(args.sample)
    tickets = Ticket.objects.count()
    fake.stop()
    print(f"ingested {args.mentions} mentions in {elapsed:.2f}s with one worker (-c {args.concurrency}); "
          f"{tickets} tickets; queries/mention {q_empty:.2f} on an empty db, {q_full:.2f} at "
          f"{Message.objects.count()} messages")
    print(f"RESULT ingest_rate {rate:.1f} mentions/s")
    print(f"RESULT ingest_queries {q_full:.2f} queries/mention")
    print(f"RESULT ingest_queries_empty_db {q_empty:.2f} queries/mention")
    return 0


if __name__ == "__main__":
    sys.exit(main())
