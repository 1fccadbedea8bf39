from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "knotenpunkt.privacy"
    label = "privacy"
    verbose_name = "Datenschutz"
    default_auto_field = "django.db.models.BigAutoField"
