"""Loaded with `-p tests.xdist_env` (pyproject addopts) before pytest-django reads the
settings: under pytest-xdist each worker gets its own Redis database and var folder, so no
worker's Celery queue, cache or embedded broker is another's (each worker's PostgreSQL test
database is pytest-django's own, suffixed _gw0, _gw1 …)."""
from __future__ import annotations

import os

WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
if WORKER.startswith("gw"):
    number = int(WORKER[2:])
    if os.environ.get("REDIS_URL"):
        base, _, db = os.environ["REDIS_URL"].rpartition("/")
        os.environ["REDIS_URL"] = f"{base}/{(int(db or 0) - 1 - number) % 16}"
    os.environ["HOVOR_VAR_DIR"] = os.path.join(os.environ.get("HOVOR_VAR_DIR", "var/test"), WORKER)
