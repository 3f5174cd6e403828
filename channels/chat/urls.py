from django.urls import path

from . import views

app_name = "chat"
urlpatterns = [
    path("widget.js", views.widget_js, name="widget_js"),
    path("demo/<int:account_id>/", views.demo_view, name="demo"),
    path("<int:account_id>/config", views.config_view, name="config"),
    path("<int:account_id>/sessions", views.sessions_view, name="sessions"),
    path("<int:account_id>/messages", views.messages_view, name="messages"),
    path("<int:account_id>/events", views.events_view, name="events"),
    path("<int:account_id>/files/<int:seq>/<int:index>", views.file_view, name="file"),
    path("<int:account_id>/typing", views.typing_view, name="typing"),
    path("<int:account_id>/contact", views.contact_view, name="contact"),
    path("<int:account_id>/transcript", views.transcript_view, name="transcript"),
]
