"""Flood benchmark: 50,000 signed WhatsApp webhook deliveries in one burst at the web tier
(gunicorn, 4 sync workers) with two Celery workers ingesting, one of them kill -9'd half-way
through the burst (and started again 2 s later), on a PRIVATE PostgreSQL and Redis this
script starts (tests/faults/harness.py). Webhooks are stored first and answered at once, so
when the workers fall behind the backlog grows in the database, not at the platform's door.

    .venv/bin/python bench/burst.py [--deliveries 50000] [--connections 16]

Prints `RESULT accepted <%> percent` (first answers that were 2xx), `RESULT acceptance_rate
<n> deliveries/s`, `RESULT stored <n> events`, `RESULT ingested <n> messages`,
`RESULT duplicated <n> messages`, `RESULT drain <n> s` (from the last delivery answered until
everything is ingested), `RESULT peak_backlog <n> events` (stored, not yet ingested) and
`RESULT peak_queue_depth <n> tasks` (Redis, all queues)."""
from __future__ import annotations

import argparse
import http.client
import json
import sys
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from channels.meta.webhooks import signature_for  # noqa: E402
from tests.faults.harness import Cluster, Ports, missing_tools, wait_for  # noqa: E402
from tests.faults.seed import PHONE_NUMBER_ID, WA_CREDENTIALS  # noqa: E402


def delivery(i: int) -> bytes:
    wa_id = f"4207{i % 5000:08d}"
    return json.dumps({
        "object": "whatsapp_business_account",
        "entry": [{"id": "102290129340398", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550783881", "phone_number_id": PHONE_NUMBER_ID},
            "contacts": [{"profile": {"name": f"Zákazník {i % 5000}"}, "wa_id": wa_id}],
            "messages": [{"from": wa_id, "id": f"wamid.BURST{i:010d}", "timestamp": str(int(time.time())),
                          "type": "text", "text": {"body": f"Dobrý den, objednávka č. {i} 📦"}}],
        }}]}],
    }, ensure_ascii=True, separators=(",", ":")).encode()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--deliveries", type=int, default=50_000)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--web-workers", type=int, default=4)
    args = parser.parse_args()
    if missing_tools():
        print("bench/burst.py needs " + ", ".join(missing_tools()), file=sys.stderr)
        return 2
    cluster = Cluster(Ports.free(),
                      web_workers=args.web_workers, worker_concurrency=2)
    print(f"# logs in {cluster.root}", flush=True)
    try:
        cluster.start_databases()
        seed = cluster.seed_accounts()
        cluster.start_web()
        cluster.start_worker("worker")
        cluster.start_worker("worker2")
        cluster.start_beat()
        path = f"/webhooks/whatsapp/{seed.wa}/"
        secret = WA_CREDENTIALS["app_secret"]
        bodies = [delivery(i) for i in range(args.deliveries)]
        signatures = [signature_for(secret, b) for b in bodies]
        first: Counter[int] = Counter()
        answered = [0]
        lock = threading.Lock()
        half = threading.Event()

        def send(worker: int) -> None:
            conn = http.client.HTTPConnection("127.0.0.1", cluster.ports.web, timeout=30)
            for i in range(worker, args.deliveries, args.connections):
                attempt = 0
                while True:  # a platform retries until it hears 2xx
                    try:
                        conn.request("POST", path, body=bodies[i], headers={
                            "Content-Type": "application/json", "X-Hub-Signature-256": signatures[i]})
                        response = conn.getresponse()
                        response.read()
                        status = response.status
                    except (OSError, http.client.HTTPException):
                        conn.close()
                        conn = http.client.HTTPConnection("127.0.0.1", cluster.ports.web, timeout=30)
                        status = 0
                    if attempt == 0:
                        with lock:
                            first[status] += 1
                    attempt += 1
                    if 200 <= status < 300:
                        break
                    time.sleep(0.2)
                with lock:
                    answered[0] += 1
                    if answered[0] == args.deliveries // 2:
                        half.set()

        peak = {"backlog": 0, "queue": 0}
        sampling = threading.Event()

        def sample() -> None:
            import redis

            client = redis.Redis(port=cluster.ports.redis)
            while not sampling.is_set():
                try:
                    depth = sum(client.llen(q) for q in ("default", "inbound", "routing", "outbound"))
                    waiting = cluster.backlog()["inbound_waiting"]
                except Exception:  # noqa: S112 (a sample missed)
                    continue
                peak["queue"] = max(peak["queue"], depth)
                peak["backlog"] = max(peak["backlog"], waiting)
                time.sleep(0.5)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        started = time.monotonic()
        senders = [threading.Thread(target=send, args=(w,)) for w in range(args.connections)]
        for t in senders:
            t.start()
        half.wait()
        cluster.kill_worker("worker2")
        print(f"# worker2 killed at {args.deliveries // 2} deliveries", flush=True)
        time.sleep(2)
        cluster.start_worker("worker2")
        for t in senders:
            t.join()
        burst = time.monotonic() - started
        last_answer = time.monotonic()
        print(f"# burst answered in {burst:.1f} s; first answers {dict(first)}", flush=True)

        def ingested() -> bool:
            [(messages,)] = cluster.sql("SELECT count(*) FROM inbox_message WHERE direction = 'in'")
            return messages >= args.deliveries and cluster.backlog()["inbound_waiting"] == 0

        wait_for(ingested, timeout=1800, every=0.5, what="the burst ingested")
        drain = time.monotonic() - last_answer
        sampling.set()
        [(stored,)] = cluster.sql("SELECT count(*) FROM channels_inboundevent")
        [(messages, distinct)] = cluster.sql(
            "SELECT count(*), count(DISTINCT platform_id) FROM inbox_message WHERE direction = 'in'")
    finally:
        cluster.stop()
        cluster.cleanup()
    ok = sum(n for status, n in first.items() if 200 <= status < 300)
    print(f"RESULT accepted {100 * ok / args.deliveries:.2f} percent")
    print(f"RESULT acceptance_rate {args.deliveries / burst:.0f} deliveries/s")
    print(f"RESULT stored {stored} events")
    print(f"RESULT ingested {distinct} messages")
    print(f"RESULT duplicated {messages - distinct} messages")
    print(f"RESULT lost {args.deliveries - distinct} messages")
    print(f"RESULT drain {drain:.1f} s")
    print(f"RESULT peak_backlog {peak['backlog']} events")
    print(f"RESULT peak_queue_depth {peak['queue']} tasks")
    return 0


if __name__ == "__main__":
    sys.exit(main())
