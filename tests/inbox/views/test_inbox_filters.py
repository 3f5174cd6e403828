"""The inbox's filters: brand, channel, status and language, combinable, kept in the URL
(the view tabs, the 2-second list poll and every row link carry them), scoped like the rest."""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import count
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from channels.models import Brand, BrandAccount
from channels.services import brand_account_connect
from channels.types import NormalizedAuthor, NormalizedMessage
from inbox.actions.tickets import ticket_ingest_message
from tests.support import X_CREDENTIALS

pytestmark = pytest.mark.django_db
_ids = count(1)

TELEGRAM = {"bot_token": "123456:TEST-token", "webhook_secret": "s3cret-value"}


def account(brand: Brand, platform: str) -> BrandAccount:
    credentials = dict(X_CREDENTIALS) if platform == "x" else dict(TELEGRAM)
    handle = f"{brand.name}-{platform}"
    return brand_account_connect(brand=brand, platform=platform, handle=handle, credentials=credentials)


def write(acct: BrandAccount, name: str, text: str, language: str) -> int:
    n = next(_ids)
    message = NormalizedMessage(
        platform_id=f"m{n}", author=NormalizedAuthor(external_id=f"u{n}", handle=f"@u{n}", display_name=name),
        text=text, sent_at=datetime.now(UTC), kind="mention" if acct.platform == "x" else "dm", language=language,
    )
    return ticket_ingest_message(account=acct, incoming=message).message.ticket_id


@pytest.fixture
def inbox(client: Client, agent: User) -> dict[str, Any]:
    acme, mobile = Brand.objects.create(name="Acme"), Brand.objects.create(name="Acme Mobile")
    tickets = {
        "jana": write(account(acme, "x"), "Jana Nováková", "Kde je objednávka?", "cs"),
        "piotr": write(account(acme, "telegram"), "Piotr Wiśniewski", "Gdzie jest paczka?", "pl"),
        "ivan": write(account(mobile, "telegram"), "Иван Петров", "Къде е пратката?", "bg"),
    }
    client.force_login(agent)
    return {"client": client, "acme": acme, "mobile": mobile, "tickets": tickets}


def listed(client: Client, query: str) -> str:
    return client.get(f"/?view=all&{query}").content.decode()


def test_filters_narrow_the_list_and_combine(inbox: dict[str, Any]) -> None:
    client, acme = inbox["client"], inbox["acme"]
    everything = listed(client, "")
    assert all(name in everything for name in ("Jana Nováková", "Piotr Wiśniewski", "Иван Петров"))

    by_brand = listed(client, f"brand={acme.pk}")
    assert "Jana Nováková" in by_brand and "Piotr Wiśniewski" in by_brand and "Иван Петров" not in by_brand
    by_channel = listed(client, "platform=telegram")
    assert "Jana Nováková" not in by_channel and "Piotr Wiśniewski" in by_channel and "Иван Петров" in by_channel
    both = listed(client, f"brand={acme.pk}&platform=telegram")
    assert "Piotr Wiśniewski" in both and "Jana Nováková" not in both and "Иван Петров" not in both
    by_language = listed(client, "language=bg")
    assert "Иван Петров" in by_language and "Jana Nováková" not in by_language
    assert "Jana Nováková" not in listed(client, "status=solved")


def test_the_filters_are_kept_by_tabs_polling_and_rows(inbox: dict[str, Any]) -> None:
    client, acme = inbox["client"], inbox["acme"]
    html = listed(client, f"brand={acme.pk}&platform=telegram")
    kept = f"brand={acme.pk}&amp;platform=telegram"
    assert f'hx-get="/inbox/list/?view=all&amp;{kept}"' in html  # the 2-second poll
    assert f'href="/?view=mine&amp;{kept}"' in html  # a view tab
    assert f'href="/tickets/{inbox["tickets"]["piotr"]}/?view=all&amp;{kept}"' in html  # a row
    assert '<option value="telegram" selected>' in html
    polled = client.get(f"/inbox/list/?view=all&brand={acme.pk}&platform=telegram").content.decode()
    assert "Piotr Wiśniewski" in polled and "Jana Nováková" not in polled
    page = client.get(f"/tickets/{inbox['tickets']['piotr']}/?view=all&brand={acme.pk}&platform=telegram")
    assert "Jana Nováková" not in page.content.decode()  # the list beside the thread is filtered too


def test_nonsense_and_out_of_scope_filters_are_dropped(inbox: dict[str, Any], everyone_team: Any) -> None:
    client, mobile = inbox["client"], inbox["mobile"]
    html = listed(client, "platform=myspace&status=bogus&language=<script>&brand=abc")
    assert all(name in html for name in ("Jana Nováková", "Piotr Wiśniewski", "Иван Петров"))
    assert "<script>" not in html
    everyone_team.brands.remove(mobile)  # the agent no longer sees Acme Mobile
    narrowed = listed(client, f"brand={mobile.pk}")
    assert "Иван Петров" not in narrowed and "Jana Nováková" in narrowed  # an unseen brand filters nothing in
    assert f'<option value="{mobile.pk}"' not in narrowed


def test_the_filter_forms_empty_choices_leave_the_url(inbox: dict[str, Any]) -> None:
    response = inbox["client"].get("/?view=all&brand=&platform=telegram&status=&language=")
    assert response.status_code == 302 and response["Location"] == "/?view=all&platform=telegram"


def test_the_api_takes_the_language_filter_too(inbox: dict[str, Any]) -> None:
    rows = inbox["client"].get("/api/v1/tickets/?language=PL").json()["results"]
    assert [r["id"] for r in rows] == [inbox["tickets"]["piotr"]]


def test_the_mood_filter_narrows_to_the_latest_customer_sentiment(inbox: dict[str, Any]) -> None:
    client, acme = inbox["client"], inbox["acme"]
    x = BrandAccount.objects.get(brand=acme, platform="x")
    angry = write(x, "Eva Zlá", "Tohle je naprosto hrozné, zase nic nefunguje!", "cs")
    happy = write(x, "Olga Veselá", "Děkuji moc, skvělá práce!", "cs")
    from inbox.models import Ticket

    moods = dict(Ticket.objects.filter(pk__in=[angry, happy]).values_list("pk", "sentiment"))
    assert moods == {angry: "negative", happy: "positive"}
    negative = listed(client, "sentiment=negative")
    assert "Eva Zlá" in negative and "Olga Veselá" not in negative and "Jana Nováková" not in negative
    assert '<option value="negative" selected>' in negative
    positive = listed(client, f"brand={acme.pk}&sentiment=positive")
    assert "Olga Veselá" in positive and "Eva Zlá" not in positive
    assert f'href="/?view=mine&amp;brand={acme.pk}&amp;sentiment=positive"' in positive  # kept by the tabs
    # An unknown mood is dropped, not an error: the shared link shows everything.
    assert "Eva Zlá" in listed(client, "sentiment=furious") and "Olga Veselá" in listed(client, "sentiment=furious")
