from django.urls import path

from . import views

app_name = "shifts"
urlpatterns = [
    path("", views.hours, name="hours"),
    path("<int:brand_id>/", views.hours_save, name="hours_save"),
]
