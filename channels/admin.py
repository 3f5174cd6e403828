from django.contrib import admin

from .models import Brand, BrandAccount, InboundEvent


@admin.register(Brand)
class BrandAdmin(admin.ModelAdmin):
    list_display = ["name", "created_at"]


@admin.register(BrandAccount)
class BrandAccountAdmin(admin.ModelAdmin):
    list_display = ["handle", "brand", "platform", "status", "last_polled_at", "last_error"]
    exclude = ["credentials_encrypted"]
    readonly_fields = ["poll_cursor", "last_polled_at", "last_error", "consecutive_failures", "rate_limited_until"]


@admin.register(InboundEvent)
class InboundEventAdmin(admin.ModelAdmin):
    list_display = ["id", "account", "kind", "platform_id", "status", "received_at"]
    list_filter = ["status", "kind"]
