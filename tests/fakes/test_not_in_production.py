"""The fakes stay out of the production image (.dockerignore), so nothing the web app or a
worker imports at run time may import them."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import importlib, pkgutil, sys
import django
django.setup()
import helpdesk.celery, helpdesk.urls, helpdesk.wsgi
for package in ("channels", "inbox", "shifts", "helpdesk"):
    for info in pkgutil.walk_packages(importlib.import_module(package).__path__, package + "."):
        if ".migrations" in info.name or ".management." in info.name or info.name == "helpdesk.demo":
            continue  # the demo's launcher and seed_demo are the fakes' users; not loaded by web or worker
        importlib.import_module(info.name)
print(sorted(m for m in sys.modules if m == "fakes" or m.startswith("fakes.")))
"""


def test_web_app_and_worker_modules_do_not_import_fakes() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "helpdesk.settings"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_the_production_image_leaves_the_fakes_tests_and_bench_out() -> None:
    ignored = {line.strip().rstrip("/") for line in (ROOT / ".dockerignore").read_text().splitlines()}
    assert {"fakes", "tests", "bench"} <= ignored
