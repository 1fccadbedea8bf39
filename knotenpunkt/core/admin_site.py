"""Model admins whose permissions are the admin site's: the back office is all or nothing.

The site (accounts.admin_site.KnotenpunktAdminSite) decides who may use the back office; Django's
per-model permission flags are not used.
"""

from django.contrib import admin


class CoordinatorAdmin(admin.ModelAdmin):
    """Whoever may use the back office may view, add, change and delete here."""

    class Media:
        # Names for the admin's unlabelled widgets, underlined breadcrumbs (WCAG 2.1 AA).
        css = {"all": ["css/admin-a11y.css"]}
        js = ["js/admin-a11y.js"]

    def has_view_permission(self, request, obj=None):
        return self.admin_site.has_permission(request)

    def has_add_permission(self, request):
        return self.admin_site.has_permission(request)

    def has_change_permission(self, request, obj=None):
        return self.admin_site.has_permission(request)

    def has_delete_permission(self, request, obj=None):
        return self.admin_site.has_permission(request)

    def has_module_permission(self, request):
        return self.admin_site.has_permission(request)


class ReadOnlyCoordinatorAdmin(CoordinatorAdmin):
    """Rows the application writes itself (history, task runs, the erasure log): read, never edited here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class CoordinatorInlineMixin:
    """Inlines ask the same site (Django's own check would hide them from coordinators)."""

    def has_view_permission(self, request, obj=None):
        return self.admin_site.has_permission(request)

    def has_add_permission(self, request, obj=None):
        return self.admin_site.has_permission(request)

    def has_change_permission(self, request, obj=None):
        return self.admin_site.has_permission(request)

    def has_delete_permission(self, request, obj=None):
        return self.admin_site.has_permission(request)
