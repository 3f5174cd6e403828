"""Settings → Satisfaction: an admin turns a brand's question on or off, words it per
language (Hovor's text shown until replaced, and never stored as the brand's own), turns the
review invitation on with an http(s) page only; each change is one audit entry; agents get
no such page. The customer profile lists each conversation's rating."""
from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from audit.models import AuditEntry
from channels.models import Brand, BrandAccount
from inbox.actions.csat import DEFAULT_TEXTS, EMAIL_TEXTS, csat_render_question, csat_setting_for
from inbox.actions.people import agent_create, team_create
from inbox.models import CsatSurvey, Customer, Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin() -> User:
    return agent_create(username="eva", password="pw-eva-12345", display_name="Eva Nováková", role="admin")


@pytest.fixture
def acme() -> Brand:
    Brand.objects.create(name="Żabka")
    return Brand.objects.create(name="Acme")


@pytest.fixture
def client(admin: User) -> Client:
    client = Client(HTTP_USER_AGENT="Mozilla/5.0 (csat test)")
    client.force_login(admin)
    return client


def _form(**overrides: Any) -> dict[str, str]:
    data = {"enabled": "on", "text-en": "", "text-cs": "", "text-pl": "", "text-bg": "", "review_url": ""}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_the_page_shows_hovors_own_wording_and_a_preview(client: Client, acme: Brand) -> None:
    body = client.get(f"/settings/csat/?brand={acme.pk}").content.decode()
    for lang in ("en", "cs", "pl", "bg"):
        assert f'placeholder="{DEFAULT_TEXTS[lang]}"' in body
    assert 'id="csat-preview-text"' in body
    assert "How did we do? Reply with a number from 1 (bad) to 5 (great). Acme" in body
    assert 'href="/settings/csat/"' in body  # in the settings navigation
    assert 'src="/static/hovor/csat_settings.js"' in body
    # Without ?brand=, the first brand by name; another brand's tab is a link away.
    first = client.get("/settings/csat/").content.decode()
    assert "Reply with a number from 1 (bad) to 5 (great). Acme" in first and "?brand=" in first


def test_the_page_speaks_czech(client: Client, acme: Brand) -> None:
    body = client.get(f"/settings/csat/?brand={acme.pk}", HTTP_ACCEPT_LANGUAGE="cs-CZ,cs;q=0.9").content.decode()
    assert "Spokojenost zákazníků" in body
    assert "Jak jsme si vedli? Odpovězte číslem od 1 (špatně) do 5 (skvěle). Acme" in body  # the preview


def test_an_admin_saves_wording_and_the_review_page(client: Client, acme: Brand) -> None:
    response = client.post(f"/settings/csat/{acme.pk}/", _form(**{
        "text-cs": "  Jak jsme to zvládli, {brand}? Napište 1–5.  ",
        "text-en": DEFAULT_TEXTS["en"],  # Hovor's own text kept: not stored as the brand's
        "review_enabled": "on", "review_url": "https://reviews.example/acme?ref=hovor",
    }), follow=True)
    assert response.status_code == 200
    assert "Acme: satisfaction question saved." in response.content.decode()
    setting = csat_setting_for(brand_id=acme.pk)
    assert setting.enabled and setting.review_enabled
    assert setting.texts == {"cs": "Jak jsme to zvládli, {brand}? Napište 1–5."}
    assert setting.review_url == "https://reviews.example/acme?ref=hovor"
    entry, = AuditEntry.objects.filter(action="settings.csat_changed")
    assert entry.actor_label == "eva" and entry.target_type == "brand" and entry.target_label == "Acme"
    assert set(entry.details["fields"]) == {"review_enabled", "review_url", "text cs"}

    # Saved again unchanged: no second entry. Turned off: one more.
    client.post(f"/settings/csat/{acme.pk}/", _form(**{
        "text-cs": setting.texts["cs"], "review_enabled": "on", "review_url": setting.review_url,
    }))
    assert AuditEntry.objects.filter(action="settings.csat_changed").count() == 1
    client.post(f"/settings/csat/{acme.pk}/", _form(enabled=None, review_url=setting.review_url))
    setting = csat_setting_for(brand_id=acme.pk)
    assert not setting.enabled and not setting.review_enabled and setting.texts == {}
    last = AuditEntry.objects.filter(action="settings.csat_changed").order_by("-id").first()
    assert last is not None and set(last.details["fields"]) == {"enabled", "review_enabled", "text cs"}
    body = client.get(f"/settings/csat/?brand={acme.pk}").content.decode()
    assert "not asking" in body and 'name="enabled" id="csat-enabled" checked' not in body


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "ftp://reviews.example/acme", "reviews.example/acme", "https://", "data:text/html,x"]
)
def test_a_review_page_that_is_not_http_is_refused(client: Client, acme: Brand, url: str) -> None:
    response = client.post(f"/settings/csat/{acme.pk}/", _form(**{
        "text-en": "Rate us! {brand}", "review_enabled": "on", "review_url": url,
    }))
    assert response.status_code == 400
    body = response.content.decode()
    assert "must be a web address starting with https:// or http://" in body
    assert ">Rate us! {brand}</textarea>" in body  # what was typed stays in the form
    assert not csat_setting_for(brand_id=acme.pk).texts
    assert not AuditEntry.objects.filter(action="settings.csat_changed").exists()


def test_the_invitation_needs_a_review_page(client: Client, acme: Brand) -> None:
    response = client.post(f"/settings/csat/{acme.pk}/", _form(review_enabled="on"))
    assert response.status_code == 400 and "address to invite customers to it" in response.content.decode()


def test_a_text_too_long_is_refused(client: Client, acme: Brand) -> None:
    response = client.post(f"/settings/csat/{acme.pk}/", _form(**{"text-bg": "Как? " * 300}))
    assert response.status_code == 400 and "1000 characters at most" in response.content.decode()


def test_agents_and_leads_get_no_such_page(acme: Brand) -> None:
    for role in ("agent", "lead"):
        person = agent_create(username=f"p-{role}", password="pw-person-12345", display_name=role, role=role)
        team_create(name=f"Acme {role}", brands=[acme], members=[person])
        client = Client()
        client.force_login(person)
        assert client.get("/settings/csat/").status_code == 404
        assert client.post(f"/settings/csat/{acme.pk}/", _form(enabled=None)).status_code == 404
    assert csat_setting_for(brand_id=acme.pk).enabled


def test_the_question_as_rendered_by_channel() -> None:
    custom = "Rate {brand} 1–5 here: {link}"
    assert csat_render_question(custom=custom, language="en", email=False, brand_name="Acme", link="L") == (
        "Rate Acme 1–5 here:"
    )
    assert csat_render_question(custom=custom, language="en", email=True, brand_name="Acme", link="L") == (
        "Rate Acme 1–5 here: L"
    )
    # A text without {link} gets it at the end by email; Hovor's own wording where none.
    assert csat_render_question(custom="Rate us!", language="cs", email=True, brand_name="A", link="L") == (
        "Rate us!\nL"
    )
    assert csat_render_question(custom="", language="bg", email=True, brand_name="A", link="L") == (
        EMAIL_TEXTS["bg"].replace("{link}", "L").replace("{brand}", "A")
    )
    assert csat_render_question(custom="", language="xx", email=False, brand_name="A", link="") == (
        DEFAULT_TEXTS["en"].replace("{brand}", "A")
    )


def test_the_customer_profile_lists_each_conversations_rating(client: Client, acme: Brand) -> None:
    account = BrandAccount.objects.create(brand=acme, platform="telegram", handle="@acme_bot")
    customer = Customer.objects.create(brand=acme, name="Petra Králová")
    rated, asked, quiet = (Ticket.objects.create(brand=acme, account=account, customer=customer) for _ in range(3))
    now = timezone.now()
    CsatSurvey.objects.create(ticket=rated, brand=acme, customer=customer, platform="telegram", asked_at=now,
                              rating=4, answered_at=now)
    CsatSurvey.objects.create(ticket=asked, brand=acme, customer=customer, platform="telegram", asked_at=now)
    body = client.get(f"/customers/{customer.pk}/").content.decode()
    assert "Average 4.0 from 1 rating" in body
    row = body.split(f'data-ticket="{rated.pk}"')[1].split("</tr>")[0]
    assert "4 / 5" in row and "★★★★☆" in row
    assert "Asked, no answer yet." in body.split(f'data-ticket="{asked.pk}"')[1].split("</tr>")[0]
    assert "/ 5" not in body.split(f'data-ticket="{quiet.pk}"')[1].split("</tr>")[0]
