"""What differs between SQLite and PostgreSQL: taking the dump, telling an empty target, loading it."""

from __future__ import annotations

import contextlib
import copy
import ctypes
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

from django.db import connections
from django.db.utils import load_backend
from django.utils.translation import gettext as _

from knotenpunkt.backups.archive import BackupError

# libpq's environment variables for the OPTIONS a DATABASES entry may carry.
PG_OPTIONS_ENV = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "service": "PGSERVICE",
    "passfile": "PGPASSFILE",
}
PR_SET_PDEATHSIG = 1


@contextlib.contextmanager
def temporary_connection(name, using: str = "default"):
    """A connection alias to the database `name` (a SQLite file, a PostgreSQL database's name),
    configured like `using`, for this thread; it is closed and forgotten on leaving.

    The alias is not added to settings.DATABASES: it serves this one task, and `connections.all()`
    (closing connections at the end of a request, say) never touches it. A SQLite file is opened
    without the project's init_command, which would switch it to WAL: a dump stays one
    self-contained file, and reading it for checksums leaves it byte for byte as it was."""
    alias = f"backups_{uuid.uuid4().hex[:12]}"
    settings_dict = copy.deepcopy(connections[using].settings_dict)
    settings_dict["NAME"] = str(name)
    if settings_dict["ENGINE"] == "django.db.backends.sqlite3":
        settings_dict["OPTIONS"].pop("init_command", None)
    connections[alias] = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, alias)
    try:
        yield alias
    finally:
        connections[alias].close()
        del connections[alias]


# SQLite ---------------------------------------------------------------------------------------


def sqlite_dump(using: str, target: Path) -> None:
    """Copy the live database to the file `target` with SQLite's online backup API.

    All pages are copied in one step under one read transaction: a consistent snapshot, and in WAL
    mode writers go on meanwhile (a stepwise copy would restart whenever another connection writes)."""
    connection = connections[using]
    connection.ensure_connection()
    destination = sqlite3.connect(target)
    try:
        connection.connection.backup(destination)
        # One self-contained file: no -wal beside it is needed to read it.
        destination.execute("PRAGMA journal_mode=DELETE")
    finally:
        destination.close()


def sqlite_path(using: str) -> Path:
    connection = connections[using]
    name = str(connection.settings_dict["NAME"])
    if connection.is_in_memory_db() or not name:
        raise BackupError(
            _("Eine Sicherung lässt sich nicht in eine SQLite-Datenbank im Arbeitsspeicher zurückspielen.")
        )
    return Path(name.removeprefix("file:").split("?", 1)[0])


def sqlite_blocking_tables(path: Path) -> list[str]:
    """The tables that make the SQLite file `path` not empty; a missing file is empty, and so is an
    empty django_migrations table. Opened with the plain driver, so the check writes nothing."""
    if not path.exists():
        return []
    try:
        with contextlib.closing(sqlite3.connect(path)) as db:
            tables = [
                name
                for (name,) in db.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
                )
            ]
            if (
                tables == ["django_migrations"]
                and not db.execute("SELECT count(*) FROM django_migrations").fetchone()[0]
            ):
                return []
            return sorted(tables)
    except sqlite3.DatabaseError as exc:
        raise BackupError(
            _("%(path)s ist keine leere SQLite-Datenbank (%(error)s).") % {"path": path, "error": exc}
        ) from exc


def sqlite_integrity_check(using: str) -> None:
    with connections[using].cursor() as cursor:
        cursor.execute("PRAGMA quick_check")
        result = [row[0] for row in cursor.fetchall()]
    if result != ["ok"]:
        raise BackupError(
            _("Die Datenbank in der Sicherung ist beschädigt: %(result)s") % {"result": "; ".join(result)}
        )


def sqlite_move_into_place(restored: Path, target: Path) -> None:
    """Replace the (empty) database file `target` by `restored` in one rename.

    A -wal or hot -journal file beside the target means a process still has it open, or crashed in
    the middle of a write: SQLite would apply that journal to the new file, so the restore stops."""
    for suffix in ("-wal", "-journal"):
        leftover = Path(f"{target}{suffix}")
        if leftover.exists():
            raise BackupError(
                _(
                    "%(file)s liegt neben der Zieldatenbank: Sie ist noch geöffnet. Anwendung und Worker anhalten "
                    "und die Wiederherstellung wiederholen."
                )
                % {"file": leftover}
            )
    if target.exists():
        shutil.copymode(target, restored)
    os.replace(restored, target)
    fsync_directory(target.parent)


# PostgreSQL -----------------------------------------------------------------------------------


@contextlib.contextmanager
def postgresql_dump(using: str, target: Path, snapshot: str):
    """`pg_dump --format=custom` of the database `using` as seen by the exported `snapshot`, running
    while the block runs (the checksums read the same snapshot meanwhile); it is waited for on
    leaving the block, and stopped if the block fails."""
    settings_dict = connections[using].settings_dict
    with _started_pg(
        "pg_dump",
        [
            "--format=custom",
            "--no-password",
            f"--snapshot={snapshot}",
            f"--file={target}",
            f"--dbname={settings_dict['NAME']}",
        ],
        settings_dict,
        _("Die Sicherung mit pg_dump ist fehlgeschlagen"),
    ):
        yield


def postgresql_list(using: str, dump: Path) -> None:
    """Read the dump's table of contents (`pg_restore --list`): the custom format parses."""
    _run_pg("pg_restore", ["--list", str(dump)], connections[using].settings_dict, _("Die Sicherung ist nicht lesbar"))


def postgresql_restore(using: str, dump: Path, *, replace_migrations_table: bool) -> None:
    """Load `dump` into the database `using` in one transaction: on any error nothing stays.

    Objects belong to the user that restores (as they belong to the user that ran `migrate`), so the
    dump's owners and grants are left out, and so are comments: the project sets none, and the one
    pg_dump writes on the pg_trgm extension may only be set by the extension's owner. An empty
    django_migrations table in the target is dropped and recreated by the same transaction."""
    settings_dict = connections[using].settings_dict
    options = [
        "--single-transaction",
        "--exit-on-error",
        "--no-owner",
        "--no-privileges",
        "--no-comments",
        "--no-password",
    ]
    if replace_migrations_table:
        options += ["--clean", "--if-exists"]
    _run_pg(
        "pg_restore",
        [*options, f"--dbname={settings_dict['NAME']}", str(dump)],
        settings_dict,
        _("pg_restore ist fehlgeschlagen, die Zieldatenbank ist unverändert"),
    )


def postgresql_blocking_tables(using: str) -> tuple[list[str], bool]:
    """The tables that make the database `using` not empty, and whether an empty django_migrations
    table exists (which does not count)."""
    connection = connections[using]
    with connection.cursor() as cursor:
        tables = sorted(connection.introspection.table_names(cursor))
        migrations_table = "django_migrations" in tables
        if tables == ["django_migrations"]:
            cursor.execute("SELECT count(*) FROM django_migrations")
            if not cursor.fetchone()[0]:
                return [], True
    return tables, migrations_table


def _run_pg(program: str, arguments: list[str], settings_dict: dict, failure: str) -> None:
    with _started_pg(program, arguments, settings_dict, failure):
        pass


@contextlib.contextmanager
def _started_pg(program: str, arguments: list[str], settings_dict: dict, failure: str):
    """Run a PostgreSQL client program while the block runs; on leaving, wait for it and raise
    BackupError with the end of its error output if it failed. If the block raises, it is killed."""
    executable = shutil.which(program)
    if executable is None:
        raise BackupError(
            _("%(program)s wurde nicht gefunden: Die PostgreSQL-Clientprogramme (postgresql-client) installieren.")
            % {"program": program}
        )
    with tempfile.TemporaryFile(mode="w+") as errors:
        process = subprocess.Popen(  # noqa: S603 (fixed program, arguments from the settings)
            [executable, *arguments],
            env=_pg_environment(settings_dict),
            stdout=subprocess.DEVNULL,
            stderr=errors,
            text=True,
            preexec_fn=_die_with_parent(),
        )
        try:
            yield
        except BaseException:
            process.kill()
            process.wait()
            raise
        if process.wait() != 0:
            errors.seek(0)
            detail = "\n".join(errors.read().strip().splitlines()[-5:])
            raise BackupError(f"{failure}: {detail}")


def _pg_environment(settings_dict: dict) -> dict:
    """libpq reads the connection from the environment: the password never appears in a process list."""
    environment = dict(os.environ)
    for key, variable in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if settings_dict.get(key):
            environment[variable] = str(settings_dict[key])
    for option, variable in PG_OPTIONS_ENV.items():
        if settings_dict.get("OPTIONS", {}).get(option):
            environment[variable] = str(settings_dict["OPTIONS"][option])
    return environment


def _die_with_parent():
    """On Linux, a child that is killed when this process dies: kill -9 of `manage.py restore` then
    stops pg_restore too, whose transaction rolls back, instead of leaving it to finish unseen."""
    if not sys.platform.startswith("linux"):
        return None
    parent = os.getpid()

    def prepare() -> None:
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:  # the parent died before prctl took effect
            os._exit(1)

    return prepare


def fsync_directory(path: Path) -> None:
    """Make a rename in `path` durable."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
