from django.urls import path
from django.views.i18n import set_language

from knotenpunkt.core import views

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("robots.txt", views.robots_txt, name="robots"),
    path("sprache/", set_language, name="set_language"),
]
