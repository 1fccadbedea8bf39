"""Full-text index of actors, specific to the database (see knotenpunkt.actors.search_backends).

PostgreSQL: pg_trgm, a generated tsvector column over the folded search_name (weight A) and
search_body (weight B) with the `german` configuration, and a GIN index on it.
SQLite: an FTS5 table of stemmed tokens whose rowid is the actor id.
Neither touches Django's model state, so makemigrations sees nothing to do.
"""

from django.db import migrations

POSTGRESQL_FORWARDS = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    """
    ALTER TABLE actors_actor ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('german'::regconfig, search_name), 'A')
        || setweight(to_tsvector('german'::regconfig, search_body), 'B')
    ) STORED
    """,
    # Directory search: search_vector @@ to_tsquery('german', ...).
    "CREATE INDEX actor_search_vector ON actors_actor USING gin (search_vector)",
]
POSTGRESQL_BACKWARDS = [
    "DROP INDEX IF EXISTS actor_search_vector",
    "ALTER TABLE actors_actor DROP COLUMN IF EXISTS search_vector",
]
SQLITE_FORWARDS = [
    # Directory search: actors_actor_fts MATCH ...; prefix indexes serve short prefixes.
    """
    CREATE VIRTUAL TABLE actors_actor_fts USING fts5(
        name, body, tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3'
    )
    """,
]
SQLITE_BACKWARDS = ["DROP TABLE IF EXISTS actors_actor_fts"]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("actors", "0002_seed_sdgs")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRESQL_FORWARDS, "sqlite": SQLITE_FORWARDS}),
            _run({"postgresql": POSTGRESQL_BACKWARDS, "sqlite": SQLITE_BACKWARDS}),
        ),
    ]
