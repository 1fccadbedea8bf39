from django.contrib import admin

from knotenpunkt.changes.models import Change
from knotenpunkt.core.admin_site import ReadOnlyCoordinatorAdmin


@admin.register(Change)
class ChangeAdmin(ReadOnlyCoordinatorAdmin):
    """History rows can be read here, never added, edited or deleted (only an erasure scrubs them)."""

    list_display = ["at", "kind", "record_type", "record_label", "user", "audience", "public"]
    list_filter = ["kind", "record_type", "audience", "public"]
    search_fields = ["record_label"]
    date_hierarchy = "at"
    list_select_related = ["user"]
    readonly_fields = [f.name for f in Change._meta.fields]
