"""The one-key "I'm looking into it" from both entry points: an inbox row's button (back to
the inbox, the list and its filters kept) and the conversation's button (back to it); the
reason shown where nothing can go (a closed WhatsApp window); a newcomer's goes to a lead;
admins word it per brand and language on the reply tools page."""
from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from inbox.actions.acknowledgement import DEFAULT_TEXTS
from inbox.actions.people import agent_create, team_create
from inbox.enums import Direction
from inbox.models import BrandAcknowledgement, Message, OutboundMessage, ReplyDraft, Ticket
from tests.support import make_ticket, whatsapp_ticket_past_its_window

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def ticket(fake_x: Any, x_account: Any, agent: User) -> Ticket:
    made, _tweet = make_ticket(fake_x, x_account, "@jnovakova", "Jana Nováková", "Kde je moje objednávka? 📦")
    Ticket.objects.filter(pk=made.pk).update(language="cs")
    return made


@pytest.fixture
def agent_client(client: Client, agent: User) -> Client:
    client.force_login(agent)
    return client


def _flash(response: Any) -> list[str]:
    return [str(m) for m in response.wsgi_request._messages]


def test_the_inbox_row_has_the_button_and_the_key_is_listed(agent_client: Client, ticket: Ticket) -> None:
    html = agent_client.get("/?view=waiting").content.decode()
    assert f'formaction="/tickets/{ticket.pk}/acknowledge/"' in html and f'data-ack="{ticket.pk}"' in html
    assert 'id="ack-row-form"' in html
    assert "<kbd>l</kbd>" in html  # in the ? list of shortcuts


def test_from_an_inbox_row_back_to_the_inbox(agent_client: Client, fake_x: Any, ticket: Ticket) -> None:
    response = agent_client.post(f"/tickets/{ticket.pk}/acknowledge/", {"next": "/?view=waiting&platform=x"})
    assert response.status_code == 302 and response["Location"] == "/?view=waiting&platform=x"
    assert [s["text"] for s in fake_x.outbound()] == ["Díky za zprávu, už se na to dívám. ^JD"]
    assert any(f"#{ticket.pk}" in m and "Díky za zprávu" in m for m in _flash(response))
    # The row has nothing to acknowledge any more: no button.
    assert f'data-ack="{ticket.pk}"' not in agent_client.get("/?view=all").content.decode()


def test_an_outside_next_is_not_followed(agent_client: Client, ticket: Ticket) -> None:
    response = agent_client.post(f"/tickets/{ticket.pk}/acknowledge/", {"next": "https://evil.example/"})
    assert response["Location"] == f"/tickets/{ticket.pk}/"


def test_from_the_conversation(agent_client: Client, fake_x: Any, ticket: Ticket) -> None:
    html = agent_client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert 'id="ack-send"' in html and 'form="ack-form"' in html and "Díky za zprávu, už se na to dívám. ^JD" in html
    token = html.split('id="ack-form"')[1].split('name="client_token" value="')[1].split('"')[0]
    for _press in range(2):  # the same form twice: sent once
        response = agent_client.post(
            f"/tickets/{ticket.pk}/acknowledge/", {"client_token": token, "next": f"/tickets/{ticket.pk}/"}
        )
        assert response.status_code == 302 and response["Location"] == f"/tickets/{ticket.pk}/"
    assert len(fake_x.outbound()) == 1 and Message.objects.filter(direction=Direction.OUT).count() == 1
    page = agent_client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert 'id="ack-send"' not in page  # answered: nothing to acknowledge
    assert "ack-badge" in page  # the thread marks it


def test_a_closed_whatsapp_window_says_why(agent_client: Client, brand: Any) -> None:
    ticket_id = whatsapp_ticket_past_its_window(brand, "wamid.ACK2").pk
    html = agent_client.get(f"/tickets/{ticket_id}/").content.decode()
    button = html.split('id="ack-send"')[1].split(">")[0]
    assert "disabled" in button
    why = html.split('id="ack-why"')[1].split("</span>")[0]
    assert "24 hours" in why
    response = agent_client.post(f"/tickets/{ticket_id}/acknowledge/", {"next": "/"})
    assert response.status_code == 302
    assert any(m.startswith(f"Not sent to #{ticket_id}:") and "24 hours" in m for m in _flash(response))
    assert not OutboundMessage.objects.exists()


def test_a_newcomers_goes_to_a_lead(client: Client, fake_x: Any, ticket: Ticket) -> None:
    nova = agent_create(username="nova", password="pw-nova-12345", display_name="Nova Nováková", role="newcomer")
    team_create(name="Acme care", brands=[ticket.brand], members=[nova])
    client.force_login(nova)
    assert "for a lead" in client.get("/?view=all").content.decode()  # the row's button says so
    response = client.post(f"/tickets/{ticket.pk}/acknowledge/", {"next": "/"})
    assert response.status_code == 302 and any("approval" in m for m in _flash(response))
    assert ReplyDraft.objects.get().text == DEFAULT_TEXTS["cs"]
    assert fake_x.outbound() == []
    # The button now says why another cannot go.
    html = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert 'id="ack-why"' in html


def test_admins_word_it_per_brand(client: Client, fake_x: Any, ticket: Ticket, agent: User) -> None:
    admin = agent_create(username="ada", password="pw-ada-12345", display_name="Ada Admin", role="admin")
    client.force_login(admin)
    page = client.get("/settings/replies/").content.decode()
    assert f'id="acknowledgement-{ticket.brand_id}"' in page and DEFAULT_TEXTS["bg"] in page
    response = client.post(
        f"/settings/replies/acknowledgements/{ticket.brand_id}/",
        {"text_cs": "  Dobrý den, koukám na to.  ", "text_en": DEFAULT_TEXTS["en"], "text_pl": ""},
    )
    assert response.status_code == 302
    assert BrandAcknowledgement.objects.get(brand=ticket.brand).texts == {"cs": "Dobrý den, koukám na to."}
    bad = client.post(f"/settings/replies/acknowledgements/{ticket.brand_id}/", {"text_cs": "Ahoj {{ zakaznik }}"})
    assert any("Unknown variable" in m for m in _flash(bad))
    assert BrandAcknowledgement.objects.get(brand=ticket.brand).texts == {"cs": "Dobrý den, koukám na to."}
    # An agent may not.
    client.force_login(agent)
    assert client.post(f"/settings/replies/acknowledgements/{ticket.brand_id}/", {"text_cs": "x"}).status_code in (
        403, 404)
