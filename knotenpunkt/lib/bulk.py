"""Loading many rows at once, for generators and recomputations that bypass the ORM on purpose.

`table_rows` turns column arrays into rows in a model's column order, `write_rows` writes them (COPY
on PostgreSQL, executemany elsewhere), and `bulk_mode` drops and restores a table's foreign keys and
plain indexes around a large load on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from itertools import repeat

from django.db import connection, models


def table_rows(model: type[models.Model], given: dict[str, Sequence], n: int, now) -> tuple[list[str], Iterable]:
    """Column names and row tuples for `model`: `given` columns by attname, model defaults for the rest."""
    columns, values = [], []
    for f in model._meta.concrete_fields:
        if f.attname in given:
            col = given[f.attname]
        elif f.primary_key:
            continue
        else:
            value = now if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False) else f.get_default()
            col = repeat(f.get_db_prep_save(value, connection), n)
        columns.append(f.column)
        values.append(col)
    return columns, zip(*values, strict=False)


def write_rows(table: str, columns: list[str], rows: Iterable, batch_size: int) -> None:
    # Table and column names come from model meta, never from input.
    qn = connection.ops.quote_name
    target = f"{qn(table)} ({', '.join(map(qn, columns))})"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.copy(f"COPY {target} FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        sql = f"INSERT INTO {target} VALUES ({', '.join(['%s'] * len(columns))})"  # noqa: S608
        rows = iter(rows)
        while batch := [row for _, row in zip(range(batch_size), rows, strict=False)]:
            cursor.executemany(sql, batch)


@contextmanager
def bulk_mode(tables: list[str]):
    """On PostgreSQL: drop the tables' foreign keys and plain indexes, restore them afterwards.

    A deferred foreign key checks every row at commit, one lookup and row lock each; adding the
    constraint back validates all rows in one join, and an index built in one go is faster than
    one grown row by row (PostgreSQL manual, "Populating a Database"). Must run in a transaction,
    so a failure leaves the schema untouched.
    """
    if connection.vendor != "postgresql":
        yield
        return
    qn = connection.ops.quote_name
    # ALTER TABLE refuses to run while rows written earlier in the transaction wait for their checks.
    connection.check_constraints()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE contype = 'f' AND conrelid = ANY(%s::regclass[])",
            [tables],
        )
        foreign_keys = cursor.fetchall()
        cursor.execute(
            "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index "
            "WHERE indrelid = ANY(%s::regclass[]) AND NOT indisprimary AND NOT indisunique",
            [tables],
        )
        indexes = cursor.fetchall()
        for table, name, _definition in foreign_keys:
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {qn(name)}")
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {name}")
    yield
    connection.check_constraints()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for _name, definition in indexes:
            cursor.execute(definition)
        for table, name, definition in foreign_keys:
            cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {qn(name)} {definition}")
