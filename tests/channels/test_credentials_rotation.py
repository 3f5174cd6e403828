"""Rotating CREDENTIALS_KEY: the new key encrypts, old keys (CREDENTIALS_OLD_KEYS) still
decrypt, `manage.py rotate_credentials` re-encrypts every account and says how many, and
CREDENTIALS_KEY alone keeps working as before."""
from __future__ import annotations

import io
from typing import Any

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core.management import CommandError, call_command

from channels.crypto import CredentialsError, decrypt_credentials, encrypt_credentials
from channels.models import Brand, BrandAccount

pytestmark = pytest.mark.django_db

OLD, NEW, OTHER = Fernet.generate_key().decode(), Fernet.generate_key().decode(), Fernet.generate_key().decode()


def _account(brand: Brand, handle: str, credentials: dict[str, Any]) -> BrandAccount:
    account = BrandAccount(brand=brand, platform="telegram", handle=handle)
    account.credentials = credentials
    account.save()
    return account


def _rotate() -> str:
    out = io.StringIO()
    call_command("rotate_credentials", stdout=out)
    return out.getvalue().strip()


def test_credentials_key_alone_encrypts_and_decrypts(settings: Any) -> None:
    settings.CREDENTIALS_KEY, settings.CREDENTIALS_OLD_KEYS = OLD, []
    token = encrypt_credentials({"bot_token": "123:abc"})
    assert Fernet(OLD.encode()).decrypt(token.encode())  # written with CREDENTIALS_KEY itself
    assert decrypt_credentials(token) == {"bot_token": "123:abc"}


def test_a_new_key_encrypts_and_the_old_one_still_decrypts(settings: Any) -> None:
    settings.CREDENTIALS_KEY, settings.CREDENTIALS_OLD_KEYS = OLD, []
    old_token = encrypt_credentials({"bot_token": "old"})
    settings.CREDENTIALS_KEY, settings.CREDENTIALS_OLD_KEYS = NEW, [OLD]
    assert decrypt_credentials(old_token) == {"bot_token": "old"}
    new_token = encrypt_credentials({"bot_token": "new"})
    assert Fernet(NEW.encode()).decrypt(new_token.encode())
    with pytest.raises(InvalidToken):
        Fernet(OLD.encode()).decrypt(new_token.encode())
    settings.CREDENTIALS_KEY, settings.CREDENTIALS_OLD_KEYS = NEW, []
    with pytest.raises(CredentialsError):
        decrypt_credentials(old_token)  # the old key dropped too early: refused, never garbage


def test_rotate_credentials_reencrypts_everything_and_reports_counts(settings: Any) -> None:
    brand = Brand.objects.create(name="Acme")
    settings.CREDENTIALS_KEY, settings.CREDENTIALS_OLD_KEYS = OLD, []
    first = _account(brand, "@one", {"bot_token": "1:aaa"})
    second = _account(brand, "@two", {"bot_token": "2:bbb", "webhook_secret": "s"})
    BrandAccount.objects.create(brand=brand, platform="chat", handle="acme.example")  # none to encrypt
    settings.CREDENTIALS_KEY, settings.CREDENTIALS_OLD_KEYS = NEW, [OLD]
    third = _account(brand, "@three", {"bot_token": "3:ccc"})  # already with the new key

    assert _rotate() == "re-encrypted 2, already on the current key 1, without credentials 1, failed 0"

    settings.CREDENTIALS_KEY, settings.CREDENTIALS_OLD_KEYS = NEW, []  # the old key can go now
    for account, expected in ((first, {"bot_token": "1:aaa"}), (second, {"bot_token": "2:bbb", "webhook_secret": "s"}),
                              (third, {"bot_token": "3:ccc"})):
        stored = BrandAccount.objects.get(pk=account.pk)
        assert stored.credentials == expected
        assert Fernet(NEW.encode()).decrypt(stored.credentials_encrypted.encode())
    assert _rotate() == "re-encrypted 0, already on the current key 3, without credentials 1, failed 0"


def test_an_account_no_key_opens_is_reported_and_left_alone(settings: Any) -> None:
    brand = Brand.objects.create(name="Acme")
    settings.CREDENTIALS_KEY, settings.CREDENTIALS_OLD_KEYS = OTHER, []
    lost = _account(brand, "@lost", {"bot_token": "x"})
    settings.CREDENTIALS_KEY, settings.CREDENTIALS_OLD_KEYS = NEW, [OLD]
    _account(brand, "@fine", {"bot_token": "y"})
    before = BrandAccount.objects.get(pk=lost.pk).credentials_encrypted
    with pytest.raises(CommandError, match=f"account\\(s\\) {lost.pk}"):
        _rotate()
    assert BrandAccount.objects.get(pk=lost.pk).credentials_encrypted == before


def test_a_malformed_key_is_a_clear_error(settings: Any) -> None:
    settings.CREDENTIALS_KEY, settings.CREDENTIALS_OLD_KEYS = NEW, ["not-a-fernet-key"]
    with pytest.raises(CredentialsError, match="Fernet keys"):
        encrypt_credentials({"a": 1})
