"""The audit log: append-only at every level (model, queryset, admin, PostgreSQL trigger),
what it records (logins and failures, people and teams, accounts and their credentials
without values, webhooks, settings), and the admins' page with filters, paging and CSV."""
from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.admin.sites import site
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.test import Client, RequestFactory
from django.utils import timezone

from audit.models import AppendOnly, AuditEntry
from audit.records import audit_record
from channels.models import Brand, BrandAccount
from inbox.actions.people import agent_create, agent_set_role, team_create, team_members_set
from tests.support import X_CREDENTIALS

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin() -> User:
    return agent_create(username="eva", password="pw-eva-12345", display_name="Eva Nováková", role="admin")


@pytest.fixture
def admin_client(admin: User) -> Client:
    client = Client(HTTP_USER_AGENT="Mozilla/5.0 (audit test)", REMOTE_ADDR="203.0.113.7")
    client.force_login(admin)
    return client


def _entries(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action).order_by("id"))


# --- append-only ----------------------------------------------------------------------------
def test_an_entry_cannot_be_changed_or_deleted_through_the_orm() -> None:
    entry = audit_record(action="auth.login", target_type="person", target_label="eva")
    entry.action = "auth.logout"
    with pytest.raises(AppendOnly):
        entry.save()
    with pytest.raises(AppendOnly):
        entry.delete()
    with pytest.raises(AppendOnly):
        AuditEntry.objects.filter(pk=entry.pk).update(action="auth.logout")
    with pytest.raises(AppendOnly):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.get(pk=entry.pk).action == "auth.login"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
@pytest.mark.parametrize("sql", ["UPDATE audit_auditentry SET action = 'x'", "DELETE FROM audit_auditentry"])
def test_postgresql_refuses_update_and_delete_of_the_table(sql: str) -> None:
    entry = audit_record(action="auth.login", target_label="eva")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)
    assert AuditEntry.objects.get(pk=entry.pk).action == "auth.login"


def test_the_admin_is_read_only_even_for_a_superuser() -> None:
    boss = User.objects.create_superuser("root", password="pw-root-12345")
    entry = audit_record(action="auth.login", target_label="root")
    model_admin = site._registry[AuditEntry]
    request = RequestFactory().get("/admin/audit/auditentry/")
    request.user = boss
    assert model_admin.has_view_permission(request, entry)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, entry)
    assert not model_admin.has_delete_permission(request, entry)
    client = Client()
    client.force_login(boss)
    assert client.get(f"/admin/audit/auditentry/{entry.pk}/change/").status_code == 200  # view only
    assert client.post(f"/admin/audit/auditentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_deleting_a_person_leaves_their_entries_as_they_were(admin: User) -> None:
    audit_record(action="auth.login", actor=admin, target=admin)
    admin.delete()
    entry = AuditEntry.objects.get(action="auth.login")
    assert entry.actor_label == "eva" and entry.target_label == "Eva Nováková (eva)"


# --- what is recorded ---------------------------------------------------------------------
def test_login_logout_and_a_failure_with_address_and_browser() -> None:
    agent_create(username="jana", password="pw-jana-12345", display_name="Jana")
    client = Client(HTTP_USER_AGENT="Firefox/140 (test)", REMOTE_ADDR="198.51.100.4")
    assert client.post("/login/", {"username": "jana", "password": "wrong-password"}).status_code == 200
    assert client.post("/login/", {"username": "jana", "password": "pw-jana-12345"}).status_code == 302
    client.post("/logout/")
    failed, = _entries("auth.login_failed")
    assert failed.actor_label == "system" and failed.details == {"username": "jana"}
    assert failed.ip == "198.51.100.4" and failed.user_agent == "Firefox/140 (test)"
    assert "wrong-password" not in json.dumps(failed.details)
    login, = _entries("auth.login")
    assert login.actor_label == "jana" and login.target_type == "person" and login.ip == "198.51.100.4"
    logout, = _entries("auth.logout")
    assert logout.actor_label == "jana"


def test_role_and_team_changes_name_the_admin_who_made_them(admin_client: Client) -> None:
    jana = agent_create(username="jana", password="pw-jana-12345", display_name="Jana")
    acme = Brand.objects.create(name="Acme")
    admin_client.post(f"/settings/teams/people/{jana.pk}/role/", {"role": "lead"})
    role = AuditEntry.objects.get(action="people.role_changed", target_id=str(jana.pk))
    assert role.actor_label == "eva" and role.ip == "203.0.113.7" and role.target_id == str(jana.pk)
    assert role.details == {"username": "jana", "old": "agent", "new": "lead"}
    admin_client.post("/settings/teams/new/", {"name": "Care", "brands": [acme.pk], "members": [jana.pk]})
    created, = _entries("people.team_created")
    assert created.actor_label == "eva" and created.details["members"] == ["jana"]
    team = created.target_id
    admin_client.post(f"/settings/teams/{team}/", {"name": "Care", "brands": [acme.pk], "members": []})
    members, = _entries("people.team_members_changed")
    assert members.details == {"added": [], "removed": ["jana"]}


def test_changes_outside_a_request_are_the_systems() -> None:
    jana = agent_create(username="jana", password="pw-jana-12345", display_name="Jana")
    agent_set_role(user=jana, role="newcomer")
    team = team_create(name="Night")
    team_members_set(team=team, members=[jana])
    assert {e.actor_label for e in AuditEntry.objects.all()} == {"system"}
    assert AuditEntry.objects.filter(ip__isnull=False).count() == 0


def test_account_connection_and_credentials_are_recorded_by_name_never_value(admin_client: Client) -> None:
    response = admin_client.post(
        "/settings/accounts/new/?platform=telegram",
        {"platform": "telegram", "brand_name": "Acme", "handle": "@acme_bot",
         "bot_token": "123456:SECRET-bot-token-value", "webhook_secret": "hush-hush-secret"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    account = BrandAccount.objects.get(handle="@acme_bot")
    admin_client.post(f"/settings/accounts/{account.pk}/", {"action": "credentials", "bot_token": "999:NEW-secret"})
    admin_client.post(f"/settings/accounts/{account.pk}/disconnect/")
    connected, = _entries("account.connected")
    changed, = _entries("account.credentials_changed")
    disconnected, = _entries("account.disconnected")
    assert connected.actor_label == "eva" and connected.target_type == "account"
    assert connected.details["fields"] == ["bot_token", "webhook_secret"] and connected.details["brand"] == "Acme"
    assert changed.details["fields"] == ["bot_token"]
    assert disconnected.target_id == str(account.pk)
    everything = json.dumps([e.details for e in AuditEntry.objects.all()]) + "".join(
        e.target_label for e in AuditEntry.objects.all()
    )
    for secret in ("SECRET-bot-token-value", "hush-hush-secret", "NEW-secret"):
        assert secret not in everything


def test_webhook_registration_is_recorded(monkeypatch: pytest.MonkeyPatch) -> None:
    from channels import services

    brand = Brand.objects.create(name="Acme")
    account = services.brand_account_connect(
        brand=brand, platform="x", handle="@AcmeCare", credentials=dict(X_CREDENTIALS)
    )

    class Registering:
        def webhook_register(self, account: Any, url: str) -> str:
            return "registered"

    monkeypatch.setattr(services, "get_connector", lambda platform: Registering())
    check = services.brand_account_register_webhook(account=account, webhook_url="https://hovor.example/webhooks/x/1/")
    assert check.ok
    entry, = _entries("account.webhook_registered")
    assert entry.details["webhook_url"] == "https://hovor.example/webhooks/x/1/"
    assert X_CREDENTIALS["consumer_secret"] not in json.dumps(_entries("account.connected")[0].details)


def test_staffed_hours_changes_are_recorded(admin_client: Client) -> None:
    acme = Brand.objects.create(name="Acme")
    data = {"timezone": "Europe/Prague", "open-0": "1", "opens-0": "08:00", "closes-0": "16:00"}
    admin_client.post(f"/settings/hours/{acme.pk}/", data)
    entry, = _entries("settings.hours_changed")
    assert entry.actor_label == "eva" and entry.target_type == "brand" and entry.target_label == "Acme"
    assert entry.details["timezone"] == "Europe/Prague" and entry.details["periods"] == 1


def test_details_that_look_like_secrets_are_blanked() -> None:
    entry = audit_record(action="x.test", details={"password": "hunter2", "fields": ["password"], "n": 1})
    assert entry.details == {"password": "[redacted]", "fields": ["password"], "n": 1}


# --- the page -----------------------------------------------------------------------------
def _seed(admin: User) -> None:
    audit_record(action="auth.login", actor=admin, target=admin)
    audit_record(action="auth.login_failed", target_type="person", target_label="mallory",
                 details={"username": "mallory"})
    audit_record(action="people.role_changed", target_type="person", target_id="77", target_label="piotr",
                 details={"username": "piotr", "old": "agent", "new": "lead"})


def test_admins_read_and_filter_the_log(admin: User, admin_client: Client) -> None:
    _seed(admin)
    body = admin_client.get("/settings/audit/").content.decode()
    assert "Logged in" in body and "Login failed" in body and "piotr: Agent → Lead" in body
    body = admin_client.get("/settings/audit/?action=auth.login_failed").content.decode()
    assert "mallory" in body and "piotr" not in body
    body = admin_client.get("/settings/audit/?actor=system&target=piotr").content.decode()
    assert "piotr: Agent → Lead" in body and "mallory" not in body
    body = admin_client.get("/settings/audit/?target=77").content.decode()
    assert "piotr" in body and "mallory" not in body
    today = timezone.now().date()
    assert "piotr" in admin_client.get(f"/settings/audit/?since={today}&until={today}").content.decode()
    tomorrow = today + timedelta(days=1)
    assert "No entries." in admin_client.get(f"/settings/audit/?since={tomorrow}").content.decode()
    assert admin_client.get("/settings/audit/?since=not-a-date").status_code == 200  # ignored, not a 500


def test_the_log_speaks_the_admins_language(admin: User, admin_client: Client) -> None:
    _seed(admin)
    body = admin_client.get("/settings/audit/", HTTP_ACCEPT_LANGUAGE="cs").content.decode()
    assert "Přihlášení" in body and "Změna role" in body and "Audit log" not in body.split("<title>")[1][:40]


def test_the_log_pages_by_id(admin_client: Client) -> None:
    for n in range(120):
        audit_record(action="auth.login_failed", target_label=f"guess{n:03}", details={"username": f"guess{n:03}"})
    first = admin_client.get("/settings/audit/?action=auth.login_failed").content.decode()
    assert "guess119" in first and "guess070" in first and "guess069" not in first
    newest_first = first.index("guess119") < first.index("guess070")
    assert newest_first
    before = min(e.pk for e in AuditEntry.objects.filter(target_label__in=[f"guess{n:03}" for n in range(70, 120)]))
    assert f"before={before}" in first
    second = admin_client.get(f"/settings/audit/?action=auth.login_failed&before={before}").content.decode()
    assert "guess069" in second and "guess020" in second and "guess070" not in second


def test_csv_export_follows_the_filters_and_is_itself_recorded(admin: User, admin_client: Client) -> None:
    _seed(admin)
    response = admin_client.get("/settings/audit/export.csv?action=auth.login_failed")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:4] == ["id", "time", "actor", "action"]
    assert [r[3] for r in rows[1:]] == ["auth.login_failed"]
    assert rows[1][5] == "Wrong username or password for “mallory”"
    exported, = _entries("audit.exported")
    assert exported.actor_label == "eva" and exported.details == {"rows": 1, "filters": {"action": "auth.login_failed"}}


def test_csv_export_in_czech(admin: User, admin_client: Client) -> None:
    _seed(admin)
    response = admin_client.get("/settings/audit/export.csv", HTTP_ACCEPT_LANGUAGE="cs")
    text = b"".join(response.streaming_content).decode()
    assert "Přihlášení" in text


def test_an_agent_gets_no_audit_page() -> None:
    jana = agent_create(username="jana", password="pw-jana-12345", display_name="Jana", role="lead")
    client = Client()
    client.force_login(jana)
    assert client.get("/settings/audit/").status_code == 404
    assert client.get("/settings/audit/export.csv").status_code == 404
    assert not _entries("audit.exported")
