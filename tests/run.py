"""`make test`: lint, type-check, then the whole pytest suite on the best database here.

- PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379 are used when they answer
  (or named by DATABASE_URL / REDIS_URL); with CI=true they are required.
- Debian's chromium is installed for the browser tests when missing and we are root.
- What cannot run is said plainly at the start and in pytest's skip summary."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


# The suite waits on databases, browsers and workers more than it computes: two processes
# halve its time on two cores. `make test` with arguments runs just those, in one process.
XDIST = ["-n", os.environ.get("HOVOR_TEST_PROCESSES", "2"), "--dist", "loadfile"]


def say(msg: str) -> None:
    print(f"[make test] {msg}", flush=True)


def port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


# Debian packages the tests drive for real: the browser, an IMAP server for email, the banner's font.
SYSTEM_PACKAGES = {
    "/usr/bin/chromium": ["chromium", "fonts-dejavu-core", "fonts-noto-color-emoji"],
    "/usr/sbin/dovecot": ["dovecot-imapd"],
    # The reply-time banner's font (reports/banner.py), also where chromium is there already.
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf": ["fonts-dejavu-core"],
}


def ensure_system_packages() -> list[str]:
    """Install what is missing (as root, with apt); return the paths still missing."""
    missing = [path for path in SYSTEM_PACKAGES if not os.path.exists(path)]
    if missing and os.geteuid() == 0 and shutil.which("apt-get"):
        packages = [pkg for path in missing for pkg in SYSTEM_PACKAGES[path]]
        say(f"installing Debian packages for the tests: {' '.join(packages)}")
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "update", "-qq"], env=env, check=False, stdout=subprocess.DEVNULL)
        subprocess.run(["apt-get", "install", "-y", "-qq", *packages], env=env, check=False, stdout=subprocess.DEVNULL)
    return [path for path in SYSTEM_PACKAGES if not os.path.exists(path)]


def main() -> int:
    env = dict(os.environ)
    problems: list[str] = []
    skipped: list[str] = []

    if "DATABASE_URL" not in env:
        if port_open("127.0.0.1", 5432):
            env["DATABASE_URL"] = "postgres://postgres@127.0.0.1:5432/hovor"
        else:
            (problems if CI else skipped).append("PostgreSQL (nothing on 127.0.0.1:5432): running on SQLite")
    if "REDIS_URL" not in env:
        if port_open("127.0.0.1", 6379):
            env["REDIS_URL"] = "redis://127.0.0.1:6379/15"
        else:
            (problems if CI else skipped).append("Redis (nothing on 127.0.0.1:6379)")
    for path in ensure_system_packages():
        (problems if CI else skipped).append(f"{path} is missing: the tests that need it are skipped")
    if problems:
        for p in problems:
            say(f"REQUIRED BUT MISSING: {p}")
        return 1
    for s in skipped:
        say(f"not available, skipping what needs it: {s}")
    if "REDIS_URL" in env and "DATABASE_URL" in env and "postgres" in env["DATABASE_URL"]:
        env["HOVOR_REQUIRE_SERVICES"] = "1" if CI else env.get("HOVOR_REQUIRE_SERVICES", "0")
        say(f"database {env['DATABASE_URL']}, broker {env['REDIS_URL']}")
    if CI:
        env["HOVOR_REQUIRE_SERVICES"] = "1"
    env.setdefault("HOVOR_VAR_DIR", str(ROOT / "var" / "test"))

    steps = [
        ("ruff", [PY, "-m", "ruff", "check", "."]),
        ("mypy", [PY, "-m", "mypy"]),
        ("import contracts", [str(Path(PY).parent / "lint-imports")]),
        ("migrations", [PY, "manage.py", "makemigrations", "--check", "--dry-run"]),
        # Two processes (each its own test database, Redis database and var folder:
        # tests/xdist_env.py), a file to one process so module fixtures start once.
        ("pytest", [PY, "-m", "pytest", *(sys.argv[1:] or XDIST)]),
    ]
    for name, cmd in steps:
        say(f"{name}: {' '.join(cmd[1:]) or Path(cmd[0]).name}")
        result = subprocess.run(cmd, cwd=ROOT, env=env)
        if result.returncode != 0:
            say(f"{name} failed (exit {result.returncode})")
            return result.returncode
    return 0


if __name__ == "__main__":
    sys.exit(main())
