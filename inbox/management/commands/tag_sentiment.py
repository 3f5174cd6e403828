from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from inbox.actions.sentiment import messages_tag_sentiment


class Command(BaseCommand):
    help = "Tag customer messages stored before sentiment was read, and their tickets (safe to rerun)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=1000)

    def handle(self, *args: Any, **options: Any) -> None:
        tagged = messages_tag_sentiment(batch_size=options["batch_size"])
        self.stdout.write(f"{tagged} messages tagged")
