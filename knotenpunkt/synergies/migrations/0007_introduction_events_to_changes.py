"""Introductions' steps become change rows (knotenpunkt.changes): one history for the whole project.

Each IntroductionEvent becomes a Change of the matching kind, with its time, user and details
(a decline's reason, the number of retried mails …), the status before and after, the version the
introduction had after the step, and both actors as subjects. 0008 then drops the old table.
"""

from django.db import migrations

KINDS = {
    "proposed": "introduction.proposed",
    "requested": "introduction.requested",
    "introduced": "introduction.sent",
    "met": "introduction.met",
    "cooperating": "introduction.cooperating",
    "declined": "introduction.declined",
    "mails_retried": "introduction.mails_retried",
}
# Steps that raised the introduction's version (a retry of mails does not change it).
STEPS = {"introduced", "met", "cooperating", "declined"}
BATCH = 1000


def events_to_changes(apps, schema_editor):
    IntroductionEvent = apps.get_model("synergies", "IntroductionEvent")
    Actor = apps.get_model("actors", "Actor")
    Change = apps.get_model("changes", "Change")
    ChangeSubject = apps.get_model("changes", "ChangeSubject")
    events = IntroductionEvent.objects.select_related("introduction").order_by("introduction_id", "created_at", "id")
    actor_ids = set()
    for a, b in events.values_list("introduction__actor_a_id", "introduction__actor_b_id").distinct():
        actor_ids.update((a, b))
    names = dict(Actor.objects.filter(pk__in=actor_ids).values_list("pk", "name"))
    pending = []
    state = {}  # introduction id -> (status, version) after the events seen so far

    def flush():
        changes = Change.objects.bulk_create([change for change, _pair in pending])
        subjects = [
            ChangeSubject(change_id=change.pk, kind="actor", subject_id=actor_id)
            for change, pair in zip(changes, [pair for _change, pair in pending], strict=True)
            for actor_id in pair
        ]
        ChangeSubject.objects.bulk_create(subjects)
        pending.clear()

    for event in events.iterator(chunk_size=BATCH):
        introduction = event.introduction
        status, version = state.get(introduction.pk, (None, 0))
        data = dict(event.data or {})
        if event.kind in ("proposed", "requested"):
            status, version = "proposed", 1
            data = {"values": {"status": "proposed", **data}}
        elif event.kind in STEPS:
            data = {"fields": {"status": {"old": status, "new": event.kind}}, **data}
            status, version = event.kind, version + 1
        state[introduction.pk] = (status, version)
        a, b = introduction.actor_a_id, introduction.actor_b_id
        change = Change(
            at=event.created_at,
            user_id=event.created_by_id,
            kind=KINDS[event.kind],
            record_type="synergies.introduction",
            record_id=introduction.pk,
            record_label=f"{names.get(a, a)} – {names.get(b, b)}"[:300],
            version=version or None,
            audience="internal",
            public=False,
            data=data,
        )
        pending.append((change, (a, b)))
        if len(pending) >= BATCH:
            flush()
    if pending:
        flush()


class Migration(migrations.Migration):
    dependencies = [
        ("synergies", "0006_suggestion_reasons_json"),
        ("changes", "0001_change_record"),
        ("actors", "0001_initial"),
    ]

    operations = [migrations.RunPython(events_to_changes, migrations.RunPython.noop)]
