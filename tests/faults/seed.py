"""Seeds a fault-test database: one brand with an X account (polled mentions, replies that
X lets us look up), a WhatsApp account (signed webhooks, replies with no lookup) and a
Telegram bot (polled with getUpdates, replies with no lookup), an
agent who may answer both, with an API token. Run by the harness inside the cluster's
environment (``python -m tests.faults.seed --x-url URL --wa-url URL``); prints one JSON line."""
from __future__ import annotations

import argparse
import json
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")

PHONE_NUMBER_ID = "106540352242922"
WA_CREDENTIALS = {
    "phone_number_id": PHONE_NUMBER_ID,
    "access_token": "faults-wa-token",
    "app_secret": "faults-app-secret",
    "verify_token": "faults-verify",
}
TG_BOT_TOKEN = "424242:faults-bot-token"  # noqa: S105 (a throwaway test cluster)
AGENT_PASSWORD = "faults-agent-pw-1"  # noqa: S105 (a throwaway test cluster)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--x-url", required=True)
    parser.add_argument("--wa-url", required=True)
    parser.add_argument("--tg-url", required=True)
    args = parser.parse_args()

    import django

    django.setup()
    from django.contrib.auth.models import User
    from rest_framework.authtoken.models import Token

    from channels.models import Brand
    from channels.services import brand_account_connect
    from fakes.x.wire import (
        DEMO_ACCESS_TOKEN,
        DEMO_ACCESS_TOKEN_SECRET,
        DEMO_BEARER_TOKEN,
        DEMO_CONSUMER_KEY,
        DEMO_CONSUMER_SECRET,
    )
    from inbox.models import AgentProfile, Team

    brand = Brand.objects.create(name="Faults")
    x = brand_account_connect(
        brand=brand, platform="x", handle="@AcmeCare", base_url=args.x_url,
        credentials={"consumer_key": DEMO_CONSUMER_KEY, "consumer_secret": DEMO_CONSUMER_SECRET,
                     "access_token": DEMO_ACCESS_TOKEN, "access_token_secret": DEMO_ACCESS_TOKEN_SECRET,
                     "bearer_token": DEMO_BEARER_TOKEN},
    )
    wa = brand_account_connect(
        brand=brand, platform="whatsapp", handle="+15550783881", base_url=args.wa_url, credentials=dict(WA_CREDENTIALS)
    )
    tg = brand_account_connect(
        brand=brand, platform="telegram", handle="@FaultsBot", base_url=args.tg_url,
        credentials={"bot_token": TG_BOT_TOKEN, "mode": "polling"},
    )
    user = User.objects.create_user("faults", password=AGENT_PASSWORD)
    AgentProfile.objects.create(user=user, display_name="Fault Tester", signature="^FT")
    team = Team.objects.create(name="Everyone")
    team.brands.add(brand)
    team.members.add(user)
    print(json.dumps({"x": x.pk, "wa": wa.pk, "tg": tg.pk, "token": Token.objects.create(user=user).key,
                      "username": "faults", "password": AGENT_PASSWORD}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
