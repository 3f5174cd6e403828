"""The chat demo page speaks the visitor's language (Accept-Language, or the language they
pick), and so does the widget on it, which reads the page's lang."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("accept", "lang", "heading"),
    [
        ("cs-CZ,cs;q=0.9", "cs", "Acme · ukázka živého chatu"),
        ("pl", "pl", "Acme · demo czatu na żywo"),
        ("bg-BG", "bg", "Acme · демо на чата на живо"),
        ("en-GB", "en", "Acme · live chat demo"),
    ],
)
def test_demo_page_follows_accept_language(
    client: Client, chat_account: Any, accept: str, lang: str, heading: str
) -> None:
    response = client.get(f"/chat/demo/{chat_account.pk}/", HTTP_ACCEPT_LANGUAGE=accept)
    html = response.content.decode()
    assert response.status_code == 200
    assert f'<html lang="{lang}">' in html and f"<h1>{heading}</h1>" in html
    assert "Accept-Language" in response["Vary"]


def test_demo_page_follows_the_language_picked(client: Client, chat_account: Any) -> None:
    url = f"/chat/demo/{chat_account.pk}/"
    assert 'action="/i18n/setlang/"' in client.get(url).content.decode()  # the picker is on the page
    client.post("/i18n/setlang/", {"language": "bg", "next": url})
    html = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="bg">' in html and "Демо на чата на живо" in html
