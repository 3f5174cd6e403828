from django.urls import path

from . import plan_views, views

app_name = "shifts"
urlpatterns = [
    path("settings/hours/", views.hours, name="hours"),
    path("settings/hours/<int:brand_id>/", views.hours_save, name="hours_save"),
    path("settings/hours/<int:brand_id>/acknowledgement/", views.acknowledgement_save, name="acknowledgement_save"),
    path("shifts/", plan_views.plans, name="plans"),
    path("shifts/<int:team_id>/", plan_views.plan, name="plan"),
    path("shifts/<int:team_id>/settings/", plan_views.plan_settings, name="plan_settings"),
    path("shifts/<int:team_id>/shifts/", plan_views.shift_add, name="shift_add"),
    path("shifts/<int:team_id>/shifts/remove/", plan_views.shift_remove, name="shift_remove"),
    path("shifts/<int:team_id>/exceptions/", plan_views.exception_add, name="exception_add"),
    path("shifts/<int:team_id>/exceptions/remove/", plan_views.exception_remove, name="exception_remove"),
]
