from django.urls import path

from knotenpunkt.pages import feeds, views

app_name = "pages"
urlpatterns = [
    path("", views.home, name="home"),
    path("akteure/<slug:slug>/", views.actor_profile, name="actor"),
    path("kalender/abo/<str:token>.ics", feeds.personal_feed, name="personal_feed"),
]
