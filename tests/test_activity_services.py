"""State changes of activities, as a table of behaviours: dates, recurrence, exceptions,
participants, conflicts, permissions and the page cache."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from knotenpunkt.activities import recurrence, services
from knotenpunkt.activities.models import (
    Activity,
    ActivityException,
    ActivityOccurrence,
    CalendarSource,
    ParticipantRole,
    Participation,
)
from knotenpunkt.activities.recurrence import BERLIN
from knotenpunkt.activities.selectors import filter_occurrences
from knotenpunkt.changes.kinds import ChangeKind
from knotenpunkt.changes.locking import EditConflict
from knotenpunkt.changes.models import Change
from knotenpunkt.core.models import ContentGeneration
from tests.factories import ActorFactory, PersonFactory, ThemeFactory

pytestmark = pytest.mark.django_db

ORGANISER = ParticipantRole.ORGANISER
PARTICIPANT = ParticipantRole.PARTICIPANT


def berlin(*args):
    return dt.datetime(*args, tzinfo=BERLIN)


def make_activity(*, user=None, participants=(), **fields):
    """An activity created through the service (so its occurrences exist), by default public."""
    start = fields.pop("start", berlin(2025, 3, 12, 19, 0))
    data = {
        "title": "Eine-Welt-Forum",
        "kind": "meeting",
        "start": start,
        "end": fields.pop("end", start + dt.timedelta(hours=2)),
        "public": True,
        **fields,
    }
    return services.activity_create(user=user, data=data, participants=list(participants))


def rows():
    return {model.__name__: model.objects.count() for model in (Activity, ActivityOccurrence, Participation,
                                                                ActivityException)}  # fmt: skip


def generation():
    return ContentGeneration.objects.filter(pk=1).values_list("value", flat=True).first() or 0


def local(value):
    return value.astimezone(BERLIN).strftime("%Y-%m-%d %H:%M")


# --- creating ------------------------------------------------------------------------------


def test_a_single_activity_has_one_occurrence_with_copied_filter_fields():
    activity = make_activity(level="federal")
    [occurrence] = activity.occurrences.all()
    assert (occurrence.start, occurrence.end) == (activity.start, activity.end)
    assert (occurrence.public, occurrence.kind, occurrence.level, occurrence.title) == (
        True, "meeting", "federal", "Eine-Welt-Forum",
    )  # fmt: skip
    assert activity.version == 1 and activity.sequence == 0


def test_a_monthly_series_gets_one_occurrence_per_date():
    activity = make_activity(rrule="FREQ=MONTHLY;BYDAY=2WE;COUNT=12")
    starts = [local(o.start) for o in activity.occurrences.order_by("start")]
    assert len(starts) == 12
    assert starts[:3] == ["2025-03-12 19:00", "2025-04-09 19:00", "2025-05-14 19:00"]


def test_occurrences_longer_than_a_week_are_flagged_long():
    campaign = make_activity(start=berlin(2025, 9, 1), end=berlin(2025, 10, 1), all_day=True, kind="campaign")
    week = make_activity(start=berlin(2025, 9, 13), end=berlin(2025, 9, 20), all_day=True)
    assert campaign.occurrences.get().is_long
    assert not week.occurrences.get().is_long


def test_themes_sdgs_and_participants_are_saved_with_the_activity():
    theme, actor, person = ThemeFactory(slug="fairer-handel"), ActorFactory(), PersonFactory()
    activity = make_activity(
        themes=[theme],
        sdgs=[12],
        participants=[
            services.ParticipantSpec(role=ORGANISER, actor_id=actor.pk),
            services.ParticipantSpec(role=PARTICIPANT, person_id=person.pk),
        ],
    )
    assert list(activity.themes.all()) == [theme]
    assert list(activity.sdgs.values_list("number", flat=True)) == [12]
    assert {(p.actor_id, p.person_id, p.role) for p in activity.participations.all()} == {
        (actor.pk, None, ORGANISER), (None, person.pk, PARTICIPANT),
    }  # fmt: skip


# --- bad input: a clear message and nothing saved ------------------------------------------

_actor = object()  # placeholder resolved in the test
_person = object()

BAD_INPUT = [
    ("end before start", {"end": berlin(2025, 3, 12, 18, 0)}, [], "end", "Das Ende liegt vor dem Beginn."),
    ("a rule without end", {"rrule": "FREQ=WEEKLY"}, [], "rrule", "braucht ein Ende"),
    ("a rule that explodes", {"rrule": "FREQ=DAILY;COUNT=100000"}, [], "rrule", "mehr als 1000 Termine"),
    ("a rule that is no rule", {"rrule": "FREQ=NEVER;COUNT=2"}, [], "rrule", "nicht gültig"),
    ("an actor twice", {}, [(ORGANISER, _actor), (PARTICIPANT, _actor)], "participants", "doppelt eingetragen"),
    ("a person twice", {}, [(PARTICIPANT, _person), (ORGANISER, _person)], "participants", "doppelt eingetragen"),
    ("an unknown role", {}, [("boss", _actor)], "participants", "Unbekannte Rolle"),
    ("no title", {"title": ""}, [], "title", ""),
]


@pytest.mark.parametrize(("what", "fields", "people", "field", "message"), BAD_INPUT, ids=[b[0] for b in BAD_INPUT])
def test_bad_input_is_refused_with_a_message_and_nothing_is_saved(what, fields, people, field, message):
    actor, person = ActorFactory(name="Weltladen"), PersonFactory()
    participants = [
        services.ParticipantSpec(role=role, **({"actor_id": actor.pk} if who is _actor else {"person_id": person.pk}))
        for role, who in people
    ]
    before = rows()
    with pytest.raises(ValidationError) as excinfo:
        make_activity(participants=participants, **fields)
    assert field in excinfo.value.message_dict
    assert message in " ".join(excinfo.value.message_dict[field])
    assert rows() == before


def test_a_bad_update_leaves_the_activity_and_its_dates_as_they_were():
    activity = make_activity(rrule="FREQ=WEEKLY;COUNT=3")
    before = rows(), list(activity.occurrences.values_list("start", flat=True))
    with pytest.raises(ValidationError):
        services.activity_update(
            user=None, activity=activity, data={"rrule": "FREQ=WEEKLY", "title": "Neu"}, expected_version=1
        )
    activity.refresh_from_db()
    assert (activity.title, activity.rrule, activity.version) == ("Eine-Welt-Forum", "FREQ=WEEKLY;COUNT=3", 1)
    assert (rows(), list(activity.occurrences.values_list("start", flat=True))) == before


# --- updating and conflicts ------------------------------------------------------------------


def test_an_update_raises_the_version_and_rebuilds_the_dates():
    activity = make_activity(rrule="FREQ=WEEKLY;COUNT=2")
    updated = services.activity_update(
        user=None,
        activity=activity,
        data={"rrule": "FREQ=WEEKLY;COUNT=4", "kind": "workshop"},
        expected_version=1,
    )
    assert updated.version == 2 and updated.sequence == 1
    assert list(updated.occurrences.values_list("kind", flat=True)) == ["workshop"] * 4


def test_a_stale_version_is_a_conflict_and_changes_nothing():
    activity = make_activity()
    services.activity_update(user=None, activity=activity, data={"title": "Erste Änderung"}, expected_version=1)
    with pytest.raises(EditConflict) as excinfo:
        services.activity_update(user=None, activity=activity, data={"title": "Zweite Änderung"}, expected_version=1)
    assert excinfo.value.record.title == "Erste Änderung"
    assert [c.fields["title"]["new"] for c in excinfo.value.changes] == ["Erste Änderung"]
    activity.refresh_from_db()
    assert (activity.title, activity.version) == ("Erste Änderung", 2)


def test_participants_none_leaves_them_and_a_list_replaces_them():
    a, b = ActorFactory(), ActorFactory()
    activity = make_activity(participants=[services.ParticipantSpec(role=ORGANISER, actor_id=a.pk)])
    services.activity_update(user=None, activity=activity, data={"title": "X"}, expected_version=1)
    assert list(activity.participations.values_list("actor_id", flat=True)) == [a.pk]
    services.activity_update(
        user=None, activity=activity, data={}, expected_version=2,
        participants=[services.ParticipantSpec(role=PARTICIPANT, actor_id=b.pk)],
    )  # fmt: skip
    assert list(activity.participations.values_list("actor_id", "role")) == [(b.pk, PARTICIPANT)]


def test_cancelling_cancels_every_date_and_uncancelling_restores_them():
    activity = make_activity(rrule="FREQ=WEEKLY;COUNT=3")
    services.activity_set_cancelled(user=None, activity=activity, cancelled=True, expected_version=1)
    assert set(activity.occurrences.values_list("cancelled", flat=True)) == {True}
    services.activity_set_cancelled(user=None, activity=activity, cancelled=False, expected_version=2)
    assert set(activity.occurrences.values_list("cancelled", flat=True)) == {False}


def test_deleting_removes_the_dates():
    activity = make_activity(rrule="FREQ=WEEKLY;COUNT=3")
    services.activity_delete(user=None, activity=activity)
    assert not ActivityOccurrence.objects.exists()


# --- exceptions ----------------------------------------------------------------------------


def test_cancelling_one_date_of_a_series_cancels_only_that_date():
    activity = make_activity(rrule="FREQ=WEEKLY;COUNT=3")
    services.exception_save(user=None, activity=activity, recurrence_id=berlin(2025, 3, 19, 19, 0), cancelled=True)
    assert [o.cancelled for o in activity.occurrences.order_by("start")] == [False, True, False]
    activity.refresh_from_db()
    assert activity.version == 2  # a change of the series (iCalendar SEQUENCE)


def test_moving_one_date_keeps_its_recurrence_id_and_duration():
    activity = make_activity(rrule="FREQ=WEEKLY;COUNT=3")
    services.exception_save(
        user=None, activity=activity, recurrence_id=berlin(2025, 3, 19, 19, 0),
        start=berlin(2025, 3, 20, 18, 0), end=berlin(2025, 3, 20, 21, 0),
    )  # fmt: skip
    moved = activity.occurrences.get(recurrence_id=berlin(2025, 3, 19, 19, 0))
    assert (local(moved.start), local(moved.end)) == ("2025-03-20 18:00", "2025-03-20 21:00")


def test_undoing_an_exception_restores_the_planned_date():
    activity = make_activity(rrule="FREQ=WEEKLY;COUNT=3")
    exception = services.exception_save(
        user=None, activity=activity, recurrence_id=berlin(2025, 3, 19, 19, 0), cancelled=True
    )
    services.exception_delete(user=None, exception=exception)
    assert not activity.occurrences.filter(cancelled=True).exists()
    assert not ActivityException.objects.exists()


@pytest.mark.parametrize(
    ("rrule", "recurrence_id", "start", "end", "message"),
    [
        ("", berlin(2025, 3, 12, 19, 0), None, None, "Nur wiederkehrende Termine"),
        ("FREQ=WEEKLY;COUNT=3", berlin(2025, 3, 20, 19, 0), None, None, "findet der Termin nicht statt"),
        ("FREQ=WEEKLY;COUNT=3", berlin(2025, 3, 19, 19, 0), berlin(2025, 3, 19, 19, 0), berlin(2025, 3, 19, 18, 0),
         "Das Ende liegt vor dem Beginn"),
    ],
)  # fmt: skip
def test_bad_exceptions_are_refused_and_change_nothing(rrule, recurrence_id, start, end, message):
    activity = make_activity(rrule=rrule)
    before = rows(), Activity.objects.get(pk=activity.pk).version
    with pytest.raises(ValidationError) as excinfo:
        services.exception_save(user=None, activity=activity, recurrence_id=recurrence_id, start=start, end=end)
    assert message in " ".join(excinfo.value.messages)
    assert (rows(), Activity.objects.get(pk=activity.pk).version) == before


# --- who may do what ---------------------------------------------------------------------


def test_an_actor_editor_creates_only_activities_their_actor_organises(editor_a, actor_a):
    other = ActorFactory(name="Anderer Verein")
    with pytest.raises(ValidationError) as excinfo:
        make_activity(user=editor_a, participants=[services.ParticipantSpec(role=ORGANISER, actor_id=other.pk)])
    assert "eigenen Akteure als Veranstalter" in " ".join(excinfo.value.messages)
    activity = make_activity(
        user=editor_a, participants=[services.ParticipantSpec(role=ORGANISER, actor_id=actor_a.pk)]
    )
    assert activity.created_by == editor_a


def test_an_actor_editor_cannot_change_activities_of_others(editor_a):
    activity = make_activity(participants=[services.ParticipantSpec(role=ORGANISER, actor_id=ActorFactory().pk)])
    with pytest.raises(PermissionDenied):
        services.activity_update(user=editor_a, activity=activity, data={"title": "Gekapert"}, expected_version=1)
    with pytest.raises(PermissionDenied):
        services.exception_save(user=editor_a, activity=activity, recurrence_id=activity.start, cancelled=True)


def test_visitors_cannot_create_activities(anonymous):
    with pytest.raises(PermissionDenied):
        make_activity(user=anonymous)


def test_city_staff_edit_what_they_created_or_their_department_organises(city_staff, department):
    own = make_activity(user=city_staff)
    services.activity_update(user=city_staff, activity=own, data={"title": "Geändert"}, expected_version=1)
    by_department = make_activity(participants=[services.ParticipantSpec(role=ORGANISER, actor_id=department.pk)])
    services.activity_update(user=city_staff, activity=by_department, data={"title": "Auch"}, expected_version=1)
    foreign = make_activity(participants=[services.ParticipantSpec(role=ORGANISER, actor_id=ActorFactory().pk)])
    with pytest.raises(PermissionDenied):
        services.activity_update(user=city_staff, activity=foreign, data={"title": "Nein"}, expected_version=1)


# --- imported activities -------------------------------------------------------------------


def test_people_cannot_change_what_an_imported_activity_takes_from_its_feed(coordinator, actor_a):
    source = CalendarSource.objects.create(actor=actor_a, url="https://example.org/kalender.ics")
    activity = services.activity_create(
        user=None, data={"title": "Aus dem Feed", "start": berlin(2025, 5, 1, 18), "end": berlin(2025, 5, 1, 20)},
        source=source, source_uid="abc@example.org",
    )  # fmt: skip
    with pytest.raises(ValidationError) as excinfo:
        services.activity_update(user=coordinator, activity=activity, data={"title": "Umbenannt"}, expected_version=1)
    assert "Titel" in " ".join(excinfo.value.messages)
    updated = services.activity_update(
        user=coordinator, activity=activity, data={"title": "Aus dem Feed", "kind": "workshop"}, expected_version=1
    )
    assert (updated.title, updated.kind) == ("Aus dem Feed", "workshop")


# --- the public page cache ------------------------------------------------------------------


def test_changes_to_public_activities_refresh_cached_pages_and_internal_ones_do_not():
    before = generation()
    internal = make_activity(public=False)
    assert generation() == before
    services.activity_update(user=None, activity=internal, data={"title": "Intern"}, expected_version=1)
    assert generation() == before
    services.activity_update(user=None, activity=internal, data={"public": True}, expected_version=2)
    assert generation() == before + 1
    services.activity_set_cancelled(user=None, activity=internal, cancelled=True, expected_version=3)
    assert generation() == before + 2


# --- what the calendar filters on, copied onto the dates ------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "all_day", "multi_day"),
    [
        (berlin(2025, 3, 12, 19, 0), berlin(2025, 3, 12, 21, 0), False, False),
        (berlin(2025, 3, 12, 22, 0), berlin(2025, 3, 13, 1, 0), False, True),  # past midnight
        (berlin(2025, 3, 12), berlin(2025, 3, 13), True, False),  # one whole day ends at midnight
        (berlin(2025, 3, 12), berlin(2025, 3, 15), True, True),
    ],
)
def test_a_date_knows_whether_it_reaches_into_the_next_day(start, end, all_day, multi_day):
    activity = make_activity(start=start, end=end, all_day=all_day)
    assert activity.occurrences.get().multi_day is multi_day


def test_themes_and_sdgs_are_copied_onto_every_date_and_follow_changes():
    klima, fair = ThemeFactory(name_de="Klima", slug="klima"), ThemeFactory(name_de="Fair", slug="fair")
    activity = make_activity(rrule="FREQ=WEEKLY;COUNT=3", themes=[klima], sdgs=[13])
    assert set(activity.occurrences.values_list("theme_ids", "sdg_ids")) == {(f",{klima.pk},", ",13,")}

    services.activity_update(
        user=None, activity=activity, data={"themes": [fair, klima], "sdgs": []}, expected_version=activity.version
    )

    expected = f",{min(klima.pk, fair.pk)},{max(klima.pk, fair.pk)},"
    assert set(activity.occurrences.values_list("theme_ids", "sdg_ids")) == {(expected, "")}


def test_the_theme_filter_finds_exactly_the_dates_of_activities_with_that_theme():
    themes = [ThemeFactory(name_de=f"Thema {i}", slug=f"thema-{i}") for i in range(12)]
    for i in range(12):
        # Theme 1 and theme 11 share a digit: ",1," must not match ",11,".
        make_activity(title=f"T{i}", themes=[themes[i], themes[(i * 5) % 12]], rrule="FREQ=DAILY;COUNT=2")
    for theme in themes:
        via_copy = set(
            filter_occurrences(ActivityOccurrence.objects.all(), {"theme": theme}).values_list("pk", flat=True)
        )
        via_join = set(ActivityOccurrence.objects.filter(activity__themes=theme).values_list("pk", flat=True))
        assert via_copy == via_join and via_copy, theme


# --- the change record: one row per change, participants before and after -------------------------


def _subjects(change):
    return set(change.subjects.values_list("kind", "subject_id"))


def test_creating_records_the_activity_with_its_participants_by_id(coordinator):
    theme, actor, person = ThemeFactory(slug="fairer-handel"), ActorFactory(), PersonFactory()
    activity = make_activity(
        user=coordinator,
        themes=[theme],
        sdgs=[12],
        participants=[
            services.ParticipantSpec(role=PARTICIPANT, person_id=person.pk),
            services.ParticipantSpec(role=ORGANISER, actor_id=actor.pk),
        ],
    )
    change = Change.objects.get()
    assert (change.kind, change.user, change.record_type, change.record_id, change.version) == (
        ChangeKind.ACTIVITY_CREATED, coordinator, "activities.activity", activity.pk, 1,
    )  # fmt: skip
    stored = change.data["values"]
    assert stored["participants"] == [["organiser", "actor", actor.pk], ["participant", "person", person.pk]]
    assert (stored["themes"], stored["sdgs"], stored["title"]) == ([theme.pk], [12], "Eine-Welt-Forum")
    assert stored["start"] == "2025-03-12T18:00:00+00:00"
    assert _subjects(change) == {("actor", actor.pk), ("person", person.pk)}
    # Persons are named by id only: their name never enters the history row.
    assert person.last_name not in str(change.data)
    assert change.public is True


def test_an_update_records_the_changed_fields_and_everyone_before_and_after(coordinator):
    theme, a, b, person = ThemeFactory(slug="klima"), ActorFactory(), ActorFactory(), PersonFactory()
    activity = make_activity(
        user=coordinator,
        participants=[
            services.ParticipantSpec(role=ORGANISER, actor_id=a.pk),
            services.ParticipantSpec(role=PARTICIPANT, person_id=person.pk),
        ],
    )
    services.activity_update(
        user=coordinator,
        activity=activity,
        # The same start, written in Berlin time, is no change.
        data={"title": "Neuer Titel", "start": berlin(2025, 3, 12, 19, 0), "themes": [theme]},
        participants=[services.ParticipantSpec(role=ORGANISER, actor_id=b.pk)],
        expected_version=1,
    )
    change = Change.objects.get(kind=ChangeKind.ACTIVITY_UPDATED)
    assert change.fields == {
        "title": {"old": "Eine-Welt-Forum", "new": "Neuer Titel"},
        "themes": {"old": [], "new": [theme.pk]},
        "participants": {
            "old": [["organiser", "actor", a.pk], ["participant", "person", person.pk]],
            "new": [["organiser", "actor", b.pk]],
        },
    }
    assert change.version == 2
    assert _subjects(change) == {("actor", a.pk), ("actor", b.pk), ("person", person.pk)}


def test_deleting_records_what_the_activity_was(coordinator):
    actor = ActorFactory()
    activity = make_activity(
        user=coordinator, participants=[services.ParticipantSpec(role=ORGANISER, actor_id=actor.pk)]
    )
    pk = activity.pk
    services.activity_delete(user=coordinator, activity=activity)
    change = Change.objects.get(kind=ChangeKind.ACTIVITY_DELETED)
    assert (change.record_id, change.record_label) == (pk, "Eine-Welt-Forum")
    assert change.data["values"]["participants"] == [["organiser", "actor", actor.pk]]
    assert _subjects(change) == {("actor", actor.pk)}


def test_a_changed_date_of_a_series_is_a_change_of_the_series(coordinator):
    actor = ActorFactory()
    activity = make_activity(
        rrule="FREQ=WEEKLY;COUNT=3", participants=[services.ParticipantSpec(role=ORGANISER, actor_id=actor.pk)]
    )
    exception = services.exception_save(
        user=coordinator, activity=activity, recurrence_id=berlin(2025, 3, 19, 19, 0), cancelled=True, note="Ferien"
    )
    services.exception_delete(user=coordinator, exception=exception)
    saved, deleted = (
        Change.objects.filter(record_id=activity.pk).exclude(kind=ChangeKind.ACTIVITY_CREATED).order_by("id")
    )
    assert (saved.kind, saved.version, saved.record_type) == (
        ChangeKind.ACTIVITY_EXCEPTION_SAVED,
        2,
        "activities.activity",
    )
    assert saved.data["exception"]["old"] is None
    assert saved.data["exception"]["new"] == {
        "recurrence_id": "2025-03-19T18:00:00+00:00",
        "cancelled": True,
        "start": None,
        "end": None,
        "title": "",
        "note": "Ferien",
    }
    assert (deleted.kind, deleted.version) == (ChangeKind.ACTIVITY_EXCEPTION_DELETED, 3)
    assert deleted.data["exception"] == {"old": saved.data["exception"]["new"], "new": None}
    assert _subjects(saved) == _subjects(deleted) == {("actor", actor.pk)}


def test_a_stale_edit_after_a_changed_date_names_that_change(coordinator):
    activity = make_activity(rrule="FREQ=WEEKLY;COUNT=3")
    services.exception_save(
        user=coordinator, activity=activity, recurrence_id=berlin(2025, 3, 19, 19, 0), cancelled=True
    )
    with pytest.raises(EditConflict) as excinfo:
        services.activity_update(user=coordinator, activity=activity, data={"title": "Alt"}, expected_version=1)
    assert [c.kind for c in excinfo.value.changes] == [ChangeKind.ACTIVITY_EXCEPTION_SAVED]


def test_a_refused_change_writes_no_change():
    activity = make_activity()
    with pytest.raises(ValidationError):
        services.activity_update(user=None, activity=activity, data={"rrule": "FREQ=WEEKLY"}, expected_version=1)
    assert list(Change.objects.values_list("kind", flat=True)) == [ChangeKind.ACTIVITY_CREATED]


@pytest.mark.parametrize(
    ("change", "public_before", "counts"),
    [
        ("delete", True, True),
        ("delete", False, False),
        ("exception", True, True),
        ("exception", False, False),
        ("extend", True, True),
        ("extend", False, False),
    ],
)
def test_deleting_and_changing_dates_refresh_cached_pages_for_public_activities_only(change, public_before, counts):
    activity = make_activity(rrule="FREQ=WEEKLY;COUNT=3", public=public_before)
    before = generation()
    if change == "delete":
        services.activity_delete(user=None, activity=activity)
    elif change == "exception":
        services.exception_save(user=None, activity=activity, recurrence_id=berlin(2025, 3, 19, 19, 0), cancelled=True)
    else:
        dates = recurrence.dates_to_json(
            recurrence.expand(start=activity.start, end=activity.end, rrule="FREQ=WEEKLY;COUNT=5")
        )
        services.activity_extend_dates(activity=activity, dates=dates)
    assert generation() == before + (1 if counts else 0)
    assert Change.objects.order_by("-id").first().public is counts


def test_moving_an_imported_series_window_is_recorded_without_a_new_version():
    source = CalendarSource.objects.create(actor=ActorFactory(), url="https://example.org/kalender.ics")
    first = recurrence.expand(start=berlin(2025, 3, 12, 19), end=berlin(2025, 3, 12, 21), rrule="FREQ=WEEKLY;COUNT=12")
    activity = services.activity_create(
        user=None,
        data={"title": "Stammtisch", "start": berlin(2025, 3, 12, 19), "end": berlin(2025, 3, 12, 21), "public": True,
              "rrule": "FREQ=WEEKLY", "dates": recurrence.dates_to_json(first)},
        source=source, source_uid="stamm@example.org",
    )  # fmt: skip
    assert activity.occurrences.count() == 12
    later = recurrence.expand(start=berlin(2025, 3, 12, 19), end=berlin(2025, 3, 12, 21), rrule="FREQ=WEEKLY;COUNT=25")
    services.activity_extend_dates(activity=activity, dates=recurrence.dates_to_json(later))
    change = Change.objects.order_by("-id").first()
    assert (change.kind, change.user, change.version) == (ChangeKind.ACTIVITY_DATES_EXTENDED, None, 1)
    assert change.data["dates"]["count"] == 25
    assert change.data["dates"]["last"] == "2025-08-27T17:00:00+00:00"
    assert local(activity.occurrences.order_by("-start").first().start) == "2025-08-27 19:00"
    assert Activity.objects.get(pk=activity.pk).version == 1
