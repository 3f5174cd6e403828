"""Reports benchmark on PostgreSQL: the reports page and the staffing page over a long
period, server time in-process (Django's test client), on the tickets bench/inbox.py seeds
with COPY (default 100,000 tickets, three messages each, one every three minutes: about
208 days). Measured as a lead of the team that answers two of the three brands.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hovor_bench_reports \\
        /work/main/.venv/bin/python bench/reports.py [--size 100000] [--requests 3]

The database named is dropped and re-created: point it at a scratch database. Prints
`RESULT reports_page_<days>d <ms> ms` (median of the requests), `RESULT staffing_page_<days>d
<ms> ms` and the SQL queries of one request."""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from setup_db import recreate_database, setup_django  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=3)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/hovor_bench_reports")
    recreate_database(url)
    setup_django(url)
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from inbox.actions.people import agent_create
    from inbox.models import Team

    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", "--noinput", verbosity=0)
    import importlib.util  # bench/inbox.py's seeding (its module name is the inbox app's)

    spec = importlib.util.spec_from_file_location("bench_inbox", ROOT / "bench" / "inbox.py")
    assert spec and spec.loader
    bench_inbox = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench_inbox)
    bench_inbox.model_defaults_in_database("inbox.Customer", "inbox.Identity", "inbox.Ticket", "inbox.Message")
    objects = bench_inbox.base_objects()
    started = time.monotonic()
    bench_inbox.seed(objects, 0, args.size, random.Random(1))
    print(f"# seeded {args.size:,} tickets in {time.monotonic() - started:.0f} s", flush=True)
    lead = agent_create(username="bench-lead", password="bench-pass-123", display_name="Bench Lead", role="lead")
    Team.objects.get(name="Acme team").members.add(lead)
    client = Client()
    client.force_login(lead)
    today = timezone.localdate()
    for days in (30, 366):
        start = today - timedelta(days=days - 1)
        for name, path in (("reports_page", "/reports/"), ("staffing_page", "/reports/staffing/")):
            times = []
            queries = 0
            for _ in range(args.requests):
                with CaptureQueriesContext(connection) as ctx:
                    t0 = time.perf_counter()
                    response = client.get(path, {"start": start.isoformat(), "end": today.isoformat()})
                    times.append((time.perf_counter() - t0) * 1000)
                assert response.status_code == 200, response.status_code
                queries = len(ctx.captured_queries)
            print(f"RESULT {name}_{days}d {statistics.median(times):.0f} ms", flush=True)
            print(f"RESULT {name}_{days}d_queries {queries} queries", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
