"""Two-factor enrolment and removal: an authenticator app (TOTP), recovery codes (one-time,
for when the phone is gone), and security keys (actions.webauthn). Codes are checked here."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from ..models import SecurityKey
from ..selectors import RECOVERY_DEVICE_NAME, has_second_factor, second_factors, two_factor_required_for
from ..signals import recovery_codes_regenerated, two_factor_enrolled, two_factor_removed

RECOVERY_CODE_COUNT = 10


class TwoFactorError(ValueError):
    pass


def _method(device: Device) -> str:
    return "webauthn" if isinstance(device, SecurityKey) else "totp" if isinstance(device, TOTPDevice) else "static"


def _details(device: Device) -> dict[str, object]:
    return {"method": _method(device), "device_id": device.pk, "device_name": device.name}


@transaction.atomic
def totp_begin(*, user: User, name: str = "") -> TOTPDevice:
    """A new authenticator-app secret, unconfirmed until a code from the app matches it.
    Earlier unconfirmed ones (set-ups never finished) are dropped."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=(name.strip() or "Authenticator app")[:64], confirmed=False)


def _recovery_codes_make(user: User) -> list[str]:
    device, _ = StaticDevice.objects.get_or_create(user=user, name=RECOVERY_DEVICE_NAME, defaults={"confirmed": True})
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def enrolled(*, user: User, device: Device, request: HttpRequest | None) -> list[str]:
    """After a first factor device is confirmed: recovery codes if the person has none yet
    (returned to be shown once), and the signal."""
    codes: list[str] = []
    if not StaticDevice.objects.filter(user=user, name=RECOVERY_DEVICE_NAME, token_set__isnull=False).exists():
        codes = _recovery_codes_make(user)
    two_factor_enrolled.send(sender=type(device), user=user, actor=user, request=request, details=_details(device))
    return codes


@transaction.atomic
def totp_confirm(*, device: TOTPDevice, code: str, request: HttpRequest | None = None) -> list[str]:
    """Confirm the app's secret with a code from it. Returns new recovery codes, if made."""
    if device.confirmed:
        raise TwoFactorError(_("This authenticator is set up already."))
    if not device.verify_token(code.strip().replace(" ", "")):
        raise TwoFactorError(_("That code does not match. Check the time on your phone and try the next code."))
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return enrolled(user=device.user, device=device, request=request)


@transaction.atomic
def recovery_codes_regenerate(*, user: User, request: HttpRequest | None = None) -> list[str]:
    if not has_second_factor(user):
        raise TwoFactorError(_("Set up an authenticator app or a security key first."))
    codes = _recovery_codes_make(user)
    recovery_codes_regenerated.send(
        sender=StaticDevice, user=user, actor=user, request=request, details={"count": len(codes)}
    )
    return codes


@transaction.atomic
def second_factor_remove(*, device: Device, actor: User, request: HttpRequest | None = None) -> None:
    """Remove an app or a key. The last one cannot go while the policy requires two-factor
    for this person; with the last one the recovery codes go too."""
    user = device.user
    others = [
        d for d in second_factors(user) if not isinstance(d, StaticDevice) and d.persistent_id != device.persistent_id
    ]
    if not others and two_factor_required_for(user):
        raise TwoFactorError(_("Two-factor is required for you: add another app or key before removing this one."))
    details = _details(device)
    device.delete()
    if not others:
        StaticDevice.objects.filter(user=user, name=RECOVERY_DEVICE_NAME).delete()
    two_factor_removed.send(sender=type(device), user=user, actor=actor, request=request, details=details)


def second_factor_check(*, user: User, code: str) -> Device | None:
    """The device a typed code belongs to (an app's current code or an unused recovery code,
    which is used up), or None. django-otp throttles each device after failures."""
    code = code.strip().replace(" ", "").replace("-", "").lower()
    if not code:
        return None
    for device in second_factors(user):
        if isinstance(device, SecurityKey):
            continue
        if device.verify_is_allowed()[0] and device.verify_token(code):
            return device
    return None
