"""ActorEvent is gone: its rows were copied into the change table by changes/0002."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("actors", "0008_person_version"),
        ("changes", "0002_actor_events"),
    ]

    operations = [migrations.DeleteModel(name="ActorEvent")]
