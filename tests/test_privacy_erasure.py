"""Erasure (Art. 17): after it, no table holds the person's name, e-mail or phone; counts stay.

The person is spread the way real use spreads them: created and edited through the services
(history rows with old values), a member of an actor, named in contacts and their follow-ups,
taking part in an activity, written to by an introduction, mentioned by full name in a contact
that does not link them, edited in the admin (Django's log), and in a failed task's traceback.
Then the whole database is dumped, every table and column, on SQLite and PostgreSQL alike.
"""

import datetime as dt
import json

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from knotenpunkt.activities import services as activity_services
from knotenpunkt.activities.services import ParticipantSpec
from knotenpunkt.actors import people
from knotenpunkt.actors.models import Actor, Person
from knotenpunkt.changes.kinds import ChangeKind
from knotenpunkt.changes.models import Change
from knotenpunkt.initiatives import services as initiative_services
from knotenpunkt.interactions import services as interaction_services
from knotenpunkt.interactions.models import FollowUp, Interaction
from knotenpunkt.privacy import erasure
from knotenpunkt.privacy.models import ErasureLogEntry
from knotenpunkt.synergies.models import Introduction, IntroductionMail
from tests.factories import ActorFactory

pytestmark = pytest.mark.django_db

FIRST, LAST = "Zwetlana", "Quirinsky"
EMAIL, PHONE = "z.quirinsky@example.org", "0171 2233445"
TRACES = (FIRST, LAST, EMAIL, PHONE, "quirinsky@example")


def dump_database() -> str:
    """Every value of every table, as text (what a backup or a curious admin would see)."""
    parts = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                parts.append(f"{table}: " + " | ".join(map(str, row)))
    return "\n".join(parts).lower()


def traces_in(text: str) -> list[str]:
    return [t for t in TRACES if t.lower() in text]


@pytest.fixture
def spread_person(coordinator, seeded_sdgs):
    """A person as real use leaves them: in many tables, through the services."""
    actor = ActorFactory(name="Weltladen Ludwigsburg", contact_email="")
    other = ActorFactory(name="Eine-Welt-Verein", contact_email="info@eine-welt.example")
    person = people.person_create(
        user=coordinator,
        data={"first_name": FIRST, "last_name": LAST, "email": "alt@example.org", "phone": PHONE, "notes": "Vegan"},
    )
    person = people.person_update(user=coordinator, person=person, data={"email": EMAIL}, expected_version=1)
    people.membership_create(user=coordinator, actor=actor, person=person, function="Vorstand")
    contact = interaction_services.interaction_create(
        user=coordinator,
        data={
            "date": timezone.localdate(),
            "channel": "meeting",
            "summary": f"Treffen mit {FIRST} {LAST} ({EMAIL}, {PHONE}). {FIRST} bringt die Flyer mit.",
            "visibility": "coordination",
            "actors": [actor],
            "persons": [person],
        },
        followup={"title": f"{LAST} zurückrufen", "due_date": timezone.localdate(), "assignee": coordinator},
    )
    interaction_services.interaction_update(
        user=coordinator,
        interaction=contact,
        data={"summary": contact.summary + f" Frau {LAST} übernimmt die Moderation."},
        expected_version=contact.version,
    )
    unlinked = interaction_services.interaction_create(
        user=coordinator,
        data={
            "date": timezone.localdate(),
            "channel": "phone",
            "summary": f"Der Verein empfiehlt {FIRST} {LAST} für die Jury.",
            "visibility": "staff",
            "actors": [other],
        },
    )
    start = timezone.now() - dt.timedelta(days=3)
    activity = activity_services.activity_create(
        user=coordinator,
        data={
            "title": "Fairtrade-Frühstück",
            "kind": "event",
            "start": start,
            "end": start + dt.timedelta(hours=2),
            "outcome_notes": f"Rückfragen an {EMAIL}.",
        },
        participants=[ParticipantSpec(role="participant", person_id=person.pk)],
    )
    first, second = sorted((actor, other), key=lambda a: a.pk)
    intro = Introduction.objects.create(actor_a=first, actor_b=second)
    IntroductionMail.objects.create(
        introduction=intro,
        actor=actor,
        recipient=EMAIL,
        subject="Vorstellung: Eine-Welt-Verein",
        body=f"Guten Tag {FIRST} {LAST},\n\nwir möchten Sie mit dem Eine-Welt-Verein bekannt machen.",
        status="failed",
        error=f"550 5.1.1 <{EMAIL}>: Recipient address rejected",
    )
    LogEntry.objects.create(
        user=coordinator,
        content_type=ContentType.objects.get_for_model(Person),
        object_id=str(person.pk),
        object_repr=str(person),
        action_flag=CHANGE,
        change_message='[{"changed": {"fields": ["E-Mail (privat)"]}}]',
    )
    DBTaskResult.objects.create(
        status="FAILED",
        args_kwargs={"args": [], "kwargs": {}},
        priority=0,
        task_path="knotenpunkt.synergies.tasks.send_introduction_mails",
        queue_name="default",
        backend_name="default",
        run_after=timezone.now(),
        finished_at=timezone.now(),
        exception_class_path="smtplib.SMTPRecipientsRefused",
        traceback=f"smtplib.SMTPRecipientsRefused: {{'{EMAIL}': (550, b'rejected')}}",
    )
    initiative = initiative_services.initiative_create(
        user=coordinator,
        data={"title": "Fairtrade-Town erneuern", "summary": f"Idee von {FIRST} {LAST}, Rückfragen an {PHONE}."},
    )
    initiative_services.stakeholder_add(
        user=coordinator,
        initiative=initiative,
        actor=actor,
        data={"reached": "inform", "first_involved": timezone.localdate(), "first_involved_how": f"Mail an {EMAIL}"},
    )
    Actor.objects.filter(pk=actor.pk).update(internal_notes=f"Ansprechpartnerin privat: {PHONE}")
    return {"person": person, "contact": contact, "unlinked": unlinked, "activity": activity, "actor": actor}


def test_before_the_erasure_the_dump_finds_the_person_everywhere(spread_person):
    # The check below can fail: all five traces are there to be found.
    assert sorted(traces_in(dump_database())) == sorted(TRACES)


def test_after_the_erasure_no_table_holds_a_trace_of_the_person(spread_person, coordinator):
    erasure.person_erase(user=coordinator, person=spread_person["person"])
    dump = dump_database()
    assert traces_in(dump) == [], [line for line in dump.splitlines() if traces_in(line)][:10]


def test_counts_stay_with_a_tombstone(spread_person, coordinator):
    person, contact, activity = spread_person["person"], spread_person["contact"], spread_person["activity"]
    tombstone = erasure.person_erase(user=coordinator, person=person)
    assert str(tombstone) == f"gelöschte Person, {timezone.localdate():%-d.%-m.%Y}"
    assert list(Interaction.objects.get(pk=contact.pk).persons.all()) == [tombstone]
    assert activity.participations.filter(person=tombstone).count() == 1
    assert tombstone.memberships.count() == 0
    assert "[gelöschte Person] bringt die Flyer mit" in Interaction.objects.get(pk=contact.pk).summary
    assert FollowUp.objects.get(interaction=contact).title == "[gelöschte Person] zurückrufen"


def test_the_erasure_is_recorded_without_the_erased_data(spread_person, coordinator):
    person = spread_person["person"]
    erasure.person_erase(user=coordinator, person=person)
    erased = Change.objects.get(kind=ChangeKind.PERSON_ERASED)
    assert erased.user == coordinator
    assert erased.data == {"reason": "request", "counts": erased.data["counts"]}
    assert erased.data["counts"] == {
        "memberships": 1,
        "interactions": 1,
        "participations": 1,
        "mails": 1,
        "history": erased.data["counts"]["history"],
    }
    assert erased.data["counts"]["history"] >= 5
    assert not traces_in(json.dumps(erased.data).lower() + erased.record_label.lower())
    assert [c.data for c in Change.objects.for_record("actors.person", person.pk).exclude(pk=erased.pk)] == [
        {"erased": True}
    ] * 2


def test_the_erasure_log_keeps_only_the_id_and_time_in_the_database_and_the_file(
    spread_person, coordinator, django_capture_on_commit_callbacks
):
    person = spread_person["person"]
    with django_capture_on_commit_callbacks(execute=True):
        erasure.person_erase(user=coordinator, person=person)
    entry = ErasureLogEntry.objects.get()
    assert entry.person_id == person.pk
    (line,) = erasure.read_log_file()
    assert line == {"person_id": person.pk, "at": entry.at.astimezone(dt.UTC).isoformat()}
    assert erasure.sync_log_file() == 0


def test_a_second_erasure_is_refused_and_changes_nothing(spread_person, coordinator):
    person = spread_person["person"]
    erasure.person_erase(user=coordinator, person=person)
    before = Change.objects.count()
    with pytest.raises(ValidationError, match="bereits gelöscht"):
        erasure.person_erase(user=coordinator, person=person)
    assert Change.objects.count() == before
    assert ErasureLogEntry.objects.count() == 1


def test_a_failed_erasure_leaves_everything_as_it_was(
    spread_person, coordinator, monkeypatch, django_capture_on_commit_callbacks
):
    person = spread_person["person"]
    before = dump_database()

    def fail(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(erasure, "_scrub_admin_log", fail)
    with pytest.raises(RuntimeError), django_capture_on_commit_callbacks(execute=True):
        erasure.person_erase(user=coordinator, person=person)
    assert dump_database() == before
    assert erasure.read_log_file() == []


def test_replaying_the_log_erases_persons_a_restored_database_brought_back(spread_person, coordinator):
    person = spread_person["person"]
    # As after restoring a backup taken before the erasure: the person is back, the log file is not.
    erasure.append_to_log_file(person.pk, timezone.now())
    erasure.append_to_log_file(10**9, timezone.now())  # erased before the backup was taken: not there
    assert erasure.replay() == [person.pk]
    assert Person.objects.get(pk=person.pk).is_erased
    assert traces_in(dump_database()) == []
    assert erasure.replay() == []  # idempotent


def test_replay_skips_entries_older_than_the_backup(spread_person):
    person = spread_person["person"]
    erasure.append_to_log_file(person.pk, timezone.now() - dt.timedelta(days=2))
    assert erasure.replay(since=timezone.now() - dt.timedelta(days=1)) == []
    assert not Person.objects.get(pk=person.pk).is_erased


def test_an_unreadable_log_line_is_skipped(settings, spread_person):
    settings.KNOTENPUNKT_ERASURE_LOG.write_text('{"person_id": "x"}\nkein json\n', encoding="utf-8")
    assert erasure.read_log_file() == []


# --- warnings before erasing ------------------------------------------------------------------


def test_the_office_is_warned_about_an_open_introduction_that_only_this_person_can_receive(spread_person):
    warnings = erasure.plan(spread_person["person"]).warnings
    assert any("einzige Kontaktperson von „Weltladen Ludwigsburg“" in w for w in warnings), warnings


def test_the_office_is_warned_about_open_follow_ups_of_the_persons_contacts(spread_person):
    warnings = erasure.plan(spread_person["person"]).warnings
    assert any("1 offene Wiedervorlage" in w for w in warnings), warnings


def test_no_warning_when_the_actor_has_a_public_address(spread_person):
    Actor.objects.filter(pk=spread_person["actor"].pk).update(contact_email="info@weltladen.example")
    FollowUp.objects.update(done_at=timezone.now())
    assert erasure.plan(spread_person["person"]).warnings == []
