"""Personal API tokens: created on the profile page (the key shown once, only its hash kept),
scoped (read = GET, reply = conversation writes, admin = the rest), expiring and revocable
with effect on the very next request; DRF's own tokens (createapitoken) keep working."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import signals
from accounts.actions.tokens import api_token_create, api_token_revoke
from accounts.models import ApiToken
from tests.scoping_support import TwoBrands, two_brands  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def api(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_a_token_made_on_the_profile_page_is_shown_once_and_stored_as_a_hash(people: dict[str, User]) -> None:
    client = Client()
    client.force_login(people["agent"])
    response = client.post("/profile/tokens/new/", {"name": "Reporting", "scopes": ["read"], "expires_in_days": "30"})
    assert response.status_code == 302
    page = client.get("/profile/").content.decode()
    token = ApiToken.objects.get(user=people["agent"])
    key = page.split('id="new-token-key">')[1].split("<")[0]
    assert key.startswith("hvr_") and len(key) > 40
    assert key not in str(ApiToken.objects.filter(pk=token.pk).values().get())  # only its hash is kept
    assert token.scopes == ["read"] and token.expires_at > timezone.now() + timedelta(days=29)
    again = client.get("/profile/").content.decode()
    assert key not in again and "Reporting" in again  # listed, never shown again
    assert api(key).get("/api/v1/tickets/").status_code == 200


def test_bad_token_forms_are_refused_with_a_message(people: dict[str, User]) -> None:
    client = Client()
    client.force_login(people["agent"])
    client.post("/profile/tokens/new/", {"name": "x", "scopes": [], "expires_in_days": "30"})
    client.post("/profile/tokens/new/", {"name": "x", "scopes": ["read"], "expires_in_days": "9999"})
    client.post("/profile/tokens/new/", {"name": "x", "scopes": ["root"], "expires_in_days": "30"})
    assert not ApiToken.objects.exists()


def test_scopes_are_enforced(two_brands: TwoBrands) -> None:  # noqa: F811
    ticket = two_brands.ticket_a
    _, reader = api_token_create(user=two_brands.agent_a, name="r", scopes=["read"], expires_in_days=7)
    _, worker = api_token_create(user=two_brands.agent_a, name="w", scopes=["reply"], expires_in_days=7)
    assert api(reader).get(f"/api/v1/tickets/{ticket.pk}/").status_code == 200
    assert (
        api(reader).post(f"/api/v1/tickets/{ticket.pk}/status/", {"status": "solved"}, format="json").status_code == 403
    )
    assert api(worker).get(f"/api/v1/tickets/{ticket.pk}/").status_code == 403  # no read scope
    assert (
        api(worker).post(f"/api/v1/tickets/{ticket.pk}/status/", {"status": "solved"}, format="json").status_code == 200
    )
    ticket.refresh_from_db()
    assert ticket.status == "solved"


def test_admin_writes_need_the_admin_scope_and_an_admin(two_brands: TwoBrands) -> None:  # noqa: F811
    _, plain = api_token_create(user=two_brands.admin, name="p", scopes=["read", "reply"], expires_in_days=7)
    _, admin = api_token_create(user=two_brands.admin, name="a", scopes=["admin"], expires_in_days=7)
    _, agents = api_token_create(user=two_brands.agent_a, name="x", scopes=["admin"], expires_in_days=7)
    body = {"name": "Night shift", "brands": [two_brands.brand_a.pk], "members": []}
    assert api(plain).post("/api/v1/teams/", body, format="json").status_code == 403
    assert api(agents).post("/api/v1/teams/", body, format="json").status_code == 403  # scope, not role
    assert api(admin).post("/api/v1/teams/", body, format="json").status_code == 201


def test_a_token_still_sees_only_its_users_brands(two_brands: TwoBrands) -> None:  # noqa: F811
    _, key = api_token_create(user=two_brands.agent_a, name="r", scopes=["read"], expires_in_days=7)
    assert api(key).get(f"/api/v1/tickets/{two_brands.ticket_b.pk}/").status_code == 404
    assert "Globex" not in api(key).get("/api/v1/tickets/").content.decode()


def test_a_revoked_or_expired_token_fails_at_once(people: dict[str, User]) -> None:
    token, key = api_token_create(user=people["agent"], name="r", scopes=["read"], expires_in_days=7)
    client = api(key)
    assert client.get("/api/v1/tickets/").status_code == 200
    api_token_revoke(token=token, actor=people["agent"])
    assert client.get("/api/v1/tickets/").status_code == 401
    other, key2 = api_token_create(user=people["agent"], name="e", scopes=["read"], expires_in_days=7)
    assert api(key2).get("/api/v1/tickets/").status_code == 200
    ApiToken.objects.filter(pk=other.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert api(key2).get("/api/v1/tickets/").status_code == 401
    assert api("hvr_made-up").get("/api/v1/tickets/").status_code == 401


def test_revoking_from_the_profile_page_and_only_ones_own(people: dict[str, User]) -> None:
    mine, key = api_token_create(user=people["agent"], name="mine", scopes=["read"], expires_in_days=7)
    theirs, _ = api_token_create(user=people["lead"], name="theirs", scopes=["read"], expires_in_days=7)
    client = Client()
    client.force_login(people["agent"])
    assert client.post(f"/profile/tokens/{theirs.pk}/revoke/").status_code == 404
    assert client.post(f"/profile/tokens/{mine.pk}/revoke/").status_code == 302
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.revoked_at is not None and theirs.revoked_at is None
    assert api(key).get("/api/v1/tickets/").status_code == 401
    assert "Revoked" in client.get("/profile/").content.decode()


def test_drf_tokens_from_createapitoken_keep_working(people: dict[str, User]) -> None:
    from rest_framework.authtoken.models import Token

    key = Token.objects.create(user=people["agent"]).key
    assert api(key).get("/api/v1/tickets/").status_code == 200
    assert api(key + "x").get("/api/v1/tickets/").status_code == 401


def test_token_signals_carry_no_key(people: dict[str, User]) -> None:
    seen: list[dict[str, Any]] = []

    def receiver(sender: Any, **kwargs: Any) -> None:
        seen.append(kwargs)

    signals.api_token_created.connect(receiver)
    signals.api_token_revoked.connect(receiver)
    try:
        token, key = api_token_create(user=people["agent"], name="n", scopes=["read"], expires_in_days=7)
        api_token_revoke(token=token, actor=people["admin"])
    finally:
        signals.api_token_created.disconnect(receiver)
        signals.api_token_revoked.disconnect(receiver)
    assert [s["details"]["token_id"] for s in seen] == [token.pk, token.pk]
    assert seen[1]["actor"] == people["admin"] and seen[1]["user"] == people["agent"]
    assert all(key not in str(s["details"]) for s in seen)
