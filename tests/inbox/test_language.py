"""Incoming messages are tagged with their language: the platform's tag when it gives one
(X), else detected from the text among the teams' languages and their neighbours."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from inbox.actions.tickets import ticket_ingest_message
from inbox.language import detect_language
from tests.inbox.actions.test_ingest import BORIS, mention


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Už třetí den čekám na vrácení peněz. Tohle je opravdu špatné.", "cs"),
        ("Dobrý deň, kedy príde môj balík?", "sk"),  # a neighbour, not Czech
        ("Dzień dobry, moje zamówienie 1234 jest opóźnione. Co się dzieje?", "pl"),
        ("Здравейте, поръчката ми закъснява", "bg"),
        ("Здравствуйте, где мой заказ?", "ru"),  # Cyrillic, but not Bulgarian
        ("Thanks, but it's still not working.", "en"),
        ("@AcmeCare Proč mi nejde přihlášení do aplikace? https://acme.example/help #login", "cs"),
    ],
)
def test_detects_the_teams_languages_and_tells_neighbours_apart(text: str, expected: str) -> None:
    assert detect_language(text) == expected


@pytest.mark.parametrize("text", ["ok 👍", "???", "12345", "", "@AcmeCare https://t.co/abc", "Super"])
def test_too_little_to_tell_is_left_blank(text: str) -> None:
    assert detect_language(text) == ""


@pytest.mark.django_db
def test_ingest_detects_when_the_platform_does_not_say(x_account: Any) -> None:
    untagged = replace(mention(author=BORIS, text="Благодаря, но все още не работи."), language="")
    result = ticket_ingest_message(account=x_account, incoming=untagged)
    assert result.message.language == "bg"
    assert result.message.ticket.language == "bg"


@pytest.mark.django_db
def test_the_platforms_own_tag_wins(x_account: Any) -> None:
    tagged = replace(mention(text="Dobrý den, kde je můj balík?"), language="cs")
    assert ticket_ingest_message(account=x_account, incoming=tagged).message.language == "cs"
    english_tag = mention(text="Dobrý den, kde je můj balík?")  # X said "en": trust the platform
    assert ticket_ingest_message(account=x_account, incoming=english_tag).message.language == "en"
