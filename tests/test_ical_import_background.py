"""iCal in, in the background: uploaded files are kept and imported by the worker, which retries after
database errors. The worker opens and closes its own transactions: no test-wide transaction around it."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from knotenpunkt.activities import calendars, feed_reading, importer, services, tasks
from knotenpunkt.activities.models import Activity, CalendarSource
from tests.test_ical_import import feed_v1

pytestmark = pytest.mark.django_db(transaction=True)


def run_worker():
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)


@pytest.fixture
def upload(coordinator, actor_a):
    """Upload a file as the coordinator; the import is queued after the commit, as in a request."""

    def upload(content: bytes):
        return calendars.calendar_source_upload(user=coordinator, actor=actor_a, content=content)

    return upload


def test_an_uploaded_file_is_kept_and_imported_in_the_background(upload, coordinator):
    source = upload(feed_v1().encode())
    assert source.kind == "upload" and source.refresh_pending
    assert not Activity.objects.exists()  # nothing is read in the upload request

    run_worker()

    source.refresh_from_db()
    assert (source.name, source.last_summary["new"], source.progress) == ("Vereinskalender", 3, {})
    assert Activity.objects.filter(source=source).count() == 3
    # A new version of the file updates the same activities, in the background as well.
    calendars.calendar_source_replace_file(
        user=coordinator, source=source, content=feed_v1().replace("Sommerfest", "Sommerfest 2").encode()
    )
    run_worker()
    assert Activity.objects.filter(source=source).count() == 3
    assert Activity.objects.filter(source=source, title="Sommerfest 2").exists()


def test_a_refused_upload_leaves_nothing_behind(actor_a, coordinator):
    with pytest.raises(feed_reading.FeedError):
        calendars.calendar_source_upload(user=coordinator, actor=actor_a, content=b"<html>")
    assert not CalendarSource.objects.exists()
    assert not Activity.objects.exists()


def test_an_upload_source_is_read_again_from_its_kept_file_not_fetched(upload):
    """The file is kept, so a later refresh (the window moves on) reads it again; nothing is fetched."""
    source = upload(feed_v1().encode())
    run_worker()
    assert bytes(CalendarSource.objects.get(pk=source.pk).content) == feed_v1().encode()
    summary = importer.refresh(source.pk)
    assert summary is not None and summary["unchanged"] == 3
    CalendarSource.objects.filter(pk=source.pk).update(content=None)
    assert importer.refresh(source.pk) is None
    source.refresh_from_db()
    assert "neue Fassung hochladen" in source.last_error


def test_the_hourly_refresh_reads_an_uploaded_file_again_once_its_window_has_moved(upload, monkeypatch):
    source = upload(feed_v1().encode())
    run_worker()
    assert tasks.refresh_all_calendar_sources.call() == 0  # just read: its window is today's
    later = timezone.now() + dt.timedelta(days=30)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert tasks.refresh_all_calendar_sources.call() == 1
    source.refresh_from_db()
    assert source.refresh_pending


def test_a_database_error_during_an_import_rolls_back_and_is_tried_again_later(upload, monkeypatch):
    """Fault injection: the first attempt meets "database is locked" half-way through applying the feed."""
    from django.db import OperationalError
    from django_tasks_db.models import DBTaskResult

    source = upload(feed_v1().encode())
    real_create, calls = services.activity_create, []

    def create_then_fail(**kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise OperationalError("database is locked")
        return real_create(**kwargs)

    monkeypatch.setattr(services, "activity_create", create_then_fail)
    run_worker()

    source.refresh_from_db()
    assert not Activity.objects.exists()  # the first activity was rolled back with the rest
    assert "nichts wurde übernommen" in source.last_error
    retry = DBTaskResult.objects.filter(status="READY").get()
    assert retry.args_kwargs["args"] == [source.pk, 2] and retry.run_after > timezone.now()

    DBTaskResult.objects.filter(pk=retry.pk).update(run_after=timezone.now())
    run_worker()
    source.refresh_from_db()
    assert (source.last_error, Activity.objects.filter(source=source).count()) == ("", 3)


def test_a_refused_upload_waits_for_a_new_version_instead_of_being_read_every_hour(upload, monkeypatch):
    """Found by an audit: a refused file had no window and counted as stale at every hourly run."""
    source = upload(feed_v1().encode())
    CalendarSource.objects.filter(pk=source.pk).update(content=b"<!DOCTYPE html><html>Kalender</html>")
    run_worker()
    source.refresh_from_db()
    assert "Webseite" in source.last_error
    later = timezone.now() + dt.timedelta(days=30)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert tasks.refresh_all_calendar_sources.call() == 0


def test_a_series_left_behind_by_a_removed_source_follows_its_rule_when_edited(upload, coordinator):
    """Found by an audit: a kept past series still showed its feed's dates after an edit."""
    upload(feed_v1().encode())
    run_worker()
    forum = Activity.objects.get(source_uid="forum@verein")
    Activity.objects.filter(pk=forum.pk).update(source=None)  # as removing the source leaves past ones
    forum.refresh_from_db()
    services.activity_update(
        user=coordinator, activity=forum, data={"rrule": "FREQ=WEEKLY;COUNT=2"}, expected_version=forum.version
    )
    assert forum.occurrences.count() == 2
