from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class TicketStatus(models.TextChoices):
    NEW = "new", _("New")
    OPEN = "open", _("Open")
    PENDING = "pending", _("Pending (waiting for customer)")
    SOLVED = "solved", _("Solved")


class Direction(models.TextChoices):
    IN = "in", _("From customer")
    OUT = "out", _("From agent")
    NOTE = "note", _("Internal note")


class DeliveryStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    READ = "read", _("Read")
    FAILED = "failed", _("Failed")


class OutboundStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    UNKNOWN = "unknown", "Outcome unknown, checking"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class Sentiment(models.TextChoices):
    """How the customer sounds in a message (inbox/sentiment.py); blank on our own messages."""

    NEGATIVE = "negative", _("Negative")
    NEUTRAL = "neutral", _("Neutral")
    POSITIVE = "positive", _("Positive")


# How far a sent message has got; a platform's late or repeated report never moves it back.
DELIVERY_PROGRESS = {"queued": 0, "sending": 1, "sent": 2, "delivered": 3, "read": 4}


class TicketEventType(models.TextChoices):
    CREATED = "created", _("Created")
    MESSAGE_RECEIVED = "message_received", _("Message received")
    REPLIED = "replied", _("Replied")
    REPLY_SENT = "reply_sent", _("Reply delivered")
    REPLY_FAILED = "reply_failed", _("Reply failed")
    REPLY_RETRIED = "reply_retried", _("Reply retried")
    REPLY_DELIVERY = "reply_delivery", _("Reply delivery update")
    ASSIGNED = "assigned", _("Assigned")
    STATUS_CHANGED = "status_changed", _("Status changed")
    REOPENED = "reopened", _("Reopened")
    CUSTOMER_MERGED = "customer_merged", _("Customer merged")
    CUSTOMER_UNMERGED = "customer_unmerged", _("Customer merge undone")
    CUSTOMER_UPDATED = "customer_updated", _("Customer profile edited")
    # Conversations (inbox/actions/conversations.py)
    TICKETS_MERGED = "tickets_merged", _("Conversations merged")
    TICKETS_UNMERGED = "tickets_unmerged", _("Conversation merge undone")
    MESSAGE_SPLIT = "message_split", _("Message split into its own conversation")
    SPLIT_UNDONE = "split_undone", _("Split undone")
    SENTIMENT_CHANGED = "sentiment_changed", _("Customer's mood changed")
    # Triage (inbox/actions/triage.py)
    PRIORITY_CHANGED = "priority_changed", _("Priority changed")
    TAGS_CHANGED = "tags_changed", _("Tags changed")
    SNOOZED = "snoozed", _("Snoozed")
    UNSNOOZED = "unsnoozed", _("Back from snooze")
    TEAM_CHANGED = "team_changed", _("Team changed")
    MESSAGE_EDITED = "message_edited", _("Message edited by the customer")
    # Shifts (shifts/acknowledgement.py): told when the team will answer, once per conversation.
    ACKNOWLEDGED = "acknowledged", _("Out-of-hours acknowledgement sent")
    SLA_BREACHED = "sla_breached", _("Reply target missed")
    # Conversation tools (inbox/actions/notes.py)
    NOTE_ADDED = "note_added", _("Internal note")
    # Newcomers' drafts (inbox/actions/drafts.py)
    DRAFT_SUBMITTED = "draft_submitted", _("Draft sent for approval")
    DRAFT_APPROVED = "draft_approved", _("Draft approved and sent")
    DRAFT_RETURNED = "draft_returned", _("Draft returned")
    # Canned responses (inbox/actions/canned.py): which one an agent put in the composer.
    CANNED_USED = "canned_used", _("Canned response used")
    # Customer satisfaction (inbox/actions/csat.py)
    CSAT_REQUESTED = "csat_requested", _("Satisfaction question due")
    CSAT_ASKED = "csat_asked", _("Satisfaction question sent")
    CSAT_ANSWERED = "csat_answered", _("Customer rated the conversation")
    CSAT_REVIEW_INVITED = "csat_review_invited", _("Invited to a public review")
    CSAT_REVIEW_ACCEPTED = "csat_review_accepted", _("Opened the review link")


class Role(models.TextChoices):
    """What a person may do. Admins see every brand and manage accounts and people; leads
    manage their teams' members; agents and newcomers work the inbox of their teams' brands."""

    ADMIN = "admin", _("Admin")
    LEAD = "lead", _("Lead")
    AGENT = "agent", _("Agent")
    NEWCOMER = "newcomer", _("Newcomer")


class DraftStatus(models.TextChoices):
    """A newcomer's reply, waiting for a lead (inbox/actions/drafts.py)."""

    WAITING = "waiting", _("Waiting for approval")
    SENT = "sent", _("Sent")
    SENT_EDITED = "sent_edited", _("Sent after edit")
    RETURNED = "returned", _("Returned")


class TicketPriority(models.TextChoices):
    LOW = "low", pgettext_lazy("priority", "Low")
    NORMAL = "normal", pgettext_lazy("priority", "Normal")
    HIGH = "high", pgettext_lazy("priority", "High")
    URGENT = "urgent", pgettext_lazy("priority", "Urgent")


class SlaState(models.TextChoices):
    """The inbox's SLA filter, on the clock running now (Ticket.sla_due_at: first or next
    response)."""

    OVERDUE = "overdue", _("Reply overdue")
    DUE_SOON = "due_soon", _("Due within 15 minutes")
    ON_TRACK = "on_track", _("SLA on track")


class AttachmentState(models.TextChoices):
    """Where a message's file is (inbox/actions/attachments.py): waiting for the worker, in
    storage, refused by the platform, or over settings.HOVOR_ATTACHMENT_MAX_BYTES."""

    PENDING = "pending", _("Downloading")
    STORED = "stored", _("Stored")
    FAILED = "failed", _("Could not be downloaded")
    TOO_LARGE = "too_large", _("Too large to keep")
