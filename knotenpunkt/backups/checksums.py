"""Row counts and checksums per table: what ties a restored database to the backup's manifest.

A table's checksum is the sha256 over its rows in primary-key order, each row one line of canonical
JSON (`canonical_line`) followed by a newline. The columns of a model's table are read through the
model field's converters, exactly as the ORM reads them (SQLite's text dates become aware datetimes,
its 0/1 booleans, JSON text objects …), and then written in one text form (datetimes in UTC ISO 8601,
decimals as written, UUIDs as 32 hex digits, bytes as hex, JSON objects with sorted keys). So the same
data gives the same checksum on SQLite and on PostgreSQL. Only the model's columns count for its
table: PostgreSQL's generated search vector, which no model declares, is derived data. Tables no model
knows (SQLite's full-text index) are hashed as the driver returns them: stable per vendor.

Text primary keys are ordered by code point on both databases (PostgreSQL's "C" collation, SQLite's
BINARY), never by the server's locale, which may differ between the backup's server and the restore's.
"""

from __future__ import annotations

import copy
import datetime
import decimal
import hashlib
import json
import multiprocessing
import os
import uuid

import psycopg
from django.apps import apps
from django.db import connections
from django.db.utils import load_backend
from django.utils.translation import gettext as _

from knotenpunkt.lib.forked import Forked

CHUNK_ROWS = 5000


def table_checksums(
    using: str = "default",
    columns: dict[str, list[str]] | None = None,
    *,
    processes: int = 1,
    snapshot: str | None = None,
) -> dict[str, dict]:
    """{table: {"rows", "sha256", "columns"}} for every table of the database `using`.

    `columns` ({table: [column, …]}, e.g. a manifest's) fixes the columns hashed per table; without
    it a model's table hashes the model's columns and any other table all of its columns.

    With `processes` > 1 that many processes share the tables, largest first: this one and forked
    copies, each on a connection of its own. On PostgreSQL the copies read the exported `snapshot`
    (pg_export_snapshot() of this connection's open transaction), so all of them see what this one
    sees; without a snapshot they read what is committed. The result is the same as with one process.
    """
    connection = connections[using]
    with connection.cursor() as cursor:
        tables = sorted(name for name in connection.introspection.table_names(cursor) if not name.startswith("sqlite_"))
    models = _models_by_table()
    columns = columns or {}
    in_memory = connection.vendor == "sqlite" and connection.is_in_memory_db()
    if processes > 1 and len(tables) > 1 and hasattr(os, "fork") and not in_memory:
        return _in_processes(using, tables, models, columns, processes, snapshot)
    return {table: table_checksum(connection, table, models.get(table), columns.get(table)) for table in tables}


def _in_processes(using, tables, models, columns, processes, snapshot) -> dict[str, dict]:
    connection = connections[using]
    queue = _largest_first(connection, tables)
    taken = multiprocessing.Value("i", 0)

    def work(connection) -> dict[str, dict]:
        done = {}
        while True:
            with taken.get_lock():
                index = taken.value
                taken.value += 1
            if index >= len(queue):
                return done
            table = queue[index]
            done[table] = table_checksum(connection, table, models.get(table), columns.get(table))

    def in_copy() -> dict[str, dict]:
        # A connection of its own: the inherited one belongs to the parent and is never touched here.
        alias = f"{using}_checksums"
        own = load_backend(connection.settings_dict["ENGINE"]).DatabaseWrapper(
            copy.deepcopy(connection.settings_dict), alias
        )
        connections[alias] = own  # Django looks a connection up by its alias now and then
        try:
            if own.vendor == "postgresql":
                # In a transaction the server-side cursors stream their rows (outside one, Django
                # declares them WITH HOLD and the server first copies every row aside).
                with own.cursor() as cursor:
                    cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                    if snapshot is not None:
                        cursor.execute("SET TRANSACTION SNAPSHOT %s", [snapshot])
            return work(own)
        finally:
            own.close()

    copies = [Forked(in_copy, label=_("Die Prüfsummenberechnung")) for _copy in range(processes - 1)]
    try:
        results = work(connection)
    except BaseException:
        for pending in copies:
            pending.cancel()
        raise
    for pending in copies:
        results.update(pending.result())
    return {table: results[table] for table in tables}


def _largest_first(connection, tables: list[str]) -> list[str]:
    """The tables by their size on disk, largest first (a table's rows are not counted for this)."""
    if connection.vendor != "postgresql":
        return tables
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT t, pg_relation_size(t::regclass) FROM unnest(%s::text[]) AS t",
            [[qn(table) for table in tables]],
        )
        sizes = dict(cursor.fetchall())
    return sorted(tables, key=lambda table: -sizes.get(qn(table), 0))


def table_checksum(
    connection, table: str, model=None, columns: list[str] | None = None, *, text_in_database: bool = True
) -> dict:
    """{"rows", "sha256", "columns"} of one table; `model` is the model stored in it, if any.

    On PostgreSQL the server writes dates, times with time zone and decimals in their canonical text
    itself (`_canonical_text_sql`), which spares a Python call per value; `text_in_database=False`
    reads them as values and writes them in Python, with the same result."""
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        present = [column.name for column in connection.introspection.get_table_description(cursor, table)]
        primary_key = connection.introspection.get_primary_key_columns(cursor, table) or []
    fields = {field.column: field for field in model._meta.local_concrete_fields} if model else {}
    if columns is None:
        columns = sorted(name for name in present if name in fields or not fields)
    else:
        # Columns the table lacks are left out; the checksum then differs from the manifest's.
        columns = [name for name in columns if name in present]
    expressions, converters = [], []
    for index, name in enumerate(columns):
        field = fields.get(name)
        functions, expression = _converters(connection, field) if field else ([], None)
        as_text = _canonical_text_sql(connection, field, qn(name)) if text_in_database and not functions else None
        expressions.append(as_text or qn(name))
        if functions:
            converters.append((index, functions, expression))

    digest = hashlib.sha256()
    rows = 0
    select = ", ".join(expressions) or "1"
    sql = f"SELECT {select} FROM {qn(table)} ORDER BY {_order_by(connection, table, primary_key, len(columns))}"  # noqa: S608 (names from the schema)
    with connection.chunked_cursor() as cursor:
        if connection.vendor == "postgresql":
            _load_timestamps_in_c(cursor.cursor)
        cursor.execute(sql)
        while chunk := cursor.fetchmany(CHUNK_ROWS):
            lines = []
            for row in chunk:
                if converters:
                    row = list(row)
                    for index, functions, expression in converters:
                        value = row[index]
                        for function in functions:
                            value = function(value, expression, connection)
                        row[index] = value
                lines.append(canonical_line(row))
            digest.update(("\n".join(lines) + "\n").encode("utf-8", "surrogatepass"))
            rows += len(chunk)
    return {"rows": rows, "sha256": digest.hexdigest(), "columns": columns}


def compare(expected: dict[str, dict], actual: dict[str, dict]) -> list[str]:
    """German descriptions of every difference between two {table: {"rows", "sha256"}} maps."""
    problems = []
    for table in sorted(expected.keys() - actual.keys()):
        problems.append(_("Tabelle %(table)s fehlt.") % {"table": table})
    for table in sorted(actual.keys() - expected.keys()):
        problems.append(_("Tabelle %(table)s steht nicht im Manifest.") % {"table": table})
    for table in sorted(expected.keys() & actual.keys()):
        want, have = expected[table], actual[table]
        if want["rows"] != have["rows"]:
            problems.append(
                _("Tabelle %(table)s: %(have)s Zeilen statt %(want)s.")
                % {"table": table, "have": have["rows"], "want": want["rows"]}
            )
        elif want["sha256"] != have["sha256"]:
            problems.append(_("Tabelle %(table)s: Prüfsumme weicht ab.") % {"table": table})
    return problems


def canonical_line(row) -> str:
    """One row as JSON: values JSON knows as they are (floats in their shortest round-trip form),
    the others by `canonical`; object keys sorted, no spaces, no escapes beyond JSON's own."""
    if _C_ENCODER is not None:
        return "".join(_C_ENCODER(row, 0))
    return _ENCODER.encode(row)


def canonical(value):
    """The JSON form of a value JSON itself has no type for."""
    if isinstance(value, datetime.datetime):
        return (value.astimezone(datetime.UTC) if value.tzinfo else value).isoformat()
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return value // datetime.timedelta(microseconds=1)
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, uuid.UUID):
        # SQLite keeps UUIDs (and foreign keys to them) as 32 hex digits.
        return value.hex
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    return str(value)


# One encoder for every row: json.dumps() with options builds a new encoder per call, and
# JSONEncoder.encode() still builds its C encoder per call; made once, the C encoder takes about
# 1.5 µs a row (a million ties: 1.7 s less). It calls `canonical` only for the values JSON has no
# type for. Same output as _ENCODER, which stands in where the C accelerator is missing.
_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=canonical)
_C_ENCODER = (
    json.encoder.c_make_encoder(None, canonical, json.encoder.encode_basestring, None, ":", ",", True, False, True)
    if json.encoder.c_make_encoder
    else None
)


def _models_by_table() -> dict:
    return {
        model._meta.db_table: model
        for model in apps.get_models(include_auto_created=True)
        if not model._meta.proxy and model._meta.concrete_model is model
    }


def _converters(connection, field):
    """The functions the ORM applies to a value of `field` read from `connection`, as the SQL
    compiler does: the backend's first, then the field's own (from_db_value)."""
    expression = field.cached_col
    functions = connection.ops.get_db_converters(expression) + expression.get_db_converters(connection)
    return functions, expression


# The canonical text of a time with time zone (`canonical`: UTC, ISO 8601, microseconds only if any).
_TIMESTAMPTZ_SQL = (
    "to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS')"
    " || CASE to_char({column}, 'US') WHEN '000000' THEN '' ELSE to_char({column}, '.US') END || '+00:00'"
)


def _canonical_text_sql(connection, field, column: str) -> str | None:
    """SQL giving the value of `field`'s column as `canonical` writes it, or None to read the value.

    PostgreSQL only, and only for types whose text PostgreSQL writes exactly so: a date, a time
    with time zone, a decimal of at most six places (whose str() never switches to an exponent).
    NULL stays NULL."""
    if connection.vendor != "postgresql" or field is None:
        return None
    kind = field.get_internal_type()
    if kind == "DateTimeField" and field.db_type(connection) == "timestamp with time zone":
        return _TIMESTAMPTZ_SQL.format(column=column)
    if kind == "DateField":
        return f"to_char({column}, 'YYYY-MM-DD')"
    if kind == "DecimalField" and field.decimal_places <= 6:
        return f"CAST({column} AS text)"
    return None


def _order_by(connection, table: str, primary_key: list[str], column_count: int) -> str:
    qn = connection.ops.quote_name
    if connection.vendor == "postgresql":
        collatable = _collatable_columns(connection, table)
        if primary_key:
            return ", ".join(qn(name) + (' COLLATE "C"' if name in collatable else "") for name in primary_key)
        # No primary key: the whole row as text, bytewise.
        return f'{qn(table)}::text COLLATE "C"'
    if primary_key:
        return ", ".join(qn(name) for name in primary_key)
    return ", ".join(str(position) for position in range(1, column_count + 1)) or "1"


def _load_timestamps_in_c(cursor) -> None:
    """psycopg's own timestamptz loader (C) for this cursor instead of Django's subclass (Python),
    which only sets the connection's time zone: the same instants, a million of them 3.5 s faster."""
    oid = psycopg.adapters.types["timestamptz"].oid
    cursor.adapters.register_loader(oid, psycopg.adapters.get_loader(oid, psycopg.pq.Format.TEXT))


def _collatable_columns(connection, table: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0"
            " AND NOT attisdropped AND attcollation <> 0",
            [connection.ops.quote_name(table)],
        )
        return {name for (name,) in cursor.fetchall()}
