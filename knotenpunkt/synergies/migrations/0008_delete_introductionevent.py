"""IntroductionEvent is gone: an introduction's steps are its change rows (0007 moved them there)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("synergies", "0007_introduction_events_to_changes")]

    operations = [migrations.DeleteModel(name="IntroductionEvent")]
