"""`manage.py network_snapshot [--scope internal|public] [--history N]`: compute network analytics now
(as the nightly task does); with --history also the month ends of the last N months that have no
monthly snapshot yet (computed from the dates of ties, meetings and actors; idempotent)."""

from django.core.management.base import BaseCommand

from knotenpunkt.network import analytics
from knotenpunkt.network.models import SnapshotScope


class Command(BaseCommand):
    help = "Netzwerk-Auswertung jetzt berechnen und speichern (sonst nachts um 4:00)."

    def add_arguments(self, parser):
        parser.add_argument("--scope", choices=SnapshotScope.values, action="append", help="Sicht (Standard: beide)")
        parser.add_argument(
            "--history",
            type=int,
            default=0,
            metavar="N",
            help="auch die Monatsstände der letzten N Monatsenden nachrechnen, die noch fehlen",
        )

    def handle(self, *args, scope=None, history=0, **options):
        for name in scope or SnapshotScope.values:
            for past in analytics.snapshot_history(name, max(history, 0)):
                self.stdout.write(
                    f"{name} {past.aggregates['as_of']}: {past.node_count} Akteure, {past.edge_count} Verbindungen"
                )
            snapshot = analytics.snapshot_compute(name)
            self.stdout.write(
                f"{name}: {snapshot.node_count} Akteure, {snapshot.edge_count} Verbindungen, "
                f"{snapshot.isolate_count} ohne Verbindung, {snapshot.duration_seconds:.1f} s"
            )
