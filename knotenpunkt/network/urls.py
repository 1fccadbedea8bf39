from django.urls import path

from knotenpunkt.network import views

app_name = "network"
urlpatterns = [
    path("beziehungen/neu/<slug:slug>/", views.tie_create, name="tie_create"),
    path("beziehungen/<int:pk>/loeschen/", views.tie_delete, name="tie_delete"),
    path("kalt/", views.going_cold, name="cold"),
    path("", views.network_map, name="map"),
    path("graph.json", views.graph_json, name="graph"),
    path("ego/<slug:slug>.json", views.ego_json, name="ego"),
]

# Exchange with Gephi and Kumu (network/exchange.py, network/kumu_import.py).
from knotenpunkt.network import exchange_views  # noqa: E402

urlpatterns += [
    path("austausch/", exchange_views.exchange_page, name="exchange"),
    path("austausch/export/<slug:fmt>/", exchange_views.export, name="export"),
    path("austausch/import/", exchange_views.import_upload, name="import"),
    path("austausch/import/vorschau/", exchange_views.import_preview, name="import_preview"),
    path("austausch/import/bestaetigen/", exchange_views.import_confirm, name="import_confirm"),
]

# Network health: the newest analytics snapshot (network/analytics.py, network/health_views.py).
from knotenpunkt.network import health_views  # noqa: E402

urlpatterns += [path("gesundheit/", health_views.health, name="health")]
