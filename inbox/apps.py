from django.apps import AppConfig


class InboxConfig(AppConfig):
    name = "inbox"
    verbose_name = "Inbox"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Stored platform events reach the ingest pipeline through the connectors' signal.
        from channels.signals import inbound_stored

        from . import signals
        from .triggers import on_csat_answered, on_csat_surveys_opened, on_inbound_stored

        inbound_stored.connect(on_inbound_stored, dispatch_uid="inbox.ingest")
        signals.csat_surveys_opened.connect(on_csat_surveys_opened, dispatch_uid="inbox.csat_ask")
        signals.csat_answered.connect(on_csat_answered, dispatch_uid="inbox.csat_review")

        # The connector side's API lists only the brands a person's teams cover.
        from channels.scope import brand_scope_register

        from .selectors import brands_visible_to

        brand_scope_register(lambda user: brands_visible_to(user=user))
