from django.conf import settings
from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.i18n import JavaScriptCatalog

from knotenpunkt.accounts import roles, two_factor


class AdminJavaScriptCatalog(JavaScriptCatalog):
    """The admin's JavaScript strings plus the project's catalogues (LOCALE_PATHS): Django 5.2 has no German
    for some of its newer strings ("Choose all %s" under a filter_horizontal widget)."""

    def get_paths(self, packages):
        return [*super().get_paths(packages), *map(str, settings.LOCALE_PATHS)]


class KnotenpunktAdminSite(admin.AdminSite):
    """The back office: coordinators only, whatever flags a user row carries.

    The one gate: every model admin (core.admin_site.CoordinatorAdmin) asks this site."""

    site_header = _("Knotenpunkt – Verwaltung")
    site_title = _("Knotenpunkt")
    index_title = _("Back Office der Koordinierungsstelle")

    def has_permission(self, request):
        # With two-factor login on, only a session verified by a code (a session from before it was
        # switched on is sent to log in again).
        return roles.can_use_admin(request.user) and two_factor.verified_if_required(request)

    def i18n_javascript(self, request, extra_context=None):
        return AdminJavaScriptCatalog.as_view(packages=["django.contrib.admin"])(request)

    def login(self, request, extra_context=None):
        """One login page for the whole app: the admin's own form would demand `is_staff`."""
        return redirect_to_login(request.GET.get("next") or reverse("admin:index"), reverse("accounts:login"))
