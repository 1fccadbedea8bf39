from django.contrib import admin

from knotenpunkt.changes.models import Change
from knotenpunkt.core.admin_site import CoordinatorAdmin


@admin.register(Change)
class ChangeAdmin(CoordinatorAdmin):
    """History rows can be read here, never added, edited or deleted (only an erasure scrubs them)."""

    list_display = ["at", "kind", "record_type", "record_label", "user", "audience", "public"]
    list_filter = ["kind", "record_type", "audience", "public"]
    search_fields = ["record_label"]
    date_hierarchy = "at"
    list_select_related = ["user"]
    readonly_fields = [f.name for f in Change._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
