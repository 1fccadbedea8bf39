"""`manage.py backup` and `manage.py restore` (knotenpunkt/backups/): round trip, refusals, kill -9.

The tests run on the configured database: SQLite by default, PostgreSQL with
DATABASE_URL=postgres://…/<name>. The source is the test database (transactional: the online backup
API and pg_dump read committed data) with the demo data or a few rows from the factories. Every
restore goes into a fresh empty database of the same vendor: a new SQLite file, or a new PostgreSQL
database next to the test database.
"""

from __future__ import annotations

import datetime
import hashlib
import importlib
import itertools
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
import uuid
import zipfile
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections, transaction
from django.db.migrations.recorder import MigrationRecorder

from knotenpunkt.accounts.models import User
from knotenpunkt.activities.models import Activity
from knotenpunkt.actors.models import Actor, Person
from knotenpunkt.backups import archive, checksums, services
from knotenpunkt.changes.models import Change
from knotenpunkt.network.models import DerivedTie, NetworkSnapshot, Tie
from knotenpunkt.privacy import erasure
from tests.factories import ActorFactory, PersonFactory, TieFactory, UserFactory
from tests.scratch_databases import POSTGRES, Target

ROOT = Path(__file__).resolve().parent.parent


# Source and targets ---------------------------------------------------------------------------


def _backup(directory: Path) -> tuple[Path, dict]:
    path = directory / f"backup-{uuid.uuid4().hex[:8]}.zip"
    call_command("backup", output=path, stdout=StringIO())
    return path, archive.read_manifest(path)


@pytest.fixture
def demo(transactional_db, seeded_sdgs, tmp_path):
    """The demo data, committed (the online backup API and pg_dump read committed data), and its
    backup archive: (path, manifest)."""
    importlib.import_module("knotenpunkt.core.migrations.0002_seed_content_generation").seed(apps, None)
    call_command("load_demo", "--quiet", stdout=StringIO())
    return _backup(tmp_path)


@pytest.fixture
def small(transactional_db, seeded_sdgs, tmp_path):
    """A few committed rows and their backup archive: (path, manifest)."""
    actors = [ActorFactory(published=number % 2 == 0) for number in range(6)]
    for source, target in itertools.pairwise(actors):
        TieFactory(source=source, target=target)
    UserFactory(username="koordination")
    return _backup(tmp_path)


@pytest.fixture
def target(new_target):
    return new_target()


def _restore(path: Path, target: Target) -> str:
    out = StringIO()
    call_command("restore", str(path), database=target.alias, stdout=out)
    return out.getvalue()


def _fields(model, using: str, count: int = 5) -> list[dict]:
    names = [field.attname for field in model._meta.concrete_fields]
    return list(model.objects.using(using).order_by("pk").values(*names)[:count])


# Backup ---------------------------------------------------------------------------------------


def test_the_manifest_describes_the_database_it_was_taken_from(demo):
    path, manifest = demo
    assert manifest["format"] == "knotenpunkt-backup"
    assert manifest["version"] == 1
    assert manifest["database"]["vendor"] == connection.vendor
    assert datetime.datetime.fromisoformat(manifest["created_at"]).tzinfo is not None
    applied = sorted(f"{app}.{name}" for app, name in MigrationRecorder(connection).applied_migrations())
    assert manifest["migrations"] == applied
    # Counts and checksums are those of the live database (nothing changed since).
    live = checksums.table_checksums()
    assert checksums.compare(manifest["tables"], live) == []
    assert manifest["tables"]["actors_actor"]["rows"] == Actor.objects.count() > 20
    assert manifest["tables"]["network_tie"]["rows"] == Tie.objects.count() > 20
    with zipfile.ZipFile(path) as zipped:
        assert sorted(zipped.namelist()) == sorted(["manifest.json", manifest["dump"]["name"]])
        dump = zipped.read(manifest["dump"]["name"])
    assert len(dump) == manifest["dump"]["bytes"]
    assert hashlib.sha256(dump).hexdigest() == manifest["dump"]["sha256"]


def test_backup_writes_to_var_backups_by_default_and_says_so_in_german(small, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    out = StringIO()
    call_command("backup", stdout=out)
    (written,) = (tmp_path / "backups").iterdir()
    assert written.name.startswith("knotenpunkt-") and written.name.endswith("Z.zip")
    assert stat.S_IMODE(written.stat().st_mode) == 0o600  # personal data
    assert "Sicherung geschrieben und geprüft" in out.getvalue()
    assert archive.read_manifest(written)["tables"]


def test_a_failed_backup_leaves_no_archive_under_the_final_name(small, tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise archive.BackupError("Prüfung fehlgeschlagen")

    monkeypatch.setattr(services, "_verify", broken)
    output = tmp_path / "out" / "knotenpunkt.zip"
    with pytest.raises(CommandError, match="Prüfung fehlgeschlagen"):
        call_command("backup", output=output, stdout=StringIO())
    assert list(output.parent.iterdir()) == []


def test_backup_never_overwrites_an_archive(small):
    path, _ = small
    with pytest.raises(CommandError, match="gibt es schon"):
        call_command("backup", output=path, stdout=StringIO())


@pytest.mark.django_db
def test_the_checksum_is_the_same_on_sqlite_and_postgresql():
    """Rows of fixed content: the same hex digests on both databases (the suite runs on each)."""
    at = datetime.datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=datetime.UTC)
    NetworkSnapshot.objects.bulk_create(
        [
            NetworkSnapshot(
                id=number,
                scope="public",
                computed_at=at + datetime.timedelta(days=number),
                monthly=number % 2 == 0,
                duration_seconds=0.1 * number,
                node_count=number,
                edge_count=2 * number,
                density=1 / 3,
                component_count=1,
                largest_component_size=number,
                isolate_count=0,
                weakly_tied_count=0,
                articulation_point_count=0,
                community_count=0,
                without_administration_count=0,
                aggregates={"zeta": [1, 2.5, None], "Äpfel": {"b": True, "a": "ü"}},
            )
            for number in (3, 1, 2)
        ]
    )
    # Text keys: ordered by code point on both, not by the server's locale.
    Session.objects.bulk_create(
        [Session(session_key=key, session_data="x", expire_date=at) for key in ("äther", "Zeta", "alpha", "Beta")]
    )
    found = {
        model._meta.db_table: checksums.table_checksum(connection, model._meta.db_table, model)["sha256"]
        for model in (NetworkSnapshot, Session)
    }
    assert found == {
        "network_networksnapshot": "74efa1ecfdd99a0832ad85510fc18c9b5ebe95d51711d432cb124bc725a2077c",
        "django_session": "20099a5d498820c1ae7542a73a6cc74f762c744fa7b74842481cd4035b09f654",
    }


@pytest.mark.django_db
def test_dates_times_and_decimals_written_by_the_database_give_the_python_checksum():
    """On PostgreSQL the server writes them as text; the digest must not change by that (on SQLite
    both ways read values)."""
    whole = datetime.datetime(2026, 3, 1, 9, 30, tzinfo=datetime.UTC)
    for number, (start, latitude) in enumerate(
        [
            (whole, Decimal("48.897000")),
            (whole + datetime.timedelta(microseconds=7), Decimal("-0.000001")),
            (whole + datetime.timedelta(days=200, seconds=1, microseconds=120000), None),
            (datetime.datetime(1999, 12, 31, 23, 59, 59, 999999, tzinfo=datetime.UTC), Decimal("0")),
        ]
    ):
        Activity.objects.create(
            title=f"Termin {number}", start=start, end=start + datetime.timedelta(hours=1), latitude=latitude
        )
    actors = [ActorFactory() for _ in range(3)]
    for first, second, public in ((actors[0], actors[1], True), (actors[0], actors[2], False)):
        DerivedTie.objects.create(
            actor_a=first,
            actor_b=second,
            count=2,
            first_met=datetime.date(2024, 2, 29),
            last_met=datetime.date(2026, 1, 1),
            weight_score=0.1,
            public_count=1 if public else 0,
            public_first_met=datetime.date(2025, 6, 1) if public else None,
            public_last_met=datetime.date(2025, 6, 1) if public else None,
        )
    for model in (Activity, DerivedTie):
        table = model._meta.db_table
        by_server = checksums.table_checksum(connection, table, model)
        by_python = checksums.table_checksum(connection, table, model, text_in_database=False)
        assert by_server == by_python, table


def test_checksums_shared_among_processes_are_those_of_one_process(small, target):
    path, _ = small
    _restore(path, target)
    one = checksums.table_checksums(target.alias)
    assert checksums.table_checksums(target.alias, processes=3) == one
    assert list(checksums.table_checksums(target.alias, processes=3)) == list(one)  # tables in the same order


@pytest.mark.skipif(not POSTGRES, reason="snapshots are PostgreSQL's")
def test_the_other_processes_read_the_exported_snapshot_not_what_was_committed_since(small, monkeypatch):
    """pg_dump and the checksums of a backup see one snapshot, however many processes read it."""
    parent = os.getpid()
    reading = checksums.table_checksum
    pause = [False]

    def parent_pauses(connection, table, *args):
        # This process keeps its first table a while, so the other one reads the rest, django_session too.
        if pause[0] and os.getpid() == parent:
            pause[0] = False
            time.sleep(2)
        return reading(connection, table, *args)

    monkeypatch.setattr(checksums, "table_checksum", parent_pauses)
    monkeypatch.setattr(
        checksums, "_largest_first", lambda connection, tables: sorted(tables, key=lambda t: t == "django_session")
    )
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            (snapshot,) = cursor.fetchone()
        before = checksums.table_checksums(processes=1)
        other = connections.create_connection("default")
        try:
            with other.cursor() as cursor:
                cursor.execute(
                    "INSERT INTO django_session (session_key, session_data, expire_date) VALUES ('later', 'x', now())"
                )
        finally:
            other.close()
        pause[0] = True
        in_two = checksums.table_checksums(processes=2, snapshot=snapshot)
    assert in_two == before
    assert checksums.table_checksums()["django_session"]["rows"] == before["django_session"]["rows"] + 1


# Restore --------------------------------------------------------------------------------------


def test_a_restore_brings_back_the_same_data(demo, target):
    path, manifest = demo
    out = _restore(path, target)
    assert "Wiederhergestellt" in out
    assert target.differences(manifest) == []
    for model in (Actor, Tie, Person, Change, User):
        assert _fields(model, target.alias) == _fields(model, "default"), model.__name__
    assert Actor.objects.using(target.alias).count() == Actor.objects.count()


def test_an_empty_migrations_table_does_not_make_a_database_non_empty(small, target):
    path, manifest = small
    MigrationRecorder(connections[target.alias]).ensure_schema()
    connections[target.alias].close()
    _restore(path, target)
    assert target.differences(manifest) == []


def test_a_restore_replays_the_erasures_made_after_the_backup(small, target, monkeypatch):
    path, manifest = small
    calls = []
    monkeypatch.setattr(services, "replay_erasures", lambda **kwargs: calls.append(kwargs) or 0)
    _restore(path, target)
    (call,) = calls
    assert call["since"] == datetime.datetime.fromisoformat(manifest["created_at"])


def test_a_restore_erases_again_the_persons_erased_after_the_backup(transactional_db, seeded_sdgs, tmp_path, target):
    kept = PersonFactory(first_name="Erika", last_name="Beispiel")
    erased = PersonFactory(first_name="Zwetlana", last_name="Quirinsky", email="zq@example.org")
    path, _manifest = _backup(tmp_path)
    erasure.person_erase(user=None, person=erased)  # after the backup: only the log file knows

    _restore(path, target)

    restored = {p.pk: p for p in Person.objects.using(target.alias).all()}
    connections[target.alias].close()
    assert restored[erased.pk].is_erased and restored[erased.pk].email == ""
    assert str(restored[kept.pk]) == "Erika Beispiel"


def _flip_a_byte_in_the_dump(path: Path, copy: Path) -> None:
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zipped:
        info = zipped.getinfo(archive.DUMP_NAMES[connection.vendor])
    # Inside the dump's data: after its local header (30 bytes, name, extra), in the middle.
    middle = info.header_offset + 30 + len(info.filename) + len(info.extra) + info.compress_size // 2
    data[middle] ^= 0x40
    copy.write_bytes(bytes(data))


def _rewrite_manifest(path: Path, copy: Path, change) -> None:
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(copy, "w") as out:
        manifest = json.loads(source.read("manifest.json"))
        dump_name = manifest["dump"]["name"]
        change(manifest)
        out.writestr("manifest.json", json.dumps(manifest))
        out.writestr(manifest["dump"]["name"], source.read(dump_name))


def _other_vendor(manifest):
    other = "sqlite" if POSTGRES else "postgresql"
    manifest["database"]["vendor"] = other
    manifest["dump"]["name"] = archive.DUMP_NAMES[other]


BAD_ARCHIVES = {
    "corrupt": (_flip_a_byte_in_the_dump, "beschädigt"),
    "truncated": (
        lambda path, copy: copy.write_bytes(path.read_bytes()[: path.stat().st_size // 2]),
        "kein vollständiges Sicherungsarchiv",
    ),
    "not an archive": (lambda path, copy: copy.write_text("Hallo\n"), "kein vollständiges Sicherungsarchiv"),
    "a zip of something else": (
        lambda path, copy: zipfile.ZipFile(copy, "w").writestr("bericht.txt", "Jahresbericht") or None,
        "keine Knotenpunkt-Sicherung: Das Archiv enthält kein manifest.json",
    ),
    "another format": (
        lambda path, copy: _rewrite_manifest(path, copy, lambda m: m.update(format="fremdes-backup")),
        "keine Knotenpunkt-Sicherung \\(Format 'fremdes-backup'",
    ),
    "another database vendor": (
        lambda path, copy: _rewrite_manifest(path, copy, _other_vendor),
        "Sicherung einer (SQLite|PostgreSQL)-Datenbank, die Zieldatenbank ist aber",
    ),
    "a dump that does not match its checksum": (
        lambda path, copy: _rewrite_manifest(path, copy, lambda m: m["dump"].update(sha256="0" * 64)),
        "Prüfsumme \\(sha256\\) der Datenbanksicherung stimmt nicht",
    ),
}


@pytest.mark.parametrize("kind", BAD_ARCHIVES)
def test_a_bad_archive_is_refused_and_nothing_changes(kind, small, target, tmp_path):
    path, _ = small
    make, message = BAD_ARCHIVES[kind]
    bad = tmp_path / "bad.zip"
    make(path, bad)
    with pytest.raises(CommandError, match=message):
        _restore(bad, target)
    assert target.tables() == []
    # No temporary file stays behind next to a SQLite target.
    assert list(tmp_path.glob(".*")) == []


def test_a_non_empty_database_is_refused_and_nothing_changes(small, target):
    path, _ = small
    _restore(path, target)
    before = checksums.table_checksums(target.alias)
    with pytest.raises(CommandError, match="Zieldatenbank ist nicht leer"):
        _restore(path, target)
    assert checksums.table_checksums(target.alias) == before


# kill -9 --------------------------------------------------------------------------------------

# Seconds after the restore's critical phase began (SQLite: its temporary file appeared next to
# the target; PostgreSQL: its temporary directory, just before the dump is extracted and loaded).
KILL_DELAYS = [0.0, 0.01, 0.03, 0.06, 0.1, 0.15, 0.25, 0.4, 0.7]


def _spawn_restore(path: Path, target: Target, scratch: Path) -> subprocess.Popen:
    environment = {**os.environ, "DATABASE_URL": target.url, "TMPDIR": str(scratch)}
    return subprocess.Popen(
        [sys.executable, "manage.py", "restore", str(path)],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _critical_phase_started(target: Target, scratch: Path) -> bool:
    if POSTGRES:
        return any(scratch.glob("knotenpunkt-restore-*"))
    return any(Path(target.name).parent.glob(f".{Path(target.name).name}.restore-*.part"))


def _wait_until_nobody_uses(target: Target) -> None:
    """PostgreSQL: the killed pg_restore's session is gone (rolled back), so the state is final."""
    if not POSTGRES:
        return
    deadline = time.monotonic() + 10
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s", [target.name])
            if cursor.fetchone()[0] == 0:
                return
            time.sleep(0.02)
    raise AssertionError("pg_restore still running after its parent was killed")


def test_kill_9_during_a_restore_leaves_the_target_empty_or_complete(demo, new_target, tmp_path):
    path, manifest = demo
    killed_while_running = 0
    outcomes = []
    for delay in KILL_DELAYS:
        target = new_target()
        scratch = tmp_path / f"scratch-{len(outcomes)}"
        scratch.mkdir()
        process = _spawn_restore(path, target, scratch)
        while not _critical_phase_started(target, scratch) and process.poll() is None:
            time.sleep(0.002)
        time.sleep(delay)
        running = process.poll() is None
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        killed_while_running += running
        _wait_until_nobody_uses(target)
        if target.tables():
            assert target.differences(manifest) == [], f"half restored after kill at +{delay} s"
            outcomes.append("complete")
        else:
            outcomes.append("empty")
        shutil.rmtree(scratch)
    assert killed_while_running >= len(KILL_DELAYS) // 2, outcomes
    # A restore after the kills still works.
    target = new_target()
    _restore(path, target)
    assert target.differences(manifest) == []
