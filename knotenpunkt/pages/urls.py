from django.urls import path

from knotenpunkt.pages import feeds, mine, views

app_name = "pages"
urlpatterns = [
    path("", views.home, name="home"),
    path("akteure/<slug:slug>/", views.actor_profile, name="actor"),
    path("mein-akteur/", mine.my_actor, name="my_actor"),
    path("kalender/abo/<str:token>.ics", feeds.personal_feed, name="personal_feed"),
]
