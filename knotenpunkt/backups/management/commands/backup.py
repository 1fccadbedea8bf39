"""`manage.py backup [--output PATH]`: write one verified backup archive (see knotenpunkt/backups/)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS

from knotenpunkt.backups import services
from knotenpunkt.backups.archive import VENDOR_NAMES, BackupError


class Command(BaseCommand):
    help = "Schreibt eine geprüfte Sicherung der Datenbank: ein ZIP-Archiv mit Datenbankabzug und Manifest."

    def add_arguments(self, parser):
        parser.add_argument(
            "--output", type=Path, help="Zieldatei (Standard: var/backups/knotenpunkt-<UTC-Zeitstempel>.zip)"
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="Datenbank-Alias (Standard: default)")

    def handle(self, *args, output, database, **options):
        try:
            outcome = services.backup_create(output=output, using=database)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        manifest = outcome.manifest
        self.stdout.write(
            f"Sicherung geschrieben und geprüft: {outcome.path}\n"
            f"  {VENDOR_NAMES[manifest['database']['vendor']]}, {len(manifest['tables'])} Tabellen, "
            f"{_number(outcome.rows)} Zeilen, {_number(outcome.path.stat().st_size / 1e6, 1)} MB, "
            f"{len(manifest['migrations'])} Migrationen, in {_number(outcome.seconds, 1)} s"
        )


def _number(value: float, digits: int = 0) -> str:
    """German number format: 12.345,6."""
    return f"{value:,.{digits}f}".replace(",", " ").replace(".", ",").replace(" ", ".")
