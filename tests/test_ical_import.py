"""iCal in: an actor's feed served by a local HTTP server, imported, refreshed, refused."""

import datetime as dt
import time
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from knotenpunkt.activities import calendars, feed_reading, importer, services, tasks
from knotenpunkt.activities.models import (
    Activity,
    ActivityException,
    ActivityOccurrence,
    CalendarSource,
    Participation,
)
from tests.feed_server import FeedServer
from tests.ical_readers import ical_occurrences, icalendar_events

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture(autouse=True)
def private_hosts_allowed(settings):
    settings.ICAL_IMPORT_ALLOW_PRIVATE_HOSTS = True
    settings.ICAL_IMPORT_TIMEOUT = 5


@pytest.fixture
def server():
    with FeedServer() as running:
        yield running


def day(days: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


def local(days: int, hour: int = 19) -> str:
    return f"{day(days):%Y%m%d}T{hour:02d}0000"


def vevent(uid, summary, days, *, hours=2, hour=19, extra=""):
    lines = [
        "BEGIN:VEVENT",
        f"UID:{uid}",
        "DTSTAMP:20260101T000000Z",
        f"DTSTART;TZID=Europe/Berlin:{local(days, hour)}",
        f"DTEND;TZID=Europe/Berlin:{local(days, hour + hours)}",
        f"SUMMARY:{summary}",
        *[line for line in extra.split("\n") if line],
        "END:VEVENT",
    ]
    return "\r\n".join(lines) + "\r\n"


def calendar(*events, name="Vereinskalender"):
    head = f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//Verein//DE\r\nX-WR-CALNAME:{name}\r\n"
    return head + "".join(events) + "END:VCALENDAR\r\n"


def feed_v1():
    return calendar(
        vevent("fest@verein", "Sommerfest", 10, extra="LOCATION:Bärenwiese\\, Ludwigsburg\nGEO:48.9;9.19"),
        "BEGIN:VEVENT\r\nUID:basar@verein\r\nDTSTAMP:20260101T000000Z\r\n"
        f"DTSTART;VALUE=DATE:{day(20):%Y%m%d}\r\nDTEND;VALUE=DATE:{day(22):%Y%m%d}\r\n"
        "SUMMARY:Weltladen-Basar\r\nDESCRIPTION:Zwei Tage\\, mit Kaffee\r\nEND:VEVENT\r\n",
        vevent(
            "forum@verein",
            "Eine-Welt-Forum",
            3,
            extra=(f"RRULE:FREQ=WEEKLY;COUNT=6\nEXDATE;TZID=Europe/Berlin:{local(10)}"),
        ),
        # The fourth forum moves to the next day at 18:00.
        "BEGIN:VEVENT\r\nUID:forum@verein\r\nDTSTAMP:20260101T000000Z\r\n"
        f"RECURRENCE-ID;TZID=Europe/Berlin:{local(24)}\r\n"
        f"DTSTART;TZID=Europe/Berlin:{local(25, 18)}\r\nDTEND;TZID=Europe/Berlin:{local(25, 20)}\r\n"
        "SUMMARY:Eine-Welt-Forum (verlegt)\r\nEND:VEVENT\r\n",
    )


@pytest.fixture
def source(server, actor_a):
    server.serve("/verein.ics", feed_v1())
    return CalendarSource.objects.create(actor=actor_a, url=server.url("/verein.ics"))


def refresh(source):
    summary = importer.refresh(source.pk)
    source.refresh_from_db()
    return summary


def snapshot():
    """Every row an import could write."""
    return {
        model._meta.label: list(model.objects.order_by("pk").values())
        for model in (Activity, ActivityException, ActivityOccurrence, Participation)
    }


# --- a good feed -----------------------------------------------------------------------------


def test_the_first_import_creates_the_actors_activities(source, actor_a):
    summary = refresh(source)

    assert source.last_error == ""
    assert summary["new"] == 3 and summary["events"] == 3
    activities = {a.source_uid: a for a in Activity.objects.filter(source=source)}
    assert set(activities) == {"fest@verein", "basar@verein", "forum@verein"}
    for activity in activities.values():
        assert activity.participations.get().actor == actor_a
        assert activity.participations.get().role == "organiser"
        assert activity.public
    fest = activities["fest@verein"]
    assert fest.place_name == "Bärenwiese, Ludwigsburg"
    assert (float(fest.latitude), float(fest.longitude)) == (48.9, 9.19)
    assert fest.start == dt.datetime.fromisoformat(f"{day(10)}T19:00").replace(tzinfo=BERLIN)
    basar = activities["basar@verein"]
    assert basar.all_day
    assert basar.description == "Zwei Tage, mit Kaffee"
    assert basar.end - basar.start == dt.timedelta(days=2)


def test_recurrence_exdate_and_recurrence_id_become_exceptions(source):
    refresh(source)
    forum = Activity.objects.get(source_uid="forum@verein")
    assert forum.rrule == "FREQ=WEEKLY;COUNT=6"
    occurrences = list(forum.occurrences.order_by("recurrence_id"))
    assert len(occurrences) == 6
    assert [o.cancelled for o in occurrences] == [False, True, False, False, False, False]
    moved = occurrences[3]
    assert moved.title == "Eine-Welt-Forum (verlegt)"
    assert moved.start.astimezone(BERLIN).date() == day(25)
    assert moved.start.astimezone(BERLIN).hour == 18


def test_a_refresh_of_an_unchanged_feed_changes_nothing(source):
    refresh(source)
    before = snapshot()

    summary = refresh(source)

    assert summary["unchanged"] == 3 and summary["new"] == summary["updated"] == 0
    assert snapshot() == before


def test_a_changed_event_is_updated_in_place_with_a_higher_sequence(client, source):
    refresh(source)
    fest = Activity.objects.get(source_uid="fest@verein")
    forum_version = Activity.objects.get(source_uid="forum@verein").version
    _serve(source, feed_v1().replace("SUMMARY:Sommerfest", "SUMMARY:Sommerfest mit Musik"))

    summary = refresh(source)

    assert summary["updated"] == 1 and summary["unchanged"] == 2
    assert Activity.objects.filter(source=source).count() == 3
    fest_after = Activity.objects.get(pk=fest.pk)
    assert fest_after.title == "Sommerfest mit Musik"
    assert fest_after.sequence == fest.sequence + 1
    assert Activity.objects.get(source_uid="forum@verein").version == forum_version
    exported = icalendar_events(client.get(reverse("activities:activity_ics", args=[fest.pk])).content)
    assert exported[0]["sequence"] == fest.sequence + 1
    assert exported[0]["uid"] == fest.uid


def test_only_dtstamp_changing_upstream_is_no_change(source):
    refresh(source)
    before = snapshot()
    _serve(source, feed_v1().replace("DTSTAMP:20260101T000000Z", "DTSTAMP:20261111T111111Z"))
    assert refresh(source)["unchanged"] == 3
    assert snapshot() == before


def test_an_event_deleted_upstream_is_cancelled_not_deleted(source):
    refresh(source)
    without_fest = feed_v1().replace(
        vevent("fest@verein", "Sommerfest", 10, extra="LOCATION:Bärenwiese\\, Ludwigsburg\nGEO:48.9;9.19"), ""
    )
    assert "fest@verein" not in without_fest
    _serve(source, without_fest)

    summary = refresh(source)

    assert summary["cancelled"] == 1
    fest = Activity.objects.get(source_uid="fest@verein")
    assert fest.cancelled
    assert fest.occurrences.get().cancelled
    # and it comes back when it reappears upstream
    _serve(source, feed_v1())
    refresh(source)
    assert not Activity.objects.get(source_uid="fest@verein").cancelled


def test_a_cancelled_event_upstream_is_cancelled_here(source):
    refresh(source)
    _serve(source, feed_v1().replace("SUMMARY:Sommerfest", "SUMMARY:Sommerfest\r\nSTATUS:CANCELLED"))
    assert refresh(source)["cancelled"] == 1
    assert Activity.objects.get(source_uid="fest@verein").cancelled


def test_a_past_event_that_drops_out_of_the_feed_stays_as_it_was(server, actor_a):
    server.serve(
        "/alt.ics", calendar(vevent("alt@verein", "Frühjahrsputz", -30), vevent("neu@verein", "Herbstfest", 30))
    )
    source = CalendarSource.objects.create(actor=actor_a, url=server.url("/alt.ics"))
    refresh(source)
    server.serve("/alt.ics", calendar(vevent("neu@verein", "Herbstfest", 30)))

    assert refresh(source)["cancelled"] == 0
    assert not Activity.objects.get(source_uid="alt@verein").cancelled


def test_not_modified_answers_304_and_changes_nothing(server, actor_a):
    server.serve("/etag.ics", feed_v1(), etag='"v1"')
    source = CalendarSource.objects.create(actor=actor_a, url=server.url("/etag.ics"))
    refresh(source)
    assert source.etag == '"v1"'
    before = snapshot()

    summary = refresh(source)

    assert server.requests[-1]["headers"].get("If-None-Match") == '"v1"'
    assert summary["not_modified"] is True
    assert source.last_error == "" and source.last_summary["not_modified"] is True
    assert snapshot() == before


def test_if_modified_since_is_sent_when_the_server_gave_last_modified(server, actor_a):
    def answer(handler):
        handler.send_response(200)
        handler.send_header("Last-Modified", "Wed, 25 Nov 2026 10:00:00 GMT")
        body = feed_v1().encode()
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    server.serve_with("/lm.ics", answer)
    source = CalendarSource.objects.create(actor=actor_a, url=server.url("/lm.ics"))
    refresh(source)
    refresh(source)
    assert server.requests[-1]["headers"].get("If-Modified-Since") == "Wed, 25 Nov 2026 10:00:00 GMT"


def test_an_endless_series_is_read_in_the_window_around_today(settings, server, actor_a):
    """Issue 14: window, not limit. A daily series that started nine months ago used to sink the feed."""
    settings.ICAL_IMPORT_PAST_DAYS, settings.ICAL_IMPORT_FUTURE_DAYS = 30, 60
    server.serve(
        "/endlos.ics",
        calendar(
            vevent("stamm@verein", "Stammtisch", 1, extra="RRULE:FREQ=WEEKLY"),
            vevent("lauf@verein", "Lauftreff", -270, hour=7, extra="RRULE:FREQ=DAILY"),
        ),
    )
    source = CalendarSource.objects.create(actor=actor_a, url=server.url("/endlos.ics"))

    summary = refresh(source)

    assert summary is not None, source.last_error
    stammtisch = Activity.objects.get(source_uid="stamm@verein")
    assert stammtisch.rrule == "FREQ=WEEKLY"  # the rule stays as the feed says, for its words
    starts = [o.start for o in stammtisch.occurrences.order_by("start")]
    assert starts[0].astimezone(BERLIN).date() == day(1)
    assert timezone.now() + dt.timedelta(days=60 - 8) < starts[-1] <= timezone.now() + dt.timedelta(days=60)
    assert len(starts) in (8, 9)
    lauf = [o.start.astimezone(BERLIN) for o in Activity.objects.get(source_uid="lauf@verein").occurrences.all()]
    assert min(lauf).date() in (day(-30), day(-29)) and max(lauf).date() in (day(59), day(60))
    assert {o.hour for o in lauf} == {7}
    assert summary["window_end"]
    # An unchanged refresh keeps it as it is (no new SEQUENCE).
    version = stammtisch.version
    refresh(source)
    assert Activity.objects.get(pk=stammtisch.pk).version == version


def test_a_private_event_is_imported_as_internal(server, actor_a):
    server.serve("/privat.ics", calendar(vevent("vorstand@verein", "Vorstandssitzung", 4, extra="CLASS:PRIVATE")))
    source = CalendarSource.objects.create(actor=actor_a, url=server.url("/privat.ics"))
    refresh(source)
    assert not Activity.objects.get(source_uid="vorstand@verein").public


def test_a_source_marked_internal_imports_internal_activities(server, actor_a):
    server.serve("/intern.ics", feed_v1())
    source = CalendarSource.objects.create(actor=actor_a, url=server.url("/intern.ics"), public=False)
    refresh(source)
    assert not Activity.objects.filter(source=source, public=True).exists()


def test_a_feed_in_windows_1252_is_read_with_a_note(server, actor_a):
    server.serve("/ansi.ics", calendar(vevent("ansi@verein", "Grüße aus Übersee", 5)).encode("cp1252"))
    source = CalendarSource.objects.create(actor=actor_a, url=server.url("/ansi.ics"))
    summary = refresh(source)
    assert Activity.objects.get(source_uid="ansi@verein").title == "Grüße aus Übersee"
    assert any("Windows-1252" in note for note in summary["notes"])


def test_webcal_addresses_become_https():
    assert calendars.normalise_url(" webcal://example.org/k.ics ") == "https://example.org/k.ics"


# --- never touching what the feed does not own ----------------------------------------------------


def test_an_import_never_touches_manual_activities_or_other_sources(server, actor_a, actor_b):
    manual = services.activity_create(
        user=None,
        data={"title": "Sommerfest", "kind": "event", "public": True, "start": timezone.now(), "end": timezone.now()},
    )
    server.serve("/b.ics", feed_v1())
    other = CalendarSource.objects.create(actor=actor_b, url=server.url("/b.ics"))
    refresh(other)
    server.serve("/a.ics", feed_v1())
    mine = CalendarSource.objects.create(actor=actor_a, url=server.url("/a.ics"))
    untouched = {
        "manual": list(Activity.objects.filter(pk=manual.pk).values()),
        "other": list(Activity.objects.filter(source=other).order_by("pk").values()),
        "other_occurrences": list(ActivityOccurrence.objects.filter(activity__source=other).order_by("pk").values()),
    }

    refresh(mine)  # same UIDs as the other source
    server.serve("/a.ics", calendar())  # then everything vanishes from this feed ...
    refresh(mine)
    server.serve("/a.ics", calendar(vevent("neu@verein", "Neu", 3)))  # ... and almost everything
    refresh(mine)

    assert Activity.objects.filter(source=mine).count() == 4
    assert Activity.objects.filter(source=mine, cancelled=True).count() == 3
    assert untouched == {
        "manual": list(Activity.objects.filter(pk=manual.pk).values()),
        "other": list(Activity.objects.filter(source=other).order_by("pk").values()),
        "other_occurrences": list(ActivityOccurrence.objects.filter(activity__source=other).order_by("pk").values()),
    }


# --- broken and hostile feeds --------------------------------------------------------------------


def _serve(source, body, **kwargs):
    server = _SERVERS[source.pk]
    server.serve("/" + source.url.rsplit("/", 1)[1], body, **kwargs)


_SERVERS: dict = {}


@pytest.fixture(autouse=True)
def _remember_server(request):
    # Lets _serve() find the server of a source created by the `source` fixture.
    if "source" in request.fixturenames:
        source = request.getfixturevalue("source")
        _SERVERS[source.pk] = request.getfixturevalue("server")
    yield
    _SERVERS.clear()


def _slow(handler):
    time.sleep(3)
    handler.send_response(200)
    handler.send_header("Content-Length", "0")
    handler.end_headers()


def _endless_body(handler):
    handler.send_response(200)
    handler.send_header("Content-Type", "text/calendar")
    handler.end_headers()  # no Content-Length: the body just keeps coming
    handler.wfile.write(b"BEGIN:VCALENDAR\r\n")
    try:
        for _ in range(10_000):
            handler.wfile.write(b"X-PADDING:" + b"x" * 1000 + b"\r\n")
    except (BrokenPipeError, ConnectionResetError):
        pass
    handler.close_connection = True


def _redirect_to(target):
    def answer(handler):
        handler.send_response(302)
        handler.send_header("Location", target)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    return answer


def _status(code):
    def answer(handler):
        handler.send_response(code)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    return answer


HOSTILE = {
    # Feeds whose only event is broken: it is skipped, and an empty feed cancels nothing.
    "malformed line": (
        calendar(vevent("x@v", "X", 3)).replace("DTSTART;TZID=Europe/Berlin:", "DTSTART;TZID=Europe/Berlin "),
        "ungültige Angabe „Beginn“ (DTSTART)",
    ),
    "broken date": (
        calendar(vevent("x@v", "X", 3)).replace(f"DTEND;TZID=Europe/Berlin:{local(3, 21)}", "DTEND:morgen"),
        "ungültige Angabe „Ende“ (DTEND)",
    ),
    "html page": ("<!DOCTYPE html><html><body>Unser Kalender</body></html>", "Webseite, kein Kalender"),
    "plain text": ("Termine: Sommerfest am 12.7.", "keine iCalendar-Datei"),
    "not closed": ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:1\r\n", "bricht vorzeitig ab"),
    "utf-16 without bom": (calendar(vevent("x@v", "X", 3)).encode("utf-16-le"), "Null-Bytes"),
    "binary": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "Null-Bytes"),
    "exploding recurrence": (
        calendar(vevent("x@v", "X", 3, extra="RRULE:FREQ=MINUTELY;COUNT=1000000")),
        "zu viele Termine",
    ),
    "exploding endless recurrence": (calendar(vevent("x@v", "X", 3, extra="RRULE:FREQ=SECONDLY")), "zu viele Termine"),
    "unreadable rule": (
        calendar(vevent("x@v", "X", 3, extra="RRULE:FREQ=SOMETIMES")),
        "ungültige Angabe „Wiederholung“ (RRULE)",
    ),
    "empty feed": (calendar(), "keine Termine mehr"),
    "huge file": (calendar(*[vevent(f"{n}@v", "Termin " + "x" * 200, 3) for n in range(200)]), "größer als"),
    "endless body": (_endless_body, "größer als"),
    "timeout": (_slow, "nicht rechtzeitig"),
    "http 404": (_status(404), "HTTP 404"),
    "http 403": (_status(403), "verweigert den Zugriff"),
    "http 500": (_status(500), "meldet einen Fehler"),
    "redirect to a file": (_redirect_to("file:///etc/passwd"), "nicht mit http(s)"),
    "redirect to ftp": (_redirect_to("ftp://example.org/k.ics"), "nicht mit http(s)"),
    "redirect loop": (_redirect_to("/verein.ics"), "leitet zu oft"),
}


@pytest.mark.parametrize(("kind"), list(HOSTILE))
def test_a_broken_or_hostile_feed_is_refused_with_a_readable_error_and_changes_nothing(settings, source, kind):
    settings.ICAL_IMPORT_MAX_BYTES = 20_000
    settings.ICAL_IMPORT_TIMEOUT = 1
    refresh(source)
    assert source.last_error == ""
    good_summary = source.last_summary
    before = snapshot()
    body, message = HOSTILE[kind]
    if callable(body):
        _SERVERS[source.pk].serve_with("/verein.ics", body)
    else:
        _serve(source, body)

    assert refresh(source) is None

    assert message in source.last_error, source.last_error
    assert source.last_summary == good_summary
    assert source.last_fetched_at > source.last_success_at
    assert snapshot() == before


def test_too_many_events_are_refused(monkeypatch, source):
    monkeypatch.setattr(feed_reading, "MAX_EVENTS", 2)
    assert refresh(source) is None
    assert "mehr als 2 werden nicht übernommen" in source.last_error


def test_private_addresses_are_refused_unless_allowed(settings, source, server):
    settings.ICAL_IMPORT_ALLOW_PRIVATE_HOSTS = False
    assert refresh(source) is None
    assert "internes Netz" in source.last_error
    assert server.requests == []  # not even connected
    assert not Activity.objects.exists()


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.org/k.ics", "gopher://x"])
def test_other_schemes_are_refused(actor_a, url):
    source = CalendarSource.objects.create(actor=actor_a, url=url)
    assert refresh(source) is None
    assert "http://" in source.last_error


def test_an_unknown_host_is_a_readable_error(actor_a):
    source = CalendarSource.objects.create(actor=actor_a, url="http://kalender.invalid/k.ics")
    assert refresh(source) is None
    assert "Den Server gibt es nicht" in source.last_error


def test_a_refused_port_is_a_readable_error(actor_a):
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    source = CalendarSource.objects.create(actor=actor_a, url=f"http://127.0.0.1:{port}/k.ics")
    assert refresh(source) is None
    assert "nicht erreichbar" in source.last_error


def test_an_error_is_cleared_by_the_next_good_refresh(source):
    _serve(source, "kaputt")
    refresh(source)
    assert source.last_error
    _serve(source, feed_v1())
    refresh(source)
    assert source.last_error == ""
    assert Activity.objects.filter(source=source).count() == 3


# --- uploads ------------------------------------------------------------------------------------------


# --- removing a source --------------------------------------------------------------------------------


def test_removing_a_source_deletes_upcoming_activities_and_keeps_past_ones(server, actor_a, coordinator):
    server.serve("/gemischt.ics", calendar(vevent("alt@v", "Vergangen", -10), vevent("neu@v", "Kommend", 10)))
    source = CalendarSource.objects.create(actor=actor_a, url=server.url("/gemischt.ics"))
    refresh(source)

    assert calendars.calendar_source_delete(user=coordinator, source=source) == (1, 1)

    assert not CalendarSource.objects.exists()
    past = Activity.objects.get(title="Vergangen")
    assert past.source is None
    assert not Activity.objects.filter(title="Kommend").exists()


# --- the tasks -------------------------------------------------------------------------------------------


def test_refresh_all_queues_one_refresh_per_active_feed_address(
    server, actor_a, actor_b, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    active = CalendarSource.objects.create(actor=actor_a, url=server.url("/a.ics"))
    CalendarSource.objects.create(actor=actor_b, url=server.url("/b.ics"), active=False)
    CalendarSource.objects.create(actor=actor_b, kind="upload", active=True)

    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.refresh_all_calendar_sources.call() == 1

    queued = DBTaskResult.objects.filter(task_path="knotenpunkt.activities.tasks.refresh_calendar_source")
    assert [r.args_kwargs["args"] for r in queued] == [[active.pk]]
    active.refresh_from_db()
    assert active.refresh_pending


@pytest.mark.django_db(transaction=True)
def test_the_worker_imports_a_registered_feed(client, coordinator, actor_a):
    with FeedServer() as server:
        server.serve("/worker.ics", feed_v1())
        client.force_login(coordinator)
        response = client.post(
            reverse("activities:sources", args=[actor_a.slug]),
            {"kind": "url", "url": server.url("/worker.ics"), "public": "on"},
        )
        assert response.status_code == 302
        source = CalendarSource.objects.get()
        assert source.refresh_pending
        assert (
            "Wartet auf den Hintergrunddienst"
            in client.get(reverse("activities:sources", args=[actor_a.slug])).content.decode()
        )

        call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)

        source.refresh_from_db()
        assert not source.refresh_pending
        assert source.last_summary["new"] == 3
        assert Activity.objects.filter(source=source).count() == 3


def test_a_bounded_series_beyond_the_window_is_read_up_to_the_window_end(settings, server, actor_a):
    settings.ICAL_IMPORT_FUTURE_DAYS = 100
    server.serve("/lang.ics", calendar(vevent("lang@verein", "Lauftreff", 1, extra="RRULE:FREQ=DAILY;COUNT=900")))
    source = CalendarSource.objects.create(actor=actor_a, url=server.url("/lang.ics"))
    refresh(source)
    assert Activity.objects.get(source_uid="lang@verein").occurrences.count() in (99, 100)


def test_a_cancelled_override_cancels_one_date_and_an_orphan_override_becomes_a_single_event(server, actor_a):
    cancelled_override = (
        "BEGIN:VEVENT\r\nUID:forum@verein\r\nDTSTAMP:20260101T000000Z\r\n"
        f"RECURRENCE-ID;TZID=Europe/Berlin:{local(17)}\r\nDTSTART;TZID=Europe/Berlin:{local(17)}\r\n"
        "SUMMARY:Eine-Welt-Forum\r\nSTATUS:CANCELLED\r\nEND:VEVENT\r\n"
    )
    orphan = (
        "BEGIN:VEVENT\r\nUID:gibtsnicht@verein\r\nDTSTAMP:20260101T000000Z\r\n"
        f"RECURRENCE-ID;TZID=Europe/Berlin:{local(5)}\r\nDTSTART;TZID=Europe/Berlin:{local(5)}\r\n"
        "SUMMARY:Verwaist\r\nEND:VEVENT\r\n"
    )
    body = calendar(
        vevent("forum@verein", "Eine-Welt-Forum", 3, extra="RRULE:FREQ=WEEKLY;COUNT=4"), cancelled_override, orphan
    )
    server.serve("/o.ics", body)
    source = CalendarSource.objects.create(actor=actor_a, url=server.url("/o.ics"))

    summary = refresh(source)

    forum = Activity.objects.get(source_uid="forum@verein")
    assert [o.cancelled for o in forum.occurrences.order_by("start")] == [False, False, True, False]
    assert summary["new"] == 2
    orphan = Activity.objects.get(title="Verwaist")  # as Google, Outlook and Apple show it: one date
    assert not orphan.is_recurring
    assert orphan.start.astimezone(BERLIN).date() == day(5)


# --- the change record -------------------------------------------------------------------------------


def test_an_import_records_its_changes_as_the_calendar_import(source):
    from knotenpunkt.changes import display
    from knotenpunkt.changes.kinds import ChangeKind
    from knotenpunkt.changes.models import Change

    refresh(source)
    created = list(Change.objects.filter(kind=ChangeKind.ACTIVITY_CREATED))
    assert len(created) == 3
    assert {(c.user, display.who(c)) for c in created} == {(None, "Kalenderimport")}
    forum = Change.objects.get(record_id=Activity.objects.get(source_uid="forum@verein").pk)
    assert forum.data["values"]["dates"]["count"] == 6  # the dates, the one taken out by EXDATE included

    refresh(source)
    assert Change.objects.count() == 3  # an unchanged feed changes nothing

    _serve(source, feed_v1().replace("SUMMARY:Sommerfest", "SUMMARY:Sommerfest mit Musik"))
    refresh(source)
    updated = Change.objects.get(kind=ChangeKind.ACTIVITY_UPDATED)
    assert updated.fields == {"title": {"old": "Sommerfest", "new": "Sommerfest mit Musik"}}
    assert display.who(updated) == "Kalenderimport"


def test_one_import_refreshes_the_derived_relationships_once(source, monkeypatch):
    from knotenpunkt.network import derived

    calls = []
    monkeypatch.setattr(derived, "refresh_pairs", lambda ids: calls.append(set(ids)))
    refresh(source)
    assert calls == [{source.actor_id}]


def test_moving_the_horizon_of_an_endless_series_is_recorded_and_refreshes_cached_pages(server, actor_a, monkeypatch):
    from knotenpunkt.changes.kinds import ChangeKind
    from knotenpunkt.changes.models import Change
    from knotenpunkt.core.models import ContentGeneration

    server.serve("/endlos.ics", calendar(vevent("stamm@verein", "Stammtisch", 1, extra="RRULE:FREQ=WEEKLY")))
    source = CalendarSource.objects.create(actor=actor_a, url=server.url("/endlos.ics"))
    refresh(source)
    stammtisch = Activity.objects.get(source_uid="stamm@verein")
    last = stammtisch.occurrences.order_by("-start").first().start
    generation = ContentGeneration.objects.get(pk=1).value
    later = timezone.now() + dt.timedelta(days=60)
    monkeypatch.setattr(timezone, "now", lambda: later)

    assert refresh(source)["unchanged"] == 1

    assert stammtisch.occurrences.order_by("-start").first().start > last + dt.timedelta(days=50)
    change = Change.objects.get(kind=ChangeKind.ACTIVITY_DATES_EXTENDED)
    assert (change.record_id, change.user, change.public) == (stammtisch.pk, None, True)
    assert ContentGeneration.objects.get(pk=1).value == generation + 1
    assert Activity.objects.get(pk=stammtisch.pk).version == stammtisch.version


def test_a_feed_that_trickles_in_is_stopped_at_its_one_deadline(settings, server, actor_a):
    """Issue 14: one overall deadline for connecting and reading, whatever the server's pace."""
    settings.ICAL_IMPORT_TIMEOUT = 1

    def trickle(handler):
        handler.send_response(200)
        handler.send_header("Content-Type", "text/calendar")
        handler.end_headers()
        try:
            for byte in feed_v1().encode():
                handler.wfile.write(bytes([byte]))
                handler.wfile.flush()
                time.sleep(0.1)
        except OSError:
            pass

    server.serve_with("/langsam.ics", trickle)
    source = CalendarSource.objects.create(actor=actor_a, url=server.url("/langsam.ics"))
    started = time.monotonic()
    assert refresh(source) is None
    assert time.monotonic() - started < 3
    assert "nicht rechtzeitig" in source.last_error
    assert not Activity.objects.exists()


def test_a_title_with_control_characters_is_stored_clean_and_seen_unchanged_next_time(server, actor_a):
    # A title on two lines (an escaped line break) and with control characters: stored on one line.
    server.serve("/steuer.ics", calendar(vevent("glocke@verein", "Sommer\x07fest\x1b\\nam See", 10)))
    source = CalendarSource.objects.create(actor=actor_a, url=server.url("/steuer.ics"))
    first = refresh(source)
    assert first is not None, source.last_error
    assert first["new"] == 1
    assert Activity.objects.get().title == "Sommerfest am See"  # one line

    summary = refresh(source)

    assert summary["unchanged"] == 1 and summary["updated"] == 0


# --- each event in its own time, and out again ------------------------------------------------------------


def test_a_series_in_los_angeles_is_stored_in_its_own_time_and_exported_as_the_same_dates(client, server, actor_a):
    """Issue 14: a weekly Thursday 18:00 in Los Angeles used to land on Wednesdays; its moved,
    cancelled and extra dates come through the import and the export unchanged."""
    la = ZoneInfo("America/Los_Angeles")
    first = dt.datetime.combine(day(3), dt.time(18, 0), tzinfo=la)
    while first.weekday() != 3:
        first += dt.timedelta(days=1)

    def stamp(value):
        return value.astimezone(la).strftime("%Y%m%dT%H%M%S")

    moved_from, cancelled = first + dt.timedelta(weeks=2), first + dt.timedelta(weeks=3)
    extra = (first + dt.timedelta(days=1, hours=-8)).astimezone(dt.UTC)
    body = calendar(
        "BEGIN:VEVENT\r\nUID:la@verein\r\nDTSTAMP:20260101T000000Z\r\n"
        f"DTSTART;TZID=America/Los_Angeles:{stamp(first)}\r\nDTEND;TZID=America/Los_Angeles:"
        f"{stamp(first + dt.timedelta(hours=1))}\r\nRRULE:FREQ=WEEKLY;COUNT=10\r\n"
        f"RDATE;VALUE=PERIOD:{extra:%Y%m%dT%H%M%SZ}/{extra + dt.timedelta(hours=3):%Y%m%dT%H%M%SZ}\r\n"
        "SUMMARY:Diaspora-Stammtisch\r\nEND:VEVENT\r\n"
        "BEGIN:VEVENT\r\nUID:la@verein\r\nDTSTAMP:20260101T000000Z\r\n"
        f"RECURRENCE-ID;TZID=America/Los_Angeles:{stamp(moved_from)}\r\n"
        f"DTSTART;TZID=America/Los_Angeles:{stamp(moved_from + dt.timedelta(days=1))}\r\n"
        "DURATION:PT2H\r\nSUMMARY:Diaspora-Stammtisch (Freitag)\r\nEND:VEVENT\r\n"
        "BEGIN:VEVENT\r\nUID:la@verein\r\nDTSTAMP:20260101T000000Z\r\n"
        f"RECURRENCE-ID;TZID=America/Los_Angeles:{stamp(cancelled)}\r\n"
        f"DTSTART;TZID=America/Los_Angeles:{stamp(cancelled)}\r\nSTATUS:CANCELLED\r\nEND:VEVENT\r\n"
    )
    server.serve("/la.ics", body)
    source = CalendarSource.objects.create(actor=actor_a, url=server.url("/la.ics"))
    assert refresh(source) is not None, source.last_error

    activity = Activity.objects.get(source_uid="la@verein")
    rows = list(activity.occurrences.order_by("start"))
    assert len(rows) == 11  # ten by the rule, one RDATE period
    live = [r for r in rows if not r.cancelled]
    weekly = [r for r in live if r.title == "Diaspora-Stammtisch" and r.end - r.start == dt.timedelta(hours=1)]
    assert len(weekly) == 8
    assert {(r.start.astimezone(la).weekday(), r.start.astimezone(la).hour) for r in weekly} == {(3, 18)}
    friday = next(r for r in live if r.title == "Diaspora-Stammtisch (Freitag)")
    assert (friday.start.astimezone(la).weekday(), friday.end - friday.start) == (4, dt.timedelta(hours=2))
    assert any(r.start == extra and r.end - r.start == dt.timedelta(hours=3) for r in live)
    assert [r.start for r in rows if r.cancelled] == [cancelled.astimezone(dt.UTC)]

    response = client.get(reverse("activities:activity_ics", args=[activity.pk]))
    window = (timezone.now() - dt.timedelta(days=10), timezone.now() + dt.timedelta(days=400))
    expected = {(activity.uid, r.title, r.start, r.end, "CONFIRMED") for r in live}
    assert ical_occurrences(response.content, *window) == expected
    vevents = response.content.decode().split("BEGIN:VEVENT", 1)[1]
    assert "RRULE" not in vevents  # the feed's rule is not republished in Berlin's time


def test_a_series_imported_before_dates_were_kept_keeps_its_past_dates(settings, server, actor_a):
    """Found by an audit: the first read after the change would have dropped dates older than the window."""
    settings.ICAL_IMPORT_PAST_DAYS = 30
    body = calendar(vevent("alt@verein", "Stammtisch", -200, extra="RRULE:FREQ=WEEKLY;COUNT=40"))
    server.serve("/alt.ics", body)
    source = CalendarSource.objects.create(actor=actor_a, url=server.url("/alt.ics"))
    refresh(source)
    activity = Activity.objects.get(source_uid="alt@verein")
    # As the importer before this change stored it: the rule expanded, no dates of its own.
    first = dt.datetime.combine(day(-200), dt.time(19, 0), tzinfo=BERLIN)
    Activity.objects.filter(pk=activity.pk).update(dates=None, start=first, end=first + dt.timedelta(hours=2))
    activity.refresh_from_db()
    services.occurrences_rebuild(activity)
    past = activity.occurrences.filter(start__lt=timezone.now() - dt.timedelta(days=30)).count()
    assert past > 20

    refresh(source)

    activity.refresh_from_db()
    assert activity.dates is not None
    assert activity.occurrences.filter(start__lt=timezone.now() - dt.timedelta(days=30)).count() == past
    assert activity.occurrences.count() == 40


def test_an_event_skipped_as_broken_is_not_cancelled(server, actor_a):
    server.serve("/k.ics", feed_v1())
    source = CalendarSource.objects.create(actor=actor_a, url=server.url("/k.ics"))
    refresh(source)
    server.serve("/k.ics", feed_v1().replace(f"DTEND;TZID=Europe/Berlin:{local(10, 21)}", "DTEND:kaputt"))
    summary = refresh(source)
    assert summary["cancelled"] == 0
    assert not Activity.objects.get(source_uid="fest@verein").cancelled


def test_a_series_cut_at_its_date_limit_is_not_edited_on_every_read(settings, server, actor_a, monkeypatch):
    """Found by an audit: a series with more dates than MAX_DATES_PER_EVENT got a new SEQUENCE each read."""
    settings.ICAL_IMPORT_PAST_DAYS = 5  # the series began before the window
    server.serve(
        "/oft.ics", calendar(vevent("oft@verein", "Sprechstunde", -10, extra="RRULE:FREQ=DAILY;BYHOUR=9,11,14"))
    )
    source = CalendarSource.objects.create(actor=actor_a, url=server.url("/oft.ics"))
    assert refresh(source) is not None
    activity = Activity.objects.get(source_uid="oft@verein")
    assert len(activity.dates) == feed_reading.MAX_DATES_PER_EVENT
    for days in (8, 9):
        later = timezone.now() + dt.timedelta(days=days)
        monkeypatch.setattr(timezone, "now", lambda later=later: later)
        summary = refresh(source)
        assert (summary["updated"], summary["unchanged"]) == (0, 1)
    assert Activity.objects.get(pk=activity.pk).version == activity.version
