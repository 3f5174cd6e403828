from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "Audit log"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The layers below never import the audit log: they send signals, connected here.
        from . import receivers

        receivers.connect()
