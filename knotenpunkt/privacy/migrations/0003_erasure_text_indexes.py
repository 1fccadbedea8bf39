"""PostgreSQL only: trigram indexes over the free texts an erasure searches for a person's name.

erasure.TEXT_FIELDS are searched with ILIKE '%…%' for the full name, e-mail and phone; without an
index that reads every tie, activity and actor (≈ 1.5 s at 1,000,000 ties and 500,000 activities).
The indexes are partial (non-empty texts only) and the erasure's query says `<> ''`, so the planner
uses them; most of these texts are empty.
"""

from django.db import migrations

# (index name, table, column)
INDEXES = [
    ("erasure_tie_note_trgm", "network_tie", "note"),
    ("erasure_activity_outcome_trgm", "activities_activity", "outcome_notes"),
    ("erasure_actor_internal_notes_trgm", "actors_actor", "internal_notes"),
    ("erasure_interaction_summary_trgm", "interactions_interaction", "summary"),
    ("erasure_followup_title_trgm", "interactions_followup", "title"),
    ("erasure_introduction_note_trgm", "synergies_introduction", "note"),
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, column in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ({column} gin_trgm_ops) WHERE {column} <> ''"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _column in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("privacy", "0002_default_rules"),
        ("actors", "0010_person_privacy"),
        ("network", "0004_tie_version"),
        ("activities", "0003_occurrence_multi_day_and_filters"),
        ("interactions", "0001_initial"),
        ("synergies", "0008_delete_introductionevent"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
