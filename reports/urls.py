from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("", views.reports_page, name="reports"),
    path("staffing/", views.staffing_page, name="staffing"),
    path("export/<str:table>.csv", views.reports_export, name="export"),
]
