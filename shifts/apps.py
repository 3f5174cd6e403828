from django.apps import AppConfig


class ShiftsConfig(AppConfig):
    name = "shifts"
    verbose_name = "Shifts"
    default_auto_field = "django.db.models.BigAutoField"
