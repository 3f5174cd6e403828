from django.apps import AppConfig


class ChatConfig(AppConfig):
    """A Django app of its own (label "chat") so its models get their own migrations,
    while the connector stays discoverable as the `channels.chat` platform package."""

    name = "channels.chat"
    label = "chat"
    verbose_name = "Live chat"
    default_auto_field = "django.db.models.BigAutoField"
