"""Writing a verified backup archive, and restoring one into an empty database.

`backup_create` takes a consistent snapshot (SQLite's online backup API; on PostgreSQL `pg_dump`
inside an exported snapshot that the checksums read too), writes the archive under a temporary name,
verifies it and only then renames it to its final name. `backup_restore` checks the archive and the
target before it changes anything; then it loads the dump in one step that either completes or leaves
the target as it was (a rename of a checked SQLite file; `pg_restore --single-transaction`) and
compares every table with the manifest.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import sqlite3
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import django
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from django.utils.translation import gettext as _

from knotenpunkt.backups import archive, checksums, databases
from knotenpunkt.backups.archive import DUMP_NAMES, VENDOR_NAMES, ArchiveError, BackupError
from knotenpunkt.privacy import erasure

# The checksum pass is Python work per row: tables are shared among this many processes.
CHECKSUM_PROCESSES = min(4, os.cpu_count() or 1)


@dataclass
class Outcome:
    path: Path
    manifest: dict
    seconds: float
    notes: list[str] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(table["rows"] for table in self.manifest["tables"].values())


def default_output() -> Path:
    return Path(settings.VAR_DIR) / "backups" / f"knotenpunkt-{timezone.now():%Y%m%dT%H%M%SZ}.zip"


def backup_create(*, output: Path | None = None, using: str = "default") -> Outcome:
    """Write a verified backup archive of the database `using` to `output` (default: var/backups/).

    The archive is written and verified inside a temporary directory next to `output` and renamed to
    `output` last: an interrupted backup leaves a `.knotenpunkt-backup-*` directory, never a half
    archive under the final name."""
    started = time.monotonic()
    connection = connections[using]
    vendor = connection.vendor
    if connection.in_atomic_block:
        # SQLite's backup would copy this connection's uncommitted writes; PostgreSQL needs a
        # transaction of its own for the snapshot.
        raise BackupError(_("Eine Sicherung läuft nicht innerhalb einer offenen Transaktion."))
    if vendor not in DUMP_NAMES:
        raise BackupError(
            _("Sicherungen gibt es nur für SQLite und PostgreSQL, nicht für %(vendor)s.") % {"vendor": vendor}
        )
    output = Path(output) if output else default_output()
    if output.exists():
        raise BackupError(_("%(path)s gibt es schon; eine Sicherung überschreibt nichts.") % {"path": output})
    output.parent.mkdir(parents=True, exist_ok=True)

    with tempfile.TemporaryDirectory(dir=output.parent, prefix=".knotenpunkt-backup-") as work:
        dump = Path(work) / DUMP_NAMES[vendor]
        manifest = _dump_sqlite(using, dump) if vendor == "sqlite" else _dump_postgresql(using, dump)
        manifest["dump"] = {"name": dump.name, "bytes": dump.stat().st_size, "sha256": archive.sha256_of(dump)}
        part = Path(work) / f"{output.name}.part"
        archive.write(part, manifest, dump)
        dump.unlink()
        _verify(part, vendor, using)
        os.replace(part, output)
        databases.fsync_directory(output.parent)
    return Outcome(output, manifest, time.monotonic() - started)


def backup_restore(*, path: Path, using: str = "default") -> Outcome:
    """Restore the archive at `path` into the empty database `using`, and check it against the manifest.

    Refused, with nothing changed, if the archive is damaged, cut, foreign or from another database
    vendor, or if the target is not empty."""
    started = time.monotonic()
    path = Path(path)
    connection = connections[using]
    manifest = archive.read_manifest(path)
    vendor = manifest["database"]["vendor"]
    if vendor != connection.vendor:
        raise ArchiveError(
            _(
                "%(path)s ist eine Sicherung einer %(source)s-Datenbank, die Zieldatenbank ist aber %(target)s. "
                "Eine Sicherung lässt sich nur in eine Datenbank derselben Art zurückspielen."
            )
            % {
                "path": path,
                "source": VENDOR_NAMES.get(vendor, vendor),
                "target": VENDOR_NAMES.get(connection.vendor, connection.vendor),
            }
        )
    since = datetime.datetime.fromisoformat(manifest["created_at"])
    if vendor == "sqlite":
        _restore_sqlite(path, manifest, using, since)
    else:
        _restore_postgresql(path, manifest, using, since)
    return Outcome(path, manifest, time.monotonic() - started, _migration_notes(manifest))


def replay_erasures(*, since: datetime.datetime, using: str) -> int:
    """Erase again, in the restored database `using`, every person erased at or after `since`.

    The erasure log is a file outside the database (knotenpunkt/privacy/erasure.py): a copy inside
    the restored database would be as old as the backup. It keeps only person ids and times, never
    the erased data. `since` is the backup's `created_at`, taken just before the snapshot: an
    erasure already in the dump may come again, so replaying is idempotent (erased persons are
    skipped).

    It runs after the restored data matched the manifest and before the restore is final: on SQLite
    in the checked file before it is moved into place (nobody ever sees the erased data again), on
    PostgreSQL right after pg_restore has committed (the application is stopped during a restore).
    The erasure services work on the default connection, so for the replay `using` stands in for it
    in this thread. Returns how many erasures were replayed."""
    default = connections[DEFAULT_DB_ALIAS]
    if using != DEFAULT_DB_ALIAS:
        connections[DEFAULT_DB_ALIAS] = connections[using]
    try:
        return len(erasure.replay(since=since))
    finally:
        connections[DEFAULT_DB_ALIAS] = default


# Backup ---------------------------------------------------------------------------------------


def _dump_sqlite(using: str, dump: Path) -> dict:
    created_at = timezone.now()
    databases.sqlite_dump(using, dump)
    # Counted in the copy itself, so the manifest describes exactly what was dumped.
    with databases.temporary_connection(dump, using) as alias:
        return _manifest("sqlite", sqlite3.sqlite_version, created_at, alias)


def _dump_postgresql(using: str, dump: Path) -> dict:
    connection = connections[using]
    created_at = timezone.now()
    with transaction.atomic(using=using):
        with connection.cursor() as cursor:
            # pg_dump reads the snapshot this transaction exports, and the checksums read it too:
            # the manifest describes exactly what was dumped, while the application goes on writing.
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot(), current_setting('server_version')")
            snapshot, server_version = cursor.fetchone()
        with databases.postgresql_dump(using, dump, snapshot):
            return _manifest("postgresql", server_version, created_at, using, snapshot=snapshot)


def _manifest(
    vendor: str, server_version: str, created_at: datetime.datetime, using: str, snapshot: str | None = None
) -> dict:
    return {
        "format": archive.FORMAT,
        "version": archive.VERSION,
        "created_at": created_at.astimezone(datetime.UTC).isoformat(),
        "software": {"django": django.get_version()},
        "database": {"vendor": vendor, "server_version": server_version},
        "migrations": [
            f"{app}.{name}" for app, name in sorted(MigrationRecorder(connections[using]).applied_migrations())
        ],
        "tables": checksums.table_checksums(using, processes=CHECKSUM_PROCESSES, snapshot=snapshot),
    }


def _verify(path: Path, vendor: str, using: str) -> None:
    """Read the written archive back: the manifest, the dump's sha256, and on SQLite every table's
    count and checksum in the dump as extracted from the archive; on PostgreSQL the dump's table of
    contents."""
    manifest = archive.read_manifest(path)
    with tempfile.TemporaryDirectory(dir=path.parent, prefix="verify-") as work:
        copy = Path(work) / DUMP_NAMES[vendor]
        archive.extract_dump(path, manifest, copy)
        if vendor == "sqlite":
            with databases.temporary_connection(copy, using) as alias:
                databases.sqlite_integrity_check(alias)
                problems = _compare(manifest, alias)
            if problems:
                raise BackupError(_("Die geschriebene Sicherung ist fehlerhaft: %s") % " ".join(problems))
        else:
            databases.postgresql_list(using, copy)


# Restore --------------------------------------------------------------------------------------


def _restore_sqlite(path: Path, manifest: dict, using: str, since: datetime.datetime) -> None:
    """Build the restored database in a temporary file next to the target, check it, then rename it
    over the target: kill -9 at any moment leaves either the old file or the complete new one (and
    at worst a `.<name>.restore-*.part` file beside it)."""
    target = databases.sqlite_path(using)
    _refuse_unless_empty(databases.sqlite_blocking_tables(target))
    connections[using].close()
    target.parent.mkdir(parents=True, exist_ok=True)
    for leftover in target.parent.glob(f".{target.name}.restore-*.part"):
        leftover.unlink(missing_ok=True)  # from a restore killed before its rename
    restored = target.parent / f".{target.name}.restore-{uuid.uuid4().hex[:12]}.part"
    # Created like any new file (mode from the umask), unlike mkstemp's 0600: the web server's user
    # may need to read it; an existing target's mode is copied over before the rename.
    os.close(os.open(restored, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    try:
        archive.extract_dump(path, manifest, restored)
        with databases.temporary_connection(restored, using) as alias:
            databases.sqlite_integrity_check(alias)
            problems = _compare(manifest, alias)
            if problems:
                raise BackupError(_("Die Sicherung stimmt nicht mit ihrem Manifest überein: %s") % " ".join(problems))
            replay_erasures(since=since, using=alias)
        # Nothing may have been written to the target meanwhile.
        _refuse_unless_empty(databases.sqlite_blocking_tables(target))
        databases.sqlite_move_into_place(restored, target)
    finally:
        restored.unlink(missing_ok=True)


def _restore_postgresql(path: Path, manifest: dict, using: str, since: datetime.datetime) -> None:
    blocking, migrations_table = databases.postgresql_blocking_tables(using)
    _refuse_unless_empty(blocking)
    with tempfile.TemporaryDirectory(prefix="knotenpunkt-restore-") as work:
        dump = Path(work) / DUMP_NAMES["postgresql"]
        archive.extract_dump(path, manifest, dump)
        databases.postgresql_restore(using, dump, replace_migrations_table=migrations_table)
    problems = _compare(manifest, using)
    if problems:
        raise BackupError(
            _(
                "pg_restore ist durchgelaufen, aber die Daten stimmen nicht mit dem Manifest überein: %s "
                "Die Zieldatenbank enthält jetzt diese Daten; vor einem neuen Versuch löschen und leer neu anlegen."
            )
            % " ".join(problems)
        )
    replay_erasures(since=since, using=using)


def _refuse_unless_empty(tables: list[str]) -> None:
    if tables:
        shown = ", ".join(tables[:5]) + (" …" if len(tables) > 5 else "")
        raise BackupError(
            _(
                "Die Zieldatenbank ist nicht leer (%(count)s Tabellen, z. B. %(tables)s). Eine Sicherung wird nur "
                "in eine leere Datenbank zurückgespielt; es wurde nichts verändert."
            )
            % {"count": len(tables), "tables": shown}
        )


def _compare(manifest: dict, using: str) -> list[str]:
    columns = {table: entry.get("columns") for table, entry in manifest["tables"].items()}
    # On PostgreSQL in a transaction, so the server-side cursors stream the rows. Not on SQLite: its
    # transactions take the write lock (transaction_mode IMMEDIATE), which the other processes'
    # connections would wait for.
    postgresql = connections[using].vendor == "postgresql"
    with transaction.atomic(using=using) if postgresql else contextlib.nullcontext():
        actual = checksums.table_checksums(using, columns, processes=CHECKSUM_PROCESSES)
    return checksums.compare(manifest["tables"], actual)


def _migration_notes(manifest: dict) -> list[str]:
    """Hints when the archive's migrations differ from this code's."""
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    applied = {tuple(key.split(".", 1)) for key in manifest["migrations"]}
    notes = []
    if unknown := sorted(applied - known):
        notes.append(
            _("Die Sicherung enthält Migrationen, die dieser Programmversion fehlen (z. B. %(example)s).")
            % {"example": ".".join(unknown[0])}
        )
    if missing := sorted(known - applied):
        notes.append(
            _("%(count)s Migrationen dieser Programmversion fehlen in der Sicherung: `manage.py migrate` ausführen.")
            % {"count": len(missing)}
        )
    return notes
