"""django_tasks_db under a German name in the back office (its own AppConfig says "Tasks Database Backend")."""

from django.utils.translation import gettext_lazy as _
from django_tasks_db.apps import TasksAppConfig


class TasksDatabaseConfig(TasksAppConfig):
    verbose_name = _("Hintergrundaufgaben")
