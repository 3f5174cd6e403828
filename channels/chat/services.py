"""Writes for the chat: sessions, visitor messages (stored first as raw events, then
ingested like any platform's), agents' replies (the connector's send), typing, presence,
contact details and transcript requests. Views and the connector call these."""
from __future__ import annotations

import logging
import secrets
import uuid
from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from channels.http import ApiPermanentError
from channels.inbound import inbound_events_record
from channels.models import BrandAccount
from channels.signals import inbound_stored
from channels.types import OutboundRequest, RawEvent

from .files import CHAT_ATTACHMENT_LIMITS, chat_files_delete, chat_files_store
from .models import AgentPresence, ChatEvent, ChatEventKind, ChatSession
from .parser import platform_id_for
from .selectors import TYPING_TTL_SECONDS, token_hash, typing_key
from .tasks import chat_followup, chat_transcript_send

logger = logging.getLogger("hovor.channels.chat")

# At most this many transcripts per session: the endpoint is open to anyone with a
# session, so it must not become a way to mail strangers.
MAX_TRANSCRIPTS = 3
# A widget whose stream was open this recently is taken to be looking at the reply.
CONNECTED_WITHIN = timedelta(seconds=40)
# Presence is written at most this often per agent (the UI pings far more often).
PRESENCE_WRITE_EVERY = 30


class ChatRequestError(Exception):
    """A widget request we refuse; `status` is the HTTP status to answer with."""

    def __init__(self, message: str, *, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def _next_seq(session_id: int) -> int:
    """The session's next event number. The UPDATE locks the session row until commit, so
    events commit in number order and a stream reading `seq > cursor` never skips one."""
    ChatSession.objects.filter(pk=session_id).update(last_seq=F("last_seq") + 1)
    return ChatSession.objects.filter(pk=session_id).values_list("last_seq", flat=True).get()


# --- sessions ---------------------------------------------------------------------------
def chat_session_open(
    *, account: BrandAccount, visitor_id: str, token: str = "", name: str = "", email: str = ""
) -> tuple[ChatSession, str, bool]:
    """Resume the visitor's session if the token is theirs; otherwise start a new one.
    Returns (session, token, created)."""
    if token:
        session = ChatSession.objects.filter(account=account, token_hash=token_hash(token)).first()
        if session is not None and session.visitor_id == visitor_id:
            chat_contact_update(session=session, name=name, email=email)
            return session, token, False
    token = secrets.token_urlsafe(32)
    session = ChatSession.objects.create(
        account=account,
        key=uuid.uuid4().hex,
        token_hash=token_hash(token),
        visitor_id=visitor_id,
        name=name,
        email=email,
    )
    return session, token, True


def chat_contact_update(*, session: ChatSession, name: str = "", email: str = "", followup: bool | None = None) -> None:
    """The visitor's name and email as they last gave them; `followup` asks for replies by
    email too (offered when no agent is online)."""
    fields = []
    if name and name != session.name:
        session.name = name
        fields.append("name")
    if email and email != session.email:
        session.email = email
        fields.append("email")
    if followup is not None and followup != session.followup_by_email:
        if followup and not session.email:
            raise ChatRequestError("An email address is needed for a follow-up by email.")
        session.followup_by_email = followup
        fields.append("followup_by_email")
    if fields:
        session.save(update_fields=fields)


def chat_session_seen(*, session: ChatSession) -> None:
    """The widget has the stream open (at most one write per stream connection)."""
    now = timezone.now()
    ChatSession.objects.filter(pk=session.pk, last_seen_at__lt=now - timedelta(seconds=5)).update(last_seen_at=now)


# --- visitor messages -------------------------------------------------------------------
@transaction.atomic
def chat_message_receive(
    *,
    account: BrandAccount,
    session: ChatSession,
    client_msg_id: uuid.UUID,
    text: str,
    name: str = "",
    email: str = "",
    page: str = "",
) -> tuple[ChatEvent, bool]:
    """Store a visitor's message for the widget's stream and as a raw event for the inbox,
    in one transaction; ingestion is queued after commit, exactly as for a webhook.
    Idempotent on client_msg_id: a resend after a reconnect returns the stored message."""
    existing = ChatEvent.objects.filter(session=session, client_msg_id=client_msg_id).first()
    if existing is not None:
        return existing, False
    seq = _next_seq(session.pk)
    existing = ChatEvent.objects.filter(session=session, client_msg_id=client_msg_id).first()
    if existing is not None:  # a concurrent resend of the same message committed first
        return existing, False
    chat_contact_update(session=session, name=name, email=email)
    now = timezone.now()
    event = ChatEvent.objects.create(
        session=session, seq=seq, kind=ChatEventKind.VISITOR, text=text, client_msg_id=client_msg_id, created_at=now
    )
    payload = {
        "session": session.key,
        "client_msg_id": str(client_msg_id),
        "visitor_id": session.visitor_id,
        "text": text,
        "name": session.name,
        "email": session.email,
        "page": page,
        "received_at": now.isoformat(),
    }
    raw = RawEvent(platform_id=platform_id_for(session.key, str(client_msg_id)), kind="chat", payload=payload)
    ids = inbound_events_record(account=account, events=[raw])
    if ids:
        transaction.on_commit(lambda: inbound_stored.send(
            sender=BrandAccount, account_id=account.pk, event_ids=ids, source="chat"
        ))
    cache.delete(typing_key(session.key, "visitor"))
    return event, True


# --- agents' replies (the connector's send) ---------------------------------------------
def chat_reply_store(*, account: BrandAccount, outbound: OutboundRequest) -> str:
    """Deliver an agent's reply: store it where the widget's stream reads it. Delivery is
    this one transaction, so it is immediate; returns the reply's platform id."""
    session = ChatSession.objects.filter(account=account, key=outbound.thread_key).first()
    if session is None:
        raise ApiPermanentError("This chat conversation no longer exists; the visitor cannot receive replies.")
    limits = CHAT_ATTACHMENT_LIMITS
    if len(outbound.files) > limits.max_files:
        raise ApiPermanentError(f"The chat takes at most {limits.max_files} files with a reply.")
    for file in outbound.files:
        if len(file.content) > limits.max_bytes_for(file.content_type):
            raise ApiPermanentError(f"{file.filename} is larger than the chat takes.")
    files = chat_files_store(session_key=session.key, files=outbound.files)
    names = [f["name"] for f in files]
    # The files are written before the row, and deleted again if the row is not: a reply
    # never points at nothing.
    try:
        with transaction.atomic():
            seq = _next_seq(session.pk)
            event = ChatEvent.objects.create(
                session=session, seq=seq, kind=ChatEventKind.AGENT, text=outbound.text, files=files
            )
            cache.delete(typing_key(session.key, "agent"))
            session.refresh_from_db(fields=["followup_by_email", "email", "last_seen_at"])
            away = session.last_seen_at < timezone.now() - CONNECTED_WITHIN
            if session.followup_by_email and session.email and away:
                transaction.on_commit(lambda: chat_followup.delay(event.pk))
    except BaseException:
        chat_files_delete(names)
        raise
    return f"{session.key}:agent:{seq}"


# --- typing and presence ----------------------------------------------------------------
def chat_typing_set(*, session_key: str, who: str, typing: bool) -> None:
    """Ephemeral, so in the cache (Redis in production): never a row per keystroke."""
    if typing:
        cache.set(typing_key(session_key, who), 1, timeout=TYPING_TTL_SECONDS)
    else:
        cache.delete(typing_key(session_key, who))


def chat_presence_touch(*, user: AbstractBaseUser) -> None:
    """Record that an agent is here; written at most every PRESENCE_WRITE_EVERY seconds."""
    if not cache.add(f"hovor:chat:presence:{user.pk}", 1, timeout=PRESENCE_WRITE_EVERY):
        return
    AgentPresence.objects.update_or_create(user_id=user.pk, defaults={"last_seen_at": timezone.now()})


# --- email ------------------------------------------------------------------------------
def chat_transcript_request(*, session: ChatSession, email: str) -> None:
    """Queue the conversation's transcript to this address (sent by a task, after commit)."""
    if not ChatEvent.objects.filter(session=session).exists():
        raise ChatRequestError("There is nothing to send yet.")
    with transaction.atomic():
        claimed = ChatSession.objects.filter(pk=session.pk, transcripts_sent__lt=MAX_TRANSCRIPTS).update(
            transcripts_sent=F("transcripts_sent") + 1
        )
        if not claimed:
            raise ChatRequestError("The transcript has already been sent several times.", status=429)
        chat_contact_update(session=session, email=email)
        transaction.on_commit(lambda: chat_transcript_send.delay(session.pk, email))


@transaction.atomic
def chat_sessions_forget(*, account_ids: list[int], keys: list[str]) -> int:
    """Erase visitors' chat sessions (their name, e-mail and every line, both ways): a
    customer's erasure. Returns how many sessions were removed."""
    if not keys:
        return 0
    names = [
        f.get("name", "")
        for files in ChatEvent.objects.filter(
            session__account_id__in=account_ids, session__key__in=keys, kind=ChatEventKind.AGENT
        ).exclude(files=[]).values_list("files", flat=True)
        for f in (files if isinstance(files, list) else [])
        if isinstance(f, dict)
    ]
    if names:
        transaction.on_commit(lambda: chat_files_delete(names))
    deleted, by_model = ChatSession.objects.filter(account_id__in=account_ids, key__in=keys).delete()
    return by_model.get(ChatSession._meta.label, 0)
