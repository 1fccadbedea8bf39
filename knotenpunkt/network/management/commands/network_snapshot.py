"""`manage.py network_snapshot [--scope internal|public]`: compute network analytics now (as the nightly task does)."""

from django.core.management.base import BaseCommand

from knotenpunkt.network import analytics
from knotenpunkt.network.models import SnapshotScope


class Command(BaseCommand):
    help = "Netzwerk-Auswertung jetzt berechnen und speichern (sonst nachts um 4:00)."

    def add_arguments(self, parser):
        parser.add_argument("--scope", choices=SnapshotScope.values, action="append", help="Sicht (Standard: beide)")

    def handle(self, *args, scope=None, **options):
        for name in scope or SnapshotScope.values:
            snapshot = analytics.snapshot_compute(name)
            self.stdout.write(
                f"{name}: {snapshot.node_count} Akteure, {snapshot.edge_count} Verbindungen, "
                f"{snapshot.isolate_count} ohne Verbindung, {snapshot.duration_seconds:.1f} s"
            )
