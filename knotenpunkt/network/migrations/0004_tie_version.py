from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("network", "0003_networksnapshot_actormetrics"),
    ]

    operations = [
        migrations.AddField(
            model_name="tie",
            name="version",
            field=models.PositiveIntegerField(default=1, editable=False, verbose_name="Version"),
        ),
    ]
