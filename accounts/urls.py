from django.urls import path

from .views import login, profile, security, sso

app_name = "accounts"
urlpatterns = [
    path("login/verify/", login.login_verify, name="login_verify"),
    path("login/verify/key/options/", login.login_key_options, name="login_key_options"),
    path("login/verify/key/", login.login_key, name="login_key"),
    path("sso/login/", sso.sso_login, name="sso_login"),
    path("sso/callback/", sso.sso_callback, name="sso_callback"),
    path("profile/", profile.profile, name="profile"),
    path("profile/card/", profile.profile_card, name="profile_card"),
    path("profile/tokens/new/", profile.token_create, name="token_create"),
    path("profile/tokens/<int:token_id>/revoke/", profile.token_revoke, name="token_revoke"),
    path("profile/two-factor/", profile.two_factor, name="two_factor"),
    path("profile/two-factor/app/new/", profile.totp_new, name="totp_new"),
    path("profile/two-factor/app/<int:device_id>/", profile.totp_confirm_view, name="totp_confirm"),
    path("profile/two-factor/app/<int:device_id>/remove/", profile.totp_remove, name="totp_remove"),
    path("profile/two-factor/keys/options/", profile.key_options, name="key_options"),
    path("profile/two-factor/keys/", profile.key_add, name="key_add"),
    path("profile/two-factor/keys/<int:device_id>/remove/", profile.key_remove, name="key_remove"),
    path("profile/two-factor/recovery/", profile.recovery_codes, name="recovery_codes"),
    path("settings/security/", security.security_page, name="security"),
    path("settings/security/policy/", security.security_policy_save, name="security_policy"),
    path("settings/security/unlock/", security.security_unlock, name="security_unlock"),
]
