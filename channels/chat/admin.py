from django.contrib import admin

from .models import AgentPresence, ChatSession


@admin.register(ChatSession)
class ChatSessionAdmin(admin.ModelAdmin):
    list_display = ["key", "account", "name", "email", "followup_by_email", "last_seq", "created_at", "last_seen_at"]
    list_filter = ["account"]
    search_fields = ["key", "name", "email", "visitor_id"]
    exclude = ["token_hash"]
    readonly_fields = ["key", "account", "visitor_id", "last_seq", "created_at", "last_seen_at", "transcripts_sent"]


@admin.register(AgentPresence)
class AgentPresenceAdmin(admin.ModelAdmin):
    list_display = ["user", "last_seen_at"]
