"""Reading calendar feeds (activities/feed_reading.py): every case issue 14 names, with dates computed by hand.

Times are checked in UTC and in the event's own zone: a weekly Thursday 18:00 in Los Angeles
stays a Thursday 18:00 there, whatever Berlin's clock says.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from knotenpunkt.activities.feed_reading import FeedError, Window, parse_feed

UTC = dt.UTC
BERLIN = ZoneInfo("Europe/Berlin")
WINDOW = Window(dt.datetime(2026, 1, 1, tzinfo=UTC), dt.datetime(2027, 1, 1, tzinfo=UTC))
# What must never reach a person: library or Python text.
LIBRARY_WORDS = ("Error", "Exception", "Traceback", "attribute", "Expected", "NoneType", "'list'", "vDDD", "parse")


def feed(*events: str, head: str = "") -> bytes:
    body = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//Test//DE\r\n" + head
    for event in events:
        body += (
            "BEGIN:VEVENT\r\n"
            + "".join(line.strip() + "\r\n" for line in event.strip().splitlines())
            + "END:VEVENT\r\n"
        )
    return (body + "END:VCALENDAR\r\n").encode()


def read(*events: str, head: str = "", window: Window = WINDOW):
    return parse_feed(feed(*events, head=head), window=window)


def starts(parsed, uid: str, zone=UTC) -> list[dt.datetime]:
    event = parsed.events[uid]
    dates = event.dates if event.dates is not None else [event.data]
    return [
        (d.start if hasattr(d, "start") else d["start"]).astimezone(zone)
        for d in dates
        if not getattr(d, "cancelled", False)
    ]


def at(*args, zone=UTC) -> dt.datetime:
    return dt.datetime(*args, tzinfo=zone)


def assert_no_library_text(notes: list[str]) -> None:
    for note in notes:
        assert not any(word in note for word in LIBRARY_WORDS), note


# --- its own time ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "weekday"),
    [("America/Los_Angeles", 3), ("Australia/Sydney", 3), ("Europe/Berlin", 3), ("Asia/Kolkata", 3)],
)
def test_a_weekly_series_stays_on_its_weekday_and_hour_in_its_own_zone(zone, weekday):
    parsed = read(f"""
        UID:w
        DTSTART;TZID={zone}:20260108T180000
        DTEND;TZID={zone}:20260108T190000
        RRULE:FREQ=WEEKLY;COUNT=30
        SUMMARY:Donnerstagstreff
    """)
    local = starts(parsed, "w", ZoneInfo(zone))
    assert len(local) == 30
    assert {d.weekday() for d in local} == {weekday}  # Thursday, across both changes of summer time
    assert {(d.hour, d.minute) for d in local} == {(18, 0)}


def test_outlooks_windows_zone_names_are_understood_with_and_without_vtimezone():
    parsed = read(
        """
        UID:o
        DTSTART;TZID=W. Europe Standard Time:20260326T180000
        DTEND;TZID=W. Europe Standard Time:20260326T190000
        RRULE:FREQ=WEEKLY;COUNT=2
        SUMMARY:Outlook
        """,
        """
        UID:p
        DTSTART;TZID=Pacific Standard Time:20260326T090000
        DTEND;TZID=Pacific Standard Time:20260326T100000
        SUMMARY:Outlook Pazifik
        """,
    )
    assert starts(parsed, "o") == [at(2026, 3, 26, 17), at(2026, 4, 2, 16)]  # 18:00 in Berlin, before and after
    assert starts(parsed, "p") == [at(2026, 3, 26, 16)]  # 09:00 in Los Angeles (PDT)


def test_a_utc_series_keeps_its_utc_time_across_summer_time():
    parsed = read("""
        UID:u
        DTSTART:20260319T170000Z
        DTEND:20260319T180000Z
        RRULE:FREQ=WEEKLY;COUNT=3
        SUMMARY:UTC
    """)
    assert starts(parsed, "u") == [at(2026, 3, 19, 17), at(2026, 3, 26, 17), at(2026, 4, 2, 17)]


def test_floating_times_use_x_wr_timezone_and_otherwise_berlin():
    event = """
        UID:f
        DTSTART:20260108T180000
        DTEND:20260108T190000
        RRULE:FREQ=WEEKLY;COUNT=2
        SUMMARY:Schwebend
    """
    new_york = read(event, head="X-WR-TIMEZONE:America/New_York\r\n")
    assert starts(new_york, "f") == [at(2026, 1, 8, 23), at(2026, 1, 15, 23)]
    berlin = read(event)
    assert starts(berlin, "f") == [at(2026, 1, 8, 17), at(2026, 1, 15, 17)]


def test_all_day_events_stay_on_their_days():
    parsed = read("""
        UID:a
        DTSTART;VALUE=DATE:20260328
        DTEND;VALUE=DATE:20260330
        RRULE:FREQ=WEEKLY;COUNT=2
        SUMMARY:Wochenende
    """)
    event = parsed.events["a"]
    assert event.data["all_day"]
    assert [d.start.astimezone(BERLIN) for d in event.dates] == [
        at(2026, 3, 28, zone=BERLIN),
        at(2026, 4, 4, zone=BERLIN),
    ]
    assert [d.end - d.start for d in event.dates] == [dt.timedelta(hours=47), dt.timedelta(days=2)]  # summer time


# --- RFC 5545 and 7529 as the major clients read them ----------------------------------------------------


def test_dtstart_is_the_first_date_even_off_its_rule():
    parsed = read("""
        UID:d
        DTSTART;TZID=Europe/Berlin:20260107T180000
        DURATION:PT1H
        RRULE:FREQ=WEEKLY;BYDAY=TH;COUNT=2
        SUMMARY:Mittwochs-Start
    """)
    assert starts(parsed, "d", BERLIN) == [
        at(2026, 1, 7, 18, zone=BERLIN),
        at(2026, 1, 8, 18, zone=BERLIN),
        at(2026, 1, 15, 18, zone=BERLIN),
    ]


def test_rdate_dates_date_times_and_periods_and_several_rules_are_honoured():
    parsed = read("""
        UID:r
        DTSTART;TZID=Europe/Berlin:20260105T180000
        DTEND;TZID=Europe/Berlin:20260105T190000
        RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=2
        RRULE:FREQ=MONTHLY;BYMONTHDAY=20;COUNT=1
        RDATE;TZID=Europe/Berlin:20260301T100000
        RDATE;VALUE=PERIOD:20260401T080000Z/20260401T120000Z
        EXDATE;TZID=Europe/Berlin:20260112T180000
        SUMMARY:Vieles
    """)
    event = parsed.events["r"]
    live = [(d.start, d.end) for d in event.dates if not d.cancelled]
    assert live == [
        (at(2026, 1, 5, 17), at(2026, 1, 5, 18)),
        (at(2026, 1, 20, 17), at(2026, 1, 20, 18)),
        (at(2026, 3, 1, 9), at(2026, 3, 1, 10)),
        (at(2026, 4, 1, 8), at(2026, 4, 1, 12)),  # the period keeps its own end
    ]
    # The date EXDATE takes out is shown as cancelled, not silently missing.
    assert [(d.start, d.cancelled) for d in event.dates if d.cancelled] == [(at(2026, 1, 12, 17), True)]


def test_the_highest_sequence_of_a_uid_wins():
    parsed = read(
        """
        UID:s
        SEQUENCE:1
        DTSTART:20260107T180000Z
        RRULE:FREQ=WEEKLY;COUNT=3
        SUMMARY:Alt
        """,
        """
        UID:s
        SEQUENCE:2
        DTSTART:20260107T180000Z
        RRULE:FREQ=WEEKLY;COUNT=3
        EXDATE:20260114T180000Z
        SUMMARY:Neu
        """,
    )
    assert parsed.events["s"].data["title"] == "Neu"
    assert starts(parsed, "s") == [at(2026, 1, 7, 18), at(2026, 1, 21, 18)]  # the deleted date stays deleted


def test_recurrence_id_with_thisandfuture_moved_dates_and_cancelled_ones():
    parsed = read(
        """
        UID:t
        DTSTART:20260107T180000Z
        DTEND:20260107T190000Z
        RRULE:FREQ=WEEKLY;COUNT=5
        SUMMARY:Forum
        """,
        """
        UID:t
        RECURRENCE-ID;RANGE=THISANDFUTURE:20260121T180000Z
        DTSTART:20260121T200000Z
        DTEND:20260121T230000Z
        SUMMARY:Forum (später)
        """,
        """
        UID:t
        RECURRENCE-ID:20260114T180000Z
        DTSTART:20260115T180000Z
        DURATION:PT30M
        SUMMARY:Forum (verlegt)
        """,
        """
        UID:t
        RECURRENCE-ID:20260204T180000Z
        DTSTART:20260204T180000Z
        STATUS:CANCELLED
        SUMMARY:Forum
        """,
    )
    rows = [(d.start, d.end, d.recurrence_id, d.cancelled, d.title) for d in parsed.events["t"].dates]
    assert rows == [
        (at(2026, 1, 7, 18), at(2026, 1, 7, 19), at(2026, 1, 7, 18), False, ""),
        # moved to the next day with its own DURATION
        (at(2026, 1, 15, 18), at(2026, 1, 15, 18, 30), at(2026, 1, 14, 18), False, "Forum (verlegt)"),
        # this and all later dates two hours later, three hours long
        (at(2026, 1, 21, 20), at(2026, 1, 21, 23), at(2026, 1, 21, 18), False, "Forum (später)"),
        (at(2026, 1, 28, 20), at(2026, 1, 28, 23), at(2026, 1, 28, 18), False, "Forum (später)"),
        (at(2026, 2, 4, 18), at(2026, 2, 4, 18), at(2026, 2, 4, 18), True, ""),
    ]


def test_a_modification_without_its_series_is_a_single_event():
    parsed = read("""
        UID:waise
        RECURRENCE-ID:20260114T180000Z
        DTSTART:20260115T180000Z
        DTEND:20260115T190000Z
        SUMMARY:Verwaist
    """)
    event = parsed.events["waise"]
    assert event.dates is None
    assert (event.data["start"], event.data["end"], event.data["title"]) == (
        at(2026, 1, 15, 18),
        at(2026, 1, 15, 19),
        "Verwaist",
    )


# --- tolerance ---------------------------------------------------------------------------------------------

GOOD = """
    UID:gut
    DTSTART:20260301T180000Z
    DTEND:20260301T190000Z
    SUMMARY:Gutes Treffen
"""


@pytest.mark.parametrize(
    ("broken", "kept", "note"),
    [
        # Producer quirks: accepted as the producer meant them.
        ("UID:b\nDTSTART:20260105T180000Z\nRRULE:FREQ=WEEKLY;BYDAY=MO, TU;COUNT=4\nSUMMARY:Leerzeichen", 4, None),
        ("UID:b\nDTSTART:20260105T180000Z\nRRULE:FREQ=WEEKLY;COUNT=2\nEXDATE:\nSUMMARY:Leeres EXDATE", 2, "EXDATE"),
        (
            'UID:b\nDTSTART:20260105T180000Z\nX-APPLE-STRUCTURED-LOCATION;VALUE=URI;X-TITLE="Rathaus:geo:48.89,9.19'
            "\nSUMMARY:Apple",
            1,
            "unlesbare Zeile",
        ),
        ("UID:b\nDTSTART:20260105T180000Z\nX-APPLE-RADIUS=70\nSUMMARY:Apple", 1, "unlesbare Zeile"),
        # Broken events: skipped, with a note that names them.
        ("UID:b\nDTSTART:20260105T180000Z\nRRULE:FREQ=WEEKLIE;COUNT=2\nSUMMARY:Tippfehler", 0, "„Tippfehler“"),
        ("UID:b\nDTSTART:morgen\nSUMMARY:Ohne Datum", 0, "„Ohne Datum“"),
        ("UID:b\nSUMMARY:Ohne Beginn", 0, "„Ohne Beginn“"),
        ("UID:b\nDTSTART:20260105T180000Z\nRRULE:FREQ=SECONDLY\nSUMMARY:Sekündlich", 0, "„Sekündlich“"),
    ],
)
def test_a_broken_event_is_skipped_with_a_german_note_and_the_rest_is_read(broken, kept, note):
    parsed = read(GOOD, broken.replace("\n", "\r\n"))
    assert "gut" in parsed.events
    if kept:
        assert len(starts(parsed, "b")) == kept
    else:
        assert "b" not in parsed.events
    if note is not None:
        assert any(note in n for n in parsed.notes), parsed.notes
    assert_no_library_text(parsed.notes)


def test_single_nul_bytes_are_dropped_and_a_cut_off_file_keeps_its_complete_events():
    raw = feed(GOOD).replace(b"Gutes", b"Gu\x00tes")
    parsed = parse_feed(raw, window=WINDOW)
    assert parsed.events["gut"].data["title"] == "Gutes Treffen"
    cut = feed(GOOD, "UID:halb\r\nDTSTART:20260302T180000Z\r\nSUMMARY:Halb").rsplit(b"END:VEVENT", 1)[0]
    parsed = parse_feed(cut, window=WINDOW)
    assert set(parsed.events) == {"gut"}
    assert any("bricht vorzeitig ab" in n for n in parsed.notes)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"<!DOCTYPE html><html><body>Kalender</body></html>", "Webseite, kein Kalender"),
        (b"Termine: Sommerfest am 12.7.", "keine iCalendar-Datei"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "Null-Bytes"),
    ],
)
def test_only_a_file_that_is_no_calendar_is_refused(raw, message):
    with pytest.raises(FeedError, match=message):
        parse_feed(raw, window=WINDOW)


# --- window, not limit -----------------------------------------------------------------------------------


def test_an_endless_daily_series_from_long_ago_is_read_in_the_window_and_not_refused():
    window = Window(at(2026, 6, 1), at(2026, 7, 1))
    parsed = read("UID:e\nDTSTART:20200101T070000Z\nRRULE:FREQ=DAILY\nSUMMARY:Täglich", window=window)
    dates = starts(parsed, "e")
    assert (dates[0], dates[-1], len(dates)) == (at(2026, 6, 1, 7), at(2026, 6, 30, 7), 30)
    assert_no_library_text(parsed.notes)


def test_events_wholly_outside_the_window_are_counted_in_one_note():
    parsed = read(GOOD, "UID:alt\nDTSTART:20200101T070000Z\nSUMMARY:Alt")
    assert set(parsed.events) == {"gut"} and parsed.outside_window == 1
    assert any("außerhalb des Zeitraums" in n for n in parsed.notes)


# --- found by an audit of the change ------------------------------------------------------------------


def test_a_weekday_series_narrowed_by_month_is_not_taken_for_an_exploding_rule():
    window = Window(at(2026, 1, 1), at(2026, 2, 1))
    parsed = read(
        "UID:w\nDTSTART;TZID=Europe/Berlin:20150105T090000\n"
        "RRULE:FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR;BYMONTH=1,2,3,4,5,6,9,10,11,12\nSUMMARY:Bürozeit",
        window=window,
    )
    assert len(starts(parsed, "w")) == 22  # the weekdays of January 2026
    assert_no_library_text(parsed.notes)


def test_a_broken_reminder_does_not_sink_the_calendar():
    parsed = read(
        GOOD.replace("SUMMARY:Gutes Treffen", "SUMMARY:Gutes Treffen\nBEGIN:VALARM\nTRIGGER:garbage\nEND:VALARM")
    )
    assert "gut" in parsed.events


def test_an_exdate_period_on_an_all_day_series_does_not_undo_the_other_exdates():
    parsed = read(
        "UID:a\nDTSTART;VALUE=DATE:20260316\nRRULE:FREQ=DAILY;COUNT=5\nEXDATE;VALUE=DATE:20260317\n"
        "EXDATE;VALUE=PERIOD:20260318T000000Z/20260318T010000Z\nSUMMARY:Woche"
    )
    days = [d.astimezone(BERLIN).day for d in starts(parsed, "a")]
    assert 17 not in days and len(days) == 4


def test_a_skipped_event_is_named_so_the_import_leaves_it_as_it_was():
    parsed = read(GOOD, "UID:kaputt\nDTSTART:morgen\nSUMMARY:Kaputt")
    assert parsed.skipped == {"kaputt"}
