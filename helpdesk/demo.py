"""`make run`: everything a person needs to try Hovor on one machine, no servers.

Migrates SQLite, starts a loopback fake for every registered platform whose fake declares
its demo side (`fakes.<platform>.DEMO`, see fakes/demo.py), seeds demo data, then runs the
web app, a Celery worker with beat on the embedded filesystem broker, the fakes that push
to Hovor (webhooks, the chat widget), and a simulated crowd of customers on each. Nothing
here names a platform: a new channel's fake with a DEMO appears on its own.

Ports: the web app on HOVOR_PORT (default 8000); the fakes on HOVOR_FAKE_PORT (default
8081) and up, one each in registry order. Logs stay quiet at the default level (no line
per request, webhook or poll); DEMO_VERBOSE=1 shows them. Ctrl-C stops all of it."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


def main() -> int:
    web_port = int(os.environ.get("HOVOR_PORT", "8000"))
    fake_base = int(os.environ.get("HOVOR_FAKE_PORT", "8081"))
    verbose = os.environ.get("DEMO_VERBOSE", "") not in ("", "0")
    web_url = f"http://127.0.0.1:{web_port}"
    env = dict(os.environ)
    env.setdefault("DEBUG", "1")
    env.setdefault("HOVOR_POLL_INTERVAL", "5")
    env.setdefault("LOG_LEVEL", "INFO" if verbose else "WARNING")
    env["PYTHONUNBUFFERED"] = "1"
    procs: list[subprocess.Popen[bytes]] = []
    fakes: list[subprocess.Popen[bytes]] = []  # the platforms, stopped after Hovor

    def start(name: str, args: list[str], *, fake: bool = False) -> subprocess.Popen[bytes]:
        if verbose:
            print(f"[demo] starting {name}: {' '.join(args)}", flush=True)
        # Their start-up banners and ready lines are for scripts; errors still reach stderr.
        stdout = None if verbose else subprocess.DEVNULL
        proc = subprocess.Popen(args, cwd=ROOT, env=env, start_new_session=True, stdout=stdout)
        procs.append(proc)
        if fake:
            fakes.append(proc)
        return proc

    def stop(group: list[subprocess.Popen[bytes]]) -> None:
        for proc in reversed(group):
            if proc.poll() is None:
                proc.terminate()  # the leader shuts its own children down (Celery: warm shutdown)
        deadline = time.time() + 10
        for proc in group:
            try:
                proc.wait(timeout=max(0.1, deadline - time.time()))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)

    def stop_all(*_: object) -> None:
        # Hovor and the crowds first, the fakes last: a task the worker finishes while it
        # shuts down still finds its platform there. A second Ctrl-C (or make's own signal)
        # must not cut this short and leave processes behind.
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, signal.SIG_IGN)
        try:
            stop([proc for proc in procs if proc not in fakes])
        finally:
            stop(fakes)

    def on_signal(signum: int, frame: object) -> None:
        raise KeyboardInterrupt  # SIGTERM/SIGHUP stop everything the same way Ctrl-C does

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    try:
        subprocess.run([PY, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
        from fakes.demo import DemoRun, declared, ports

        demos = declared(_platforms(env))
        port_of = ports(demos, fake_base)
        runs = {platform: DemoRun(platform, port_of[platform], web_url) for platform in demos}
        last = fake_base + sum(max(1, demo.ports) for demo in demos.values()) - 1
        print(f"[demo] channels: {', '.join(demos)}; fakes on ports {fake_base}-{last}", flush=True)
        # Fakes Hovor calls (polling, sending) come up first: seed_demo may check an account.
        for platform, demo in demos.items():
            if not demo.after_web:
                start(f"fake {platform}", [PY, "-m", f"fakes.{platform}", *demo.command(runs[platform])], fake=True)
        for platform, demo in demos.items():
            if not demo.after_web:
                _wait_for(f"{runs[platform].base_url}/_fake/outbound")
        ids_file = Path(env.get("HOVOR_VAR_DIR") or ROOT / "var") / "demo-accounts.json"
        ids_file.parent.mkdir(parents=True, exist_ok=True)
        seed_args = [f"--{p}-base-url={runs[p].base_url}" for p, demo in demos.items() if demo.base_url]
        seeded = subprocess.run(
            [PY, "manage.py", "seed_demo", *seed_args, "--web-url", web_url, "--write-ids", str(ids_file)],
            cwd=ROOT, env=env, check=True, capture_output=True, text=True,
        )
        logins = seeded.stdout.strip()
        print(logins, flush=True)
        ids = json.loads(ids_file.read_text())
        start(
            "worker+beat",
            # A plain worker consumes every queue; -B runs beat inside it.
            [PY, "-m", "helpdesk.demo", "worker", "-A", "helpdesk", "worker", "-B", "--concurrency", "2",
             "-l", "info" if verbose else "warning"],
        )
        start("web", [PY, "-m", "helpdesk.demo", "web", f"127.0.0.1:{web_port}"] + (["verbose"] if verbose else []))
        _wait_for(f"{web_url}/healthz", timeout=60)
        # Fakes that push to Hovor start once it answers, so their first push or check succeeds.
        for platform, demo in demos.items():
            if demo.after_web and platform in ids:
                runs[platform] = DemoRun(platform, port_of[platform], web_url, ids[platform])
                start(f"fake {platform}", [PY, "-m", f"fakes.{platform}", *demo.command(runs[platform])], fake=True)
        crowds = [platform for platform, demo in demos.items() if platform in ids and demo.crowd is not None]
        for platform in crowds:
            _wait_for(f"{runs[platform].base_url}/_fake/outbound")
        if crowds:  # one process writes on every platform, each as its DEMO.crowd says
            start("the crowd", [PY, "-m", "fakes.crowd", *(f"--to={p}={runs[p].base_url}" for p in crowds)])
        where = "\n".join(f"  {p:<10} {runs[p].base_url}" for p in demos if p in ids)
        print(f"\n{logins}\nFakes (python -m fakes.<platform>):\n{where}\n\n"
              f"[demo] Hovor is up: {web_url}/  (Ctrl-C stops everything)\n", flush=True)
        while all(p.poll() is None for p in procs):
            time.sleep(0.5)
        failed = [p.args for p in procs if p.poll() not in (None, 0)]
        if failed:
            print(f"[demo] a process stopped: {failed}", file=sys.stderr)
            return 1
        return 0
    except subprocess.CalledProcessError as exc:
        sys.stderr.write(f"[demo] {exc}\n{exc.stdout or ''}{exc.stderr or ''}")
        return 1
    except KeyboardInterrupt:
        print("\n[demo] stopping…", flush=True)
        return 0
    finally:
        stop_all()


def _platforms(env: dict[str, str]) -> list[str]:
    """The registry's platforms (asked of a Django-configured process, as the app sees them)."""
    out = subprocess.run(
        [PY, "-c", "import django; django.setup(); from channels.registry import supported_platforms as s; "
         "print(' '.join(s()))"],
        cwd=ROOT, env={**env, "DJANGO_SETTINGS_MODULE": "helpdesk.settings"},
        check=True, capture_output=True, text=True,
    )
    return out.stdout.split()


def _wait_for(url: str, timeout: float = 20) -> None:
    """Until `url` answers at all (quietly: a server still starting is not an error)."""
    import requests

    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            requests.get(url, timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.2)
    raise SystemExit(f"{url} did not come up")


class _NotTheDefaultHostname(logging.Filter):
    """The embedded filesystem broker has no host name; kombu says so on every connection."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("No hostname was supplied")


def _quiet_broker() -> None:
    logging.getLogger("kombu.connection").addFilter(_NotTheDefaultHostname())
    # A container runs the demo as root: Celery's advice about that is not for a try-out.
    warnings.filterwarnings("ignore", message="You're running the worker with superuser privileges")


def worker(args: list[str]) -> None:
    """Celery (`celery <args>`) with the embedded broker's noise left out."""
    from celery.bin.celery import main as celery

    _quiet_broker()
    sys.argv = ["celery", *args]
    celery()


def web(address: str, verbose: bool) -> None:
    """Django's development server without its line per request (unless verbose)."""
    import django
    from django.core.management import call_command

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")
    _quiet_broker()
    django.setup()
    if not verbose:
        from django.core.servers import basehttp

        # runserver reconfigures django.server's level once it starts: keep only the lines
        # worth reading (4xx and 5xx answers) at the request handler itself.
        log_message = basehttp.WSGIRequestHandler.log_message

        def quiet(handler: Any, format: str, *args: Any) -> None:  # noqa: A002 (the stdlib's name)
            if len(args) > 1 and str(args[1])[:1] in ("1", "2", "3"):
                return
            log_message(handler, format, *args)

        basehttp.WSGIRequestHandler.log_message = quiet  # type: ignore[method-assign,assignment]
    call_command("runserver", address, use_reloader=False)


def _cli(argv: list[str]) -> Any:
    if argv[:1] == ["web"]:
        return web(argv[1], verbose="verbose" in argv[2:])
    if argv[:1] == ["worker"]:
        return worker(argv[1:])
    return main()


if __name__ == "__main__":
    sys.exit(_cli(sys.argv[1:]))
