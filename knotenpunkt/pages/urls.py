from django.urls import path

from knotenpunkt.pages import accessibility, feeds, mine, views

app_name = "pages"
urlpatterns = [
    path("", views.home, name="home"),
    path("akteure/<slug:slug>/", views.actor_profile, name="actor"),
    path("mein-akteur/", mine.my_actor, name="my_actor"),
    path("kalender/abo/<str:token>.ics", feeds.personal_feed, name="personal_feed"),
    # Accessibility (accessibility.py)
    path("barrierefreiheit/", accessibility.accessibility_statement, name="accessibility"),
    path("barrierefreiheit/bearbeiten/", accessibility.accessibility_statement_edit, name="accessibility_edit"),
    path("barrierefreiheit/melden/", accessibility.barrier_report, name="barrier_report"),
    path("barrierefreiheit/meldungen/", accessibility.barrier_reports, name="barrier_reports"),
    path("leichte-sprache/", accessibility.easy_language, name="easy_language"),
]
