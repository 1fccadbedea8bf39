from django.contrib import admin
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from knotenpunkt.accounts import permissions


class KnotenpunktAdminSite(admin.AdminSite):
    """The back office: coordinators only, whatever flags a user row carries."""

    site_header = _("Knotenpunkt – Verwaltung")
    site_title = _("Knotenpunkt")
    index_title = _("Back Office der Koordinierungsstelle")

    def has_permission(self, request):
        return permissions.can_use_admin(request.user)

    def login(self, request, extra_context=None):
        """One login page for the whole app: the admin's own form would demand `is_staff`."""
        from django.contrib.auth.views import redirect_to_login

        return redirect_to_login(request.GET.get("next") or reverse("admin:index"), reverse("accounts:login"))


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


class ReadOnlyCoordinatorAdmin(CoordinatorAdmin):
    """Rows the application writes itself (history, task runs, the erasure log): read, never edited here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class CoordinatorInlineMixin:
    """Inlines ask the same permission layer (Django's own check would hide them from coordinators)."""

    def has_view_permission(self, request, obj=None):
        return permissions.can_use_admin(request.user)

    def has_add_permission(self, request, obj=None):
        return permissions.can_use_admin(request.user)

    def has_change_permission(self, request, obj=None):
        return permissions.can_use_admin(request.user)

    def has_delete_permission(self, request, obj=None):
        return permissions.can_use_admin(request.user)
