from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("actors", "0007_searchword_trigram_index")]

    operations = [
        migrations.AddField(
            model_name="person",
            name="version",
            field=models.PositiveIntegerField(default=1, editable=False, verbose_name="Version"),
        ),
    ]
