from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NetworkConfig(AppConfig):
    name = "knotenpunkt.network"
    verbose_name = _("Netzwerk")
