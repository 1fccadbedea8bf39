from django.contrib import admin

from knotenpunkt.core.admin_site import CoordinatorAdmin, ReadOnlyCoordinatorAdmin
from knotenpunkt.privacy import services
from knotenpunkt.privacy.models import ConsentText, ErasureLogEntry, RetentionRule


@admin.register(ConsentText)
class ConsentTextAdmin(CoordinatorAdmin):
    list_display = ["version", "valid_from"]

    def has_delete_permission(self, request, obj=None):
        return False  # persons' consent names its version: a text once used stays

    def save_model(self, request, obj, form, change):
        services.consent_text_save(user=request.user, text=obj)


@admin.register(RetentionRule)
class RetentionRuleAdmin(CoordinatorAdmin):
    list_display = ["kind", "months", "active", "note"]
    list_editable = ["months", "active"]

    def has_delete_permission(self, request, obj=None):
        return False  # switched off ("aktiv"), not deleted: every change stays in the record

    def save_model(self, request, obj, form, change):
        # Also the list's inline edits (list_editable) come through here.
        services.retention_rule_save(user=request.user, rule=obj)


@admin.register(ErasureLogEntry)
class ErasureLogEntryAdmin(ReadOnlyCoordinatorAdmin):
    """Which person ids were erased when (no data)."""

    list_display = ["person_id", "at"]
