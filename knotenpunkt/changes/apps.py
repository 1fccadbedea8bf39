from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChangesConfig(AppConfig):
    name = "knotenpunkt.changes"
    verbose_name = _("Änderungen")
    default_auto_field = "django.db.models.BigAutoField"
