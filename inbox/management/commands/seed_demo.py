"""Demo data: two brands, an account on each platform's fake (what `fakes.<platform>.DEMO`
declares, for every registered platform whose fake is running), agents with signatures,
a team per brand, and shared canned responses in en, cs, pl and bg.
Idempotent: running it again changes nothing but the accounts' base URLs."""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from channels.models import Brand, BrandAccount
from channels.services import brand_account_connect
from inbox.actions.canned import canned_response_create
from inbox.models import AgentProfile, CannedResponse, Team

DEMO_AGENTS = [
    # username, display name, signature, password
    ("jana", "Jana Dvořáková", "^JD", "hovor-demo-jana"),
    ("piotr", "Piotr Nowak", "^PN", "hovor-demo-piotr"),
    ("maria", "Мария Иванова", "^МИ", "hovor-demo-maria"),
]


# Shared canned responses for both brands (type "/" in the reply box), in the four languages.
DEMO_CANNED = [
    ("refund", "Refund on its way", {
        "en": "Hi {{ customer.first_name|default:\"there\" }}, I'm sorry about that. I've started your refund; "
              "it reaches your account within 5 working days.",
        "cs": "Dobrý den, {{ customer.first_name|default:\"\" }}, moc se omlouváme. Vrácení peněz jsem zadal(a); "
              "na účtu je budete mít do 5 pracovních dnů.",
        "pl": "Dzień dobry {{ customer.first_name|default:\"\" }}, bardzo przepraszamy. Zwrot pieniędzy został "
              "zlecony; trafi na Twoje konto w ciągu 5 dni roboczych.",
        "bg": "Здравейте, {{ customer.first_name|default:\"\" }}, съжаляваме за неудобството. Възстановяването "
              "на сумата е пуснато и ще бъде по сметката Ви до 5 работни дни.",
    }),
    ("order-status", "Where is my order", {
        "en": "Hi {{ customer.first_name|default:\"there\" }}, could you send me your order number in a private "
              "message? I'll check where your parcel is right away.",
        "cs": "Dobrý den, pošlete mi prosím číslo objednávky do soukromé zprávy a hned zjistím, kde je Váš balík.",
        "pl": "Dzień dobry, proszę o numer zamówienia w prywatnej wiadomości, a od razu sprawdzę, gdzie jest paczka.",
        "bg": "Здравейте, изпратете ми номера на поръчката в лично съобщение и веднага ще проверя къде е пратката.",
    }),
    ("thanks", "Thanks for the kind words", {
        "en": "Thank you, {{ customer.first_name|default:\"\" }}! That made our day. We'd love it if you shared it "
              "in a review too.",
        "cs": "Děkujeme, {{ customer.first_name|default:\"\" }}! Udělal(a) jste nám radost. Budeme rádi za recenzi.",
        "pl": "Dziękujemy, {{ customer.first_name|default:\"\" }}! Bardzo nam miło. Będziemy wdzięczni za opinię.",
        "bg": "Благодарим, {{ customer.first_name|default:\"\" }}! Зарадвахте ни. Ще се радваме и на отзив.",
    }),
]


# Two brands, so that who sees what is visible: the messaging apps answer for Acme Mobile,
# every other platform for Acme. Each team covers one brand; Jana works in both (with
# --single-agent she is the only agent, and every conversation routes to her once she is online).
SECOND_BRAND = "Acme Mobile"
SECOND_BRAND_PLATFORMS = {"viber", "telegram", "whatsapp"}
DEMO_TEAMS = [
    # team, brand, members
    ("Acme care", "Acme", {"jana", "piotr"}),
    ("Acme Mobile care", SECOND_BRAND, {"jana", "maria"}),
]


def _fakes_demo() -> Any:
    """fakes/demo.py, or None where the fakes are not installed (the production image
    leaves them out). Looked up by name: nothing the web app loads imports the fakes."""
    try:
        return importlib.import_module("fakes.demo")
    except ModuleNotFoundError:
        return None


def _demos() -> dict[str, Any]:
    """Every registered platform whose fake declares its demo side (fakes/demo.py); empty
    where the fakes are not installed (the production image leaves them out)."""
    module = _fakes_demo()
    found: dict[str, Any] = module.declared() if module is not None else {}
    return found


class Command(BaseCommand):
    help = (
        "Create the demo brand, one account per registered platform on its fake "
        "(fakes/<platform>: DEMO), and demo agents."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        for platform, demo in _demos().items():
            if demo.base_url:
                parser.add_argument(
                    f"--{platform}-base-url", default="", help=f"connect the demo {platform} account to its fake here"
                )
        parser.add_argument("--web-url", default="http://127.0.0.1:8000", help="where Hovor answers (for the logins)")
        parser.add_argument("--write-ids", default="", help="write the demo accounts' ids to this JSON file")
        parser.add_argument(
            "--single-agent", action="store_true", help="only Jana (every ticket routes to her while she is online)"
        )

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        demos = _demos()
        if not demos:
            raise CommandError("seed_demo needs the fakes package (fakes/): run it from a source checkout")
        User = get_user_model()
        brands = {name: Brand.objects.get_or_create(name=name)[0] for name in ("Acme", SECOND_BRAND)}
        ids: dict[str, int] = {}
        for platform, demo in demos.items():
            brand = brands[SECOND_BRAND if platform in SECOND_BRAND_PLATFORMS else "Acme"]
            base_url = options.get(f"{platform}_base_url") or ""
            if demo.base_url and not base_url:
                continue  # its fake is not running
            accounts = BrandAccount.objects.filter(brand=brand, platform=platform)
            account = (accounts.filter(handle=demo.handle) if demo.base_url else accounts).first()
            if account is None:
                account = brand_account_connect(
                    brand=brand,
                    platform=platform,
                    handle=demo.handle,
                    base_url=base_url,
                    credentials=demo.credentials_for(base_url),
                    options=dict(demo.options),
                )
            elif demo.base_url:
                BrandAccount.objects.filter(pk=account.pk).update(base_url=base_url)
                if callable(demo.credentials):  # they follow the fake's ports
                    account.credentials = demo.credentials_for(base_url)
                    account.save(update_fields=["credentials_encrypted"])
            ids[platform] = account.pk
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
        # Agents see only their teams' brands.
        for team_name, brand_name, members in DEMO_TEAMS:
            team, _ = Team.objects.get_or_create(name=team_name)
            team.brands.add(brands[brand_name])
            team.members.add(*User.objects.filter(username__in=members, agent_profile__isnull=False))
        if not User.objects.filter(username="admin").exists():
            # Staff without an agent profile: can see everything, is not routed conversations.
            User.objects.create_superuser("admin", "admin@example.com", "hovor-demo-admin")
        admin = User.objects.get(username="admin")
        for brand in brands.values():
            for shortcut, title, texts in DEMO_CANNED:
                if not CannedResponse.objects.filter(brand=brand, owner=None, shortcut=shortcut).exists():
                    canned_response_create(
                        actor=admin, brand=brand, shortcut=shortcut, title=title, variants=texts, shared=True
                    )
        lines.append("  admin  admin    password hovor-demo-admin")
        web_url = options["web_url"].rstrip("/")
        self.stdout.write(f"Demo users (log in at {web_url}/):\n" + "\n".join(lines))
        run = _fakes_demo().DemoRun
        for platform, account_id in ids.items():
            for line in demos[platform].logins(run(platform, 0, web_url, account_id)):
                self.stdout.write(line)
