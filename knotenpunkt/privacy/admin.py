from django.contrib import admin

from knotenpunkt.core.admin_site import CoordinatorAdmin, ReadOnlyCoordinatorAdmin
from knotenpunkt.privacy.models import ConsentText, ErasureLogEntry, RetentionRule


@admin.register(ConsentText)
class ConsentTextAdmin(CoordinatorAdmin):
    list_display = ["version", "valid_from"]

    def has_delete_permission(self, request, obj=None):
        return False  # persons' consent names its version: a text once used stays


@admin.register(RetentionRule)
class RetentionRuleAdmin(CoordinatorAdmin):
    list_display = ["kind", "months", "active", "note"]
    list_editable = ["months", "active"]


@admin.register(ErasureLogEntry)
class ErasureLogEntryAdmin(ReadOnlyCoordinatorAdmin):
    """Which person ids were erased when (no data)."""

    list_display = ["person_id", "at"]
