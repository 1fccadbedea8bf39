"""Sensible default retention rules (the office changes them in the admin)."""

from django.db import migrations

DEFAULTS = [
    ("person_without_basis", 24, "Ohne Rechtsgrundlage und zwei Jahre ohne Kontakt: nicht mehr erforderlich."),
    ("person_review_due", 0, "Das Prüfdatum ist erreicht: löschen oder Prüfung verlängern."),
    ("interaction_old", 72, "Kontaktprotokoll: sechs Jahre (Aufbewahrung von Schriftgut der Verwaltung)."),
]


def add_rules(apps, schema_editor):
    RetentionRule = apps.get_model("privacy", "RetentionRule")
    for kind, months, note in DEFAULTS:
        RetentionRule.objects.get_or_create(kind=kind, defaults={"months": months, "note": note})


class Migration(migrations.Migration):
    dependencies = [("privacy", "0001_initial")]
    operations = [migrations.RunPython(add_rules, migrations.RunPython.noop)]
