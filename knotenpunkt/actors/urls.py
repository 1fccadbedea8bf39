from django.urls import path

from knotenpunkt.actors import views

app_name = "actors"
urlpatterns = [
    path("", views.directory, name="directory"),
    path("neu/", views.create, name="create"),
    path("vorschlaege/", views.autocomplete, name="autocomplete"),
    path("<slug:slug>/bearbeiten/", views.edit, name="edit"),
    path("<slug:slug>/veroeffentlichen/", views.publish, name="publish"),
    path("<slug:slug>/zusammenfuehren/", views.merge, name="merge"),
]
