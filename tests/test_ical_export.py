"""iCal out: /termine.ics and /termine/<pk>.ics read back with two parsers (icalendar and ical)."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from knotenpunkt.accounts.models import Role
from knotenpunkt.activities import ical, services
from knotenpunkt.activities.models import ActivityOccurrence
from knotenpunkt.core.page_cache import bump_content_generation
from tests.factories import ActorFactory, ThemeFactory, UserFactory
from tests.ical_readers import ical_occurrences, icalendar_events, icalendar_occurrences

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
TRICKY_TITLE = "Eine-Welt-Forum; Treffen, mit Umlauten äöüß \\ und Komma"
TRICKY_TEXT = "Erste Zeile\nZweite Zeile; mit Semikolon, Komma und Backslash \\\n" + "Sehr lange Zeile " * 20 + "Ende ✓"


def local(*args):
    return dt.datetime(*args, tzinfo=BERLIN)


def soon(days: int, hour: int = 19) -> dt.datetime:
    today = dt.date.today()
    return dt.datetime.combine(today + dt.timedelta(days=days), dt.time(hour, 0), tzinfo=BERLIN)


def make(*, organiser=None, themes=(), exceptions=(), **data):
    defaults = {"kind": "event", "public": True, "start": soon(10), "end": soon(10, 21), "title": "Termin"}
    participants = [services.ParticipantSpec(role="organiser", actor_id=organiser.pk)] if organiser else []
    activity = services.activity_create(
        user=None, data={**defaults, **data, "themes": list(themes)}, participants=participants
    )
    for exc in exceptions:
        services.exception_save(user=None, activity=activity, **exc)
    activity.refresh_from_db()
    return activity


def feed(client, **params) -> bytes:
    response = client.get(reverse("activities:feed"), params)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return b"".join(response.streaming_content)


def db_occurrences(start, end, *, public_only=True):
    qs = ActivityOccurrence.objects.filter(start__lt=end, end__gt=start).select_related("activity")
    if public_only:
        qs = qs.filter(public=True)
    rows = set()
    for o in qs:
        if o.cancelled and not o.activity.cancelled:
            continue  # a cancelled single date is an EXDATE: it is not in the feed at all
        rows.add((o.activity.uid, o.title, o.start, o.end, "CANCELLED" if o.cancelled else "CONFIRMED"))
    return rows


@pytest.fixture
def world(actor_a):
    klima = ThemeFactory(name_de="Klima", slug="klima")
    forum_start = soon(3).replace(hour=19)
    series = make(
        title="Monatliches Forum",
        start=forum_start,
        end=forum_start + dt.timedelta(hours=2),
        rrule="FREQ=MONTHLY;COUNT=8",
        organiser=actor_a,
        themes=[klima],
        place_name="Rathaus",
        street="Wilhelmstraße 11",
        postcode="71638",
        city="Ludwigsburg",
        latitude=Decimal("48.897"),
        longitude=Decimal("9.191"),
    )
    dates = [o.recurrence_id for o in series.occurrences.order_by("start")]
    services.exception_save(user=None, activity=series, recurrence_id=dates[2], cancelled=True)
    services.exception_save(
        user=None,
        activity=series,
        recurrence_id=dates[4],
        start=dates[4] + dt.timedelta(days=1, hours=-1),
        end=dates[4] + dt.timedelta(days=1, hours=1),
        title="Forum (verlegt)",
        note="Wegen des Feiertags einen Tag später.",
    )
    series.refresh_from_db()
    day = dt.date.today() + dt.timedelta(days=20)
    all_day = make(
        title="Afrikatag",
        all_day=True,
        start=dt.datetime.combine(day, dt.time(0, 0), tzinfo=BERLIN),
        end=dt.datetime.combine(day + dt.timedelta(days=3), dt.time(0, 0), tzinfo=BERLIN),
        kind="conference",
    )
    tricky = make(
        title=TRICKY_TITLE,
        description=TRICKY_TEXT,
        start=soon(5),
        end=soon(5, 22),
        online_url="https://example.org/raum",
    )
    cancelled = make(title="Abgesagtes Treffen", start=soon(7), end=soon(7, 20), cancelled=True, kind="meeting")
    internal = make(title="Interne Runde", public=False, start=soon(8), end=soon(8, 20), kind="meeting")
    old = make(title="Uralter Termin", start=soon(-500), end=soon(-500, 21))
    weekly_all_day = make(
        title="Aktionswoche",
        all_day=True,
        start=dt.datetime.combine(day, dt.time(0, 0), tzinfo=BERLIN),
        end=dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0, 0), tzinfo=BERLIN),
        rrule=f"FREQ=WEEKLY;UNTIL={(day + dt.timedelta(days=21)):%Y%m%d}",
    )
    return locals()


WINDOW = (dt.datetime.now(dt.UTC) - dt.timedelta(days=400), dt.datetime.now(dt.UTC) + dt.timedelta(days=800))


def test_both_parsers_expand_the_public_feed_to_the_occurrence_table(client, world):
    body = feed(client)

    expected = db_occurrences(*WINDOW)
    assert icalendar_occurrences(body, *WINDOW) == expected
    assert ical_occurrences(body, *WINDOW) == expected
    uids = {row[0] for row in expected}
    assert world["series"].uid in uids and world["all_day"].uid in uids and world["weekly_all_day"].uid in uids


def test_a_changed_occurrence_is_a_recurrence_id_override_and_a_cancelled_one_an_exdate(client, world):
    events = [e for e in icalendar_events(feed(client)) if e["uid"] == world["series"].uid]
    master = next(e for e in events if e["recurrence_id"] is None)
    overrides = [e for e in events if e["recurrence_id"] is not None]

    cancelled, moved = world["dates"][2], world["dates"][4]
    assert master["rrule"] == "FREQ=MONTHLY;COUNT=8"
    assert master["exdates"] == {cancelled}
    assert len(overrides) == 1
    assert overrides[0]["recurrence_id"] == moved
    assert overrides[0]["summary"] == "Forum (verlegt)"
    assert overrides[0]["start"] == moved + dt.timedelta(days=1, hours=-1)
    assert "Wegen des Feiertags" in overrides[0]["description"]
    assert {e["sequence"] for e in events} == {world["series"].sequence}


def test_text_is_escaped_and_read_back_exactly(client, world):
    event = next(e for e in icalendar_events(feed(client)) if e["uid"] == world["tricky"].uid)
    assert event["summary"] == TRICKY_TITLE
    assert event["description"].startswith(TRICKY_TEXT)
    assert "Online: https://example.org/raum" in event["description"]
    assert event["url"].endswith(world["tricky"].get_absolute_url())


def test_lines_are_folded_at_75_octets_with_crlf_and_whole_characters(client, world):
    body = feed(client)
    assert b"\n" not in body.replace(b"\r\n", b"")
    lines = body.split(b"\r\n")
    assert max(len(line) for line in lines) <= 75
    assert any(line.startswith(b" ") for line in lines)
    for line in lines:
        line.decode("utf-8")  # no character is split across a fold


def test_times_carry_the_berlin_time_zone_and_all_day_events_are_dates(client, world):
    body = feed(client).decode()
    assert "BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin" in body
    series = world["series"]
    assert f"DTSTART;TZID=Europe/Berlin:{series.start.astimezone(BERLIN):%Y%m%dT%H%M%S}" in body
    day = world["all_day"].start.astimezone(BERLIN).date()
    assert f"DTSTART;VALUE=DATE:{day:%Y%m%d}" in body
    assert f"DTEND;VALUE=DATE:{day + dt.timedelta(days=3):%Y%m%d}" in body


def test_location_geo_categories_and_metadata(client, world):
    event = next(
        e for e in icalendar_events(feed(client)) if e["uid"] == world["series"].uid and e["recurrence_id"] is None
    )
    assert event["location"] == "Rathaus, Wilhelmstraße 11, 71638 Ludwigsburg"
    assert event["geo"] == (48.897, 9.191)
    assert event["categories"] == ["Veranstaltung", "Klima"]
    assert event["last_modified"] == world["series"].updated_at.replace(microsecond=0)
    assert event["dtstamp"] == world["series"].updated_at.replace(microsecond=0)


def test_the_calendar_has_a_name_and_a_product_id(client, world):
    from icalendar import Calendar

    calendar = Calendar.from_ical(feed(client))
    assert str(calendar["X-WR-CALNAME"]) == "Knotenpunkt Ludwigsburg – Termine"
    assert str(calendar["VERSION"]) == "2.0"
    assert "Knotenpunkt" in str(calendar["PRODID"])


def test_a_cancelled_activity_stays_in_the_feed_as_cancelled(client, world):
    event = next(e for e in icalendar_events(feed(client)) if e["uid"] == world["cancelled"].uid)
    assert event["status"] == "CANCELLED"


def test_internal_and_old_activities_are_not_in_the_public_feed(client, coordinator, world):
    client.force_login(coordinator)  # the public feed is the same for everybody
    uids = {e["uid"] for e in icalendar_events(feed(client))}
    assert world["internal"].uid not in uids
    assert world["old"].uid not in uids


def test_sequence_rises_with_each_change_and_the_uid_stays(client, world):
    tricky = world["tricky"]
    before = next(e for e in icalendar_events(feed(client)) if e["uid"] == tricky.uid)

    services.activity_update(user=None, activity=tricky, data={"title": "Neuer Titel"}, expected_version=tricky.version)

    after = next(e for e in icalendar_events(feed(client)) if e["uid"] == tricky.uid)
    assert after["sequence"] == before["sequence"] + 1
    assert after["summary"] == "Neuer Titel"


@pytest.mark.parametrize(
    ("params", "expected", "absent"),
    [
        ({"kind": "conference"}, {"Afrikatag"}, {"Monatliches Forum", "Abgesagtes Treffen"}),
        ({"theme": "klima"}, {"Monatliches Forum"}, {"Afrikatag"}),
        ({"actor": "forderkreis-beispiel-ev"}, {"Monatliches Forum"}, {"Afrikatag"}),
        ({"kind": "nonsense", "theme": "gibt-es-nicht", "sdg": "99"}, {"Afrikatag", "Monatliches Forum"}, set()),
    ],
)
def test_the_feed_takes_the_calendar_filters(client, world, params, expected, absent):
    summaries = {e["summary"] for e in icalendar_events(feed(client, **params))}
    assert expected <= summaries
    assert not absent & summaries


def test_the_actor_filter_ignores_unpublished_actors(client, actor_b, world):
    make(title="Termin des unveröffentlichten Akteurs", organiser=actor_b)
    summaries = {e["summary"] for e in icalendar_events(feed(client, actor=actor_b.slug))}
    # An unknown or hidden actor is dropped from the filters: the whole public feed, nothing more.
    assert "Afrikatag" in summaries


def test_the_feed_is_filtered_by_name(client, world):
    from icalendar import Calendar

    calendar = Calendar.from_ical(feed(client, kind="conference"))
    assert str(calendar["X-WR-CALNAME"]) == "Knotenpunkt Ludwigsburg – Termine: Konferenz"


def test_the_public_feed_has_an_etag_and_answers_304_until_content_changes(client, world):
    first = client.get(reverse("activities:feed"))
    etag = first["ETag"]
    b"".join(first.streaming_content)
    assert "public" in first["Cache-Control"]

    again = client.get(reverse("activities:feed"), headers={"If-None-Match": etag})
    assert again.status_code == 304
    other_filter = client.get(reverse("activities:feed"), {"kind": "event"}, headers={"If-None-Match": etag})
    assert other_filter.status_code == 200

    bump_content_generation()
    assert client.get(reverse("activities:feed"), headers={"If-None-Match": etag}).status_code == 200


def test_the_feed_costs_the_same_number_of_queries_for_5_and_for_40_activities(client, actor_a):
    theme = ThemeFactory(name_de="Bildung", slug="bildung")

    def count():
        with CaptureQueriesContext(connection) as queries:
            feed(client)
        return len(queries)

    for n in range(5):
        make(title=f"Termin {n}", themes=[theme], organiser=actor_a, rrule="FREQ=DAILY;COUNT=2" if n == 0 else "")
    few = count()
    for n in range(35):
        make(title=f"Weiterer Termin {n}", themes=[theme], rrule="FREQ=WEEKLY;COUNT=3")
    assert count() == few


# --- one activity as .ics ---------------------------------------------------------------------


def test_a_public_activity_downloads_as_an_ics_file(client, world):
    response = client.get(reverse("activities:activity_ics", args=[world["all_day"].pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="afrikatag.ics"'
    body = response.content
    events = icalendar_events(body)
    assert [e["uid"] for e in events] == [world["all_day"].uid]
    assert ical_occurrences(body, *WINDOW) == icalendar_occurrences(body, *WINDOW)


def test_a_series_downloads_with_its_exceptions(client, world):
    body = client.get(reverse("activities:activity_ics", args=[world["series"].pk])).content
    expected = {row for row in db_occurrences(*WINDOW) if row[0] == world["series"].uid}
    assert icalendar_occurrences(body, *WINDOW) == expected
    assert ical_occurrences(body, *WINDOW) == expected


@pytest.mark.parametrize(("persona", "status"), [("anonymous", 404), ("editor_b", 404), ("city_staff", 200)])
def test_an_internal_activity_downloads_only_for_those_who_may_see_it(client, request, world, persona, status):
    if persona != "anonymous":
        client.force_login(request.getfixturevalue(persona))
    response = client.get(reverse("activities:activity_ics", args=[world["internal"].pk]))
    assert response.status_code == status
    if status == 200:
        assert "private" in response["Cache-Control"]


def test_an_unknown_activity_is_404(client):
    assert client.get(reverse("activities:activity_ics", args=[999999])).status_code == 404


def test_the_actor_editor_downloads_the_internal_activities_of_their_actor(client, editor_a, actor_a):
    activity = make(title="Vorstandssitzung", public=False, organiser=actor_a)
    client.force_login(editor_a)
    assert client.get(reverse("activities:activity_ics", args=[activity.pk])).status_code == 200


# --- the writer itself --------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["kurz", "ä" * 100, "a" * 74 + "ü" + "b" * 200, "€" * 60, "x" * 75, "x" * 76, "🌍" * 40],
)
def test_fold_keeps_lines_within_75_octets_and_unfolds_to_the_original(text):
    folded = ical.fold("SUMMARY:" + text)
    assert folded.endswith("\r\n")
    raw = folded.encode("utf-8")
    assert all(len(line) <= 75 for line in raw.split(b"\r\n"))
    assert folded[:-2].replace("\r\n ", "") == "SUMMARY:" + text


def test_escape_text_handles_the_special_characters():
    assert ical.escape_text("a,b;c\\d\ne\r\nf\x07") == "a\\,b\\;c\\\\d\\ne\\nf"


def test_the_berlin_vtimezone_agrees_with_zoneinfo_from_1996_to_2037():
    from icalendar import Calendar

    calendar = Calendar.from_ical(ical.calendar_begin("x") + ical.CALENDAR_END)
    tz = calendar.walk("VTIMEZONE")[0].to_tz()
    moment = dt.datetime(1996, 1, 1, 12, tzinfo=dt.UTC)
    while moment.year < 2038:
        assert moment.astimezone(tz).utcoffset() == moment.astimezone(BERLIN).utcoffset(), moment
        moment += dt.timedelta(hours=12)


@pytest.mark.parametrize(
    ("stored", "all_day", "exported"),
    [
        ("FREQ=WEEKLY;UNTIL=20270101T000000Z", False, "FREQ=WEEKLY;UNTIL=20270101T000000Z"),
        ("FREQ=WEEKLY;UNTIL=20270701T190000", False, "FREQ=WEEKLY;UNTIL=20270701T170000Z"),
        ("FREQ=WEEKLY;UNTIL=20270101", False, "FREQ=WEEKLY;UNTIL=20270101T225959Z"),
        ("FREQ=WEEKLY;UNTIL=20270101T120000Z", True, "FREQ=WEEKLY;UNTIL=20270101"),
        ("RRULE:FREQ=MONTHLY;COUNT=3", False, "FREQ=MONTHLY;COUNT=3"),
    ],
)
def test_until_is_exported_as_rfc_5545_wants_it(stored, all_day, exported):
    assert ical.export_rrule(stored, all_day=all_day) == exported


def test_a_city_staff_member_gets_a_private_class_for_internal_activities(client, world):
    staff = UserFactory(role=Role.CITY_STAFF)
    client.force_login(staff)
    body = client.get(reverse("activities:activity_ics", args=[world["internal"].pk])).content.decode()
    assert "CLASS:PRIVATE" in body


def test_the_public_feed_works_with_no_activities_at_all(client):
    body = feed(client)
    assert icalendar_events(body) == []
    assert body.startswith(b"BEGIN:VCALENDAR\r\n") and body.endswith(b"END:VCALENDAR\r\n")


def test_an_activity_of_an_unrelated_actor_is_still_in_the_public_feed(client):
    other = ActorFactory(name="Anderer Verein", published=True)
    activity = make(title="Sommerfest", organiser=other)
    assert activity.uid in {e["uid"] for e in icalendar_events(feed(client))}


def test_a_rule_with_both_count_and_until_is_written_with_until_only():
    """Issue 14: RFC 5545 forbids COUNT together with UNTIL; a stored rule of that kind (as old imports
    kept it) goes out with UNTIL, and a strict reader accepts it."""
    from ical.calendar_stream import IcsCalendarStream

    rule = ical.export_rrule("FREQ=WEEKLY;COUNT=5;UNTIL=20270101T000000Z", all_day=False)
    assert rule == "FREQ=WEEKLY;UNTIL=20270101T000000Z"
    body = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//DE\r\nBEGIN:VEVENT\r\nUID:x\r\nDTSTAMP:20260101T000000Z\r\n"
        f"DTSTART:20261201T180000Z\r\nRRULE:{rule}\r\nSUMMARY:X\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    starts = [event.start for event in IcsCalendarStream.calendar_from_ics(body).timeline]
    assert len(starts) == 5  # 1, 8, 15, 22 and 29 December
