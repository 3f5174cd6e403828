from django.db import models
from django.utils.translation import gettext_lazy as _


class TwoFactorRequirement(models.TextChoices):
    OFF = "off", _("Nobody must use two-factor (everyone may)")
    STAFF = "staff", _("Admins and leads must use two-factor")
    EVERYONE = "everyone", _("Everyone must use two-factor")


class TokenScope(models.TextChoices):
    READ = "read", _("Read (every GET)")
    REPLY = "reply", _("Reply (replies, notes, assignment and status of conversations)")
    ADMIN = "admin", _("Admin (brands, accounts, agents and teams)")
