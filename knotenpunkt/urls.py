from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("knotenpunkt.core.urls")),
    path("akteure/", include("knotenpunkt.actors.urls")),
    # After actors: its fixed addresses (akteure/neu/ …) come before the profile's akteure/<slug>/.
    path("", include("knotenpunkt.pages.urls")),
    path("netzwerk/", include("knotenpunkt.network.urls")),
    path("", include("knotenpunkt.activities.urls")),
    path("", include("knotenpunkt.interactions.urls")),
    path("", include("knotenpunkt.synergies.urls")),
    path("", include("knotenpunkt.initiatives.urls")),
    path("", include("knotenpunkt.reports.urls")),
    path("", include("knotenpunkt.history.urls")),
    path("datenschutz/", include("knotenpunkt.privacy.urls")),
    path("konto/", include("knotenpunkt.accounts.urls")),
    path("admin/", admin.site.urls),
]
