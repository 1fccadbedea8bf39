from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The Ludwigsburg demo data and `manage.py load_demo`; no models. It sits at the top of the
    dependency graph: it may import every domain, and no domain imports it."""

    name = "knotenpunkt.demo"
    verbose_name = _("Demodaten")
