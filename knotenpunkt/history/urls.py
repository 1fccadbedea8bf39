from django.urls import path

from knotenpunkt.history import views

app_name = "history"
urlpatterns = [
    path("aenderungen/", views.feed, name="feed"),
    path("verlauf/wiederherstellen/<int:change_id>/", views.restore, name="restore"),
    path("verlauf/<slug:type_slug>/<int:pk>/", views.record_history, name="record"),
]
