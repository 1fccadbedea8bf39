"""Fresh empty databases of the configured vendor for tests that need a second database: a new
SQLite file, or a new PostgreSQL database next to the test database (restores, kill -9 runs).
The `new_target` fixture is registered in tests/conftest.py."""

from __future__ import annotations

import contextlib
import sqlite3
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection, connections

from knotenpunkt.backups import checksums
from knotenpunkt.backups.databases import temporary_connection

POSTGRES = connection.vendor == "postgresql"


class Target:
    """A fresh, empty database of the configured vendor, as an alias and as a DATABASE_URL."""

    def __init__(self, directory: Path):
        settings_dict = connection.settings_dict
        if POSTGRES:
            self.name = f"{settings_dict['NAME']}_r{uuid.uuid4().hex[:10]}"
            with connection.cursor() as cursor:
                cursor.execute(f'CREATE DATABASE "{self.name}"')
            credentials = quote(settings_dict["USER"] or "") + (
                f":{quote(settings_dict['PASSWORD'])}" if settings_dict["PASSWORD"] else ""
            )
            self.url = (
                f"postgres://{credentials}@{settings_dict['HOST'] or 'localhost'}:{settings_dict['PORT'] or 5432}"
                f"/{self.name}"
            )
        else:
            self.name = str(directory / f"target-{uuid.uuid4().hex[:10]}.sqlite3")
            self.url = f"sqlite:///{self.name}"
        self._connection = contextlib.ExitStack()
        self.alias = self._connection.enter_context(temporary_connection(self.name))

    def tables(self) -> list[str]:
        if not POSTGRES:
            if not Path(self.name).exists():
                return []
            with contextlib.closing(sqlite3.connect(self.name)) as db:
                return [name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        with connections[self.alias].cursor() as cursor:
            tables = connections[self.alias].introspection.table_names(cursor)
        connections[self.alias].close()
        return tables

    def differences(self, manifest: dict) -> list[str]:
        """What differs from the manifest's tables ([] when the restore is complete)."""
        columns = {table: entry["columns"] for table, entry in manifest["tables"].items()}
        try:
            return checksums.compare(manifest["tables"], checksums.table_checksums(self.alias, columns))
        finally:
            connections[self.alias].close()

    def drop(self) -> None:
        self._connection.close()
        if POSTGRES:
            with connection.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


@pytest.fixture
def new_target(transactional_db, tmp_path):
    made = []

    def make() -> Target:
        made.append(Target(tmp_path))
        return made[-1]

    yield make
    for target in made:
        target.drop()
