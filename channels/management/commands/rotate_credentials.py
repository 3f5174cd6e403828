"""Re-encrypt every brand account's credentials with CREDENTIALS_KEY (README: rotating the key)."""
from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from channels.services import credentials_rotate


class Command(BaseCommand):
    help = "Re-encrypt all stored credentials with CREDENTIALS_KEY; old keys come from CREDENTIALS_OLD_KEYS."

    def handle(self, *args: Any, **options: Any) -> None:
        result = credentials_rotate()
        self.stdout.write(
            f"re-encrypted {result.reencrypted}, already on the current key {result.current}, "
            f"without credentials {result.empty}, failed {len(result.failed)}"
        )
        if result.failed:
            raise CommandError(
                "no configured key opens the credentials of account(s) "
                + ", ".join(map(str, result.failed))
                + ": add the key they were written with to CREDENTIALS_OLD_KEYS"
            )
