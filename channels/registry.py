"""Platform name -> connector. One convention: each package `channels/<platform>/` has a
`connector` module exposing `connector`, a BaseConnector subclass instance whose
`platform` is the package name. Packages are found by looking, not by a list to edit."""

from __future__ import annotations

import pkgutil
from importlib import import_module
from pathlib import Path

from .base import BaseConnector

_ROOT = Path(__file__).resolve().parent
_cache: dict[str, BaseConnector] = {}


class UnknownPlatform(KeyError):
    pass


def supported_platforms() -> list[str]:
    return sorted(
        info.name
        for info in pkgutil.iter_modules([str(_ROOT)])
        if info.ispkg and (_ROOT / info.name / "connector.py").exists()
    )


def get_connector(platform: str) -> BaseConnector:
    if platform not in _cache:
        if platform not in supported_platforms():
            raise UnknownPlatform(platform)
        connector: BaseConnector = import_module(f"channels.{platform}.connector").connector
        if connector.platform != platform:
            raise UnknownPlatform(f"channels.{platform}.connector says it is {connector.platform!r}")
        _cache[platform] = connector
    return _cache[platform]


def polling_platforms() -> list[str]:
    return [p for p in supported_platforms() if get_connector(p).polls]


def platform_label(platform: str) -> str:
    """The platform's name as people read it (the stored value if no connector provides it)."""
    try:
        connector = get_connector(platform)
    except UnknownPlatform:
        return platform
    return str(getattr(connector, "label", "") or platform)
