"""Tagging messages stored before Hovor read sentiment (ingest tags new ones itself)."""
from __future__ import annotations

from django.db import transaction
from django.db.models import OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from ..enums import Direction
from ..models import Message, Ticket
from ..sentiment import detect_sentiment


def messages_tag_sentiment(*, batch_size: int = 1000) -> int:
    """Give every untagged customer message its sentiment, batch by batch, then every
    ticket the sentiment of its latest customer message. Idempotent: what is tagged stays
    as it is. Writes no TicketEvent: nothing changed in the conversations, they are read
    anew. Returns how many messages were tagged."""
    tagged = 0
    last_pk = 0
    while True:
        batch = list(
            Message.objects.filter(direction=Direction.IN, sentiment="", pk__gt=last_pk)
            .order_by("pk")
            .only("pk", "text", "language")[:batch_size]
        )
        if not batch:
            break
        for message in batch:
            message.sentiment = detect_sentiment(message.text, language=message.language)
        with transaction.atomic():
            Message.objects.bulk_update(batch, ["sentiment"])
        tagged += len(batch)
        last_pk = batch[-1].pk
    latest = Message.objects.filter(
        ticket=OuterRef("pk"), direction=Direction.IN, automated__isnull=True
    ).order_by("-sent_at", "-id")
    # A ticket with only auto-replies keeps its blank.
    Ticket.objects.filter(sentiment="").update(sentiment=Coalesce(Subquery(latest.values("sentiment")[:1]), Value("")))
    return tagged
