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
