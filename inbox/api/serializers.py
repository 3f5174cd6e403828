from __future__ import annotations

from typing import Any

from rest_framework import serializers

from helpdesk import api_types

from ..enums import Sentiment, TicketPriority, TicketStatus
from ..models import CsatSurvey, Customer, Identity, Message, Ticket


class IdentitySerializer(api_types.ModelSerializer):
    class Meta:
        model = Identity
        fields = ["id", "platform", "external_id", "handle", "display_name"]


class CustomerSerializer(api_types.ModelSerializer):
    identities = IdentitySerializer(many=True, read_only=True)
    tags = serializers.SerializerMethodField()

    class Meta:
        model = Customer
        fields = ["id", "name", "email", "phone", "language", "notes", "tags", "brand", "identities", "created_at"]

    def get_tags(self, customer: Customer) -> list[str]:
        return sorted((t.name for t in customer.tags.all()), key=str.casefold)


class CustomerUpdateSerializer(api_types.Serializer):
    """PATCH /customers/<id>/: the profile fields an agent edits; those left out stay."""

    name = serializers.CharField(required=False, allow_blank=True, max_length=300)
    email = serializers.CharField(required=False, allow_blank=True, max_length=320)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=32)
    language = serializers.CharField(required=False, allow_blank=True, max_length=10)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=10000, trim_whitespace=False)
    tags = serializers.ListField(child=serializers.CharField(max_length=50), required=False, max_length=20)


class ErasedSerializer(api_types.Serializer):
    """What a customer's erasure removed (the conversations themselves stay, empty)."""

    tickets = serializers.IntegerField()
    messages = serializers.IntegerField()
    identities = serializers.IntegerField()
    raw_events = serializers.IntegerField()
    chat_sessions = serializers.IntegerField()
    customers = serializers.IntegerField()


class AttachmentSerializer(api_types.Serializer):
    filename = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField(allow_null=True)


class SentimentField(serializers.ChoiceField):
    """negative, neutral or positive; null where there is none (our replies and notes, and
    messages stored before sentiment was tagged), as the API contract has it."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=Sentiment.choices, allow_null=True, read_only=True, **kwargs)

    def to_representation(self, value: Any) -> str | None:  # type: ignore[override]  # null is the contract
        return str(value) if value else None


class MessageSerializer(api_types.ModelSerializer):
    attachments = serializers.SerializerMethodField()
    sentiment = SentimentField()
    author = serializers.SerializerMethodField()
    error = serializers.SerializerMethodField()

    class Meta:
        model = Message
        fields = [
            "id",
            "direction",
            "text",
            "platform_id",
            "in_reply_to_platform_id",
            "delivery_status",
            "error",
            "attachments",
            "automated",
            "language",
            "sentiment",
            "author",
            "sent_at",
        ]

    def get_attachments(self, obj: Message) -> list[dict[str, Any]]:
        return [
            {"filename": a.get("filename", ""), "content_type": a.get("content_type", ""), "size": a.get("size")}
            for a in obj.attachments or []
        ]

    def get_author(self, obj: Message) -> dict[str, Any] | None:
        if obj.author_identity_id:
            i = obj.author_identity
            return {"type": "customer", "handle": i.handle, "name": i.display_name} if i else None
        if obj.author_user_id and obj.author_user:
            return {"type": "agent", "id": obj.author_user_id, "username": obj.author_user.get_username()}
        return None

    def get_error(self, obj: Message) -> str:
        outbound = getattr(obj, "outbound", None) if obj.direction == "out" else None
        return outbound.last_error if outbound is not None and obj.delivery_status == "failed" else ""


class CsatSerializer(api_types.ModelSerializer):
    """The conversation's satisfaction question and its answer (null until asked)."""

    class Meta:
        model = CsatSurvey
        fields = ["rating", "asked_at", "answered_at", "answered_via", "review_invited_at", "review_accepted_at"]
        read_only_fields = fields


class TicketListSerializer(api_types.ModelSerializer):
    customer = CustomerSerializer(read_only=True)
    csat = CsatSerializer(read_only=True, allow_null=True)
    platform = serializers.CharField(source="account.platform", read_only=True)
    sentiment = SentimentField()
    tags = serializers.SerializerMethodField()

    class Meta:
        model = Ticket
        fields = [
            "id",
            "brand",
            "account",
            "platform",
            "subject",
            "status",
            "assignee",
            "customer",
            "language",
            "sentiment",
            "waiting_since",
            "first_response_due_at",
            "first_response_at",
            "created_at",
            "updated_at",
            "tags",
            "priority",
            "snoozed_until",
            "team",
            "next_response_due_at",
            "sla_due_at",
            "sla_target",
            "sla_breached_at",
            "csat",
        ]
        read_only_fields = ["next_response_due_at", "sla_due_at", "sla_target", "sla_breached_at", "csat"]

    def get_tags(self, obj: Ticket) -> list[str]:
        """The tags' names (prefetched by the list: no query per ticket)."""
        return sorted((tag.name for tag in obj.tags.all()), key=str.casefold)


class TicketDetailSerializer(TicketListSerializer):
    messages = MessageSerializer(many=True, read_only=True)

    class Meta(TicketListSerializer.Meta):
        fields = [*TicketListSerializer.Meta.fields, "messages"]


class NoteInputSerializer(api_types.Serializer):
    """An internal note: colleagues see it in the timeline, the customer never does;
    `@username` notifies that colleague."""

    text = serializers.CharField(max_length=5000)


class ReplyInputSerializer(api_types.Serializer):
    text = serializers.CharField(max_length=20000, trim_whitespace=False)
    seen_message_id = serializers.IntegerField(
        min_value=0, required=False,
        help_text="The newest message id the caller had seen (the ticket's messages). When given and a "
        "colleague's reply or note came after it, nothing is sent: 409 with that message. Left out, "
        "the reply is sent unchecked.",
    )
    client_token = serializers.CharField(max_length=64, required=False, allow_blank=True)
    mode = serializers.ChoiceField(
        choices=[("", "answer in kind"), ("private", "move to a private message"), ("thread", "a numbered thread")],
        default="",
        required=False,
    )
    then_status = serializers.ChoiceField(
        choices=[TicketStatus.PENDING, TicketStatus.OPEN, TicketStatus.SOLVED], default=TicketStatus.PENDING
    )


class RepliedSinceSerializer(api_types.Serializer):
    """409 from reply/: a colleague answered after `seen_message_id`; send again with that
    message's id as `seen_message_id` to send over it."""

    detail = serializers.CharField()
    message = MessageSerializer()


class AssignInputSerializer(api_types.Serializer):
    assignee = serializers.IntegerField(allow_null=True)
    # Why it is handed on: shown in the timeline and the new assignee's notification.
    reason = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")


class StatusInputSerializer(api_types.Serializer):
    status = serializers.ChoiceField(choices=TicketStatus.choices)


class TicketTriageInputSerializer(api_types.Serializer):
    """PATCH /api/v1/tickets/<id>/: any of these; each goes through its triage action."""

    tags = serializers.ListField(child=serializers.CharField(max_length=50), required=False)
    priority = serializers.ChoiceField(choices=TicketPriority.choices, required=False)
    snoozed_until = serializers.DateTimeField(required=False, allow_null=True)
    team = serializers.IntegerField(required=False, allow_null=True)
