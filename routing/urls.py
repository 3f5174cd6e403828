from django.urls import path

from . import views

app_name = "routing"
urlpatterns = [
    path("presence/", views.presence, name="presence"),
    path("presence/heartbeat/", views.heartbeat, name="heartbeat"),
    path("skills/", views.skills, name="skills"),
    path("skills/<int:user_id>/", views.skills_save, name="skills_save"),
]
