"""The benchmark database: created if missing, filled with the synthetic network once per parameter set.

The parameters of the loaded network are kept as the database's comment, so a second
`make bench` with the same parameters reuses the data instead of generating it again.
"""

from __future__ import annotations

import io
import re
import sys
import time

import dj_database_url
import psycopg
from psycopg import sql

DEFAULT_BENCH_DB = "knotenpunkt_bench"
_PHASE_RE = re.compile(r"^(\S.*?)\s{2,}([\d.]+) s\b")


def _admin_connection(url: str) -> tuple[psycopg.Connection, str]:
    """An autocommit connection to the server's `postgres` database, and the benchmark database's name."""
    config = dj_database_url.parse(url)
    params = {
        "dbname": "postgres",
        "user": config.get("USER") or None,
        "password": config.get("PASSWORD") or None,
        "host": config.get("HOST") or None,
        "port": config.get("PORT") or None,
    }
    return psycopg.connect(**{k: v for k, v in params.items() if v}, autocommit=True), config["NAME"]


def ensure_database(url: str, *, recreate: bool = False) -> None:
    """Create the database if it does not exist (drop it first if `recreate`)."""
    conn, name = _admin_connection(url)
    with conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and recreate:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
            exists = None
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


class _Tee(io.StringIO):
    """Collects a command's output and shows it as it comes."""

    def write(self, text):
        sys.stdout.write(text)
        sys.stdout.flush()
        return super().write(text)


def _marker(actors: int, ties: int, seed: int) -> str:
    return f"knotenpunkt-bench actors={actors} ties={ties} seed={seed}"


def _current_marker() -> str | None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = current_database()"
        )
        return cursor.fetchone()[0]


def _set_marker(text: str) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            sql.SQL("COMMENT ON DATABASE {} IS {}")
            .format(sql.Identifier(connection.settings_dict["NAME"]), sql.Literal(text))
            .as_string(connection.connection)
        )


def _counts() -> tuple[int, int]:
    from knotenpunkt.demo import synthetic_network as synthetic
    from knotenpunkt.network.models import Tie

    return synthetic.synthetic_actors().count(), Tie.objects.count()


def prepare(url: str, *, actors: int, ties: int, seed: int, force: bool) -> dict:
    """Migrate and load the network unless it is there already; return what happened and the timings."""
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", interactive=False, verbosity=0)
    wanted = _marker(actors, ties, seed)
    if not force and _current_marker() == wanted and _counts() == (actors, ties):
        return {"generated": False, "note": "Netzwerk mit denselben Parametern vorhanden, nicht neu erzeugt"}

    clear = _counts()[0] > 0
    if clear and connection.settings_dict["NAME"] == DEFAULT_BENCH_DB:
        # Dropping the benchmark's own database is far quicker than deleting a million rows.
        connection.close()
        ensure_database(url, recreate=True)
        call_command("migrate", interactive=False, verbosity=0)
        clear = False
    _set_marker("")
    out = _Tee()
    started = time.perf_counter()
    call_command("generate_network", actors=actors, ties=ties, seed=seed, clear=clear, stdout=out)
    wall = time.perf_counter() - started
    _set_marker(wanted)
    phases = {}
    for line in out.getvalue().splitlines():
        if match := _PHASE_RE.match(line):
            phases[match.group(1).strip()] = float(match.group(2))
    index = phases.get("Suchindex", 0.0)
    return {
        "generated": True,
        "cleared_first": clear,
        "seconds_total": round(wall, 2),
        "seconds_without_search_index": round(wall - index, 2),
        "seconds_search_index": round(index, 2),
        "phases": phases,
    }


def profile_slugs() -> dict[str, list[tuple[str, int]]]:
    """Published synthetic actors to open as profiles: the biggest hubs and actors at degree quantiles."""
    from django.db import connection

    from knotenpunkt.actors.models import Actor
    from knotenpunkt.network.models import Tie

    actor, tie = Actor._meta.db_table, Tie._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT a.slug, COALESCE(d.degree, 0) AS degree
            FROM {actor} a
            LEFT JOIN (
                SELECT id, COUNT(*) AS degree
                FROM (SELECT source_id AS id FROM {tie} UNION ALL SELECT target_id FROM {tie}) ends
                GROUP BY id
            ) d ON d.id = a.id
            WHERE a.published AND a.slug LIKE %s
            ORDER BY degree DESC, a.id
            """,
            ["syn-%"],
        )
        rows = cursor.fetchall()
    if not rows:
        return {"hubs": [], "mixed": []}
    n = len(rows)
    quantiles = [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.4, 0.5, 0.6, 0.75, 0.9]
    mixed = [rows[min(n - 1, int(q * n))] for q in quantiles]
    return {"hubs": rows[:3], "mixed": list(dict.fromkeys(mixed))}
