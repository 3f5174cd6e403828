from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from channels.models import Brand, BrandAccount

from .enums import (
    AttachmentState,
    DeliveryStatus,
    Direction,
    DraftStatus,
    OutboundStatus,
    Role,
    Sentiment,
    TicketEventType,
    TicketPriority,
    TicketStatus,
)


class Customer(models.Model):
    """A person writing to a brand. Scoped to the brand: never merged across brands."""

    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="customers")
    name = models.CharField(max_length=300, blank=True)
    # The profile agents keep (inbox/actions/customers.py customer_update); ingest fills
    # email and phone from the first identity that brings them (a chat visitor's email).
    email = models.CharField(max_length=320, blank=True)
    phone = models.CharField(max_length=32, blank=True)  # digits, as Identity.phone
    language = models.CharField(max_length=10, blank=True)
    notes = models.TextField(blank=True)
    tags: models.ManyToManyField[Tag, Any] = models.ManyToManyField("Tag", related_name="customers", blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # Set when the person was erased (GDPR): name and identities gone, conversations kept empty.
    erased_at = models.DateTimeField(null=True, blank=True)
    # Set while this customer is merged into another (CustomerMerge): the row stays, empty,
    # so the merge can be undone; ingest and the screens follow it to the customer kept.
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_from"
    )

    class Meta:
        # Merge suggestions look a profile's email and phone up within the brand (on every
        # conversation page): without these, a scan of every customer.
        indexes = [
            models.Index(fields=["brand", "email"], condition=~Q(email=""), name="customer_email_idx"),
            models.Index(fields=["brand", "phone"], condition=~Q(phone=""), name="customer_phone_idx"),
        ]

    def __str__(self) -> str:
        return self.name or f"customer {self.pk}"

    @property
    def first_name(self) -> str:
        name = (self.name or "").strip()
        return name.split()[0] if name else ""


class Identity(models.Model):
    """A customer's presence on one platform (an X user, a Messenger PSID, an address)."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="identities")
    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="+")
    platform = models.CharField(max_length=20)
    external_id = models.CharField(max_length=200)
    handle = models.CharField(max_length=300, blank=True)
    display_name = models.CharField(max_length=300, blank=True)
    # Normalised keys for suggesting that two customers are one person (never auto-merged).
    email = models.CharField(max_length=320, blank=True)
    phone = models.CharField(max_length=32, blank=True)
    avatar_url = models.URLField(max_length=1000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # The platform's user-profile lookup (Messenger, Instagram): when it answered, and how
    # many times it was tried (inbox.actions.profiles): looked up once, never again.
    profile_fetched_at = models.DateTimeField(null=True, blank=True)
    profile_attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name_plural = "identities"
        constraints = [
            models.UniqueConstraint(fields=["brand", "platform", "external_id"], name="uniq_identity"),
        ]
        indexes = [
            models.Index(fields=["brand", "email"], name="identity_email_idx"),
            models.Index(fields=["brand", "phone"], name="identity_phone_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.platform}:{self.handle or self.external_id}"


class AgentProfile(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agent_profile")
    display_name = models.CharField(max_length=200)
    # Appended to every public reply, e.g. "^JD" on X (counted inside the 280 budget).
    signature = models.CharField(max_length=60, blank=True)
    # Kept in step with the user's is_staff and groups by inbox.actions.people.agent_set_role.
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.AGENT)
    # The language Hovor's screens speak to this person ("" = the browser's or the top bar's
    # choice); accounts.middleware.AgentLanguageMiddleware applies it.
    language = models.CharField(max_length=8, choices=settings.LANGUAGES, blank=True)

    def __str__(self) -> str:
        return self.display_name


class Team(models.Model):
    """People who answer for some brands: a member sees those brands' conversations."""

    name = models.CharField(max_length=200, unique=True)
    brands = models.ManyToManyField(Brand, related_name="teams", blank=True)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="teams", blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Tag(models.Model):
    """A label agents put on conversations ("refund", "vip"). Admins keep the list tidy at
    /settings/tags/; agents pick one or type a new one (inbox/actions/triage.py)."""

    name = models.CharField(max_length=50)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(Lower("name"), name="uniq_tag_name_ci")]

    def __str__(self) -> str:
        return self.name


class Ticket(models.Model):
    brand = models.ForeignKey(Brand, on_delete=models.PROTECT, related_name="tickets")
    account = models.ForeignKey(BrandAccount, on_delete=models.PROTECT, related_name="tickets")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="tickets")
    subject = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=20, choices=TicketStatus.choices, default=TicketStatus.NEW)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="assigned_tickets"
    )
    language = models.CharField(max_length=10, blank=True)
    # The sentiment of the customer's latest message (set by ingest).
    sentiment = models.CharField(max_length=10, choices=Sentiment.choices, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    # Since when the customer has been waiting for us (null when the ball is in their court).
    waiting_since = models.DateTimeField(null=True, blank=True)
    first_response_due_at = models.DateTimeField(null=True, blank=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    # SLA clocks (inbox/actions/sla.py recomputes them): the next reply owed after the first,
    # the one running now (first or next; null while the customer has the ball), and when
    # this wait was escalated (cleared when it ends), so a breach escalates once.
    next_response_due_at = models.DateTimeField(null=True, blank=True)
    sla_due_at = models.DateTimeField(null=True, blank=True)
    sla_target = models.CharField(max_length=10, blank=True, default="")
    sla_breached_at = models.DateTimeField(null=True, blank=True)
    last_message_at = models.DateTimeField(default=timezone.now)
    # Set when its messages' text and attachments were erased (the customer's erasure or the
    # brand's retention); the rows stay, with their times and directions, for the reports.
    erased_at = models.DateTimeField(null=True, blank=True)
    # Triage (inbox/actions/triage.py writes these, each change with its TicketEvent).
    priority = models.CharField(max_length=10, choices=TicketPriority.choices, default=TicketPriority.NORMAL)
    tags = models.ManyToManyField(Tag, related_name="tickets", blank=True)
    # Out of the working views until then (or until the customer writes).
    snoozed_until = models.DateTimeField(null=True, blank=True)
    # When a snooze ended: such a ticket heads its queue until it is answered or solved.
    woke_at = models.DateTimeField(null=True, blank=True)
    # The team responsible: the one covering the brand when the ticket came in; leads move it.
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets")
    # Folded (lower case, no accents) copies of what search looks in, written by
    # inbox.search.search_refresh: the customer's names/handles/emails/phones, the messages.
    search_who = models.TextField(blank=True, default="", editable=False)
    search_text = models.TextField(blank=True, default="", editable=False)
    # Set while its messages are merged into another conversation (TicketMerge): it is
    # solved and out of every view; its page leads to the conversation kept.
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        indexes = [
            models.Index(fields=["status", "waiting_since"], name="ticket_queue_idx"),
            # Keyset paging (inbox/paging.py): each view's ordering, ties by id.
            models.Index(
                fields=["waiting_since", "id"], name="ticket_waiting_key_idx", condition=Q(waiting_since__isnull=False)
            ),
            models.Index(fields=["brand", "waiting_since", "id"], name="ticket_brand_waiting_idx"),
            models.Index(fields=["updated_at", "id"], name="ticket_updated_key_idx"),
            models.Index(fields=["last_message_at", "id"], name="ticket_recent_key_idx"),
            models.Index(fields=["assignee", "status"], name="ticket_assignee_idx"),
            models.Index(fields=["customer", "account", "status"], name="ticket_customer_idx"),
            # Triage: the Snoozed view and the wake-up sweep, My teams, the SLA filter.
            models.Index(
                fields=["snoozed_until"], condition=Q(snoozed_until__isnull=False), name="ticket_snoozed_idx"
            ),
            models.Index(fields=["team", "waiting_since"], name="ticket_team_idx"),
            models.Index(fields=["woke_at"], condition=Q(woke_at__isnull=False), name="ticket_woke_idx"),
            models.Index(
                fields=["first_response_due_at"], condition=Q(first_response_at__isnull=True), name="ticket_sla_idx"
            ),
            # The SLA filter (running clocks by due time) and the beat (not yet escalated).
            models.Index(fields=["sla_due_at"], condition=Q(sla_due_at__isnull=False), name="ticket_sla_running_idx"),
            models.Index(
                fields=["sla_due_at"],
                condition=Q(sla_due_at__isnull=False, sla_breached_at__isnull=True),
                name="ticket_sla_due_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk}"


class Message(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    account = models.ForeignKey(BrandAccount, on_delete=models.PROTECT, related_name="+")
    direction = models.CharField(max_length=10, choices=Direction.choices)
    # The platform's kind of message: mention, dm, comment, email, chat … (a reply goes
    # back the same way: a comment gets a comment, a DM a DM).
    kind = models.CharField(max_length=30, blank=True)
    text = models.TextField()
    author_identity = models.ForeignKey(Identity, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    author_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The platform's id for this message; null until an outbound one is sent.
    platform_id = models.CharField(max_length=200, null=True, blank=True)  # noqa: DJ001 (NULL is outside the unique)
    in_reply_to_platform_id = models.CharField(max_length=200, blank=True)
    # The platform's conversation key (X conversation_id, email thread root, chat session).
    thread_key = models.CharField(max_length=200, blank=True)
    delivery_status = models.CharField(max_length=20, choices=DeliveryStatus.choices, default=DeliveryStatus.RECEIVED)
    attachments = models.JSONField(default=list, blank=True)
    # Channel-specific threading data kept for replies (e.g. email Message-ID/References).
    extra = models.JSONField(default=dict, blank=True)
    # null (a person wrote it), or auto_reply / bulk / bounce: the API contract's values.
    automated = models.CharField(max_length=20, null=True, blank=True)  # noqa: DJ001
    language = models.CharField(max_length=10, blank=True)
    # Customer messages only; blank on replies and notes.
    sentiment = models.CharField(max_length=10, choices=Sentiment.choices, blank=True)
    sent_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now)
    # The composer's idempotency key: a double-submitted reply is stored once.
    client_token = models.CharField(max_length=64, null=True, blank=True, unique=True)  # noqa: DJ001
    inbound_event = models.ForeignKey(
        "channels.InboundEvent", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A customer message whose read receipt went to the platform (WhatsApp): sent once.
    read_receipt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["sent_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "platform_id"],
                condition=Q(platform_id__isnull=False),
                name="uniq_message_platform_id",
            ),
        ]
        indexes = [
            models.Index(fields=["account", "thread_key"], name="message_thread_idx"),
            models.Index(fields=["ticket", "sent_at"], name="message_ticket_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.direction} {self.pk}"


def attachment_path(instance: Attachment, filename: str) -> str:
    """Storage names never carry the customer's file name (kept in the row, sent in
    Content-Disposition): no path tricks, no clashes."""
    return f"attachments/{timezone.now():%Y/%m}/{uuid.uuid4().hex}"


def thumbnail_path(instance: Attachment, filename: str) -> str:
    return f"attachments/thumbs/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.png"


class Attachment(models.Model):
    """A file of a message: the customer's (downloaded by the worker from the platform) or
    an agent's (uploaded with a reply). `index` is its place in Message.attachments, the
    metadata the API shows."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="files")
    index = models.PositiveSmallIntegerField(default=0)
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=255)
    size = models.BigIntegerField(null=True, blank=True)
    # Where the connector fetches it from: the platform's link, and its own reference
    # (Telegram's file_id, WhatsApp's media id); kept out of Message.attachments (the API's).
    source_url = models.CharField(max_length=2000, blank=True)
    ref = models.CharField(max_length=500, blank=True)
    file = models.FileField(upload_to=attachment_path, max_length=300, blank=True)
    thumbnail = models.FileField(upload_to=thumbnail_path, max_length=300, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    state = models.CharField(max_length=20, choices=AttachmentState.choices, default=AttachmentState.PENDING)
    error = models.CharField(max_length=500, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    # Until when a pending file's download task is taken to be alive (queued, running or
    # waiting to retry); past it the sweep queues the file again (inbox/actions/attachments.py).
    leased_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["message_id", "index"]
        constraints = [models.UniqueConstraint(fields=["message", "index"], name="uniq_attachment_message_index")]
        indexes = [models.Index(fields=["state", "created_at"], name="attachment_state_idx")]

    def __str__(self) -> str:
        return self.filename

    @property
    def is_image(self) -> bool:
        return bool(self.thumbnail)


class OutboundMessage(models.Model):
    """The outbox: one row per reply to deliver, written in the reply's transaction. It
    carries everything the connector needs to send (channels never reads a Message); its
    state is written by inbox/outbox.py alone."""

    account = models.ForeignKey(BrandAccount, on_delete=models.CASCADE, related_name="outbound_messages")
    message = models.OneToOneField(Message, on_delete=models.CASCADE, related_name="outbound")
    kind = models.CharField(max_length=30, default="reply")
    text = models.TextField()
    in_reply_to_platform_id = models.CharField(max_length=200, blank=True)
    recipient_platform_id = models.CharField(max_length=200, blank=True)
    # "" answers where the customer wrote; "private" moves a public conversation to a DM.
    mode = models.CharField(max_length=20, blank=True)
    # The platform conversation, its subject and the channel's threading data (email
    # References …), as stored on the customer message answered.
    thread_key = models.CharField(max_length=200, blank=True)
    subject = models.CharField(max_length=500, blank=True)
    extra = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=20, choices=OutboundStatus.choices, default=OutboundStatus.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    first_attempt_at = models.DateTimeField(null=True, blank=True)
    attempt_started_at = models.DateTimeField(null=True, blank=True)
    # While "sending": the worker's lease, renewed by its heartbeat during a slow call. Once
    # it runs out the worker is taken for dead and the sweep makes the outcome "unknown".
    lease_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    platform_id = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        # The table keeps the name it had when the outbox lived with the connectors.
        db_table = "channels_outboundmessage"
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbound_due_idx")]

    def __str__(self) -> str:
        return f"outbound {self.pk} {self.status}"


class SavedView(models.Model):
    """An inbox view with its filters, saved under a name: its owner's, or shared with one
    of their teams (then every member sees it in the nav)."""

    name = models.CharField(max_length=80)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views")
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.CASCADE, related_name="saved_views")
    view = models.CharField(max_length=20, default="waiting")
    # The filters as the inbox's URL carries them (InboxFilters.as_query), urlencoded.
    query = models.CharField(max_length=1000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class EventTypeField(models.CharField):
    """The event's type, labelled by TicketEventType, whose choices stay out of the
    migrations: a new kind of event is a line in inbox/enums.py, not a schema change."""

    def deconstruct(self):  # type: ignore[no-untyped-def]
        name, _path, args, kwargs = super().deconstruct()
        kwargs.pop("choices", None)
        return name, "django.db.models.CharField", args, kwargs


class TicketEvent(models.Model):
    """Append-only log of everything that happened to a ticket. Built in inbox/events.py."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    type = EventTypeField(max_length=30, choices=TicketEventType.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    payload = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at"], name="ticketevent_ticket_idx")]

    def __str__(self) -> str:
        return f"{self.type} on {self.ticket_id}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise ValueError("TicketEvent is append-only")
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class SlaPolicy(models.Model):
    """Response targets for conversations of a brand, a channel and a priority; a blank
    field matches any, and the most specific policy wins (brand, then channel, then
    priority). Without one, the channel's SLA class sets the targets (settings)."""

    brand = models.ForeignKey(Brand, null=True, blank=True, on_delete=models.CASCADE, related_name="sla_policies")
    platform = models.CharField(max_length=30, blank=True)
    priority = models.CharField(max_length=10, choices=TicketPriority.choices, blank=True)
    first_response_minutes = models.PositiveIntegerField()
    next_response_minutes = models.PositiveIntegerField()
    # Counted in the brand's staffed hours (shifts) rather than around the clock.
    business_hours = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["brand_id", "platform", "priority", "id"]

    def __str__(self) -> str:
        return f"SLA {self.brand_id or '*'}/{self.platform or '*'}/{self.priority or '*'}"


class ReplyDraft(models.Model):
    """A newcomer's public reply, held until a lead of the conversation's brand approves it
    (then it goes out through ticket_reply, signed by the newcomer) or returns it with a
    comment. Written only by inbox/actions/drafts.py."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="drafts")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reply_drafts")
    text = models.TextField()  # as the newcomer wrote it (variables unfilled, no signature)
    # A WhatsApp template instead of free text: {"key", "name", "language", "inputs"}; `text`
    # then holds what the customer would get. Approved, it goes out as that template.
    template = models.JSONField(default=dict, blank=True)
    mode = models.CharField(max_length=20, blank=True)
    then_status = models.CharField(max_length=20, default="pending")
    status = models.CharField(max_length=20, choices=DraftStatus.choices, default=DraftStatus.WAITING)
    sent_text = models.TextField(blank=True)  # what the reviewer sent, when they edited it
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    comment = models.TextField(blank=True)  # why it was returned
    message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["ticket", "status"], name="draft_ticket_status_idx"),
            models.Index(fields=["author", "-created_at"], name="draft_author_idx"),
            models.Index(
                fields=["created_at"], condition=Q(status="waiting"), name="draft_waiting_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"draft {self.pk} on {self.ticket_id} ({self.status})"


class CustomerMerge(models.Model):
    """One merge of two customers, with what moved, so that undo puts it back: the
    identities and tickets of `source` that went to `target`, and the profile fields the
    target took from the source (field -> the value it took). Written by
    inbox/actions/customers.py alone."""

    source = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    target = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="merges")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    identity_ids = models.JSONField(default=list, blank=True)
    ticket_ids = models.JSONField(default=list, blank=True)
    filled = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"customer {self.source_id} into {self.target_id}"


class TicketMerge(models.Model):
    """Messages moved between two conversations of one customer, so that undo moves them
    back: kind "merge" (every message of `source` into `target`; the source is then solved
    and points at the target) or "split" (one customer message, and our replies to it, out
    of `source` into the new conversation `target`). `before` keeps the fields the move
    changed. Written by inbox/actions/conversations.py alone."""

    KINDS = (("merge", "merge"), ("split", "split"))

    kind = models.CharField(max_length=10, choices=KINDS)
    source = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    target = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    message_ids = models.JSONField(default=list, blank=True)
    before = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.source_id} -> {self.target_id}"
class RobotPhrase(models.Model):
    """A phrase that makes a reply sound like a form letter ("Dear valued customer"). The
    reply preview gently points it out (never blocks Send). Admins keep the list per language
    at /settings/replies/; matched ignoring case and diacritics (inbox/robot_phrases.py)."""

    language = models.CharField(max_length=8, choices=settings.LANGUAGES)
    phrase = models.CharField(max_length=200)
    # A kinder way to say it, shown beside the warning ("Hi Jana," instead).
    hint = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["language", "phrase"]
        constraints = [
            models.UniqueConstraint("language", Lower("phrase"), name="uniq_robot_phrase_ci"),
        ]

    def __str__(self) -> str:
        return f"{self.language}: {self.phrase}"


class BrandSignature(models.Model):
    """How a brand signs public replies on one platform, e.g. email:
    "{{ agent.first_name }} · Acme Care". Used instead of the agent's own signature when set
    (inbox/actions/replies.py::agent_signature); admins edit it at /settings/replies/."""

    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="signatures")
    platform = models.CharField(max_length=20)
    template = models.CharField(max_length=120)

    class Meta:
        ordering = ["brand", "platform"]
        constraints = [
            models.UniqueConstraint(fields=["brand", "platform"], name="uniq_brand_signature_platform"),
        ]

    def __str__(self) -> str:
        return f"{self.brand_id}/{self.platform}: {self.template}"
class CannedLanguage(models.TextChoices):
    """The languages a canned response is written in: the agent UI's four."""

    EN = "en", "English"
    CS = "cs", "Čeština"
    PL = "pl", "Polski"
    BG = "bg", "Български"


class CannedResponse(models.Model):
    """A starting point for a reply (CARE.md: agents personalise it), typed as `/shortcut` in
    the composer. Shared with the brand's teams when it has no owner, else its owner's own.
    Its text is per language (CannedResponseVariant); `use_count` is kept by
    inbox/actions/canned.py::canned_response_use, each use also in the ticket's timeline."""

    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="canned_responses")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="canned_responses"
    )
    shortcut = models.SlugField(max_length=40)
    title = models.CharField(max_length=120)
    use_count = models.PositiveIntegerField(default=0)
    last_used_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["shortcut", "id"]
        constraints = [
            # One `/refund` shared per brand, and one per person per brand beside it.
            models.UniqueConstraint(
                fields=["brand", "shortcut"], condition=Q(owner__isnull=True), name="uniq_canned_shared_shortcut"
            ),
            models.UniqueConstraint(
                fields=["brand", "owner", "shortcut"], condition=Q(owner__isnull=False),
                name="uniq_canned_personal_shortcut",
            ),
        ]

    def __str__(self) -> str:
        return f"/{self.shortcut}"


class CannedResponseVariant(models.Model):
    """The canned response's text in one language; may hold {{ variables }}, filled in when
    the reply is previewed and sent like anything the agent types."""

    canned = models.ForeignKey(CannedResponse, on_delete=models.CASCADE, related_name="variants")
    language = models.CharField(max_length=10, choices=CannedLanguage.choices)
    body = models.TextField()

    class Meta:
        ordering = ["canned_id", "language"]
        constraints = [models.UniqueConstraint(fields=["canned", "language"], name="uniq_canned_variant_language")]

    def __str__(self) -> str:
        return f"/{self.canned_id} {self.language}"
class CsatSetting(models.Model):
    """A brand's satisfaction question: on unless an admin turns it off; `texts` holds the
    admin's own wording per language ({"cs": "…"}), with {brand} filled in. The review
    invitation (after the top rating, once per customer) is off until the brand turns it on
    and gives the page where customers may praise it publicly. A brand without a row asks
    with Hovor's default texts (inbox/actions/csat.py)."""

    brand = models.OneToOneField(Brand, on_delete=models.CASCADE, related_name="csat_setting")
    enabled = models.BooleanField(default=True)
    texts = models.JSONField(default=dict, blank=True)
    review_enabled = models.BooleanField(default=False)
    review_url = models.URLField(max_length=1000, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"CSAT {self.brand} ({'on' if self.enabled else 'off'})"


class CsatSurvey(models.Model):
    """The one satisfaction question of a conversation: opened when an agent solves it (the
    unique ticket keeps it to one, ever), sent by a task, answered once. Written only by
    inbox/actions/csat.py; the reports read these rows (with their events)."""

    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, related_name="csat")
    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="csat_surveys")
    platform = models.CharField(max_length=20)
    # The agent the rating is about: the assignee when solved, else whoever solved it.
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    language = models.CharField(max_length=10, default="en")
    created_at = models.DateTimeField(default=timezone.now)
    # The question's own message (the task sets it when it queues the question).
    message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    asked_at = models.DateTimeField(null=True, blank=True)
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_via = models.CharField(max_length=20, blank=True)  # message, link, button
    review_invited_at = models.DateTimeField(null=True, blank=True)
    review_accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5), name="csat_rating_1_to_5"
            ),
        ]
        indexes = [
            models.Index(fields=["brand", "created_at"], name="csat_brand_created_idx"),
            models.Index(fields=["customer", "answered_at"], name="csat_customer_idx"),
        ]

    def __str__(self) -> str:
        return f"CSAT {self.ticket_id}: {self.rating or '-'}"


class BrandAcknowledgement(models.Model):
    """A brand's own wording of the one-key "I'm looking into it" per language
    ({"cs": "…"}); a language left out uses Hovor's text (inbox/actions/acknowledgement.py).
    Admins edit it at /settings/replies/."""

    brand = models.OneToOneField(Brand, on_delete=models.CASCADE, related_name="acknowledgement_texts")
    texts = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Acknowledgement texts of {self.brand_id}"
