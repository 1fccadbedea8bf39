from django.contrib.admin.apps import AdminConfig


class KnotenpunktAdminConfig(AdminConfig):
    """Django's admin with Knotenpunkt's site (coordinators only)."""

    default_site = "knotenpunkt.accounts.admin_site.KnotenpunktAdminSite"
