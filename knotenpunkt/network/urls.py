from django.urls import path

from knotenpunkt.network import views

app_name = "network"
urlpatterns = [
    path("beziehungen/neu/<slug:slug>/", views.tie_create, name="tie_create"),
    path("beziehungen/<int:pk>/loeschen/", views.tie_delete, name="tie_delete"),
    path("kalt/", views.going_cold, name="cold"),
]
