"""The business's approved message templates, fetched from GET /{WABA-ID}/message_templates
and cached per account (channels.models.WhatsAppTemplate). Templates an admin listed in the
account's `templates` credential (before syncing existed, or for a number whose token cannot
read the account's templates) are offered beside them."""
from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from channels.http import ApiPermanentError
from channels.models import BrandAccount, WhatsAppTemplate

from .client import WhatsAppClient
from .limits import Template, approved_templates, templates_from


def waba_id_of(account: BrandAccount) -> str:
    """The WhatsApp Business account of the number: the account option or credential
    `waba_id` (Facebook Login sets the option)."""
    options = account.options if isinstance(account.options, dict) else {}
    return str(options.get("waba_id") or account.credentials.get("waba_id") or "")


def templates_sync(*, account: BrandAccount, client: WhatsAppClient, waba_id: str) -> int:
    """Replace the account's cached templates with the APPROVED ones Graph lists now (a
    template paused, rejected or deleted since is no longer offered). Idempotent."""
    if not waba_id:
        raise ApiPermanentError("The WhatsApp account has no waba_id: Hovor cannot read its message templates.")
    found = approved_templates(client.message_templates(waba_id=waba_id))
    now = timezone.now()
    with transaction.atomic():
        keep = []
        for item in found:
            row, _created = WhatsAppTemplate.objects.update_or_create(
                account=account,
                name=item["name"],
                language=item["language"],
                defaults={
                    "category": item["category"],
                    "body": item["body"],
                    "components": item["components"],
                    "platform_template_id": item["id"],
                    "synced_at": now,
                },
            )
            keep.append(row.pk)
        WhatsAppTemplate.objects.filter(account=account).exclude(pk__in=keep).delete()
    return len(found)


def account_templates(account: BrandAccount) -> list[Template]:
    """What an agent may send outside the window: the synced approved templates, then any
    the admin listed on the account (credential or option `templates`) not among them."""
    rows = WhatsAppTemplate.objects.filter(account=account) if account.pk else WhatsAppTemplate.objects.none()
    synced = [Template(name=t.name, language=t.language, body=t.body, category=t.category) for t in rows]
    listed = account.credentials.get("templates")
    if listed is None:
        listed = (account.options or {}).get("templates")
    keys = {t.key for t in synced}
    return synced + [t for t in templates_from(listed) if t.key not in keys]
