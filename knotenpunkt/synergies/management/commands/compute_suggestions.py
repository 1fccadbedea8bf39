"""`manage.py compute_suggestions`: every actor's partner suggestions now (as the nightly task does)."""

from django.core.management.base import BaseCommand

from knotenpunkt.synergies import suggestions


class Command(BaseCommand):
    help = "Partnervorschläge für alle Akteure jetzt berechnen (sonst nachts um 4:30)."

    def handle(self, *args, **options):
        run = suggestions.compute_all()
        self.stdout.write(
            f"{run.suggestion_count} Vorschläge für {run.actor_count} Akteure in {run.duration_seconds:.1f} s"
        )
