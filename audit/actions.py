"""The audit log's action codes and their words. Codes are stored; the words are translated
when shown, so one entry reads in the admin's own language. A code not listed here (sent by
a newer part of Hovor) still shows, as its code."""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# code -> (label, summary with %(detail)s placeholders, or None for the label alone)
ACTIONS: dict[str, tuple[Promise, Promise | None]] = {
    "auth.login": (_("Logged in"), None),
    "auth.logout": (_("Logged out"), None),
    "auth.login_failed": (_("Login failed"), _("Wrong username or password for “%(username)s”")),
    "people.agent_created": (_("Person added"), _("%(username)s added as %(role)s")),
    "people.role_changed": (_("Role changed"), _("%(username)s: %(old)s → %(new)s")),
    "people.team_created": (_("Team created"), None),
    "people.team_changed": (_("Team changed"), _("Changed: %(fields)s")),
    "people.team_members_changed": (_("Team members changed"), _("Added: %(added)s; removed: %(removed)s")),
    "account.connected": (_("Account connected"), None),
    "account.reauthorised": (_("Account authorised again"), _("New credentials: %(fields)s")),
    "account.credentials_changed": (_("Credentials changed"), _("New values for: %(fields)s")),
    "account.webhook_registered": (_("Webhook registered"), _("Webhook URL: %(webhook_url)s")),
    "account.presentation_changed": (_("Chat widget look changed"), _("Changed: %(fields)s")),
    "account.disconnected": (_("Account disconnected"), None),
    "settings.hours_changed": (_("Staffed hours changed"), _("%(periods)s periods, time zone %(timezone)s")),
    "settings.hours_cleared": (_("Staffed hours removed"), None),
    "settings.csat_changed": (_("Satisfaction question changed"), _("Changed: %(fields)s")),
    "settings.retention_changed": (_("Retention changed"), _("%(old)s → %(new)s days")),
    "customer.exported": (_("Customer data exported"), _("%(tickets)s conversations, %(messages)s messages")),
    "customer.erased": (_("Customer erased"), _("%(messages)s messages and %(identities)s identities erased")),
    "retention.applied": (_("Old conversations erased"), _("%(tickets)s conversations older than %(days)s days")),
    "audit.exported": (_("Audit log exported"), _("%(rows)s entries")),
    "auth.second_factor_failed": (_("Wrong second-factor code"), _("For “%(username)s”")),
    "security.two_factor_enrolled": (_("Two-factor method added"), _("%(method)s: %(device_name)s")),
    "security.two_factor_removed": (_("Two-factor method removed"), _("%(method)s: %(device_name)s")),
    "security.recovery_codes_regenerated": (_("New recovery codes"), _("%(count)s codes")),
    "security.sso_login": (_("Signed in with single sign-on"), _("Role %(role)s, teams: %(teams)s")),
    "security.sso_user_created": (_("Person created by single sign-on"), _("%(username)s as %(role)s")),
    "security.api_token_created": (_("API token created"), _("“%(name)s” (%(prefix)s…), scopes: %(scopes)s")),
    "security.api_token_revoked": (_("API token revoked"), _("“%(name)s” (%(prefix)s…)")),
    "security.login_locked_out": (_("Login locked"), _("Username “%(username)s”, address %(ip_address)s")),
    "security.login_unlocked": (_("Login unlocked"), _("Username “%(username)s”, address %(ip_address)s")),
    "security.policy_changed": (_("Security policy changed"), _("%(field)s: %(old)s → %(new)s")),
}


# The kinds of target, as shown (records.TARGET_TYPES); another kind shows as stored.
TARGET_TYPES: dict[str, Promise] = {
    "person": _("person"),
    "team": _("team"),
    "customer": _("customer"),
    "brand": _("brand"),
    "account": _("account"),
}
# Detail values that are codes with words of their own: a role is shown in the reader's language.
ROLE_DETAILS = {
    "people.role_changed": ("old", "new"),
    "people.agent_created": ("role",),
    "security.sso_login": ("role",),
    "security.sso_user_created": ("role",),
}


def target_type_label(kind: str) -> str:
    label = TARGET_TYPES.get(kind)
    return str(label) if label is not None else kind


def action_label(code: str) -> str:
    entry = ACTIONS.get(code)
    return str(entry[0]) if entry else code


def action_summary(code: str, details: dict[str, Any]) -> str:
    """The entry's one line, in the active language; the label when details lack a value."""
    entry = ACTIONS.get(code)
    if entry is None or entry[1] is None:
        return ""
    values = {k: ", ".join(map(str, v)) if isinstance(v, list) else v for k, v in (details or {}).items()}
    if code in ROLE_DETAILS:
        from inbox.enums import Role

        for key in ROLE_DETAILS[code]:
            if values.get(key) in Role.values:
                values[key] = str(Role(values[key]).label)
    for key, value in values.items():
        if value in ("", None):
            values[key] = "–"
    try:
        return str(entry[1]) % values
    except (KeyError, TypeError, ValueError):
        return ""


def action_choices() -> list[tuple[str, str]]:
    return sorted(((code, action_label(code)) for code in ACTIONS), key=lambda item: item[1])
