from django.urls import path

from . import views

app_name = "notifications"
urlpatterns = [
    path("", views.notification_list, name="list"),
    path("bell/", views.bell, name="bell"),
    path("<int:notification_id>/open/", views.notification_open, name="open"),
    path("read/", views.notifications_read_all, name="read_all"),
]
