from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .actions import action_label, action_summary
from .models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only for everyone, superusers included: the log cannot be changed or deleted."""

    list_display = ("created_at", "actor_label", "action_text", "target_type", "target_label", "ip")
    list_filter = ("action", "target_type")
    search_fields = ("actor_label", "target_label", "target_id", "action")
    date_hierarchy = "created_at"

    @admin.display(description="action")
    def action_text(self, obj: AuditEntry) -> str:
        summary = action_summary(obj.action, obj.details)
        return f"{action_label(obj.action)}: {summary}" if summary else action_label(obj.action)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        return {}
