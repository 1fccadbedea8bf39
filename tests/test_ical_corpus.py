"""Real producers' calendar files (tests/data/calendars, sources and licences in SOURCES.md), read
as the importer reads them and checked against an independent implementation (allenporter's
`ical`) and against dates computed by hand.

Where `ical` and Knotenpunkt disagree, the case is listed in KNOWN_DIFFERENCES with the reason
and the dates Knotenpunkt must produce instead.
"""

import datetime as dt
import json
from collections import Counter
from pathlib import Path

import pytest

from knotenpunkt.activities import feed_reading
from knotenpunkt.activities.feed_reading import Window, parse_feed
from tests.ical_readers import ical_occurrences

CORPUS = Path(__file__).parent / "data" / "calendars"
INDEX = json.loads((CORPUS / "index.json").read_text())
FILES = [entry["file"] for entry in INDEX]
WINDOW = Window(dt.datetime(1995, 1, 1, tzinfo=dt.UTC), dt.datetime(2030, 1, 1, tzinfo=dt.UTC))
LIBRARY_WORDS = ("Error", "Exception", "Traceback", "attribute", "Expected", "NoneType", "'list'", "vDDD")


def utc(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


# file: (why `ical` differs, {start: count} of the dates only in ical's reading, {start: count} only in ours)
KNOWN_DIFFERENCES = {
    "outlook/exchange-allday-moved-instance-recurrence-id-datetime.ics": (
        "Exchange moves 26 Feb to 27 Feb with a date-time RECURRENCE-ID on an all-day series; ical "
        "does not match it and keeps the 26th as well",
        {utc(2026, 2, 25, 23): 1},
        {},
    ),
    "outlook/exchange-cdo-2003-kolkata-windows-zone-name.ics": (
        "the TZID is Outlook's display name with its own VTIMEZONE (+05:30); ical reads the time as UTC",
        {utc(2003, 5, 9, 10, 30): 1},
        {utc(2003, 5, 9, 5, 0): 1},
    ),
    "other/khal-windows-tzid-inconsistent-vtimezone.ics": (
        "a VTIMEZONE named 'New Zealand Standard Time' with European offsets: Knotenpunkt (with "
        "icalendar) takes the Windows name for Pacific/Auckland, ical the time as UTC",
        {utc(2019, 11, 20, 13, 0): 1},
        {utc(2019, 11, 20, 0, 0): 1},
    ),
    "other/no-prodid-two-sequences-exdate.ics": (
        "two versions of one UID: the higher SEQUENCE wins and takes 15 July out (issue 14); ical reads "
        "both versions, each date once per version",
        {utc(2024, 6, 30, 22, 0): 1, utc(2024, 7, 14, 22, 0): 1, utc(2024, 7, 28, 22, 0): 1},
        {},
    ),
}
# Files `ical` reads differently as a matter of design, not of dates, checked by hand below instead.
NOT_COMPARED = {
    "other/floating-modifications-without-master.ics": (
        "modifications without their series carry an RRULE; issue 14 wants each as a single event "
        "(as Google and Outlook show them), ical expands the rule"
    ),
}


def live_starts(parsed) -> Counter:
    counts = Counter()
    for event in parsed.events.values():
        if event.dates is None:
            if not event.data["cancelled"]:
                counts[event.data["start"]] += 1
            continue
        for date in event.dates:
            if not date.cancelled and not event.data["cancelled"]:
                counts[date.start] += 1
    return counts


def read(name: str):
    return parse_feed((CORPUS / name).read_bytes(), window=WINDOW)


@pytest.fixture(autouse=True)
def no_date_cap(monkeypatch):
    # Endless daily series over the 35-year test window: compare them whole.
    monkeypatch.setattr(feed_reading, "MAX_DATES_PER_EVENT", 100_000)


def test_the_corpus_covers_the_producers_and_cases_issue_14_names():
    producers = {entry["file"].split("/")[0] for entry in INDEX}
    assert {"google", "outlook", "apple", "nextcloud", "thunderbird", "lotus-notes", "event-platforms"} <= producers
    cases = {case for entry in INDEX for case in entry["cases"]}
    wanted = {
        "tzid-windows", "x-wr-timezone", "floating", "utc", "all-day", "rrule-endless", "dtstart-off-rule",
        "rdate-datetime", "rdate-period", "multi-rrule", "exdate", "recurrence-id", "thisandfuture", "sequence",
        "moved-own-end", "orphan-modification", "cancelled-instance",
    }  # fmt: skip
    assert wanted <= cases, wanted - cases


@pytest.mark.parametrize("name", FILES)
def test_every_producer_file_is_read_and_its_notes_are_plain_german(name):
    parsed = read(name)  # never refused: every file in the corpus is a calendar
    for note in parsed.notes:
        assert not any(word in note for word in LIBRARY_WORDS), note
    for event in parsed.events.values():
        assert event.data["title"].strip()
        assert event.data["end"] >= event.data["start"]
        for date in event.dates or []:
            assert date.end >= date.start
        if event.dates is not None:
            assert len({d.recurrence_id for d in event.dates}) == len(event.dates)  # one date per slot


def _comparable():
    for name in FILES:
        if name in NOT_COMPARED:
            continue
        try:
            ical_occurrences((CORPUS / name).read_bytes(), WINDOW.start, WINDOW.end)
        except Exception:  # noqa: S112 (ical refuses files real producers write; those are checked by hand)
            continue
        yield name


COMPARABLE = list(_comparable())


def test_most_of_the_corpus_is_compared_with_the_independent_reader():
    assert len(COMPARABLE) >= 35, len(COMPARABLE)


@pytest.mark.parametrize("name", COMPARABLE)
def test_the_dates_agree_with_an_independent_implementation(name):
    raw = (CORPUS / name).read_bytes()
    theirs = Counter(
        start for (_uid, _title, start, _end, status) in ical_occurrences(raw, WINDOW.start, WINDOW.end)
        if status != "CANCELLED"
    )  # fmt: skip
    ours = live_starts(read(name))
    only_theirs, only_ours = dict(theirs - ours), dict(ours - theirs)
    if name in KNOWN_DIFFERENCES:
        _why, expected_theirs, expected_ours = KNOWN_DIFFERENCES[name]
        assert (only_theirs, only_ours) == (expected_theirs, expected_ours)
    else:
        assert (only_theirs, only_ours) == ({}, {})


# --- dates computed by hand, for files `ical` cannot read ------------------------------------------------


def test_fastmail_two_rules_and_a_london_start():
    starts = sorted(live_starts(read("other/fastmail-cyrus-multiple-rrule.ics")))
    # 20 Thursdays from 12 Jan 2023 at 10:00 London, and the second Monday of February and March.
    assert len(starts) == 22
    assert starts[0] == utc(2023, 1, 12, 10)
    assert utc(2023, 2, 13, 10) in starts and utc(2023, 3, 13, 10) in starts
    assert starts[-1] == utc(2023, 5, 25, 9)  # British summer time


def test_outlook_w_europe_standard_time_without_vtimezone():
    assert list(live_starts(read("outlook/exchange-w-europe-standard-time-no-vtimezone.ics"))) == [utc(2024, 4, 26, 12)]


def test_modifications_without_their_series_become_single_events():
    parsed = read("other/floating-modifications-without-master.ics")
    assert len(parsed.events) == 1
    (event,) = parsed.events.values()
    assert len(event.dates or [event.data]) == 2


def test_lotus_notes_with_bare_cr_line_ends_is_read():
    parsed = read("lotus-notes/notes6-cr-only-line-endings-daily-count.ics")
    assert sum(live_starts(parsed).values()) == 5
