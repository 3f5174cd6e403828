from django.db import models


class TicketStatus(models.TextChoices):
    NEW = "new", "New"
    OPEN = "open", "Open"
    PENDING = "pending", "Pending (waiting for customer)"
    SOLVED = "solved", "Solved"


class Direction(models.TextChoices):
    IN = "in", "From customer"
    OUT = "out", "From agent"
    NOTE = "note", "Internal note"


class DeliveryStatus(models.TextChoices):
    RECEIVED = "received", "Received"
    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    DELIVERED = "delivered", "Delivered"
    READ = "read", "Read"
    FAILED = "failed", "Failed"


# How far a sent message has got; a platform's late or repeated report never moves it back.
DELIVERY_PROGRESS = {"queued": 0, "sending": 1, "sent": 2, "delivered": 3, "read": 4}


class TicketEventType(models.TextChoices):
    CREATED = "created", "Created"
    MESSAGE_RECEIVED = "message_received", "Message received"
    REPLIED = "replied", "Replied"
    REPLY_SENT = "reply_sent", "Reply delivered"
    REPLY_FAILED = "reply_failed", "Reply failed"
    REPLY_RETRIED = "reply_retried", "Reply retried"
    REPLY_DELIVERY = "reply_delivery", "Reply delivery update"
    ASSIGNED = "assigned", "Assigned"
    STATUS_CHANGED = "status_changed", "Status changed"
    REOPENED = "reopened", "Reopened"
    CUSTOMER_MERGED = "customer_merged", "Customer merged"
