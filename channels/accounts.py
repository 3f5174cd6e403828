"""What an admin enters to connect an account on each platform (names as each platform
names them; DESIGN.md contracts), which of them are secrets, and what Hovor shows back."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class CredentialField:
    name: str
    label: str | Promise
    secret: bool = True
    required: bool = True


def _f(name: str, label: str | Promise, *, secret: bool = True, required: bool = True) -> CredentialField:
    return CredentialField(name, label, secret, required)


CREDENTIAL_FIELDS: dict[str, tuple[CredentialField, ...]] = {
    "x": (
        _f("consumer_key", _("API key (consumer key)")),
        _f("consumer_secret", _("API key secret (consumer secret)")),
        _f("access_token", _("Access token")),
        _f("access_token_secret", _("Access token secret")),
        _f("bearer_token", _("Bearer token"), required=False),
    ),
    "facebook": (
        _f("page_id", _("Page ID"), secret=False),
        _f("page_access_token", _("Page access token")),
        _f("app_secret", _("App secret")),
        _f("verify_token", _("Webhook verify token (any random string you choose)")),
    ),
    "instagram": (
        _f("page_id", _("Facebook Page ID linked to the Instagram account"), secret=False),
        _f("page_access_token", _("Page access token")),
        _f("app_secret", _("App secret")),
        _f("verify_token", _("Webhook verify token (any random string you choose)")),
    ),
    "whatsapp": (
        _f("phone_number_id", _("Phone number ID"), secret=False),
        _f("access_token", _("Access token")),
        _f("app_secret", _("App secret")),
        _f("verify_token", _("Webhook verify token (any random string you choose)")),
    ),
    "telegram": (
        _f("bot_token", _("Bot token (from @BotFather)")),
        _f("webhook_secret", _("Webhook secret token (A–Z a–z 0–9 _ -)"), required=False),
        _f("mode", _("How messages arrive: polling (default) or webhook"), secret=False, required=False),
    ),
    "email": (
        _f("address", _("Support address"), secret=False),
        _f("imap_host", _("IMAP host"), secret=False),
        _f("imap_port", _("IMAP port"), secret=False),
        _f("imap_user", _("IMAP user"), secret=False),
        _f("imap_password", _("IMAP password")),
        _f("imap_ssl", _("IMAP over TLS (true/false)"), secret=False, required=False),
        _f("smtp_host", _("SMTP host"), secret=False),
        _f("smtp_port", _("SMTP port"), secret=False),
        _f("smtp_user", _("SMTP user"), secret=False, required=False),
        _f("smtp_password", _("SMTP password"), required=False),
        _f("smtp_ssl", _("SMTP over TLS (true/false)"), secret=False, required=False),
    ),
    "chat": (),
}

# What the platform calls the developer app's id and secret an admin connects with (OAuth).
OAUTH_APP_LABELS: dict[str, tuple[str | Promise, str | Promise]] = {
    "x": (_("API key (consumer key)"), _("API key secret (consumer secret)")),
    "facebook": (_("Meta app ID"), _("Meta app secret")),
    "instagram": (_("Meta app ID"), _("Meta app secret")),
    "whatsapp": (_("Meta app ID"), _("Meta app secret")),
}


def oauth_app_labels(platform: str) -> tuple[str | Promise, str | Promise]:
    return OAUTH_APP_LABELS.get(platform, (_("App ID"), _("App secret")))


# Platforms that push to Hovor: the admin pastes the webhook URL (and verify token) there.
WEBHOOK_PLATFORMS = {"facebook", "instagram", "whatsapp", "telegram", "x"}


def fields_for(platform: str) -> tuple[CredentialField, ...]:
    return CREDENTIAL_FIELDS.get(platform, ())
