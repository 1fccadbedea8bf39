from django.contrib import admin
from django_tasks_db.admin import DBTaskResultAdmin
from django_tasks_db.models import DBTaskResult

from knotenpunkt.core.admin_site import ReadOnlyCoordinatorAdmin
from knotenpunkt.core.models import ScheduledRun


class TaskResultAdmin(DBTaskResultAdmin):
    """Background tasks and their outcome (tracebacks of failures), read-only, for coordinators."""

    def has_view_permission(self, request, obj=None):
        return self.admin_site.has_permission(request)

    def has_module_permission(self, request):
        return self.admin_site.has_permission(request)


admin.site.unregister(DBTaskResult)
admin.site.register(DBTaskResult, TaskResultAdmin)


@admin.register(ScheduledRun)
class ScheduledRunAdmin(ReadOnlyCoordinatorAdmin):
    list_display = ("task", "slot", "enqueued_at")
    list_filter = ("task",)
    readonly_fields = ("task", "slot", "enqueued_at", "task_result_id")
