"""What every bench does first: a fresh PostgreSQL database of its own, then Django on it."""
from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent


def recreate_database(url: str) -> None:
    """Drop (ending its sessions) and create the database `url` names."""
    import psycopg2

    parts = urlparse(url)
    name = parts.path.lstrip("/")
    conn = psycopg2.connect(
        dbname="postgres", user=parts.username or "postgres", host=parts.hostname, port=parts.port or 5432,
        password=parts.password,
    )
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", [name])
        cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()


def setup_django(db_url: str) -> None:
    os.environ.update({"DATABASE_URL": db_url, "DJANGO_SETTINGS_MODULE": "helpdesk.settings", "LOG_LEVEL": "WARNING",
                       "HOVOR_VAR_DIR": os.environ.get("HOVOR_VAR_DIR", str(ROOT / "var" / "bench"))})
    import django

    django.setup()
