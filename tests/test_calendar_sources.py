"""Calendar sources' services (activities/calendars.py): each records one change; a new feed address
is fetched for the first time after the commit, and so is an uploaded file."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django_tasks_db.models import DBTaskResult

from knotenpunkt.activities import calendars
from knotenpunkt.activities.feed_reading import FeedError
from knotenpunkt.activities.models import Activity, CalendarSource
from knotenpunkt.changes.kinds import ChangeKind
from knotenpunkt.changes.models import Change
from tests.test_ical_import import calendar, feed_v1, vevent

pytestmark = pytest.mark.django_db

PRIVATE = "https://calendar.example.org/calendar/ical/verein/private-0123456789abcdef/basic.ics"
REFRESH = "knotenpunkt.activities.tasks.refresh_calendar_source"


def _queued():
    return [r.args_kwargs["args"] for r in DBTaskResult.objects.filter(task_path=REFRESH)]


def test_registering_a_feed_records_it_and_queues_the_first_import_after_the_commit(
    coordinator, actor_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        source = calendars.calendar_source_create(user=coordinator, actor=actor_a, url="webcal://example.org/k.ics")
        assert _queued() == []  # nothing before the commit
    assert source.url == "https://example.org/k.ics"
    assert source.refresh_pending
    for callback in callbacks:
        callback()
    assert _queued() == [[source.pk]]
    change = Change.objects.get()
    assert (change.kind, change.user, change.record_type, change.record_id) == (
        ChangeKind.CALENDAR_SOURCE_CREATED,
        coordinator,
        "activities.calendarsource",
        source.pk,
    )
    assert set(change.subjects.values_list("kind", "subject_id")) == {("actor", actor_a.pk)}
    assert change.public is False


def test_the_history_keeps_a_feed_address_without_its_secret(coordinator, actor_a):
    calendars.calendar_source_create(user=coordinator, actor=actor_a, url=PRIVATE)
    change = Change.objects.get()
    assert change.data["values"]["url"] == "https://calendar.example.org/…"
    assert "private-0123456789abcdef" not in str(change.data) + change.record_label


def test_the_same_feed_twice_is_refused_and_records_nothing(coordinator, actor_a):
    calendars.calendar_source_create(user=coordinator, actor=actor_a, url="https://example.org/k.ics")
    with pytest.raises(ValidationError):
        calendars.calendar_source_create(user=coordinator, actor=actor_a, url="https://example.org/k.ics")
    assert Change.objects.count() == 1


def test_only_editors_of_the_actor_manage_its_calendars(editor_a, actor_b):
    with pytest.raises(PermissionDenied):
        calendars.calendar_source_create(user=editor_a, actor=actor_b, url="https://example.org/k.ics")
    assert not CalendarSource.objects.exists()


def test_an_uploaded_file_is_recorded_and_queued_for_the_background_import(
    coordinator, actor_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        source = calendars.calendar_source_upload(user=coordinator, actor=actor_a, content=feed_v1().encode())
    assert _queued() == [[source.pk]]
    assert not Activity.objects.exists()
    change = Change.objects.get()
    assert (change.kind, change.data["values"]["kind"]) == (ChangeKind.CALENDAR_SOURCE_CREATED, "upload")
    assert change.data["values"]["content"].endswith("MB")


def test_a_new_version_of_an_uploaded_file_is_recorded_and_queued(
    coordinator, actor_a, django_capture_on_commit_callbacks
):
    source = calendars.calendar_source_upload(user=coordinator, actor=actor_a, content=feed_v1().encode())
    with django_capture_on_commit_callbacks(execute=True):
        calendars.calendar_source_replace_file(user=coordinator, source=source, content=feed_v1().encode() * 1)
    change = Change.objects.get(kind=ChangeKind.CALENDAR_SOURCE_UPDATED)
    assert set(change.fields) == {"content"}
    assert [source.pk] in _queued()
    with pytest.raises(FeedError):
        calendars.calendar_source_replace_file(user=coordinator, source=source, content=b"Hallo")


def test_changing_a_source_records_the_changed_fields(coordinator, actor_a):
    source = calendars.calendar_source_create(user=coordinator, actor=actor_a, url="https://example.org/k.ics")
    calendars.calendar_source_update(user=coordinator, source=source, data={"name": "Vereinskalender", "active": False})
    change = Change.objects.get(kind=ChangeKind.CALENDAR_SOURCE_UPDATED)
    assert change.fields == {
        "name": {"old": "", "new": "Vereinskalender"},
        "active": {"old": True, "new": False},
    }
    source.refresh_from_db()
    assert (source.name, source.active) == ("Vereinskalender", False)


def test_removing_a_source_records_it_and_the_upcoming_activities_it_takes_along(server, actor_a, coordinator):
    from knotenpunkt.activities import importer

    server.serve("/gemischt.ics", calendar(vevent("alt@v", "Vergangen", -10), vevent("neu@v", "Kommend", 10)))
    source = CalendarSource.objects.create(actor=actor_a, url=server.url("/gemischt.ics"))
    importer.refresh(source.pk)
    pk = source.pk

    calendars.calendar_source_delete(user=coordinator, source=source)

    change = Change.objects.get(kind=ChangeKind.CALENDAR_SOURCE_DELETED)
    assert (change.record_id, change.user) == (pk, coordinator)
    assert change.data["activities"] == {"deleted": 1, "kept": 1}
    assert Change.objects.get(kind=ChangeKind.ACTIVITY_DELETED).record_label == "Kommend"


@pytest.fixture
def server():
    from tests.feed_server import FeedServer

    with FeedServer() as running:
        yield running


@pytest.fixture(autouse=True)
def private_hosts_allowed(settings):
    settings.ICAL_IMPORT_ALLOW_PRIVATE_HOSTS = True
    settings.ICAL_IMPORT_TIMEOUT = 5
