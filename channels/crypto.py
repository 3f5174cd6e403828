"""Credentials at rest: Fernet with the key from settings.CREDENTIALS_KEY."""
from __future__ import annotations

import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


class CredentialsError(Exception):
    pass


def _fernet() -> Fernet:
    return Fernet(settings.CREDENTIALS_KEY.encode())


def encrypt_credentials(credentials: dict[str, Any]) -> str:
    return _fernet().encrypt(json.dumps(credentials).encode()).decode()


def decrypt_credentials(token: str) -> dict[str, Any]:
    if not token:
        return {}
    try:
        data: dict[str, Any] = json.loads(_fernet().decrypt(token.encode()))
    except InvalidToken as exc:
        raise CredentialsError("credentials cannot be decrypted with CREDENTIALS_KEY") from exc
    return data
