from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from channels.models import BrandAccount


class ChatSession(models.Model):
    """One visitor's conversation through a brand's website widget.

    `key` is the session's public name: the inbox's thread key and the first half of every
    platform id. `token_hash` is the SHA-256 of the bearer secret the widget keeps in
    localStorage (the secret itself is never stored, and never shown to anyone)."""

    account = models.ForeignKey(BrandAccount, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=32, unique=True)
    token_hash = models.CharField(max_length=64, unique=True)
    visitor_id = models.CharField(max_length=64)
    name = models.CharField(max_length=200, blank=True)
    email = models.EmailField(max_length=254, blank=True)
    # The visitor asked to be answered by email too (no agent was online when they wrote).
    followup_by_email = models.BooleanField(default=False)
    transcripts_sent = models.PositiveSmallIntegerField(default=0)
    # The last event number handed out: events are numbered per session under a row lock,
    # so the stream's cursor never skips an event that commits late.
    last_seq = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    # When the widget last had the event stream open (updated at most every few seconds).
    last_seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["account", "visitor_id"], name="chat_session_visitor_idx")]

    def __str__(self) -> str:
        return f"chat session {self.key}"


class ChatEventKind(models.TextChoices):
    VISITOR = "visitor", "Visitor message"
    AGENT = "agent", "Agent reply"


class ChatEvent(models.Model):
    """What the widget's event stream shows: the visitor's own messages (so a reload or a
    second tab shows the conversation) and the agents' replies, numbered per session."""

    session = models.ForeignKey(ChatSession, on_delete=models.CASCADE, related_name="events", db_index=False)
    seq = models.PositiveIntegerField()
    kind = models.CharField(max_length=10, choices=ChatEventKind.choices)
    text = models.TextField()
    # The widget's idempotency key for a visitor message (a resend is stored once).
    client_msg_id = models.UUIDField(null=True, blank=True)
    # An agent's files with the reply, stored by the chat itself (Django's storage API) and
    # served to this session only: [{"name" (storage), "filename", "content_type", "size",
    # "image" (a picture Pillow verified: shown inline)}].
    files = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            # Also the stream's index: WHERE session_id = ? AND seq > ? ORDER BY seq.
            models.UniqueConstraint(fields=["session", "seq"], name="uniq_chat_event_seq"),
            models.UniqueConstraint(
                fields=["session", "client_msg_id"],
                condition=Q(client_msg_id__isnull=False),
                name="uniq_chat_client_msg",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.session_id}#{self.seq}"

    @property
    def platform_id(self) -> str:
        """The id the inbox knows this message by (the RawEvent's platform id for a visitor
        message, the reply's platform id for an agent's)."""
        if self.kind == ChatEventKind.VISITOR:
            return f"{self.session.key}:{self.client_msg_id}"
        return f"{self.session.key}:agent:{self.seq}"


class AgentPresence(models.Model):
    """When an agent last had Hovor open: the agent UI pings the chat's presence endpoint
    (and polling the typing endpoint counts too). The widget says "we answer later" and
    offers an email follow-up when nobody has been seen for a while."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chat_presence")
    last_seen_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"{self.user_id} seen {self.last_seen_at:%Y-%m-%d %H:%M}"
