from django.apps import AppConfig


class ShiftsConfig(AppConfig):
    name = "shifts"
    verbose_name = "Shifts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The connector side asks staffed hours through this seam (it never imports shifts).
        from channels.hours import team_hours_register

        from .hours import BusinessHoursTeamHours

        team_hours_register(BusinessHoursTeamHours())

        from inbox.signals import customer_messages_received

        from .receivers import on_customer_messages_received

        customer_messages_received.connect(on_customer_messages_received, dispatch_uid="shifts.acknowledge")
