from django.db import migrations

DEFAULT_KINDS = ("diaspora", "city_department", "state_federal", "partner_municipality", "school", "one_sector")


def seed(apps, schema_editor):
    CoverageRule = apps.get_model("initiatives", "CoverageRule")
    for kind in DEFAULT_KINDS:
        CoverageRule.objects.get_or_create(kind=kind)


class Migration(migrations.Migration):
    dependencies = [("initiatives", "0001_initiatives_stakeholders_coverage_links")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
