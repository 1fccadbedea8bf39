"""PostgreSQL only: a tsvector of the name alone, with its own GIN index.

"Every query word is in the name" (search rank RANK_NAME) was a weight-A match on
search_vector, which the GIN index cannot check: every candidate row was read back
and rechecked, and the planner guessed its size badly. A column of its own is exact.
"""

from django.db import migrations

FORWARDS = [
    """
    ALTER TABLE actors_actor ADD COLUMN search_name_vector tsvector GENERATED ALWAYS AS (
        to_tsvector('german'::regconfig, search_name)
    ) STORED
    """,
    # Search rank RANK_NAME: search_name_vector @@ to_tsquery('german', ...).
    "CREATE INDEX actor_search_name_vector ON actors_actor USING gin (search_name_vector)",
]
BACKWARDS = [
    "DROP INDEX IF EXISTS actor_search_name_vector",
    "ALTER TABLE actors_actor DROP COLUMN IF EXISTS search_name_vector",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("actors", "0005_actor_search_name_index")]

    operations = [migrations.RunPython(_run(FORWARDS), _run(BACKWARDS))]
