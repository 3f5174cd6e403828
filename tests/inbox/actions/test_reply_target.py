"""An agent's reply answers the newest message a person wrote, never an auto-reply."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from unittest import mock

import pytest

from channels.types import NormalizedAuthor, NormalizedMessage
from inbox.actions.replies import ticket_reply
from inbox.actions.tickets import ticket_ingest_message
from inbox.models import OutboundMessage

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 20, 9, tzinfo=UTC)
JANA = NormalizedAuthor("42", "@jana", "Jana")


def _say(account: Any, pid: str, minutes: int, automated: str | None = None) -> Any:
    msg = NormalizedMessage(
        platform_id=pid, author=JANA, text=pid, sent_at=T0 + timedelta(minutes=minutes), kind="mention",
        automated=automated,
    )
    return ticket_ingest_message(account=account, incoming=msg).message


def test_reply_answers_the_person_not_their_out_of_office(x_account: Any, agent: Any) -> None:
    human = _say(x_account, "100", 0)
    _say(x_account, "101", 1, automated="auto_reply")
    with mock.patch("inbox.tasks.deliver_outbound.delay"):
        reply = ticket_reply(ticket=human.ticket, agent=agent, text="Dobrý den")
    assert OutboundMessage.objects.get(message=reply).in_reply_to_platform_id == "100"


def test_only_automated_messages_are_still_answerable(x_account: Any, agent: Any) -> None:
    auto = _say(x_account, "200", 0, automated="auto_reply")
    with mock.patch("inbox.tasks.deliver_outbound.delay"):
        reply = ticket_reply(ticket=auto.ticket, agent=agent, text="Dobrý den")
    assert OutboundMessage.objects.get(message=reply).in_reply_to_platform_id == "200"
