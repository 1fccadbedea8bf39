from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from knotenpunkt.accounts import permissions


class KnotenpunktAdminSite(admin.AdminSite):
    """The back office: coordinators only, whatever flags a user row carries."""

    site_header = _("Knotenpunkt – Verwaltung")
    site_title = _("Knotenpunkt")
    index_title = _("Back Office der Koordinierungsstelle")

    def has_permission(self, request):
        return permissions.can_use_admin(request.user)


class CoordinatorAdmin(admin.ModelAdmin):
    """Model permissions come from the permission layer, not Django's per-model flags."""

    def has_view_permission(self, request, obj=None):
        return permissions.can_use_admin(request.user)

    def has_add_permission(self, request):
        return permissions.can_use_admin(request.user)

    def has_change_permission(self, request, obj=None):
        return permissions.can_use_admin(request.user)

    def has_delete_permission(self, request, obj=None):
        return permissions.can_use_admin(request.user)

    def has_module_permission(self, request):
        return permissions.can_use_admin(request.user)
