"""PostgreSQL only: a trigram index on the search vocabulary for words with more than one typo."""

from django.db import migrations

FORWARDS = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    # search_backends.postgresql.similar_words(): word % 'query word'.
    "CREATE INDEX actor_searchword_trgm ON actors_searchword USING gin (word gin_trgm_ops)",
]
BACKWARDS = ["DROP INDEX IF EXISTS actor_searchword_trgm"]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("actors", "0006_search_name_vector")]

    operations = [migrations.RunPython(_run(FORWARDS), _run(BACKWARDS))]
