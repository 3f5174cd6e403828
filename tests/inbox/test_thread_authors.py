"""The conversation page survives replies whose author is gone: a deleted agent, a user
with no agent profile, or no user at all (an import or the acknowledgement of a system)."""
from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from inbox.enums import DeliveryStatus, Direction
from inbox.models import Message
from tests.support import make_ticket

pytestmark = pytest.mark.django_db(transaction=True)


def _reply(ticket: Any, author: User | None, text: str) -> Message:
    return Message.objects.create(
        ticket=ticket, account=ticket.account, direction=Direction.OUT, text=text,
        author_user=author, sent_at=timezone.now(), delivery_status=DeliveryStatus.SENT,
    )


@pytest.mark.parametrize("who", ["deleted", "no_profile", "nobody"])
def test_thread_renders_when_reply_author_is_missing(
    client: Client, agent: User, fake_x: Any, x_account: Any, who: str
) -> None:
    ticket, _ = make_ticket(fake_x, x_account, "eva", "Eva", "Kde je můj balík?")
    author: User | None = None
    if who != "nobody":
        author = User.objects.create_user(f"gone-{who}", password="pw-gone-123")
    _reply(ticket, author, "Díváme se na to.")
    if who == "deleted" and author is not None:
        author.delete()
    client.force_login(agent)
    for url in (f"/tickets/{ticket.pk}/", f"/tickets/{ticket.pk}/messages/"):
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert "Díváme se na to." in html
    if who == "no_profile":
        assert "gone-no_profile" in html
    else:
        assert "Hovor" in html
