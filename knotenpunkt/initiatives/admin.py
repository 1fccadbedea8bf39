from django.contrib import admin

from knotenpunkt.core.admin_site import CoordinatorAdmin
from knotenpunkt.initiatives import services
from knotenpunkt.initiatives.models import CoverageRule


@admin.register(CoverageRule)
class CoverageRuleAdmin(CoordinatorAdmin):
    """The „Wer fehlt?" checks: fixed in code, switched on or off here; every change is recorded."""

    list_display = ["kind", "active"]
    fields = ["kind", "active", "themes"]
    readonly_fields = ["kind"]
    filter_horizontal = ["themes"]

    def has_add_permission(self, request):
        return False  # the checks are the code's; a migration seeds one rule each

    def has_delete_permission(self, request, obj=None):
        return False  # switched off, not deleted

    def save_model(self, request, obj, form, change):
        services.coverage_rule_save(user=request.user, rule=obj, themes=form.cleaned_data.get("themes"))

    def save_related(self, request, form, formsets, change):
        pass  # the service has set the themes
