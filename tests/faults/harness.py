"""The process harness the fault suite (tests/faults/) and the benchmarks (bench/faults.py,
bench/burst.py) share: a PRIVATE PostgreSQL (initdb + pg_ctl in a temporary directory) and
a private redis-server, each on its own port, Hovor's own processes against them (gunicorn,
Celery workers, beat) and the platform fakes (`python -m fakes.<platform>`), so a test may
kill -9 and restart any of them without touching the machine's shared servers.

`Cluster` starts, kills and restarts the pieces and reads the private database with psycopg2
(never through the test process's Django, which points at the test database)."""
from __future__ import annotations

import glob
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg2
import requests

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable


def postgres_bin() -> Path | None:
    """Debian's server binaries (/usr/lib/postgresql/<version>/bin), the newest."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[4]))
    return Path(found[-1]).parent if found else None


def missing_tools() -> list[str]:
    missing = []
    if postgres_bin() is None:
        missing.append("PostgreSQL server binaries (/usr/lib/postgresql/*/bin)")
    if not shutil.which("redis-server"):
        missing.append("redis-server")
    return missing


def wait_for(check: Callable[[], bool], *, timeout: float, every: float = 0.1, what: str = "") -> float:
    """Poll `check` until true; returns the seconds it took (raises after `timeout`)."""
    start = time.monotonic()
    while True:
        try:
            if check():
                return time.monotonic() - start
        except Exception:  # noqa: S110 (not up yet)
            pass
        if time.monotonic() - start > timeout:
            raise TimeoutError(f"gave up waiting for {what or check} after {timeout:.0f} s")
        time.sleep(every)


@dataclass
class Ports:
    web: int
    postgres: int
    redis: int
    fake_x: int
    fake_wa: int
    fake_tg: int = 0  # 0: the Telegram fake takes the port after fake_wa

    @classmethod
    def free(cls) -> Ports:
        """Six ports nothing on this machine listens on, below the ephemeral range (so no
        client connection takes one meanwhile). Fixed ports made a run fail whenever a server
        of an earlier, interrupted run (pg_ctl's daemon outlives its test) still held one."""
        web, postgres, redis, fake_x, fake_wa, fake_tg = _unused_ports(6)
        return cls(web=web, postgres=postgres, redis=redis, fake_x=fake_x, fake_wa=fake_wa, fake_tg=fake_tg)


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def unused_port_run(length: int, low: int = 20000, high: int = 32000) -> int:
    """The first of `length` consecutive ports nothing listens on, below the ephemeral range
    (a client connection of another process never takes one of them meanwhile)."""
    while True:
        start = random.randint(low, high - length)  # noqa: S311 (not a secret)
        if all(_port_is_free(port) for port in range(start, start + length)):
            return start


def _unused_ports(count: int, low: int = 20000, high: int = 32000) -> list[int]:
    chosen: list[int] = []
    while len(chosen) < count:
        port = random.randint(low, high)  # noqa: S311 (not a secret)
        if port not in chosen and _port_is_free(port):
            chosen.append(port)
    return chosen


class PrivatePostgres:
    """A PostgreSQL of the test's own. As root the server runs as the postgres user."""

    def __init__(self, root: Path, port: int) -> None:
        self.root = root
        self.port = port
        self.bin = postgres_bin()
        self.data = root / "pgdata"
        self.log = root / "logs" / "postgres.log"

    def _run(self, *args: str) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode:
            log = self.log.read_text(errors="replace")[-4000:] if self.log.exists() else "(no log)"
            raise RuntimeError(f"{args[0]} {args[-1]} exited {done.returncode}: {done.stdout}{done.stderr}\n"
                               f"--- postgres.log ---\n{log}")

    def init(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres")
            shutil.chown(self.root / "logs", "postgres")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")
        self.start()
        conn = psycopg2.connect(self.dsn("postgres"))
        conn.autocommit = True
        conn.cursor().execute("CREATE DATABASE hovor")
        conn.close()

    def start(self) -> None:
        # fsync off is safe here: "stop -m immediate" kills the server, not the machine, so
        # the WAL it wrote is in the page cache. (synchronous_commit stays on: turned off, a
        # crash would drop commits already acknowledged, which no real setup accepts.)
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c max_connections=200"
        )
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.log), "-w", "-t", "180", "start")

    def stop(self, mode: str = "immediate") -> None:
        """`immediate` is a crash (no shutdown checkpoint); recovery runs on start."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "180", "stop")

    def dsn(self, database: str = "hovor") -> str:
        return f"host=127.0.0.1 port={self.port} user=postgres dbname={database}"

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/hovor"


class PrivateRedis:
    """A redis-server child on its own port, with no persistence: a restart loses every
    queued task, the worst case for the broker."""

    def __init__(self, root: Path, port: int) -> None:
        self.port = port
        self.log = root / "logs" / "redis.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--logfile", str(self.log)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        import redis

        wait_for(lambda: redis.Redis(port=self.port).ping(), timeout=10, what="redis")

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"


@dataclass
class Seed:
    x: int
    wa: int
    tg: int
    token: str
    username: str
    password: str


@dataclass
class Cluster:
    """Everything of one fault run, under one temporary directory."""

    ports: Ports
    web_workers: int = 2
    worker_concurrency: int = 2
    settings: dict[str, str] = field(default_factory=dict)
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="hovor-faults-")))
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    seed: Seed | None = None

    def __post_init__(self) -> None:
        (self.root / "logs").mkdir(parents=True, exist_ok=True)
        (self.root / "var").mkdir(exist_ok=True)
        self.root.chmod(0o755)
        self.pg = PrivatePostgres(self.root, self.ports.postgres)
        self.redis = PrivateRedis(self.root, self.ports.redis)

    # --- environment --------------------------------------------------------------------
    @property
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "REDIS_", "CELERY_", "HOVOR_"))}
        env.pop("DJANGO_SETTINGS_MODULE", None)
        env.update(
            DJANGO_SETTINGS_MODULE="helpdesk.settings",
            DATABASE_URL=self.pg.url,
            REDIS_URL=self.redis.url,
            HOVOR_VAR_DIR=str(self.root / "var"),
            LOG_LEVEL="WARNING",
            ALLOWED_HOSTS="127.0.0.1,localhost",
            CONN_MAX_AGE="60",
            # A fault run's clock: poll every second, sweep every two, short leases and timeouts.
            HOVOR_POLL_INTERVAL="1",
            HOVOR_SWEEP_INTERVAL="2",
            HOVOR_HTTP_TIMEOUT="2",
            HOVOR_SENDING_LEASE_SECONDS="6",
            HOVOR_INGEST_LEASE_SECONDS="6",
            HOVOR_INGEST_GRACE_SECONDS="3",
            HOVOR_POLL_LEASE_SECONDS="8",
            PYTHONPATH=str(ROOT),
        )
        env.update(self.settings)
        return env

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.web}"

    @property
    def fake_x_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.fake_x}"

    @property
    def fake_wa_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.fake_wa}"

    @property
    def fake_tg_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.fake_tg or self.ports.fake_wa + 1}"

    def _spawn(self, name: str, args: list[str]) -> subprocess.Popen[bytes]:
        log = open(self.root / "logs" / f"{name}.log", "ab")  # noqa: SIM115 (lives with the process)
        proc = subprocess.Popen(args, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        self.procs[name] = proc
        return proc

    # --- start ----------------------------------------------------------------------------
    def start_databases(self) -> None:
        self.pg.init()
        self.redis.start()
        subprocess.run([PYTHON, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=self.env, check=True)

    def seed_accounts(self) -> Seed:
        out = subprocess.run(
            [PYTHON, "-m", "tests.faults.seed", "--x-url", self.fake_x_url, "--wa-url", self.fake_wa_url,
             "--tg-url", self.fake_tg_url],
            cwd=ROOT, env=self.env, check=True, capture_output=True, text=True,
        ).stdout
        self.seed = Seed(**json.loads(out.strip().splitlines()[-1]))
        return self.seed

    def start_fakes(self) -> None:
        from tests.faults.seed import PHONE_NUMBER_ID, TG_BOT_TOKEN, WA_CREDENTIALS

        assert self.seed is not None
        self._spawn("fake-x", [PYTHON, "-m", "fakes.x", "--port", str(self.ports.fake_x), "--rate-limit-scale", "1000",
                               "--mentions-reachable", "10000000", "--crc-interval", "0"])
        self._spawn("fake-wa", [
            PYTHON, "-m", "fakes.whatsapp", "--port", str(self.ports.fake_wa),
            "--webhook", f"{self.base_url}/webhooks/whatsapp/{self.seed.wa}/",
            "--app-secret", WA_CREDENTIALS["app_secret"], "--access-token", WA_CREDENTIALS["access_token"],
            "--verify-token", WA_CREDENTIALS["verify_token"], "--phone-number-id", PHONE_NUMBER_ID,
            "--status-delay", "0.2",
        ])
        # Telegram, polled by the beat (getUpdates) like X, with no webhook set.
        self._spawn("fake-tg", [PYTHON, "-m", "fakes.telegram", "--port", self.fake_tg_url.rsplit(":", 1)[1],
                                "--bot-token", TG_BOT_TOKEN])
        for url in (self.fake_x_url, self.fake_wa_url, self.fake_tg_url):
            wait_for(lambda u=url: requests.get(f"{u}/_fake/requests", timeout=1).ok, timeout=20, what=url)

    def start_web(self) -> None:
        self._spawn("web", [PYTHON, "-m", "gunicorn", "helpdesk.wsgi:application", "-b",
                            f"127.0.0.1:{self.ports.web}", "-w", str(self.web_workers), "--timeout", "60",
                            "--log-level", "warning", "--backlog", "4096"])
        wait_for(lambda: requests.get(f"{self.base_url}/healthz", timeout=2).ok, timeout=60, what="web")

    def start_worker(self, name: str = "worker") -> None:
        self._spawn(name, [PYTHON, "-m", "celery", "-A", "helpdesk", "worker", "-c", str(self.worker_concurrency),
                           "-l", "warning", "-n", f"{name}@%h", "--without-gossip", "--without-mingle",
                           "--without-heartbeat"])

    def start_beat(self) -> None:
        self._spawn("beat", [PYTHON, "-m", "celery", "-A", "helpdesk", "beat", "-l", "warning",
                             "-s", str(self.root / "var" / "beat-schedule")])

    def start_all(self) -> Seed:
        self.start_databases()
        seed = self.seed_accounts()
        self.start_web()
        self.start_fakes()
        self.start_worker()
        self.start_beat()
        return seed

    # --- faults -------------------------------------------------------------------------
    def kill(self, name: str) -> None:
        """kill -9 the process and all its children (a Celery worker's pool too)."""
        proc = self.procs.get(name)
        if proc is None or proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()

    def kill_worker(self, name: str = "worker") -> None:
        self.kill(name)

    def restart_redis(self, down: float = 1.0) -> None:
        self.redis.kill()
        time.sleep(down)
        self.redis.start()

    @contextmanager
    def postgres_down(self) -> Iterator[None]:
        """PostgreSQL crashed (stop -m immediate) for the duration of the block."""
        self.pg.stop("immediate")
        try:
            yield
        finally:
            self.pg.start()

    # --- reading ------------------------------------------------------------------------
    def sql(self, query: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        conn = psycopg2.connect(self.pg.dsn(), connect_timeout=5)
        try:
            conn.autocommit = True
            with conn.cursor() as cursor:
                cursor.execute(query, params)
                return list(cursor.fetchall())
        finally:
            conn.close()

    def backlog(self) -> dict[str, int]:
        """What is not done yet: stored events no one holds or ingests, replies in flight."""
        [(waiting, held, deferred)] = self.sql(
            "SELECT count(*) FILTER (WHERE lease_until IS NULL OR lease_until < now()), "
            "count(*) FILTER (WHERE lease_until >= now() AND kind NOT LIKE 'status%%'), "
            "count(*) FILTER (WHERE lease_until >= now() AND kind LIKE 'status%%') "
            "FROM channels_inboundevent WHERE status = 'received'"
        )
        [(in_flight,)] = self.sql(
            "SELECT count(*) FROM channels_outboundmessage WHERE status IN ('queued', 'sending', 'unknown')"
        )
        return {"inbound_waiting": waiting + held, "status_deferred": deferred, "outbound_in_flight": in_flight}

    def drained(self) -> bool:
        backlog = self.backlog()
        return backlog["inbound_waiting"] == 0 and backlog["outbound_in_flight"] == 0

    def wait_drained(self, timeout: float) -> float:
        return wait_for(self.drained, timeout=timeout, every=0.25, what="everything ingested and delivered")

    def inbound_texts(self, account_id: int) -> list[str]:
        return [row[0] for row in self.sql(
            "SELECT text FROM inbox_message WHERE account_id = %s AND direction = 'in'", (account_id,)
        )]

    # --- stop -----------------------------------------------------------------------------
    def stop(self) -> None:
        for name in list(self.procs):
            self.kill(name)
        self.redis.kill()
        try:
            self.pg.stop("immediate")
        except RuntimeError:  # not running (a start that failed)
            pass

    def logs(self, name: str, tail: int = 40) -> str:
        path = self.root / "logs" / f"{name}.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-tail:]) if path.exists() else ""

    def cleanup(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)
