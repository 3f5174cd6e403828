"""Platform name -> connector. One convention: each package exposes `connector`."""
from __future__ import annotations

from importlib import import_module

from .base import Connector

_PACKAGES = {"x": "channels.x.connector"}
_cache: dict[str, Connector] = {}


class UnknownPlatform(KeyError):
    pass


def get_connector(platform: str) -> Connector:
    if platform not in _cache:
        try:
            module = import_module(_PACKAGES[platform])
        except KeyError as exc:
            raise UnknownPlatform(platform) from exc
        _cache[platform] = module.connector
    return _cache[platform]


def supported_platforms() -> list[str]:
    return list(_PACKAGES)
