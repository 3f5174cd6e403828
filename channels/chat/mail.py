"""The chat's emails to visitors: the transcript they asked for, and an agent's answer that
came while they were away. Sent by the worker (channels.chat.tasks), never in a request."""
from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone

from channels.models import BrandAccount

from .models import ChatEvent, ChatEventKind, ChatSession
from .selectors import chat_transcript


def _from_email(account: BrandAccount) -> str:
    options = account.options if isinstance(account.options, dict) else {}
    sender = options.get("from_email")
    return sender if isinstance(sender, str) and sender else settings.DEFAULT_FROM_EMAIL


def _local(at: datetime) -> str:
    return timezone.localtime(at).strftime("%Y-%m-%d %H:%M")


def chat_transcript_email(*, session_id: int, email: str) -> None:
    session = ChatSession.objects.select_related("account__brand").get(pk=session_id)
    brand = session.account.brand.name
    lines = [f"Your conversation with {brand}", ""]
    for event in chat_transcript(session=session):
        who = "You" if event.kind == ChatEventKind.VISITOR else brand
        lines.append(f"[{_local(event.created_at)}] {who}:")
        lines.extend(f"  {line}" for line in event.text.splitlines() or [""])
        lines.append("")
    send_mail(
        subject=f"Your conversation with {brand}",
        message="\n".join(lines),
        from_email=_from_email(session.account),
        recipient_list=[email],
    )


def chat_followup_email(*, event_id: int) -> None:
    """An agent answered while the visitor was away, and they asked for email follow-up."""
    event = ChatEvent.objects.select_related("session__account__brand").get(pk=event_id)
    session = event.session
    if not session.email:
        return
    brand = session.account.brand.name
    body = (
        f"{brand} answered your chat message:\n\n{event.text}\n\n"
        "You can reply by opening the chat on our website again."
    )
    send_mail(
        subject=f"{brand} answered your message",
        message=body,
        from_email=_from_email(session.account),
        recipient_list=[session.email],
    )
