from django.urls import path

from . import views

app_name = "routing"
urlpatterns = [
    path("presence/", views.presence, name="presence"),
    path("presence/heartbeat/", views.heartbeat, name="heartbeat"),
]
