from django.urls import path

from knotenpunkt.core import views

app_name = "core"
urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("robots.txt", views.robots_txt, name="robots"),
    path("sprache/", views.switch_language, name="set_language"),
]
