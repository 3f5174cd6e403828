"""Credentials at rest: Fernet. settings.CREDENTIALS_KEY encrypts (and decrypts);
settings.CREDENTIALS_OLD_KEYS, the keys used before a rotation, still decrypt. Rotating:
put the new key in CREDENTIALS_KEY and the old one in CREDENTIALS_OLD_KEYS, restart, run
`manage.py rotate_credentials` (re-encrypts every account with the new key), then drop the
old key."""
from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class CredentialsError(Exception):
    pass


@lru_cache(maxsize=4)
def _keyring(current: str, old: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(key.encode()) for key in (current, *old) if key])
    except ValueError as exc:
        raise CredentialsError("CREDENTIALS_KEY and CREDENTIALS_OLD_KEYS must be Fernet keys") from exc


def _fernet() -> MultiFernet:
    return _keyring(settings.CREDENTIALS_KEY, tuple(settings.CREDENTIALS_OLD_KEYS))


def encrypt_credentials(credentials: dict[str, Any]) -> str:
    return _fernet().encrypt(json.dumps(credentials).encode()).decode()


def decrypt_credentials(token: str) -> dict[str, Any]:
    if not token:
        return {}
    try:
        data: dict[str, Any] = json.loads(_fernet().decrypt(token.encode()))
    except InvalidToken as exc:
        raise CredentialsError("credentials cannot be decrypted with CREDENTIALS_KEY or CREDENTIALS_OLD_KEYS") from exc
    return data


def reencrypt(token: str) -> str:
    """The same credentials encrypted with the current key (raises CredentialsError when no
    configured key opens them)."""
    if not token:
        return token
    try:
        return _fernet().rotate(token.encode()).decode()
    except InvalidToken as exc:
        raise CredentialsError("credentials cannot be decrypted with CREDENTIALS_KEY or CREDENTIALS_OLD_KEYS") from exc


def encrypted_with_current_key(token: str) -> bool:
    if not token:
        return True
    try:
        Fernet(settings.CREDENTIALS_KEY.encode()).decrypt(token.encode())
    except InvalidToken:
        return False
    return True
