"""The agent UI speaks Czech, Polish, Bulgarian and English: from the browser's language
or the agent's choice in the top bar; every message of the catalogues is translated and
the compiled catalogues match their sources."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext, ngettext, pgettext

from tests.support import make_ticket

LOCALE = Path(__file__).resolve().parents[3] / "locale"
LANGS = ("cs", "pl", "bg")


def _unquote(text: str) -> str:
    return text.replace('\\"', '"').replace("\\\\", "\\")


def catalogue(lang: str) -> list[tuple[str, str, str, list[str]]]:
    """(msgctxt, msgid, msgid_plural, msgstrs) of every entry but the header (files are --no-wrap)."""
    entries = []
    source = (LOCALE / lang / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    for block in source.split("\n\n"):
        msgid = re.search(r'^msgid "(.*)"$', block, re.M)
        if not msgid or not msgid.group(1):
            continue
        assert "#, fuzzy" not in block, f"{lang}: fuzzy entry {msgid.group(1)!r}"
        plural = re.search(r'^msgid_plural "(.*)"$', block, re.M)
        strings = [_unquote(s) for s in re.findall(r'^msgstr(?:\[\d\])? "(.*)"$', block, re.M)]
        context = re.search(r'^msgctxt "(.*)"$', block, re.M)
        entries.append(
            (
                _unquote(context.group(1)) if context else "",
                _unquote(msgid.group(1)),
                _unquote(plural.group(1)) if plural else "",
                strings,
            )
        )
    return entries


@pytest.mark.parametrize("lang", LANGS)
def test_every_message_is_translated_and_compiled(lang: str) -> None:
    entries = catalogue(lang)
    assert len(entries) > 80
    with translation.override(lang):
        for context, msgid, plural, strings in entries:
            assert all(strings), f"{lang}: {msgid!r} is not translated"
            placeholders = set(re.findall(r"%\(\w+\)s", msgid))
            for string in strings:
                assert set(re.findall(r"%\(\w+\)s", string)) == placeholders, f"{lang}: {string!r}"
            if context:
                assert pgettext(context, msgid) == strings[0], f"{lang}: stale .mo for {msgid!r}"
            elif plural:
                assert ngettext(msgid, plural, 1) == strings[0], f"{lang}: stale .mo for {msgid!r}"
            else:
                assert gettext(msgid) == strings[0], f"{lang}: stale .mo for {msgid!r} (compilemessages)"


@pytest.fixture
def agent_client(client: Client, agent: User) -> Client:
    client.force_login(agent)
    return client


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("cs-CZ,cs;q=0.9", "Čeká na odpověď"),
        ("pl", "Czeka na odpowiedź"),
        ("bg", "Чакат отговор"),
        ("en-GB", "Waiting for reply"),
    ],
)
def test_inbox_follows_the_browsers_language(agent_client: Client, accept: str, expected: str) -> None:
    page = agent_client.get("/", HTTP_ACCEPT_LANGUAGE=accept).content.decode()
    assert expected in page
    assert f'<html lang="{accept[:2]}"' in page


@pytest.mark.django_db
def test_agent_picks_a_language_in_the_top_bar(agent_client: Client, fake_x: Any, x_account: Any) -> None:
    ticket, _ = make_ticket(fake_x, x_account, "@jnovakova", "Jana Nováková", "Dobrý den, kde je můj balík?")
    response = agent_client.post("/i18n/setlang/", {"language": "pl", "next": f"/tickets/{ticket.pk}/"})
    assert response.status_code == 302 and response["Location"] == f"/tickets/{ticket.pk}/"
    page = agent_client.get(f"/tickets/{ticket.pk}/", HTTP_ACCEPT_LANGUAGE="cs").content.decode()
    assert "Odpowiedź na X do" in page and "Wyślij" in page and "Wcześniejsze rozmowy" in page
    assert '<option value="pl" selected>Polski</option>' in page


@pytest.mark.django_db
def test_composer_refusals_are_in_the_agents_language(agent_client: Client, fake_x: Any, x_account: Any) -> None:
    ticket, _ = make_ticket(fake_x, x_account, "@jnovakova", "Jana Nováková", "Ahoj")
    preview = agent_client.post(
        f"/tickets/{ticket.pk}/reply/preview/", {"text": "x" * 300}, HTTP_ACCEPT_LANGUAGE="cs"
    ).content.decode()
    assert "Příliš dlouhé pro X" in preview


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("cs", "poslední byla před 22 hodinami"), ("pl", "ostatnia była 22 godziny temu"), ("bg", "преди 22 часа")],
)
def test_channel_window_refusals_are_in_the_agents_language(lang: str, expected: str) -> None:
    from channels.whatsapp.limits import window_closed_message

    with translation.override(lang):
        assert expected in window_closed_message(None, 22)
