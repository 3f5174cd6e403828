"""Demo data: a brand, its X account pointed at the fake, agents with signatures.
Idempotent: running it again changes nothing but the account's base URL."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from channels.models import Brand, BrandAccount
from channels.services import brand_account_connect
from inbox.models import AgentProfile

DEMO_AGENTS = [
    # username, display name, signature, password
    ("jana", "Jana Dvořáková", "^JD", "hovor-demo-jana"),
    ("piotr", "Piotr Nowak", "^PN", "hovor-demo-piotr"),
    ("maria", "Мария Иванова", "^МИ", "hovor-demo-maria"),
]
DEMO_TELEGRAM_CREDENTIALS = {"bot_token": "123456:demo-bot-token", "mode": "polling"}
DEMO_WHATSAPP_CREDENTIALS = {
    "phone_number_id": "106540352242922",
    "access_token": "demo-wa-access-token",
    "app_secret": "demo-wa-app-secret",
    "verify_token": "demo-wa-verify-token",
}
# The Facebook and Instagram fakes' defaults (channels/facebook/fake.py DEMO_*).
DEMO_META_CREDENTIALS = {
    "page_id": "104512345678901",
    "page_access_token": "demo-page-access-token",
    "app_secret": "demo-app-secret",
    "verify_token": "demo-verify-token",
}
DEMO_X_CREDENTIALS = {
    "consumer_key": "demo-consumer-key",
    "consumer_secret": "demo-consumer-secret",
    "access_token": "demo-access-token",
    "access_token_secret": "demo-access-token-secret",
    "bearer_token": "demo-bearer-token",
}


class Command(BaseCommand):
    help = "Create the demo brand, its X account (on the fake X) and demo agents."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--x-base-url", required=True)
        parser.add_argument("--telegram-base-url", default="", help="also connect a Telegram bot on this fake")
        parser.add_argument("--whatsapp-base-url", default="", help="also connect a WhatsApp number on this fake")
        parser.add_argument("--facebook-base-url", default="", help="also connect a Facebook Page on this fake")
        parser.add_argument("--instagram-base-url", default="", help="also connect an Instagram account on this fake")
        parser.add_argument("--write-ids", default="", help="write the demo accounts' ids to this JSON file")
        parser.add_argument("--single-agent", action="store_true", help="only Jana (every ticket routes to her)")

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        User = get_user_model()
        brand, _ = Brand.objects.get_or_create(name="Acme")
        account = BrandAccount.objects.filter(brand=brand, platform="x", handle="@AcmeCare").first()
        if account is None:
            account = brand_account_connect(
                brand=brand,
                platform="x",
                handle="@AcmeCare",
                base_url=options["x_base_url"],
                credentials=DEMO_X_CREDENTIALS,
            )
        else:
            BrandAccount.objects.filter(pk=account.pk).update(base_url=options["x_base_url"])
        ids = {"x": account.pk}
        extra = [
            ("telegram", "@AcmeCareBot", options["telegram_base_url"], DEMO_TELEGRAM_CREDENTIALS),
            ("whatsapp", "+15550783881", options["whatsapp_base_url"], DEMO_WHATSAPP_CREDENTIALS),
            ("facebook", "Acme Care", options["facebook_base_url"], DEMO_META_CREDENTIALS),
            ("instagram", "@acmecare", options["instagram_base_url"], DEMO_META_CREDENTIALS),
        ]
        for platform, handle, base_url, credentials in extra:
            if not base_url:
                continue
            other = BrandAccount.objects.filter(brand=brand, platform=platform, handle=handle).first()
            if other is None:
                other = brand_account_connect(
                    brand=brand, platform=platform, handle=handle, base_url=base_url, credentials=credentials
                )
            else:
                BrandAccount.objects.filter(pk=other.pk).update(base_url=base_url)
            ids[platform] = other.pk
        chat = BrandAccount.objects.filter(brand=brand, platform="chat").first()
        if chat is None:
            chat = brand_account_connect(
                brand=brand,
                platform="chat",
                handle="acme.example chat",
                credentials={},
                options={"greeting": "Dobrý den! Jak vám můžeme pomoci? / How can we help?", "color": "#0f766e"},
            )
        ids["chat"] = chat.pk
        if options["write_ids"]:
            Path(options["write_ids"]).write_text(json.dumps(ids))
        agents = DEMO_AGENTS[:1] if options["single_agent"] else DEMO_AGENTS
        lines = []
        for username, name, signature, password in agents:
            user = User.objects.filter(username=username).first()
            if user is None:
                user = User.objects.create_user(username=username, password=password, first_name=name.split()[0])
            AgentProfile.objects.update_or_create(user=user, defaults={"display_name": name, "signature": signature})
            lines.append(f"  agent  {username:<8} password {password}")
        if not User.objects.filter(username="admin").exists():
            # Staff without an agent profile: can see everything, is not routed conversations.
            User.objects.create_superuser("admin", "admin@example.com", "hovor-demo-admin")
        lines.append("  admin  admin    password hovor-demo-admin")
        self.stdout.write("Demo users (log in at http://127.0.0.1:8000/):\n" + "\n".join(lines))
        self.stdout.write(
            f"Website chat: a customer's page with the widget at http://127.0.0.1:8000/chat/demo/{chat.pk}/"
        )
