"""Chat emails, sent by the worker (never inside a widget's request)."""
from __future__ import annotations

from helpdesk.celery import step_task

from . import mail


@step_task("chat.transcript_send", max_retries=3)
def chat_transcript_send(session_id: int, email: str) -> None:
    mail.chat_transcript_email(session_id=session_id, email=email)


@step_task("chat.followup", max_retries=3)
def chat_followup(event_id: int) -> None:
    mail.chat_followup_email(event_id=event_id)
