from django.contrib import admin

from .models import (
    AgentProfile,
    BrandSignature,
    Customer,
    Identity,
    Message,
    OutboundMessage,
    RobotPhrase,
    Ticket,
    TicketEvent,
)


@admin.register(AgentProfile)
class AgentProfileAdmin(admin.ModelAdmin):
    list_display = ["display_name", "user", "signature", "language"]


@admin.register(RobotPhrase)
class RobotPhraseAdmin(admin.ModelAdmin):
    list_display = ["phrase", "language", "hint"]
    list_filter = ["language"]
    search_fields = ["phrase"]


@admin.register(BrandSignature)
class BrandSignatureAdmin(admin.ModelAdmin):
    list_display = ["brand", "platform", "template"]
    list_filter = ["brand", "platform"]


class IdentityInline(admin.TabularInline):
    model = Identity
    extra = 0


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["name", "brand", "created_at"]
    inlines = [IdentityInline]


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    # Read-only here: every change goes through inbox actions so the event log stays whole.
    list_display = ["id", "brand", "customer", "status", "assignee", "waiting_since"]
    list_filter = ["status", "brand"]

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["id", "ticket", "direction", "delivery_status", "sent_at"]

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(TicketEvent)
class TicketEventAdmin(admin.ModelAdmin):
    # The log is append-only: readable here, never added to, changed or deleted by hand.
    list_display = ["id", "ticket", "type", "actor", "created_at"]
    list_filter = ["type"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(OutboundMessage)
class OutboundMessageAdmin(admin.ModelAdmin):
    # Read-only: the outbox's state is inbox/outbox.py's alone.
    list_display = ["id", "account", "status", "attempts", "next_attempt_at", "last_error"]
    list_filter = ["status"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
