"""What an admin enters to connect an account on each platform (names as each platform
names them; DESIGN.md contracts), which of them are secrets, and what Hovor shows back."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CredentialField:
    name: str
    label: str
    secret: bool = True
    required: bool = True


def _f(name: str, label: str, *, secret: bool = True, required: bool = True) -> CredentialField:
    return CredentialField(name, label, secret, required)


CREDENTIAL_FIELDS: dict[str, tuple[CredentialField, ...]] = {
    "x": (
        _f("consumer_key", "API key (consumer key)"),
        _f("consumer_secret", "API key secret (consumer secret)"),
        _f("access_token", "Access token"),
        _f("access_token_secret", "Access token secret"),
        _f("bearer_token", "Bearer token", required=False),
    ),
    "facebook": (
        _f("page_id", "Page ID", secret=False),
        _f("page_access_token", "Page access token"),
        _f("app_secret", "App secret"),
        _f("verify_token", "Webhook verify token (any random string you choose)"),
    ),
    "instagram": (
        _f("page_id", "Facebook Page ID linked to the Instagram account", secret=False),
        _f("page_access_token", "Page access token"),
        _f("app_secret", "App secret"),
        _f("verify_token", "Webhook verify token (any random string you choose)"),
    ),
    "whatsapp": (
        _f("phone_number_id", "Phone number ID", secret=False),
        _f("access_token", "Access token"),
        _f("app_secret", "App secret"),
        _f("verify_token", "Webhook verify token (any random string you choose)"),
    ),
    "telegram": (
        _f("bot_token", "Bot token (from @BotFather)"),
        _f("webhook_secret", "Webhook secret token (A–Z a–z 0–9 _ -)", required=False),
        _f("mode", "How messages arrive: polling (default) or webhook", secret=False, required=False),
    ),
    "email": (
        _f("address", "Support address", secret=False),
        _f("imap_host", "IMAP host", secret=False),
        _f("imap_port", "IMAP port", secret=False),
        _f("imap_user", "IMAP user", secret=False),
        _f("imap_password", "IMAP password"),
        _f("imap_ssl", "IMAP over TLS (true/false)", secret=False, required=False),
        _f("smtp_host", "SMTP host", secret=False),
        _f("smtp_port", "SMTP port", secret=False),
        _f("smtp_user", "SMTP user", secret=False, required=False),
        _f("smtp_password", "SMTP password", required=False),
        _f("smtp_ssl", "SMTP over TLS (true/false)", secret=False, required=False),
    ),
    "chat": (),
}

# What the platform calls the developer app's id and secret an admin connects with (OAuth).
OAUTH_APP_LABELS: dict[str, tuple[str, str]] = {
    "x": ("API key (consumer key)", "API key secret (consumer secret)"),
    "facebook": ("Meta app ID", "Meta app secret"),
    "instagram": ("Meta app ID", "Meta app secret"),
    "whatsapp": ("Meta app ID", "Meta app secret"),
}


def oauth_app_labels(platform: str) -> tuple[str, str]:
    return OAUTH_APP_LABELS.get(platform, ("App ID", "App secret"))


# Platforms that push to Hovor: the admin pastes the webhook URL (and verify token) there.
WEBHOOK_PLATFORMS = {"facebook", "instagram", "whatsapp", "telegram", "x"}


def fields_for(platform: str) -> tuple[CredentialField, ...]:
    return CREDENTIAL_FIELDS.get(platform, ())
