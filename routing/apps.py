from django.apps import AppConfig


class RoutingConfig(AppConfig):
    name = "routing"
    verbose_name = "Routing"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The inbox asks for routing through its signals (it never imports routing).
        from . import receivers  # noqa: F401
