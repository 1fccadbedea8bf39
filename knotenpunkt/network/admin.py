from django.contrib import admin

from knotenpunkt.core.admin_site import CoordinatorAdmin
from knotenpunkt.network import services
from knotenpunkt.network.models import Tie


@admin.register(Tie)
class TieAdmin(CoordinatorAdmin):
    list_display = ["source", "kind", "target", "start_date", "end_date", "public"]
    list_filter = ["kind", "public"]
    search_fields = ["source__name", "target__name", "note"]
    autocomplete_fields = ["source", "target"]

    def get_readonly_fields(self, request, obj=None):
        # The ends of an existing tie stay fixed: a different pair is a different tie.
        return ["source", "target"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        # Through the services, like every other entry point: validation, tie counts, page cache.
        data = {name: form.cleaned_data.get(name) for name in services.TIE_FIELDS}
        if change:
            services.tie_update(user=request.user, tie=obj, data=data)
        else:
            saved = services.tie_create(user=request.user, source=obj.source, target=obj.target, **data)
            obj.pk = saved.pk

    def delete_model(self, request, obj):
        services.tie_delete(user=request.user, tie=obj)

    def delete_queryset(self, request, queryset):
        for tie in queryset:
            services.tie_delete(user=request.user, tie=tie)
