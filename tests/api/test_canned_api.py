"""/api/v1/canned-responses/: list, create, retrieve, PATCH and DELETE through the same
actions as the page; scoped to the token user's brands (another brand's is a 404, never
listed), shared ones changed by leads and admins only; in the OpenAPI schema."""
from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from rest_framework.test import APIClient

from inbox.actions.canned import canned_response_create
from inbox.actions.people import agent_create
from inbox.models import CannedResponse
from tests.scoping_support import TwoBrands, two_brands  # noqa: F401 (fixture)


@pytest.fixture
def lead(two_brands: TwoBrands) -> User:  # noqa: F811
    user = agent_create(username="lea", password="pw-lea-12345", display_name="Lea Lead", role="lead")
    two_brands.team_a.members.add(user)
    return User.objects.get(pk=user.pk)


def api_for(user: User) -> APIClient:
    from rest_framework.authtoken.models import Token

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + Token.objects.get_or_create(user=user)[0].key)
    return client


def test_api_lists_creates_changes_and_deletes(two_brands: TwoBrands, lead: User) -> None:  # noqa: F811
    api = api_for(lead)
    body = {"brand": two_brands.brand_a.pk, "shared": True, "shortcut": "refund", "title": "Refund",
            "variants": [{"language": "en", "body": "Hi {{ customer.first_name }}"},
                         {"language": "cs", "body": "Dobrý den"}]}
    made = api.post("/api/v1/canned-responses/", body, format="json")
    assert made.status_code == 201, made.content
    data = made.json()
    assert data["shared"] is True and data["owner"] is None and data["use_count"] == 0
    assert {v["language"] for v in data["variants"]} == {"en", "cs"}
    again = api.post("/api/v1/canned-responses/", body, format="json")
    assert again.status_code == 400
    listed = api.get("/api/v1/canned-responses/").json()
    assert [c["shortcut"] for c in listed["results"]] == ["refund"]
    url = f"/api/v1/canned-responses/{data['id']}/"
    changed = api.patch(url, {"title": "Refund!", "variants": [{"language": "pl", "body": "Zwrot"}]}, format="json")
    assert changed.status_code == 200, changed.content
    assert changed.json()["title"] == "Refund!" and [v["language"] for v in changed.json()["variants"]] == ["pl"]
    assert api.patch(url, {"title": 5}, format="json").status_code == 400  # JSON types are checked
    # An agent of the brand reads it but may not change it; their own they may.
    agent = api_for(two_brands.agent_a)
    assert agent.get(url).status_code == 200
    assert agent.patch(url, {"title": "x"}, format="json").status_code == 403
    assert agent.delete(url).status_code == 403
    shared_refused = agent.post("/api/v1/canned-responses/", {**body, "shortcut": "x"}, format="json")
    assert shared_refused.status_code == 400
    own = agent.post("/api/v1/canned-responses/", {**body, "shared": False}, format="json")
    assert own.status_code == 201 and own.json()["owner"] == two_brands.agent_a.pk
    assert api.get(f"/api/v1/canned-responses/{own.json()['id']}/").status_code == 404  # not the lead's
    assert api.delete(url).status_code == 204
    assert not CannedResponse.objects.filter(pk=data["id"]).exists()


def test_api_never_shows_another_brands(two_brands: TwoBrands, lead: User) -> None:  # noqa: F811
    globex = canned_response_create(actor=two_brands.admin, brand=two_brands.brand_b, shortcut="refund",
                                    title="Globex secret", variants={"en": "Globex"}, shared=True)
    api = api_for(two_brands.agent_a)
    assert "Globex" not in api.get("/api/v1/canned-responses/").content.decode()
    url = f"/api/v1/canned-responses/{globex.pk}/"
    assert api.get(url).status_code == 404
    assert api.patch(url, {"title": "x"}, format="json").status_code == 404
    assert api.delete(url).status_code == 404
    made = api.post("/api/v1/canned-responses/", {"brand": two_brands.brand_b.pk, "shortcut": "leak",
                                                  "title": "t", "variants": [{"language": "en", "body": "x"}]},
                    format="json")
    assert made.status_code == 400 and not CannedResponse.objects.filter(shortcut="leak").exists()
    assert CannedResponse.objects.get(pk=globex.pk).title == "Globex secret"


def test_api_schema_lists_canned_responses(db: Any) -> None:
    schema = Client().get("/api/v1/schema/", HTTP_ACCEPT="application/json").content.decode()
    assert "/api/v1/canned-responses/" in schema and "/api/v1/canned-responses/{id}/" in schema
    assert "CannedResponse" in schema
