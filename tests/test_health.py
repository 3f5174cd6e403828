"""GET /healthz (DESIGN.md "Contracts"): 200 {"status": "ok", ...} when the database and the
broker answer; 503 with "status": "error" when either does not."""
from __future__ import annotations

from typing import Any

import pytest
from django.db import OperationalError
from django.test import Client

import helpdesk.health

pytestmark = pytest.mark.django_db


def test_healthz_ok(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}


def test_healthz_needs_no_login(client: Client) -> None:
    # Load balancers call it anonymously; it must not redirect to the login page.
    response = client.get("/healthz", follow=False)
    assert response.status_code == 200


def test_healthz_broker_down_is_503(client: Client, settings: Any) -> None:
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {}
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["database"] == "ok"
    assert body["broker"] != "ok"


def test_healthz_broker_down_with_leftover_transport_options_is_503(client: Client, settings: Any) -> None:
    # Only the URL changes: the filesystem transport's options must not hide the failure.
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "error"


class _BrokenConnection:
    def cursor(self) -> Any:
        raise OperationalError("database is down")


def test_healthz_database_down_is_503(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(helpdesk.health, "connection", _BrokenConnection())
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["database"] != "ok"
    assert body["broker"] == "ok"


def test_healthz_database_check_failing_is_503(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(helpdesk.health, "_check_database", lambda: "error: OperationalError")
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "error"


def test_healthz_both_down_is_503(client: Client, monkeypatch: pytest.MonkeyPatch, settings: Any) -> None:
    monkeypatch.setattr(helpdesk.health, "connection", _BrokenConnection())
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error" and body["database"] != "ok" and body["broker"] != "ok"


def test_healthz_does_not_leak_connection_details(client: Client, settings: Any) -> None:
    settings.CELERY_BROKER_URL = "redis://:hunter2-password@127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert "hunter2-password" not in response.content.decode()


def test_healthz_is_get_only(client: Client) -> None:
    assert client.post("/healthz").status_code == 405
