from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import Brand, BrandAccount, InboundEvent, WhatsAppTemplate
from .registry import platform_label


@admin.register(Brand)
class BrandAdmin(admin.ModelAdmin):
    list_display = ["name", "created_at"]


@admin.register(BrandAccount)
class BrandAccountAdmin(admin.ModelAdmin):
    # Platform choices, labels and the filter come from the connector registry; a stored
    # platform no package provides is listed under its plain name.
    list_display = ["handle", "brand", "platform_name", "status", "last_polled_at", "last_error"]
    list_filter = ["platform", "status"]
    exclude = ["credentials_encrypted"]
    readonly_fields = ["poll_cursor", "last_polled_at", "last_error", "consecutive_failures", "rate_limited_until"]

    @admin.display(description=_("Platform"), ordering="platform")
    def platform_name(self, account: BrandAccount) -> str:
        return platform_label(account.platform)


@admin.register(InboundEvent)
class InboundEventAdmin(admin.ModelAdmin):
    list_display = ["id", "account", "kind", "platform_id", "status", "received_at"]
    list_filter = ["status", "kind"]


@admin.register(WhatsAppTemplate)
class WhatsAppTemplateAdmin(admin.ModelAdmin):
    """Synced from Graph (channels.sync_templates): read here, changed in WhatsApp Manager."""

    list_display = ["name", "language", "category", "account", "synced_at"]
    list_filter = ["language", "category"]
    readonly_fields = ["account", "name", "language", "category", "body", "components", "platform_template_id",
                       "synced_at"]
