from django.urls import path

from . import views

app_name = "channels"
urlpatterns = [
    path("", views.accounts, name="accounts"),
    path("badges.css", views.badges_css, name="badges_css"),
    path("new/", views.account_new, name="account_new"),
    path("<int:account_id>/", views.account_detail, name="account"),
    path("<int:account_id>/disconnect/", views.account_disconnect, name="account_disconnect"),
    path("connect/<str:platform>/", views.oauth_start, name="oauth_start"),
    path("connect/<str:platform>/callback/", views.oauth_callback, name="oauth_callback"),
    path("connect/<str:platform>/choose/", views.oauth_choose, name="oauth_choose"),
    path("<int:account_id>/backfill/", views.account_backfill_status, name="account_backfill"),
]
