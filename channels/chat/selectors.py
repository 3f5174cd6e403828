"""Reads for the chat: accounts and sessions the widget names, the event stream's page,
typing state, who is online, and what the widget shows about the brand."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db.models import Q
from django.utils import timezone

from channels.hours import team_hours
from channels.models import AccountStatus, BrandAccount
from channels.types import OutboundRequest

from .files import public_files
from .models import AgentPresence, ChatEvent, ChatEventKind, ChatSession

# An agent seen (presence ping, typing poll or a login) within this window is "online".
PRESENCE_WINDOW = timedelta(minutes=5)
# A typing signal lasts this long unless renewed (the widget and agent.js renew every ~2 s).
TYPING_TTL_SECONDS = 6
DEFAULT_COLOR = "#2563eb"
DEFAULT_GREETING = "Hi! How can we help?"
DEFAULT_HOURS_TEXT = "We usually answer within a few hours"
_COLOR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
# Clock skew tolerated when matching a reply we may already have stored.
RECONCILE_SKEW = timedelta(seconds=30)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def chat_account(*, account_id: int) -> BrandAccount | None:
    return (
        BrandAccount.objects.select_related("brand")
        .filter(pk=account_id, platform="chat")
        .exclude(status=AccountStatus.DISABLED)
        .first()
    )


def chat_session_for_token(*, account: BrandAccount, token: str) -> ChatSession | None:
    if not token or len(token) > 200:
        return None
    return ChatSession.objects.filter(account=account, token_hash=token_hash(token)).first()


def chat_events_after(*, session_id: int, after: int, limit: int = 100) -> list[dict[str, Any]]:
    """The stream's one indexed query per tick (uniq_chat_event_seq covers it)."""
    rows = (
        ChatEvent.objects.filter(session_id=session_id, seq__gt=after)
        .order_by("seq")
        .values("seq", "kind", "text", "client_msg_id", "created_at", "files")[:limit]
    )
    return [dict(row) for row in rows]


def chat_transcript(*, session: ChatSession) -> list[ChatEvent]:
    return list(ChatEvent.objects.filter(session=session).order_by("seq"))


def typing_key(session_key: str, who: str) -> str:
    return f"hovor:chat:typing:{session_key}:{who}"


def chat_is_typing(*, session_key: str, who: str) -> bool:
    return bool(cache.get(typing_key(session_key, who)))


def agents_online() -> bool:
    """Whether any agent has been active lately: a presence ping from the agent UI, or a
    login (the presence table is ours; django.contrib.auth's last_login covers an agent who
    just signed in before any page pinged)."""
    since = timezone.now() - PRESENCE_WINDOW
    if AgentPresence.objects.filter(last_seen_at__gte=since, user__is_active=True).exists():
        return True
    return (
        get_user_model()
        .objects.filter(is_active=True, last_login__gte=since)
        .filter(Q(is_staff=True) | Q(agent_profile__isnull=False))
        .exists()
    )


def chat_widget_config(*, account: BrandAccount) -> dict[str, Any]:
    """What the widget shows before anyone writes: colours and texts from the account's
    options (an admin sets them), and whether someone is there to answer now."""
    options = account.options if isinstance(account.options, dict) else {}
    color = options.get("color")
    greeting = options.get("greeting")
    hours_text = options.get("hours_text")
    title = options.get("title")
    return {
        "account": account.pk,
        "brand": account.brand.name,
        "title": title if isinstance(title, str) and title.strip() else account.brand.name,
        "color": color if isinstance(color, str) and _COLOR.match(color) else DEFAULT_COLOR,
        "greeting": greeting if isinstance(greeting, str) and greeting.strip() else DEFAULT_GREETING,
        "hours_text": hours_text if isinstance(hours_text, str) and hours_text.strip() else DEFAULT_HOURS_TEXT,
        "online": agents_online(),
        "back_at": _back_at(account.brand_id),
    }


def _back_at(brand_id: int) -> str | None:
    """When the brand's team is next at work, if it is off its staffed hours now."""
    now = timezone.now()
    back = team_hours().next_staffed_at(brand_id, now)
    return None if back is None or back == now else back.isoformat()


def chat_reply_find(*, account: BrandAccount, outbound: OutboundRequest) -> str | None:
    """After an unknown outcome (a crash between storing the reply and marking it sent):
    the reply with this text in this session since the first attempt, not already ours."""
    events = ChatEvent.objects.select_related("session").filter(
        session__account=account, session__key=outbound.thread_key, kind=ChatEventKind.AGENT, text=outbound.text
    )
    if outbound.not_before is not None:
        events = events.filter(created_at__gte=outbound.not_before - RECONCILE_SKEW)
    for event in events.order_by("seq"):
        if event.platform_id not in outbound.exclude_ids:
            return event.platform_id
    return None


def chat_sessions_export(*, account_ids: list[int], keys: list[str]) -> list[dict[str, Any]]:
    """What the chat holds about a visitor, for a customer's data export."""
    sessions = ChatSession.objects.filter(account_id__in=account_ids, key__in=keys).prefetch_related("events")
    return [
        {
            "key": s.key,
            "visitor_id": s.visitor_id,
            "name": s.name,
            "email": s.email,
            "followup_by_email": s.followup_by_email,
            "created_at": s.created_at.isoformat(),
            "last_seen_at": s.last_seen_at.isoformat(),
            "events": [
                {"seq": e.seq, "kind": e.kind, "text": e.text, "created_at": e.created_at.isoformat(),
                 "files": public_files(e.files)}
                for e in s.events.all()
            ],
        }
        for s in sessions
    ]


def chat_reply_file(*, session: ChatSession, seq: int, index: int) -> dict[str, Any] | None:
    """One file of an agent's reply in this session (None: no such reply or file)."""
    files = (
        ChatEvent.objects.filter(session=session, seq=seq, kind=ChatEventKind.AGENT)
        .values_list("files", flat=True)
        .first()
    )
    if not isinstance(files, list) or not 0 <= index < len(files) or not isinstance(files[index], dict):
        return None
    found: dict[str, Any] = files[index]
    return found
