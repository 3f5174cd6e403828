"""Platform name -> connector. One convention: each package `channels/<platform>/` has a
`connector` module exposing `connector`, a BaseConnector subclass instance whose
`platform` is the package name and whose class attributes declare the rest (label, badge,
credential fields, how it connects, kinds, limits, SLA class). Packages are found by
looking, not by a list to edit: adding a platform adds a package, never a migration."""

from __future__ import annotations

import hashlib
import pkgutil
import re
from functools import cache
from importlib import import_module
from pathlib import Path

from .base import BaseConnector, CredentialField, StrOrPromise

_ROOT = Path(__file__).resolve().parent
_cache: dict[str, BaseConnector] = {}


class UnknownPlatform(KeyError):
    """A platform name no connector package provides (a typo, or a stored account whose
    package was removed). `str()` is a sentence for logs and admins."""

    def __init__(self, platform: str, reason: str = "") -> None:
        super().__init__(platform)
        self.platform = platform
        self.message = reason or (
            f"No connector package provides the platform {platform!r}: there is no "
            f"channels/{platform}/connector.py. Known platforms: {', '.join(supported_platforms())}."
        )

    def __str__(self) -> str:
        return self.message


@cache
def _packages() -> tuple[str, ...]:
    return tuple(
        sorted(
            info.name
            for info in pkgutil.iter_modules([str(_ROOT)])
            if info.ispkg and (_ROOT / info.name / "connector.py").exists()
        )
    )


def supported_platforms() -> list[str]:
    return list(_packages())


def get_connector(platform: str) -> BaseConnector:
    if platform not in _cache:
        if platform not in supported_platforms():
            raise UnknownPlatform(platform)
        connector: BaseConnector = import_module(f"channels.{platform}.connector").connector
        if connector.platform != platform:
            raise UnknownPlatform(
                platform, f"channels.{platform}.connector declares itself as {connector.platform!r}, not {platform!r}."
            )
        _cache[platform] = connector
    return _cache[platform]


def connectors() -> list[BaseConnector]:
    return [get_connector(p) for p in supported_platforms()]


def polling_platforms() -> list[str]:
    return [p for p in supported_platforms() if get_connector(p).polls]


def webhook_platforms() -> list[str]:
    return [p for p in supported_platforms() if get_connector(p).webhooks]


def platform_choices() -> list[tuple[str, StrOrPromise]]:
    """BrandAccount.platform's choices (a callable, so the migration names no platform)."""
    return [(c.platform, c.label or c.platform) for c in connectors()]


def platform_label(platform: str) -> str:
    """The platform's label in the active language; a stored platform no package provides
    shows as its plain name (lists keep rendering; pages that need the connector say why)."""
    try:
        return str(get_connector(platform).label or platform)
    except UnknownPlatform:
        return platform


def credential_fields(platform: str) -> tuple[CredentialField, ...]:
    return get_connector(platform).credential_fields


def kind_label(kind: str, platform: str = "") -> str:
    """A message kind in the agent's words: the platform's own label for it, else the first
    connector that declares the kind, else the kind itself."""
    if platform in supported_platforms():
        own = get_connector(platform)
        if any(k.kind == kind for k in own.kinds):
            # Declared, even when its label reads like the kind ("message"): never another
            # platform's label for it (WhatsApp's message is no "Viber message").
            return str(own.kind_label(kind))
    for connector in connectors():
        label = connector.kind_label(kind)
        if label != kind:
            return str(label)
    return kind


_COLOUR = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})")


@cache
def badge_stylesheet() -> tuple[str, str]:
    """The platforms' badge colours as CSS rules (`.badge.platform-<name>`), and a version
    naming this content. Served by channels.views.badges_css, linked from the base template:
    no inline styles (a strict CSP allows stylesheets from 'self' only), nothing to rebuild
    when a package is added."""
    rules = []
    for connector in connectors():
        badge = connector.badge
        if not (_COLOUR.fullmatch(badge.background) and _COLOUR.fullmatch(badge.color)):
            raise ValueError(f"channels.{connector.platform}: badge colours must be #rgb or #rrggbb, got {badge}")
        colours = f"background: {badge.background}; color: {badge.color};"
        rules.append(f".badge.platform-{connector.platform} {{ {colours} }}")
    css = "/* Platform badges, from each connector's declaration (channels.registry). */\n" + "\n".join(rules) + "\n"
    return css, hashlib.sha256(css.encode()).hexdigest()[:12]
