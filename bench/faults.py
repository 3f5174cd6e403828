"""Fault benchmark, full size: 10,000 inbound messages (WhatsApp webhooks the fake pushes,
X mentions and Telegram messages the beat polls) and 1,000 replies through Hovor's own processes (gunicorn, a Celery
worker, beat) on a PRIVATE PostgreSQL and Redis this script starts in a temporary directory,
with a worker kill -9'd mid-burst and at the end of one, Redis and PostgreSQL restarted
mid-burst, and the fakes storming (429, 5xx, late and lost answers) while a worker dies with
replies in flight. The same run as tests/faults/ (tests/faults/scenario.py), bigger.

    .venv/bin/python bench/faults.py [--inbound 10000] [--replies 1000]

Prints `RESULT lost <n> messages`, `RESULT duplicated <n> messages`,
`RESULT replies_sent_twice <n>` (X, which can look a reply up: must be 0),
`RESULT replies_twice_no_lookup <n>` (WhatsApp's and Telegram's documented at-most-twice case,
after a lost answer), and `RESULT recovery <n> s` (the slowest fault: from the restart until everything
stored was ingested and every reply delivered), with one line per fault."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.faults.harness import Cluster, Ports, missing_tools  # noqa: E402
from tests.faults.scenario import run  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--inbound", type=int, default=10_000)
    parser.add_argument("--replies", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (logs)")
    args = parser.parse_args()
    missing = missing_tools()
    if missing:
        print("bench/faults.py needs " + ", ".join(missing), file=sys.stderr)
        return 2
    cluster = Cluster(Ports.free(),
                      web_workers=3)
    print(f"# logs in {cluster.root}", flush=True)
    try:
        cluster.start_all()
        report = run(cluster, inbound=args.inbound, replies=args.replies, seed=args.seed,
                     log=lambda line: print(f"# {line}", flush=True), phase_timeout=600)
    except Exception:
        for name in ("web", "worker", "beat", "fake-x", "fake-wa", "fake-tg"):
            print(f"--- {name} ---\n{cluster.logs(name)}", file=sys.stderr)
        raise
    finally:
        cluster.stop()
        if not args.keep:
            cluster.cleanup()
    unclear = [p for p in report.probes if not p.clear]
    print(f"# 503 while the database was away: {[(p.path, p.status, p.content_type) for p in report.probes]}")
    print(f"# storms injected: {report.chaos}")
    print(f"RESULT lost {report.lost} messages")
    print(f"RESULT duplicated {report.duplicated} messages")
    print(f"RESULT replies_sent_twice {report.replies_sent_twice}")
    print(f"RESULT replies_twice_no_lookup {report.replies_twice_no_lookup}")
    print(f"RESULT replies_missing {report.replies_missing}")
    print(f"RESULT replies_beyond_unknown_outcomes {report.replies_beyond_unknown_outcomes}")
    print(f"# WhatsApp and Telegram unknown outcomes: {report.chaos['whatsapp'].get('lost', 0)} + "
          f"{report.chaos['telegram'].get('lost', 0)} lost answers, "
          f"{report.whatsapp_in_flight_at_kill} sending when the worker was killed")
    for fault, seconds in report.recovery.items():
        print(f"RESULT recovery_{fault} {seconds:.1f} s")
    print(f"RESULT recovery {report.recovery_max:.1f} s")
    print(f"RESULT unclear_503 {len(unclear)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
