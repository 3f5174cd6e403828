"""While the database is away, the web tier answers 503 with a clear body: JSON for the
API and webhooks (platforms retry a 5xx delivery), a short translated page for people;
never a stack trace."""
from __future__ import annotations

from unittest import mock

import pytest
from django.db import InterfaceError, OperationalError
from django.test import Client

pytestmark = pytest.mark.django_db

AWAY = OperationalError('connection to server at "127.0.0.1", port 5432 failed: Connection refused')


@pytest.fixture
def client_() -> Client:
    return Client(raise_request_exception=False)


def test_a_webhook_gets_json_503_while_the_database_is_away(client_: Client) -> None:
    with mock.patch("channels.webhooks._account", side_effect=AWAY):
        response = client_.post("/webhooks/whatsapp/1/", data=b"{}", content_type="application/json")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json()["error"] == "database_unavailable"
    assert b"Traceback" not in response.content and b"5432" not in response.content


def test_the_api_gets_json_503(client_: Client) -> None:
    authenticate = "rest_framework.authentication.TokenAuthentication.authenticate"
    with mock.patch(authenticate, side_effect=InterfaceError("gone")):
        response = client_.get("/api/v1/tickets/", HTTP_AUTHORIZATION="Token abc")
    assert response.status_code == 503
    assert response.json()["retry_after"] == 5


def test_a_page_gets_a_translated_html_503(client_: Client) -> None:
    with mock.patch("django.contrib.auth.views.LoginView.get", side_effect=AWAY):
        response = client_.get("/login/", HTTP_ACCEPT_LANGUAGE="cs")
    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")
    body = response.content.decode()
    assert "<h1>" in body and "databáz" in body and "Traceback" not in body


def test_a_middleware_failing_on_the_database_answers_503_too(client_: Client) -> None:
    # Raised inside a middleware, Django turns it into a 500 before any outer middleware
    # sees it: handler500 recognises the cause.
    with mock.patch("django.contrib.auth.middleware.AuthenticationMiddleware.process_request", side_effect=AWAY):
        response = client_.get("/", HTTP_ACCEPT="text/html")
    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")
    assert b"Traceback" not in response.content


def test_other_errors_stay_500(client_: Client) -> None:
    with mock.patch("channels.webhooks._account", side_effect=RuntimeError("bug")):
        response = client_.post("/webhooks/whatsapp/1/", data=b"{}", content_type="application/json")
    assert response.status_code == 500
    assert response.json()["error"] == "server_error"
