"""Expanding an activity into its dates: Berlin wall-clock time, bounded rules, exceptions."""

import datetime as dt
import time
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError

from knotenpunkt.activities import recurrence
from knotenpunkt.activities.recurrence import BERLIN


def berlin(*args):
    return dt.datetime(*args, tzinfo=BERLIN)


def local_starts(occurrences):
    return [o.start.astimezone(BERLIN).strftime("%Y-%m-%d %H:%M") for o in occurrences]


def expand(start, hours=2, rrule="", **kwargs):
    return recurrence.expand(start=start, end=start + dt.timedelta(hours=hours), rrule=rrule, **kwargs)


# (what, start, rrule, expected local starts)
RULES = [
    (
        "a weekly 19:00 meeting stays at 19:00 across the change to summer time",
        berlin(2025, 3, 19, 19, 0),
        "FREQ=WEEKLY;COUNT=3",
        ["2025-03-19 19:00", "2025-03-26 19:00", "2025-04-02 19:00"],
    ),
    (
        "and across the change back to winter time",
        berlin(2025, 10, 22, 19, 0),
        "FREQ=WEEKLY;COUNT=2",
        ["2025-10-22 19:00", "2025-10-29 19:00"],
    ),
    (
        "the second Wednesday of each month",
        berlin(2025, 1, 8, 19, 0),
        "FREQ=MONTHLY;BYDAY=2WE;COUNT=3",
        ["2025-01-08 19:00", "2025-02-12 19:00", "2025-03-12 19:00"],
    ),
    (
        "the last Saturday of each month",
        berlin(2025, 1, 25, 14, 0),
        "FREQ=MONTHLY;BYDAY=-1SA;COUNT=3",
        ["2025-01-25 14:00", "2025-02-22 14:00", "2025-03-29 14:00"],
    ),
    (
        "UNTIL in UTC (as RFC 5545 asks for) includes the last day's meeting",
        berlin(2025, 3, 5, 19, 0),
        "FREQ=WEEKLY;UNTIL=20250319T180000Z",
        ["2025-03-05 19:00", "2025-03-12 19:00", "2025-03-19 19:00"],
    ),
    (
        "a bare UNTIL date includes that whole day",
        berlin(2025, 3, 5, 19, 0),
        "FREQ=WEEKLY;UNTIL=20250319",
        ["2025-03-05 19:00", "2025-03-12 19:00", "2025-03-19 19:00"],
    ),
    (
        "a local UNTIL",
        berlin(2025, 3, 5, 19, 0),
        "RRULE:FREQ=WEEKLY;UNTIL=20250312T190000",
        ["2025-03-05 19:00", "2025-03-12 19:00"],
    ),
    (
        "every second year",
        berlin(2024, 6, 1, 10, 0),
        "FREQ=YEARLY;INTERVAL=2;COUNT=2",
        ["2024-06-01 10:00", "2026-06-01 10:00"],
    ),
]


@pytest.mark.parametrize(("what", "start", "rrule", "expected"), RULES, ids=[r[0] for r in RULES])
def test_rules_expand_in_berlin_wall_clock_time(what, start, rrule, expected):
    assert local_starts(expand(start, rrule=rrule)) == expected


def test_an_evening_past_midnight_keeps_its_local_times_across_dst():
    occurrences = expand(berlin(2025, 3, 22, 22, 0), hours=3, rrule="FREQ=WEEKLY;COUNT=2")
    ends = [o.end.astimezone(BERLIN).strftime("%d %H:%M") for o in occurrences]
    assert ends == ["23 01:00", "30 01:00"]


def test_all_day_series_stay_at_local_midnight_across_dst():
    start = berlin(2025, 3, 29)
    occurrences = recurrence.expand(start=start, end=berlin(2025, 3, 30), rrule="FREQ=DAILY;COUNT=3")
    for o in occurrences:
        assert o.start.astimezone(BERLIN).time() == dt.time(0, 0)
        assert o.end.astimezone(BERLIN).time() == dt.time(0, 0)
    assert occurrences[1].end - occurrences[1].start == dt.timedelta(hours=23)  # the short day


def test_a_single_activity_is_one_occurrence_without_recurrence_id():
    [o] = expand(berlin(2025, 5, 1, 10, 0))
    assert o.recurrence_id is None and not o.cancelled


@pytest.mark.parametrize(
    ("rrule", "message"),
    [
        ("FREQ=WEEKLY", "braucht ein Ende"),
        ("FREQ=DAILY;COUNT=5000", "mehr als 1000 Termine"),
        ("FREQ=HOURLY;UNTIL=20300101T000000Z", "mehr als 1000 Termine"),
        ("FREQ=SOMETIMES;COUNT=3", "nicht gültig"),
        ("COUNT=3;BYDAY=XX", "nicht gültig"),
    ],
)
def test_unbounded_exploding_and_broken_rules_are_refused_in_german(rrule, message):
    with pytest.raises(ValidationError) as excinfo:
        expand(berlin(2025, 1, 1, 10, 0), rrule=rrule)
    assert message in " ".join(excinfo.value.message_dict["rrule"])


def test_a_series_reaching_past_the_year_2200_is_refused():
    start = berlin(2025, 1, 1)
    with pytest.raises(ValidationError) as excinfo:
        recurrence.expand(start=start, end=berlin(2088, 1, 1), rrule="FREQ=YEARLY;INTERVAL=68;COUNT=200")
    assert "über das Jahr 2200" in " ".join(excinfo.value.message_dict["rrule"])


def test_an_unbounded_rule_is_cut_at_until():
    occurrences = expand(berlin(2025, 1, 1, 10, 0), rrule="FREQ=WEEKLY", until=berlin(2025, 1, 20))
    assert local_starts(occurrences) == ["2025-01-01 10:00", "2025-01-08 10:00", "2025-01-15 10:00"]


def test_exceptions_cancel_move_and_retitle_single_dates():
    start = berlin(2025, 1, 8, 19, 0)
    second, third = berlin(2025, 1, 15, 19, 0), berlin(2025, 1, 22, 19, 0)
    exceptions = [
        SimpleNamespace(recurrence_id=second, cancelled=True, start=None, end=None, title=""),
        SimpleNamespace(recurrence_id=third, cancelled=False, start=berlin(2025, 1, 23, 18, 0), end=None,
                        title="Sondersitzung"),
    ]  # fmt: skip
    first, cancelled, moved = expand(start, rrule="FREQ=WEEKLY;COUNT=3", exceptions=exceptions)
    assert not first.cancelled
    assert cancelled.cancelled and cancelled.recurrence_id == second
    assert moved.start == berlin(2025, 1, 23, 18, 0)
    assert moved.end - moved.start == dt.timedelta(hours=2)  # keeps the series' duration
    assert moved.recurrence_id == third and moved.title == "Sondersitzung"


def test_recurrence_dates_are_the_original_starts():
    activity = SimpleNamespace(
        start=berlin(2025, 1, 8, 19, 0), end=berlin(2025, 1, 8, 21, 0), rrule="FREQ=WEEKLY;COUNT=2"
    )
    assert recurrence.recurrence_dates(activity) == [berlin(2025, 1, 8, 19, 0), berlin(2025, 1, 15, 19, 0)]


@pytest.mark.parametrize(
    "rrule",
    [
        "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30;COUNT=5",  # 30 February
        "FREQ=MONTHLY;BYDAY=MO;BYSETPOS=10;COUNT=3",  # a tenth Monday
        "FREQ=MINUTELY;BYMONTH=2;BYMONTHDAY=30;COUNT=5",
        "FREQ=YEARLY;BYMONTH=4;BYMONTHDAY=31;UNTIL=21000101T000000Z",  # 31 April, with an end
    ],
)
def test_a_rule_that_never_matches_is_answered_at_once(rrule):
    started = time.perf_counter()
    if "COUNT" in rrule:
        with pytest.raises(ValidationError) as excinfo:
            recurrence.expand(start=berlin(2026, 1, 1, 10, 0), end=berlin(2026, 1, 1, 12, 0), rrule=rrule)
        assert "nie statt" in " ".join(excinfo.value.message_dict["rrule"])
    else:
        assert recurrence.expand(start=berlin(2026, 1, 1, 10, 0), end=berlin(2026, 1, 1, 12, 0), rrule=rrule) == []
    # dateutil alone walks to the year 9999 for these: seconds, not a fraction of one.
    assert time.perf_counter() - started < 1.0
