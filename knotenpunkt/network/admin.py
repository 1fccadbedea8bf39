from django.contrib import admin

from knotenpunkt.core.admin_site import CoordinatorAdmin
from knotenpunkt.network.models import Tie


@admin.register(Tie)
class TieAdmin(CoordinatorAdmin):
    list_display = ["source", "kind", "target", "start_date", "end_date", "public"]
    list_filter = ["kind", "public"]
    search_fields = ["source__name", "target__name", "note"]
    autocomplete_fields = ["source", "target"]
