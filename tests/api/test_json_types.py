"""A JSON body's values must have the types the schema gives them (helpdesk/api_types.py);
a form post keeps DRF's text coercion. Every serializer of the API takes part."""
from __future__ import annotations

import importlib
import pkgutil
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.http import QueryDict
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from channels.models import Brand
from helpdesk import api_types
from inbox.enums import Role
from inbox.models import AgentProfile, Team

PROJECT = ("channels", "inbox", "shifts", "routing", "notifications", "reports", "accounts", "audit")


@pytest.fixture
def admin_api(db: None) -> APIClient:
    user = User.objects.create_user("types-admin", password="pw-admin-123", is_staff=True, is_superuser=True)
    AgentProfile.objects.create(user=user, display_name="Admin", role=Role.ADMIN)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + Token.objects.create(user=user).key)
    return client


def test_a_number_is_not_a_name_and_text_is_not_an_id(admin_api: APIClient) -> None:
    brand = Brand.objects.create(name="Acme")
    refused = admin_api.post("/api/v1/brands/", {"name": 0}, format="json")
    assert refused.status_code == 400 and refused.json() == {"name": ["Expected a string."]}
    team = admin_api.post("/api/v1/teams/", {"name": "Care", "brands": [str(brand.pk)], "members": "x"}, format="json")
    assert team.status_code == 400
    assert team.json() == {"brands": ["Every item: expected an integer."], "members": ["Expected a list."]}
    assert not Brand.objects.filter(name="0").exists() and not Team.objects.filter(name="Care").exists()
    made = admin_api.post("/api/v1/teams/", {"name": "Care", "brands": [brand.pk], "members": []}, format="json")
    assert made.status_code == 201, made.content


def test_page_size_must_be_a_whole_number_given_once(admin_api: APIClient) -> None:
    for query in ("page_size=null", "page_size=0", "page_size=-3", "page_size=5&page_size=6", "page_size=٣"):
        for url in ("/api/v1/brands/", "/api/v1/tickets/"):
            response = admin_api.get(f"{url}?{query}")
            assert response.status_code == 400 and "page_size" in response.json(), (url, query)
    assert admin_api.get("/api/v1/tickets/?page_size=500").status_code == 200  # more than 200 reads as 200
    assert admin_api.get("/api/v1/tickets/?sla=").status_code == 400
    assert admin_api.get("/api/v1/tickets/?brand=x").status_code == 400


def test_a_form_post_keeps_text_coercion() -> None:
    class Form(api_types.Serializer):
        count = serializers.IntegerField()
        on = serializers.BooleanField()

    form = Form(data=QueryDict("count=3&on=true"))
    assert form.is_valid() and form.validated_data == {"count": 3, "on": True}
    json_body = Form(data={"count": "3", "on": "true"})
    assert not json_body.is_valid()
    assert json_body.errors == {"count": ["Expected an integer."], "on": ["Expected true or false."]}


def _project_serializers() -> list[type[Any]]:
    for package in PROJECT:
        module = importlib.import_module(package)
        for info in pkgutil.walk_packages(module.__path__, package + "."):
            if ".migrations" in info.name or ".tests" in info.name:
                continue
            try:
                importlib.import_module(info.name)
            except Exception:  # noqa: BLE001 (a module that needs a running service to import)
                continue
    found: list[type[Any]] = []
    stack = [serializers.BaseSerializer]
    while stack:
        cls = stack.pop()
        for sub in cls.__subclasses__():
            stack.append(sub)
            if sub.__module__.split(".")[0] in PROJECT:
                found.append(sub)
    return found


def test_every_api_serializer_checks_json_types() -> None:
    found = _project_serializers()
    assert len(found) > 10
    loose = sorted(f"{c.__module__}.{c.__qualname__}" for c in found
                   if issubclass(c, serializers.Serializer) and not issubclass(c, api_types.JsonTypesMixin))
    assert not loose, f"serializers that take a number for a name: {loose} (base them on helpdesk.api_types)"
