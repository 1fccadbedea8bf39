"""The suggestions' reasons as PostgreSQL `json` instead of `jsonb` (see models.ReasonsField).

Databases migrated from scratch get `json` already in 0003 (its AlterField builds the column with
today's ReasonsField); this changes the column of databases that got `jsonb` there before. The
model state does not change. Elsewhere (SQLite) nothing happens.
"""

from django.db import migrations


def column_type(schema_editor) -> str | None:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT data_type FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND table_name = 'synergies_suggestion' AND column_name = 'reasons'"
        )
        row = cursor.fetchone()
    return row[0] if row else None


def to_json(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql" and column_type(schema_editor) == "jsonb":
        schema_editor.execute("ALTER TABLE synergies_suggestion ALTER COLUMN reasons TYPE json USING reasons::json")


class Migration(migrations.Migration):
    dependencies = [
        ("synergies", "0005_suggestion_actor_no_extra_index"),
    ]

    operations = [
        # Backwards there is nothing to undo: ReasonsField makes `json` columns either way.
        migrations.RunPython(to_json, migrations.RunPython.noop),
    ]
