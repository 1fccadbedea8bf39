from django.urls import path

from knotenpunkt.privacy import views

app_name = "privacy"
urlpatterns = [
    path("", views.persons, name="persons"),
    path("personen/<int:pk>/", views.person_detail, name="person"),
    path("personen/<int:pk>/rechtsgrundlage/", views.person_legal_basis, name="legal_basis"),
    path("personen/<int:pk>/einschraenkung/", views.person_restrict, name="restrict"),
    path("personen/<int:pk>/auskunft.json", views.person_export, {"file_format": "json"}, name="export_json"),
    path("personen/<int:pk>/auskunft/", views.person_export, {"file_format": "html"}, name="export_html"),
    path("personen/<int:pk>/loeschen/", views.person_erase, name="erase"),
    path("aufbewahrung/", views.retention_list, name="retention"),
    path("aufbewahrung/pruefen/", views.retention_check, name="retention_check"),
    path("verzeichnis/", views.processing_register, name="register"),
    path("zugriffe/", views.access_log, name="access_log"),
]
