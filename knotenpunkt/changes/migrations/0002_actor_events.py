"""The actors' own history (ActorEvent) becomes rows of the one change table.

Kinds map to ChangeKind values, {"changes": …} becomes {"fields": …}; {"values": …} and a merge's
data stay as they are. Older rows stored display values (names, not keys); the history's display
shows such values as they are. actors/0009 drops the old table afterwards.
"""

import itertools

from django.db import migrations

KINDS = {
    "created": "actor.created",
    "updated": "actor.updated",
    "published": "actor.published",
    "unpublished": "actor.unpublished",
    "merged": "actor.merged",
}
BATCH = 2000


def change_data(data: dict) -> dict:
    """An ActorEvent's data in the shape of Change.data."""
    data = dict(data or {})
    if "changes" in data:
        data["fields"] = data.pop("changes")
    return data


def copy_actor_events(apps, schema_editor):
    ActorEvent = apps.get_model("actors", "ActorEvent")
    Actor = apps.get_model("actors", "Actor")
    Change = apps.get_model("changes", "Change")
    ChangeSubject = apps.get_model("changes", "ChangeSubject")
    names = dict(Actor.objects.values_list("pk", "name"))
    events = ActorEvent.objects.order_by("pk").iterator(chunk_size=BATCH)
    while True:
        batch = list(itertools.islice(events, BATCH))
        if not batch:
            break
        changes = Change.objects.bulk_create(
            [
                Change(
                    at=event.created_at,
                    user_id=event.user_id,
                    kind=KINDS.get(event.kind, "actor.updated"),
                    record_type="actors.actor",
                    record_id=event.actor_id,
                    record_label=names.get(event.actor_id, "")[:300],
                    version=event.version,
                    audience="internal",
                    public=False,
                    data=change_data(event.data),
                )
                for event in batch
            ]
        )
        subjects = []
        for event, change in zip(batch, changes, strict=True):
            actor_ids = {event.actor_id}
            duplicate = (event.data or {}).get("duplicate") or {}
            if isinstance(duplicate.get("id"), int):
                actor_ids.add(duplicate["id"])
            subjects += [ChangeSubject(change_id=change.pk, kind="actor", subject_id=pk) for pk in sorted(actor_ids)]
        ChangeSubject.objects.bulk_create(subjects)


class Migration(migrations.Migration):
    dependencies = [
        ("changes", "0001_change_record"),
        ("actors", "0008_person_version"),
    ]

    # Backwards: the rows stay in the change table; actors/0009 backwards recreates an empty ActorEvent.
    operations = [migrations.RunPython(copy_actor_events, migrations.RunPython.noop)]
