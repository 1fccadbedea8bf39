from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BackupsConfig(AppConfig):
    """`manage.py backup` and `manage.py restore`; no models."""

    name = "knotenpunkt.backups"
    label = "backups"
    verbose_name = _("Sicherungen")
