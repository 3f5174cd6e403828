from django.apps import AppConfig


class InboxConfig(AppConfig):
    name = "inbox"
    verbose_name = "Inbox"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Stored platform events reach the ingest pipeline through the connectors' signal.
        from channels.signals import inbound_stored

        from .signals import attachments_recorded
        from .triggers import on_attachments_recorded, on_inbound_stored

        inbound_stored.connect(on_inbound_stored, dispatch_uid="inbox.ingest")
        attachments_recorded.connect(on_attachments_recorded, dispatch_uid="inbox.attachments")

        # Names from the platform, looked up off the ingest path.
        from .signals import identities_need_profiles
        from .triggers import on_identities_need_profiles

        identities_need_profiles.connect(on_identities_need_profiles, dispatch_uid="inbox.profiles")

        # Customer satisfaction: the question after a solve, the review invitation after a 5.
        from . import signals
        from .triggers import on_button_presses_handled, on_csat_answered, on_csat_surveys_opened

        signals.csat_surveys_opened.connect(on_csat_surveys_opened, dispatch_uid="inbox.csat_ask")
        signals.csat_answered.connect(on_csat_answered, dispatch_uid="inbox.csat_review")
        # A pressed rating button is answered on the platform (Telegram's spinner stops).
        signals.button_presses_handled.connect(on_button_presses_handled, dispatch_uid="inbox.press_ack")

        # The connector side's API lists only the brands a person's teams cover.
        from channels.scope import brand_scope_register

        from .selectors import brands_visible_to

        brand_scope_register(lambda user: brands_visible_to(user=user))
