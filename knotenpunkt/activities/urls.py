from django.urls import path

from knotenpunkt.activities import feeds, participation_views, sources, views

app_name = "activities"

urlpatterns = [
    # Calendar and activities (views.py)
    path("termine/", views.calendar, name="calendar"),
    path("termine/neu/", views.activity_create, name="create"),
    path("termine/<int:pk>/", views.activity_detail, name="detail"),
    path("termine/<int:pk>/bearbeiten/", views.activity_edit, name="edit"),
    path("termine/<int:pk>/absagen/", views.activity_cancel, name="cancel"),
    path("termine/<int:pk>/ausnahme/", views.exception_save, name="exception"),
    # Requested participations (participation_views.py)
    path(
        "beteiligungen/<int:pk>/bestaetigen/", participation_views.participation_confirm, name="participation_confirm"
    ),
    path("beteiligungen/<int:pk>/ablehnen/", participation_views.participation_decline, name="participation_decline"),
    # iCal out (feeds.py)
    path("termine.ics", feeds.public_feed, name="feed"),
    path("termine/<int:pk>.ics", feeds.activity_ics, name="activity_ics"),
    path("kalender/abo/", feeds.feed_settings, name="feed_settings"),
    # iCal in (sources.py)
    path("akteure/<slug:slug>/kalender/", sources.source_list, name="sources"),
    path("kalenderquellen/<int:pk>/aktualisieren/", sources.source_refresh, name="source_refresh"),
    path("kalenderquellen/<int:pk>/loeschen/", sources.source_delete, name="source_delete"),
]
