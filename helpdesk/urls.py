from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import set_language
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

from accounts.views.login import HovorLoginView
from channels.api import BrandAccountViewSet, BrandViewSet
from channels.webhooks import webhook
from inbox.api.canned import CannedResponseViewSet
from inbox.api.people import AgentViewSet, TeamViewSet
from inbox.api.views import CustomerViewSet, TicketViewSet

from .health import healthz
from .metrics import metrics

router = DefaultRouter()
router.register("brands", BrandViewSet, basename="brand")
router.register("accounts", BrandAccountViewSet, basename="account")
router.register("tickets", TicketViewSet, basename="ticket")
router.register("customers", CustomerViewSet, basename="customer")
router.register("agents", AgentViewSet, basename="agent")
router.register("teams", TeamViewSet, basename="team")
router.register("canned-responses", CannedResponseViewSet, basename="canned")

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("metrics", metrics, name="metrics"),
    path("webhooks/<str:platform>/<int:account_id>/", webhook, name="webhook"),
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/v1/", include(router.urls)),
    path("login/", HovorLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("admin/", admin.site.urls),
    path("settings/accounts/", include("channels.urls")),
    path("", include("shifts.urls")),
    path("settings/audit/", include("audit.urls")),
    path("notifications/", include("notifications.urls")),
    path("routing/", include("routing.urls")),
    path("reports/", include("reports.urls")),
    path("", include("accounts.urls")),
    path("", include("inbox.urls")),
    path("chat/", include("channels.chat.urls")),
]

# A middleware that raised because the database is away answers 503 too (helpdesk.unavailable).
handler500 = "helpdesk.unavailable.server_error"
