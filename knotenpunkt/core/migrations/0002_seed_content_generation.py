from django.db import migrations


def seed(apps, schema_editor):
    apps.get_model("core", "ContentGeneration").objects.get_or_create(id=1, defaults={"value": 0})


class Migration(migrations.Migration):
    dependencies = [("core", "0001_content_generation")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
