"""One fault run, shared by the suite (reduced) and bench/faults.py (full): customers write on
WhatsApp (signed webhooks the fake pushes, 10% redelivered), X (mentions, polled every
second) and Telegram (getUpdates, polled every second) while a worker is kill -9'd and
restarted, then Redis, then PostgreSQL are restarted; then agents answer through the API
while the fakes storm (429, 5xx, late and lost answers) and a worker dies with replies in
flight. After each fault the run waits until everything stored is ingested and every reply
delivered, and times it. Finally it counts what each platform holds against what was sent."""
from __future__ import annotations

import json
import random
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote_plus

import requests

from tests.faults.harness import Cluster, wait_for

MARK = re.compile(r"\[(m|r):([a-z]+)-(\d+)\]")


@dataclass
class Probe:
    """What the web tier answered while the database was away."""

    path: str
    status: int | None
    content_type: str
    body: str

    @property
    def clear(self) -> bool:
        if self.status != 503 or "Traceback" in self.body:
            return False
        if self.content_type.startswith("application/json"):
            return json.loads(self.body).get("error") == "database_unavailable"
        return "<h1>" in self.body


@dataclass
class Report:
    inbound_sent: int = 0
    redelivered: int = 0
    lost: int = 0
    duplicated: int = 0
    replies_sent: int = 0
    replies_missing: int = 0
    replies_failed: int = 0
    # X can look a sent reply up: any second copy is a bug. WhatsApp cannot: a lost answer
    # may be sent again (the documented at-most-twice case), counted apart.
    replies_sent_twice: int = 0
    replies_twice_no_lookup: int = 0
    # WhatsApp or Telegram replies with more copies than one plus the calls of theirs whose
    # outcome Hovor could not know (a lost answer, a kill mid-send): a bug.
    replies_beyond_unknown_outcomes: int = 0
    # WhatsApp and Telegram replies "sending" when their worker was killed: each may reach the
    # customer twice (neither platform lets a sent message be looked up).
    whatsapp_in_flight_at_kill: int = 0
    recovery: dict[str, float] = field(default_factory=dict)
    probes: list[Probe] = field(default_factory=list)
    webhook_answers: Counter[int] = field(default_factory=Counter)
    chaos: dict[str, Any] = field(default_factory=dict)
    backlog_after: dict[str, int] = field(default_factory=dict)

    @property
    def recovery_max(self) -> float:
        return max(self.recovery.values(), default=0.0)


class Load:
    """Customers writing: WhatsApp through the fake's pushes, X mentions and Telegram
    messages for the pollers."""

    def __init__(self, cluster: Cluster, rng: random.Random, customers: int = 400) -> None:
        self.cluster = cluster
        self.customers = customers  # per platform: each has a conversation to answer
        self.rng = rng
        self.session = requests.Session()
        self.expected: set[str] = set()
        self.redelivered = 0
        self.lock = threading.Lock()

    def whatsapp(self, numbers: range) -> None:
        for i in numbers:
            c = i % self.customers
            wa_id = f"4206{c:08d}"
            body = {"author": wa_id, "name": f"Zákazník {c}", "text": f"Dobrý den, kde je balík? [m:wa-{i}]"}
            self._post(f"{self.cluster.fake_wa_url}/_fake/inbound", body)
            with self.lock:
                self.expected.add(f"wa-{i}")
            if self.rng.random() < 0.1:  # Meta redelivers now and then: the same bytes again
                self._post(f"{self.cluster.fake_wa_url}/_fake/redeliver", {"index": -self.rng.randint(1, 3)})
                self.redelivered += 1

    def x(self, numbers: range, batch: int = 50) -> None:
        items = []
        for i in numbers:
            c = i % self.customers
            items.append({"author": f"@zakaznik{c}", "name": f"Zákazník {c}",
                          "text": f"@AcmeCare pomozte prosím [m:x-{i}]"})
            if len(items) == batch:
                self._flush_x(items)
                items = []
        if items:
            self._flush_x(items)

    def telegram(self, numbers: range) -> None:
        for i in numbers:
            c = i % self.customers
            body = {"author": 700_000_000 + c, "name": f"Zákazník {c}", "text": f"Dobrý den, reklamace [m:tg-{i}]"}
            self._post(f"{self.cluster.fake_tg_url}/_fake/inbound", body)
            with self.lock:
                self.expected.add(f"tg-{i}")
            if i % 20 == 0:
                time.sleep(0.02)  # customers write over time

    def _flush_x(self, items: list[dict[str, Any]]) -> None:
        self._post(f"{self.cluster.fake_x_url}/_fake/inbound/bulk", {"items": items})
        with self.lock:
            for item in items:
                match = MARK.search(item["text"])
                assert match is not None
                self.expected.add(f"{match.group(2)}-{match.group(3)}")
        time.sleep(0.05)  # customers write over time, not all in one instant

    def _post(self, url: str, body: dict[str, Any]) -> None:
        for _ in range(50):
            try:
                if self.session.post(url, json=body, timeout=10).status_code < 300:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"fake refused {url}")

    def feed(self, start: int, stop: int) -> threading.Thread:
        """The three platforms, interleaved, in the background: a third of [start, stop) each."""
        first, second = start + (stop - start) // 3, start + 2 * (stop - start) // 3

        def run() -> None:
            threads = [threading.Thread(target=self.whatsapp, args=(range(start, first),)),
                       threading.Thread(target=self.x, args=(range(first, second),)),
                       threading.Thread(target=self.telegram, args=(range(second, stop),))]
            for t in threads:
                t.start()
            for t in threads:
                t.join()

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        return thread


def present(cluster: Cluster) -> Counter[str]:
    """Every inbound marker the inbox holds, with how often."""
    assert cluster.seed is not None
    found: Counter[str] = Counter()
    for account in (cluster.seed.wa, cluster.seed.x, cluster.seed.tg):
        for text in cluster.inbound_texts(account):
            for match in MARK.finditer(text):
                if match.group(1) == "m":
                    found[f"{match.group(2)}-{match.group(3)}"] += 1
    return found


def complete(cluster: Cluster, load: Load) -> bool:
    if not cluster.drained():
        return False
    found = present(cluster)
    return all(key in found for key in load.expected)


def _pushed(cluster: Cluster) -> bool:
    return requests.get(f"{cluster.fake_wa_url}/_fake/pushing", timeout=5).json()["waiting"] == 0


def _wait_complete(cluster: Cluster, load: Load, restarted: float, timeout: float) -> float:
    """Seconds from the later of the restart and the platforms having delivered everything
    (the WhatsApp fake pushes one webhook at a time, retrying as Meta does) until everything
    is ingested and delivered: Hovor's recovery, not the platform's pace."""
    wait_for(lambda: _pushed(cluster), timeout=timeout, every=0.2, what="the WhatsApp fake's pushes")
    since = max(restarted, time.monotonic())
    try:
        wait_for(lambda: complete(cluster, load), timeout=timeout, every=0.25, what="every message ingested")
    except TimeoutError:
        pass  # something is lost or stuck: the counts below tell what
    return time.monotonic() - since


def _probe(cluster: Cluster, session: requests.Session, token: str) -> list[Probe]:
    """The web tier while the database is away: a webhook, the API, an agent's page."""
    assert cluster.seed is not None
    probes = []
    calls: list[tuple[str, Callable[[], requests.Response]]] = [
        # An account no gunicorn worker has cached: the lookup needs the database.
        ("/webhooks/whatsapp/999999/", lambda: requests.post(
            f"{cluster.base_url}/webhooks/whatsapp/999999/", data=b"{}", timeout=10)),
        ("/api/v1/tickets/", lambda: requests.get(f"{cluster.base_url}/api/v1/tickets/",
                                                  headers={"Authorization": f"Token {token}"}, timeout=10)),
        ("/", lambda: session.get(f"{cluster.base_url}/", headers={"Accept": "text/html"}, timeout=10)),
    ]
    for path, call in calls:
        try:
            response = call()
            probes.append(Probe(path, response.status_code, response.headers.get("Content-Type", ""), response.text))
        except requests.RequestException as exc:
            probes.append(Probe(path, None, "", str(exc)))
    return probes


def _login(cluster: Cluster) -> requests.Session:
    assert cluster.seed is not None
    session = requests.Session()
    session.get(f"{cluster.base_url}/login/", timeout=10)
    session.post(f"{cluster.base_url}/login/", data={
        "username": cluster.seed.username, "password": cluster.seed.password,
        "csrfmiddlewaretoken": session.cookies.get("csrftoken", ""),
    }, headers={"Referer": f"{cluster.base_url}/login/"}, timeout=10)
    return session


def _chaos(url: str, **spec: Any) -> None:
    requests.post(f"{url}/_fake/chaos", json=spec, timeout=5).raise_for_status()


def _reply(cluster: Cluster, token: str, ticket_id: int, k: int, platform: str) -> None:
    session = requests.Session()
    for _ in range(100):
        try:
            response = session.post(f"{cluster.base_url}/api/v1/tickets/{ticket_id}/reply/",
                                    json={"text": f"Děkujeme, prověřujeme to [r:{platform}-{k}]"},
                                    headers={"Authorization": f"Token {token}"}, timeout=20)
            if response.status_code < 300:
                return
            if response.status_code not in (502, 503):
                raise RuntimeError(f"reply {k}: {response.status_code} {response.text[:300]}")
        except requests.ConnectionError:
            pass  # refused: the request never reached Hovor
        time.sleep(0.2)
    raise RuntimeError(f"reply {k} never accepted")


def _sent_markers(url: str) -> Counter[str]:
    data = requests.get(f"{url}/_fake/outbound", timeout=30).json()
    entries = data.get("data", data.get("result", []))
    found: Counter[str] = Counter()
    for entry in entries:
        # One entry is one message sent, whichever of its fields repeat the text (Telegram's
        # fake keeps `text` and `sent_text`).
        found.update({f"{m.group(2)}-{m.group(3)}" for m in MARK.finditer(json.dumps(entry, ensure_ascii=False))
                      if m.group(1) == "r"})
    return found


def _markers(texts: Iterable[str]) -> Counter[str]:
    """Reply markers in texts (request bodies, form-encoded or JSON, or message texts), each
    counted once per text."""
    found: Counter[str] = Counter()
    for text in texts:
        found.update({f"{m.group(2)}-{m.group(3)}" for m in MARK.finditer(unquote_plus(text)) if m.group(1) == "r"})
    return found


def run(cluster: Cluster, *, inbound: int, replies: int, seed: int | None = None,
        log: Callable[[str], None] = print, phase_timeout: float = 120.0) -> Report:
    rng = random.Random(seed)  # noqa: S311 (fault timing, not security)
    report = Report(inbound_sent=inbound)
    assert cluster.seed is not None
    load = Load(cluster, rng, customers=max(400, replies))
    agent = _login(cluster)
    cut_a, cut_b = int(inbound * 0.4), int(inbound * 0.7)

    # A: a worker killed at a random point of the burst, restarted half a second later.
    log(f"A: {cut_a} messages, worker kill -9 at a random point")
    feeding = load.feed(0, cut_a)
    time.sleep(rng.uniform(0.3, 1.0) * max(cut_a / 400, 1.0))
    cluster.kill_worker()
    time.sleep(0.5)
    cluster.start_worker()
    restarted = time.monotonic()
    feeding.join()
    report.recovery["worker_kill_inbound"] = _wait_complete(cluster, load, restarted, phase_timeout)
    log(f"A: recovered in {report.recovery['worker_kill_inbound']:.1f} s")

    # ... and once more right at the end of a burst, when no later delivery queues an ingest.
    feeding = load.feed(cut_a, cut_a + max(inbound // 20, 10))
    feeding.join()
    cluster.kill_worker()
    cluster.start_worker()
    restarted = time.monotonic()
    report.recovery["worker_kill_end_of_burst"] = _wait_complete(cluster, load, restarted, phase_timeout)
    log(f"A': recovered in {report.recovery['worker_kill_end_of_burst']:.1f} s")

    # B: Redis (broker, no persistence: every queued task lost) restarted mid-burst.
    log("B: Redis restart")
    feeding = load.feed(cut_a + max(inbound // 20, 10), cut_b)
    time.sleep(0.5)
    cluster.restart_redis(down=1.0)
    restarted = time.monotonic()
    feeding.join()
    report.recovery["redis_restart"] = _wait_complete(cluster, load, restarted, phase_timeout)
    log(f"B: recovered in {report.recovery['redis_restart']:.1f} s")

    # C: PostgreSQL crashed mid-burst for three seconds; the web tier must answer 503, clearly.
    log("C: PostgreSQL restart")
    feeding = load.feed(cut_b, inbound)
    time.sleep(0.5)
    with cluster.postgres_down():
        time.sleep(0.5)
        report.probes = _probe(cluster, agent, cluster.seed.token)
        time.sleep(2.0)
    restarted = time.monotonic()
    feeding.join()
    report.recovery["postgres_restart"] = _wait_complete(cluster, load, restarted, phase_timeout)
    answers = [(p.path, p.status) for p in report.probes]
    log(f"C: recovered in {report.recovery['postgres_restart']:.1f} s; answers while away {answers}")

    found = present(cluster)
    missing = sorted(load.expected - set(found))
    report.lost = len(missing)
    if missing:
        log(f"lost: {missing[:20]}")
    report.duplicated = sum(n - 1 for n in found.values() if n > 1)

    # D: replies while the fakes storm, and a worker killed with replies in flight.
    log(f"D: {replies} replies with storms and a worker kill")
    report.replies_sent = replies
    share = {"x": replies - 2 * (replies // 3), "wa": replies // 3, "tg": replies // 3}
    accounts = {"x": cluster.seed.x, "wa": cluster.seed.wa, "tg": cluster.seed.tg}
    tickets = {
        platform: [r[0] for r in cluster.sql(
            "SELECT id FROM inbox_ticket WHERE account_id = %s ORDER BY id LIMIT %s", (accounts[platform], n))]
        for platform, n in share.items()
    }
    storms = max(replies // 30, 3)  # calls each storm hits (a share of the calls until used up)
    # X: 429 storms (reset in a second), 503s, late answers (past Hovor's 2 s timeout), lost
    # answers. WhatsApp: 503s and lost answers (it cannot look a message up).
    _chaos(cluster.fake_x_url, mode="error", status=429, rate=0.3, times=storms, retry_after=1, path="/2/tweets")
    _chaos(cluster.fake_x_url, mode="error", status=503, rate=0.3, times=storms, path="/2/tweets")
    _chaos(cluster.fake_x_url, mode="timeout", rate=0.3, times=storms, delay=3, path="/2/tweets")
    _chaos(cluster.fake_x_url, mode="lost", rate=0.3, times=storms, path="/2/tweets")
    _chaos(cluster.fake_wa_url, mode="error", status=503, rate=0.3, times=storms, path="/v")
    _chaos(cluster.fake_wa_url, mode="lost", rate=0.3, times=storms, path="/v")
    # Telegram: 429 with parameters.retry_after, 502s and lost answers on sendMessage (getUpdates
    # keeps polling through them); no lookup either.
    from tests.faults.seed import TG_BOT_TOKEN

    send_path = f"/bot{TG_BOT_TOKEN}/sendMessage"
    _chaos(cluster.fake_tg_url, mode="error", status=429, rate=0.3, times=storms, retry_after=1, path=send_path)
    _chaos(cluster.fake_tg_url, mode="error", status=502, rate=0.3, times=storms, path=send_path)
    _chaos(cluster.fake_tg_url, mode="lost", rate=0.3, times=storms, path=send_path)
    jobs = [(t, k, platform) for platform, ids in tickets.items() for k, t in enumerate(ids)]
    rng.shuffle(jobs)
    report.replies_sent = len(jobs)
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = [pool.submit(_reply, cluster, cluster.seed.token, t, k, p) for t, k, p in jobs]
        # Kill the worker while a reply is being sent (a slow platform makes sure one is).
        try:
            wait_for(lambda: cluster.sql(
                "SELECT count(*) FROM channels_outboundmessage WHERE status = 'sending'")[0][0] > 0,
                timeout=30, every=0.05, what="a reply in flight")
        except TimeoutError:
            log("D: no reply caught in flight; killing anyway")
        in_flight = {row[0] for row in cluster.sql(
            "SELECT m.text FROM channels_outboundmessage o JOIN inbox_message m ON m.id = o.message_id "
            "WHERE o.status = 'sending' AND o.account_id IN (%s, %s)", (cluster.seed.wa, cluster.seed.tg))}
        cluster.kill_worker()
        report.whatsapp_in_flight_at_kill = len(in_flight)
        time.sleep(0.5)
        cluster.start_worker()
        for future in futures:
            future.result()
    # The storms last until every reply has had its first attempt at the platform (however
    # long the restarted worker takes to start); then the platforms calm down.
    try:
        wait_for(lambda: cluster.sql(
            "SELECT count(*) FROM channels_outboundmessage WHERE attempts = 0")[0][0] == 0,
            timeout=60, every=0.2, what="every reply's first attempt")
    except TimeoutError:
        log("D: some replies had no attempt within 60 s of being accepted")
    storms = {platform: requests.get(f"{url}/_fake/chaos", timeout=5).json() for platform, url in (
        ("x", cluster.fake_x_url), ("whatsapp", cluster.fake_wa_url), ("telegram", cluster.fake_tg_url))}
    report.chaos = {platform: storm["counts"] for platform, storm in storms.items()}
    # The calls each platform acted on without Hovor learning it, by reply: each may rightly
    # be sent again where the platform has no lookup (and so may a reply in flight at the kill).
    unknown_outcomes = _markers(body for storm in storms.values() for body in storm["unanswered"]) + _markers(in_flight)
    for url in (cluster.fake_x_url, cluster.fake_wa_url, cluster.fake_tg_url):
        _chaos(url, mode="off")
    calmed = time.monotonic()
    report.recovery["worker_kill_sending"] = _wait_complete(cluster, load, calmed, phase_timeout)
    log(f"D: recovered in {report.recovery['worker_kill_sending']:.1f} s after the storms")

    sent = _sent_markers(cluster.fake_x_url) + _sent_markers(cluster.fake_wa_url) + _sent_markers(cluster.fake_tg_url)
    failed_rows = cluster.sql(
        "SELECT m.text, o.attempts, o.last_error FROM channels_outboundmessage o "
        "JOIN inbox_message m ON m.id = o.message_id WHERE o.status = 'failed'")
    failed = {row[0] for row in failed_rows}
    report.replies_failed = len(failed)
    for text, attempts, error in failed_rows:  # a failure says why
        log(f"D: reply failed after {attempts} attempts: {error[:300]!r} ({text[-20:]!r})")
    for _, k, platform in jobs:
        key = f"{platform}-{k}"
        count = sent.get(key, 0)
        if count == 0 and not any(f"[r:{key}]" in text for text in failed):
            report.replies_missing += 1
        if count >= 2:
            if platform == "x":
                report.replies_sent_twice += 1
            else:
                report.replies_twice_no_lookup += 1
        if platform != "x" and count > 1 + unknown_outcomes.get(key, 0):
            report.replies_beyond_unknown_outcomes += 1
    report.backlog_after = cluster.backlog()
    report.redelivered = load.redelivered
    report.inbound_sent = len(load.expected)
    log(f"inbound {report.inbound_sent} (+{report.redelivered} redelivered): lost {report.lost}, duplicated "
        f"{report.duplicated}; replies {report.replies_sent}: missing {report.replies_missing}, failed "
        f"{report.replies_failed}, twice on X {report.replies_sent_twice}, twice on WhatsApp or Telegram (no lookup) "
        f"{report.replies_twice_no_lookup}; storms {report.chaos}; recovery {report.recovery}")
    return report
