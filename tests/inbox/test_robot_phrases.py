"""Robot phrases: the reply preview names a form-letter phrase ("Dear valued customer",
"Vážený zákazníku") found ignoring case and diacritics, with a kinder way to say it; the reply
still goes out. Admins keep the list per language at /settings/replies/ (and the Django admin)."""
from __future__ import annotations

import importlib
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.contrib.auth.models import User
from django.test import Client

from inbox.actions.replies import reply_compose, ticket_reply
from inbox.actions.reply_tools import ReplyToolsError, robot_phrase_create, robot_phrase_delete
from inbox.enums import DeliveryStatus
from inbox.models import RobotPhrase
from inbox.robot_phrases import fold, robot_phrases_in
from tests.support import make_ticket

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def phrases(db: None) -> list[RobotPhrase]:
    RobotPhrase.objects.all().delete()
    return [
        robot_phrase_create(language="cs", phrase="Vážený zákazníku", hint="Oslovte jménem"),
        robot_phrase_create(language="en", phrase="It is not our policy…", hint="Say what you can do"),
        robot_phrase_create(language="bg", phrase="Уважаеми клиенти", hint="Обърнете се по име"),
        robot_phrase_create(language="pl", phrase="Szanowny Kliencie", hint=""),
    ]


def test_fold_ignores_case_diacritics_and_spacing() -> None:
    assert fold("VÁŽENÝ  zákazníku") == "vazeny  zakazniku"
    assert len(fold("Žluťoučký kůň")) == len("Žluťoučký kůň")  # positions map back to the text


def test_matches_without_case_or_diacritics(phrases: list[RobotPhrase]) -> None:
    found = robot_phrases_in("vazeny ZAKAZNIKU, hned to prověříme.")
    assert [m.phrase for m in found] == ["Vážený zákazníku"]
    assert found[0].found == "vazeny ZAKAZNIKU" and found[0].hint == "Oslovte jménem"
    # Trailing "…" of the admin's phrase is not required; the words are.
    assert [m.phrase for m in robot_phrases_in("Sorry, it is not our   policy to refund.")] == ["It is not our policy…"]
    assert [m.phrase for m in robot_phrases_in("УВАЖАЕМИ КЛИЕНТИ, благодарим.")] == ["Уважаеми клиенти"]
    assert [m.phrase for m in robot_phrases_in("Szanowny kliencie!")] == ["Szanowny Kliencie"]


def test_whole_words_only_and_order_of_appearance(phrases: list[RobotPhrase]) -> None:
    assert robot_phrases_in("Nevážený zákazníkum nic") == []
    assert robot_phrases_in("") == []
    found = robot_phrases_in("It is not our policy. Vážený zákazníku…")
    assert [m.language for m in found] == ["en", "cs"]


def test_preview_warns_and_send_is_not_blocked(fake_x: Any, x_account: Any, agent: User,
                                               phrases: list[RobotPhrase]) -> None:
    ticket, _tweet = make_ticket(fake_x, x_account, "@jnovakova", "Jana Nováková", "Kde je balík?")
    composed = reply_compose(ticket=ticket, agent=agent, text="Vážený zákazníku, balík je na cestě.")
    assert composed.ok and composed.error == ""
    assert [m.phrase for m in composed.robot_phrases] == ["Vážený zákazníku"]
    # The agent's signature is never what is matched, and a kind reply has no warning.
    assert reply_compose(ticket=ticket, agent=agent, text="Dobrý den, Jano, balík je na cestě.").robot_phrases == ()
    message = ticket_reply(ticket=ticket, agent=agent, text="Vážený zákazníku, balík je na cestě.")
    message.refresh_from_db()
    assert message.delivery_status == DeliveryStatus.SENT
    assert fake_x.outbound()[-1]["text"] == "Vážený zákazníku, balík je na cestě. ^JD"


def test_preview_fragment_shows_phrase_and_hint(client: Client, fake_x: Any, x_account: Any, agent: User,
                                                phrases: list[RobotPhrase]) -> None:
    ticket, _tweet = make_ticket(fake_x, x_account, "@jnovakova", "Jana Nováková", "Kde je balík?")
    client.force_login(agent)
    html = client.post(f"/tickets/{ticket.pk}/reply/preview/", {"text": "VÁŽENÝ ZÁKAZNÍKU <b>x</b>"}).content.decode()
    assert 'id="robot-warning"' in html and "VÁŽENÝ ZÁKAZNÍKU" in html and "Oslovte jménem" in html
    assert "<b>x</b>" not in html  # the agent's text stays escaped
    assert 'class="error"' not in html  # a warning, not an error: Send stays enabled


def test_duplicates_and_empty_phrases_refused(phrases: list[RobotPhrase]) -> None:
    with pytest.raises(ReplyToolsError):
        robot_phrase_create(language="cs", phrase="vazeny ZAKAZNIKU")
    with pytest.raises(ReplyToolsError):
        robot_phrase_create(language="cs", phrase=" … ")
    with pytest.raises(ReplyToolsError):
        robot_phrase_create(language="de", phrase="Sehr geehrter Kunde")
    # The same words in another language's list are a different entry.
    robot_phrase_create(language="en", phrase="Vážený zákazníku")
    robot_phrase_delete(phrase=phrases[0])
    assert not RobotPhrase.objects.filter(pk=phrases[0].pk).exists()


def test_migration_seeds_every_language(db: None) -> None:
    migration = importlib.import_module("inbox.migrations.0027_reply_tools")
    RobotPhrase.objects.all().delete()
    migration.seed(django_apps, None)
    languages = set(RobotPhrase.objects.values_list("language", flat=True))
    assert languages == {"en", "cs", "pl", "bg"}
    assert RobotPhrase.objects.filter(language="bg", phrase="Уважаеми клиенти").exists()
    assert RobotPhrase.objects.filter(language="en", phrase="Dear valued customer").exists()
    assert all(p.hint for p in RobotPhrase.objects.all())
    migration.unseed(django_apps, None)
    assert not RobotPhrase.objects.exists()


def test_admins_edit_the_list_agents_cannot(client: Client, agent: User, phrases: list[RobotPhrase]) -> None:
    client.force_login(agent)
    assert client.get("/settings/replies/").status_code == 404
    assert client.post("/settings/replies/phrases/new/", {"language": "en", "phrase": "Kindly"}).status_code == 404
    admin = User.objects.create_user("boss", password="pw-boss-123", is_staff=True, is_superuser=True)
    client.force_login(admin)
    page = client.get("/settings/replies/").content.decode()
    assert "Vážený zákazníku" in page and "Уважаеми клиенти" in page
    client.post(
        "/settings/replies/phrases/new/", {"language": "en", "phrase": "Kindly be informed", "hint": "Just say it"}
    )
    assert RobotPhrase.objects.filter(language="en", phrase="Kindly be informed", hint="Just say it").exists()
    client.post(f"/settings/replies/phrases/{phrases[1].pk}/delete/")
    assert not RobotPhrase.objects.filter(pk=phrases[1].pk).exists()
    assert client.get("/admin/inbox/robotphrase/").status_code == 200
