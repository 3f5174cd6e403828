"""`make run`: everything a person needs to try Hovor on one machine, no servers.

Migrates SQLite, starts the fake X, seeds demo data, then runs the web app, a Celery
worker with beat on the embedded filesystem broker, and a simulated crowd of customers.
Ctrl-C stops all of it."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


def main() -> int:
    web_port = os.environ.get("HOVOR_PORT", "8000")
    fake_port = os.environ.get("HOVOR_FAKE_X_PORT", "8081")
    env = dict(os.environ)
    env.setdefault("DEBUG", "1")
    env.setdefault("HOVOR_POLL_INTERVAL", "5")
    env["PYTHONUNBUFFERED"] = "1"
    procs: list[subprocess.Popen[bytes]] = []

    def start(name: str, args: list[str]) -> subprocess.Popen[bytes]:
        print(f"[demo] starting {name}: {' '.join(args)}", flush=True)
        proc = subprocess.Popen(args, cwd=ROOT, env=env, start_new_session=True)
        procs.append(proc)
        return proc

    def stop_all(*_: object) -> None:
        for proc in reversed(procs):
            if proc.poll() is None:
                proc.terminate()  # the leader shuts its own children down (Celery: warm shutdown)
        deadline = time.time() + 10
        for proc in procs:
            try:
                proc.wait(timeout=max(0.1, deadline - time.time()))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)

    def on_signal(signum: int, frame: object) -> None:
        raise KeyboardInterrupt  # SIGTERM/SIGHUP stop everything the same way Ctrl-C does

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    try:
        subprocess.run([PY, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
        fake_url = f"http://127.0.0.1:{fake_port}"
        telegram_url = f"http://127.0.0.1:{int(fake_port) + 1}"
        whatsapp_url = f"http://127.0.0.1:{int(fake_port) + 2}"
        facebook_url = f"http://127.0.0.1:{int(fake_port) + 3}"
        instagram_url = f"http://127.0.0.1:{int(fake_port) + 4}"
        start("fake X", [PY, "-m", "fakes.x", "--port", fake_port])
        start("fake Telegram", [PY, "-m", "fakes.telegram", "--port", str(int(fake_port) + 1),
                                "--bot-token", "123456:demo-bot-token"])
        _wait_for(f"{fake_url}/_fake/outbound")
        _wait_for(f"{telegram_url}/_fake/outbound")
        ids_file = ROOT / "var" / "demo-accounts.json"
        subprocess.run(
            [PY, "manage.py", "seed_demo", "--x-base-url", fake_url, "--telegram-base-url", telegram_url,
             "--whatsapp-base-url", whatsapp_url, "--facebook-base-url", facebook_url,
             "--instagram-base-url", instagram_url, "--write-ids", str(ids_file)],
            cwd=ROOT, env=env, check=True,
        )
        ids = json.loads(ids_file.read_text())
        start("fake WhatsApp", [PY, "-m", "fakes.whatsapp", "--port", str(int(fake_port) + 2),
                                "--webhook", f"http://127.0.0.1:{web_port}/webhooks/whatsapp/{ids['whatsapp']}/",
                                "--app-secret", "demo-wa-app-secret", "--verify-token", "demo-wa-verify-token",
                                "--access-token", "demo-wa-access-token", "--phone-number-id", "106540352242922"])
        for platform, url in (("facebook", facebook_url), ("instagram", instagram_url)):
            start(f"fake {platform}", [PY, "-m", f"channels.{platform}.fake", "--port", url.rsplit(":", 1)[1],
                                       "--webhook", f"http://127.0.0.1:{web_port}/webhooks/{platform}/{ids[platform]}/"])
        start(
            "worker+beat",
            [PY, "-m", "celery", "-A", "helpdesk", "worker", "-B", "-Q", "default,inbound,routing,outbound",
             "--concurrency", "2", "-l", "warning"],
        )
        start("web", [PY, "manage.py", "runserver", f"127.0.0.1:{web_port}", "--noreload"])
        _wait_for(f"http://127.0.0.1:{web_port}/healthz")
        start("crowd on X", [PY, "-m", "fakes.crowd", "--fake", fake_url, "--every", "4"])
        start("crowd on Telegram", [PY, "-m", "fakes.crowd", "--fake", telegram_url, "--every", "12",
                                    "--platform", "telegram"])
        start("crowd on WhatsApp", [PY, "-m", "fakes.crowd", "--fake", whatsapp_url, "--every", "12",
                                    "--platform", "whatsapp"])
        start("crowd on Facebook", [PY, "-m", "fakes.crowd", "--fake", facebook_url, "--every", "15",
                                    "--platform", "facebook"])
        start("crowd on Instagram", [PY, "-m", "fakes.crowd", "--fake", instagram_url, "--every", "15",
                                     "--platform", "instagram"])
        print(f"\n[demo] Hovor is up: http://127.0.0.1:{web_port}/  (Ctrl-C stops everything)\n", flush=True)
        while all(p.poll() is None for p in procs):
            time.sleep(0.5)
        failed = [p.args for p in procs if p.poll() not in (None, 0)]
        if failed:
            print(f"[demo] a process stopped: {failed}", file=sys.stderr)
            return 1
        return 0
    except KeyboardInterrupt:
        print("\n[demo] stopping…", flush=True)
        return 0
    finally:
        stop_all()


def _wait_for(url: str, timeout: float = 20) -> None:
    import requests

    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            requests.get(url, timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.2)
    raise SystemExit(f"{url} did not come up")


if __name__ == "__main__":
    sys.exit(main())
