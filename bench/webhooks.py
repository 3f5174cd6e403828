"""Webhook benchmark on PostgreSQL + Redis: how many signed deliveries per second the web
tier (gunicorn, sync workers) accepts, and how long from a webhook POST until the message
is visible through the API, with one Celery worker ingesting.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hovor_bench_webhooks \
    REDIS_URL=redis://127.0.0.1:6379/13 .venv/bin/python bench/webhooks.py

Deliveries are real-shaped WhatsApp Cloud API `messages` webhooks, each a new message,
signed with X-Hub-Signature-256 as Meta signs them. The load generator is wrk (Debian's
`wrk`, installed by this script when missing and running as root) replaying pre-signed
requests. Prints `RESULT webhook_rate <n> deliveries/s` and
`RESULT webhook_visible_p95 <n> ms` (and p50). The database named is dropped and
re-created: point it at a scratch database."""
from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

APP_SECRET = "bench-app-secret"
PHONE_NUMBER_ID = "106540352242922"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def delivery(i: int, *, wa_id: str = "", name: str = "") -> bytes:
    """One WhatsApp messages webhook with one new text message (Meta's ASCII-escaped JSON)."""
    wa_id = wa_id or f"4207{i % 5000:08d}"
    name = name or f"Zákazník {i % 5000}"
    body = {
        "object": "whatsapp_business_account",
        "entry": [{
            "id": "102290129340398",
            "changes": [{
                "field": "messages",
                "value": {
                    "messaging_product": "whatsapp",
                    "metadata": {"display_phone_number": "15550783881", "phone_number_id": PHONE_NUMBER_ID},
                    "contacts": [{"profile": {"name": name}, "wa_id": wa_id}],
                    "messages": [{
                        "from": wa_id,
                        "id": f"wamid.BENCH{i:012d}",
                        "timestamp": str(int(time.time())),
                        "type": "text",
                        "text": {"body": f"Dobrý den, objednávka č. {i} ještě nedorazila 📦"},
                    }],
                },
            }],
        }],
    }
    return json.dumps(body, ensure_ascii=True, separators=(",", ":")).encode()


def lua_script(path: Path, url_path: str, bodies: list[tuple[bytes, str]], threads: int) -> None:
    """A wrk script: each thread walks its own share of the pre-signed deliveries."""
    lines = ["local reqs = {}"]
    for i, (body, sig) in enumerate(bodies, start=1):
        lines.append(f"reqs[{i}] = wrk.format('POST', '{url_path}', {{['Content-Type']='application/json', "
                     f"['X-Hub-Signature-256']='{sig}'}}, [=[{body.decode()}]=])")
    lines += [
        f"local n = {len(bodies)}",
        f"local step = {threads}",
        "local counter = 0",
        "local threads = {}",
        "function setup(thread) thread:set('id', #threads) table.insert(threads, thread) end",
        "function init(args) counter = id; bad = 0 end",
        "function request() local r = reqs[(counter % n) + 1]; counter = counter + step; return r end",
        "function response(status, headers, body) if status ~= 200 then bad = bad + 1 end end",
        "function done(summary, latency, requests)",
        "  local b = 0",
        "  for _, t in ipairs(threads) do b = b + t:get('bad') end",
        "  io.write(string.format('WRK_RESULT %d %d %d\\n', summary.requests, b, summary.duration))",
        "end",
    ]
    path.write_text("\n".join(lines))


def recreate_database(url: str) -> None:
    from ingest import recreate_database as recreate

    recreate(url)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--deliveries", type=int, default=12_000, help="distinct deliveries for the rate phase")
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--web-workers", type=int, default=4)
    parser.add_argument("--worker-class", default="sync", help="gunicorn worker class (sync, gthread)")
    parser.add_argument("--threads", type=int, default=1, help="threads per gunicorn worker (gthread)")
    parser.add_argument("--visible", type=int, default=400, help="deliveries timed until visible")
    parser.add_argument("--visible-rate", type=float, default=40.0, help="deliveries/s in the latency phase")
    args = parser.parse_args()

    db_url = os.environ.get("DATABASE_URL", "")
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/13")
    if not db_url.startswith("postgres"):
        print("bench/webhooks.py: set DATABASE_URL to a scratch PostgreSQL database", file=sys.stderr)
        return 2
    if not shutil.which("wrk") and os.geteuid() == 0:
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=False, stdout=subprocess.DEVNULL)
    if not shutil.which("wrk"):
        print("bench/webhooks.py needs wrk (apt-get install wrk)", file=sys.stderr)
        return 2
    recreate_database(db_url)
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="helpdesk.settings", REDIS_URL=redis_url,
               HOVOR_VAR_DIR=str(ROOT / "var" / "bench"), LOG_LEVEL="WARNING", CONN_MAX_AGE="600",
               ALLOWED_HOSTS="127.0.0.1,localhost")
    os.environ.update(env)
    import django

    django.setup()
    import redis
    import requests
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.db import connection
    from rest_framework.authtoken.models import Token

    from channels.meta.webhooks import signature_for
    from channels.models import Brand
    from channels.services import brand_account_connect
    from inbox.models import AgentProfile, Message

    call_command("migrate", verbosity=0)
    redis.Redis.from_url(redis_url).flushdb()
    account = brand_account_connect(
        brand=Brand.objects.create(name="Bench"), platform="whatsapp", handle="+15550783881",
        base_url="http://127.0.0.1:9", credentials={
            "phone_number_id": PHONE_NUMBER_ID, "access_token": "bench", "app_secret": APP_SECRET,
            "verify_token": "bench",
        },
    )
    agent = User.objects.create_user("bench", password="bench-bench-1")
    AgentProfile.objects.create(user=agent, display_name="Bench", signature="^B")
    token = Token.objects.create(user=agent).key
    connection.close()

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    path = f"/webhooks/whatsapp/{account.pk}/"
    log = open(ROOT / "var" / "bench" / "gunicorn.log", "wb")  # noqa: SIM115 (lives with the server)
    web = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "helpdesk.wsgi:application", "-b", f"127.0.0.1:{port}",
         "-w", str(args.web_workers), "--worker-class", args.worker_class, "--threads", str(args.threads),
         "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log,
    )
    worker = None
    try:
        for _ in range(100):
            try:
                requests.get(base + "/healthz", timeout=1)
                break
            except requests.RequestException:
                time.sleep(0.1)
        # Warm every gunicorn worker (imports, DB connection) before measuring.
        for i in range(50):
            body = delivery(10_000_000 + i)
            requests.post(base + path, data=body, headers={"X-Hub-Signature-256": signature_for(APP_SECRET, body),
                                                           "Content-Type": "application/json"}, timeout=5)

        # Phase 1: accepted deliveries per second (no worker: ingestion waits in Redis).
        bodies = [(b, signature_for(APP_SECRET, b)) for b in (delivery(i) for i in range(args.deliveries))]
        with tempfile.TemporaryDirectory() as tmp:
            script = Path(tmp) / "deliveries.lua"
            lua_script(script, path, bodies, threads=2)
            out = subprocess.run(
                ["wrk", "-t2", f"-c{args.connections}", f"-d{args.seconds}s", "-s", str(script), base],
                capture_output=True, text=True, check=False,
            ).stdout
        line = next((x for x in out.splitlines() if x.startswith("WRK_RESULT")), None)
        if line is None:
            print(out, file=sys.stderr)
            return 1
        total, bad, duration_us = (int(x) for x in line.split()[1:])
        accepted = (total - bad) / (duration_us / 1e6)

        # Phase 2: POST → visible in the API, with one worker ingesting.
        worker_log = open(ROOT / "var" / "bench" / "webhook-worker.log", "wb")  # noqa: SIM115
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "helpdesk", "worker", "-Q", "default,inbound,routing,outbound",
             "-c", "2", "-l", "warning", "--without-gossip", "--without-mingle", "--without-heartbeat"],
            cwd=ROOT, env=env, stdout=worker_log, stderr=subprocess.STDOUT,
        )
        deadline = time.time() + 300
        while Message.objects.count() < total - bad and time.time() < deadline:  # drain phase 1
            time.sleep(0.5)
        sent_at: dict[str, float] = {}
        seen_at: dict[str, float] = {}
        stop = threading.Event()

        def watch() -> None:
            # What an API client sees: the newest tickets, polled as fast as the API answers.
            # Each timed delivery comes from a new customer, so it opens a ticket named after it.
            session = requests.Session()
            session.headers["Authorization"] = f"Token {token}"
            since = datetime.now(UTC).isoformat()
            while not stop.is_set():
                query = {"platform": "whatsapp", "created_after": since, "page_size": 200}
                data = session.get(f"{base}/api/v1/tickets/", params=query, timeout=5).json()
                now = time.perf_counter()
                for ticket in data["results"]:
                    name = ticket["customer"]["name"]
                    if name in sent_at and name not in seen_at:
                        seen_at[name] = now
                time.sleep(0.005)

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        session = requests.Session()
        for i in range(args.visible):
            name = f"Timed visitor {i}"
            body = delivery(20_000_000 + i, wa_id=f"4219{i:08d}", name=name)
            sent_at[name] = time.perf_counter()
            session.post(base + path, data=body, headers={"X-Hub-Signature-256": signature_for(APP_SECRET, body),
                                                           "Content-Type": "application/json"}, timeout=5)
            time.sleep(1 / args.visible_rate)
        deadline = time.time() + 60
        while len(seen_at) < len(sent_at) and time.time() < deadline:
            time.sleep(0.05)
        stop.set()
        watcher.join(timeout=10)
        latencies = sorted((seen_at[k] - sent_at[k]) * 1000 for k in seen_at)
        if len(latencies) < len(sent_at):
            print(f"only {len(latencies)}/{len(sent_at)} became visible within 60 s", file=sys.stderr)
        p50 = statistics.median(latencies)
        p95 = latencies[int(0.95 * (len(latencies) - 1))]
    finally:
        for proc in (worker, web):
            if proc is not None:
                proc.terminate()
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()
    print(f"{total} deliveries in {duration_us / 1e6:.1f}s over {args.connections} connections to "
          f"{args.web_workers} gunicorn {args.worker_class} workers, {bad} not 200; "
          f"visibility of {len(latencies)} deliveries at {args.visible_rate}/s with one worker (-c 2)")
    print(f"RESULT webhook_rate {accepted:.1f} deliveries/s")
    print(f"RESULT webhook_visible_p50 {p50:.0f} ms")
    print(f"RESULT webhook_visible_p95 {p95:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
