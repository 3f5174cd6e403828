from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("", views.reports_page, name="reports"),
    path("staffing/", views.staffing_page, name="staffing"),
    path("public/<int:brand_id>/reply-time.json", views.reply_time_json, name="reply_time"),
    path("public/<int:brand_id>/banner.png", views.reply_time_banner, name="reply_time_banner"),
    path("public/<int:brand_id>/widget/", views.reply_time_widget, name="reply_time_widget"),
    path("export/<str:table>.csv", views.reports_export, name="export"),
]
