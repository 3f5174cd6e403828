from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Signing in: throttled logins, two-factor (TOTP, recovery codes, security keys), single
    sign-on with OpenID Connect, and personal API tokens with scopes."""

    name = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.contrib import admin

        from . import receivers  # noqa: F401 (connects axes' lockout signal to ours)
        from .views.login import admin_login_redirect

        # Django's admin has a password-only login of its own: send it through Hovor's
        # (throttled, two-factor) login instead.
        admin.site.login = admin_login_redirect  # type: ignore[method-assign]
