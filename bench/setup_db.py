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


def model_defaults_in_database(*model_labels: str) -> None:
    """Give each NOT NULL column of these models that has a plain Django default (a string,
    number or boolean) the same default in PostgreSQL, so a bench seeding with COPY names only
    the columns it fills and keeps working when a migration adds a column."""
    from django.apps import apps
    from django.db import connection
    from django.db.models import NOT_PROVIDED

    with connection.cursor() as cur:
        for label in model_labels:
            model = apps.get_model(label)
            table = model._meta.db_table
            for field in model._meta.concrete_fields:
                # (NOT_PROVIDED is a class, so callable() alone would skip it.)
                if field.null or (field.default is not NOT_PROVIDED and callable(field.default)):
                    continue
                # Django's own default for a CharField without one is the empty string.
                default = field.get_default() if field.default is NOT_PROVIDED and field.empty_strings_allowed \
                    else field.default
                if default is NOT_PROVIDED or not isinstance(default, str | int | float | bool):
                    continue
                cur.execute(f'ALTER TABLE "{table}" ALTER COLUMN "{field.column}" SET DEFAULT %s', [default])
