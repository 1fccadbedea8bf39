"""`manage.py restore ARCHIVE`: restore a backup into an empty database (see knotenpunkt/backups/)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS

from knotenpunkt.backups import services
from knotenpunkt.backups.archive import BackupError


class Command(BaseCommand):
    help = (
        "Spielt eine Sicherung in eine leere Datenbank zurück und prüft jede Tabelle gegen das Manifest. "
        "Anwendung und Worker vorher anhalten."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path, help="die Sicherungsdatei (von manage.py backup)")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="Datenbank-Alias (Standard: default)")

    def handle(self, *args, archive, database, **options):
        try:
            outcome = services.backup_restore(path=archive, using=database)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        manifest = outcome.manifest
        self.stdout.write(
            f"Wiederhergestellt aus {outcome.path} (Sicherung vom {manifest['created_at']}):\n"
            f"  {len(manifest['tables'])} Tabellen, {_number(outcome.rows)} Zeilen gegen das Manifest geprüft, "
            f"in {_number(outcome.seconds, 1)} s"
        )
        for note in outcome.notes:
            self.stdout.write(self.style.WARNING(f"  Hinweis: {note}"))


def _number(value: float, digits: int = 0) -> str:
    """German number format: 12.345,6."""
    return f"{value:,.{digits}f}".replace(",", " ").replace(".", ",").replace(" ", ".")
