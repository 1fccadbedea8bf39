"""Reading iCalendar back in tests with two independent libraries: `icalendar` and `ical`.

Both readers return the same shape, so a test can compare them with each other and with
the occurrence table: a set of (uid, summary, start, end, status) with times in UTC
(all-day events as UTC instants of Berlin midnight).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr

BERLIN = ZoneInfo("Europe/Berlin")


def _utc(value) -> dt.datetime:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=BERLIN)
        return value.astimezone(dt.UTC)
    return dt.datetime.combine(value, dt.time(0, 0), tzinfo=BERLIN).astimezone(dt.UTC)


def _status(value) -> str:
    text = str(value or "CONFIRMED")
    return text.rsplit(".", 1)[-1].upper()


def icalendar_events(body: bytes | str) -> list[dict]:
    """The VEVENTs as icalendar reads them (masters and overrides, not expanded)."""
    from icalendar import Calendar

    calendar = Calendar.from_ical(body)
    events = []
    for event in calendar.walk("VEVENT"):
        rid = event.get("RECURRENCE-ID")
        exdates = event.get("EXDATE")
        exdates = exdates if isinstance(exdates, list) else ([exdates] if exdates is not None else [])
        events.append(
            {
                "uid": str(event["UID"]),
                "recurrence_id": _utc(rid.dt) if rid is not None else None,
                "summary": str(event.get("SUMMARY", "")),
                "description": str(event.get("DESCRIPTION", "")),
                "location": str(event.get("LOCATION", "")),
                "start": _utc(event["DTSTART"].dt),
                "end": _utc(event["DTEND"].dt),
                "all_day": not isinstance(event["DTSTART"].dt, dt.datetime),
                "dtstart": event["DTSTART"].dt,
                "sequence": int(event.get("SEQUENCE", 0)),
                "status": _status(event.get("STATUS")),
                "rrule": event["RRULE"].to_ical().decode() if event.get("RRULE") is not None else "",
                "exdates": {_utc(d.dt) for ex in exdates for d in ex.dts},
                "url": str(event.get("URL", "")),
                "categories": [str(c) for cats in _as_list(event.get("CATEGORIES")) for c in cats.cats],
                "geo": (event["GEO"].latitude, event["GEO"].longitude) if event.get("GEO") is not None else None,
                "dtstamp": event["DTSTAMP"].dt,
                "last_modified": event["LAST-MODIFIED"].dt if event.get("LAST-MODIFIED") is not None else None,
            }
        )
    return events


def _as_list(value):
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _in_window(first: dt.datetime, last: dt.datetime, start: dt.datetime, end: dt.datetime) -> bool:
    return first < end and (last > start or (first == last and first >= start))


def icalendar_occurrences(body: bytes | str, start: dt.datetime, end: dt.datetime) -> set[tuple]:
    """Occurrences in [start, end), expanded with dateutil from what icalendar read (RFC semantics:
    wall-clock recurrence in the event's own time zone, EXDATE removes, RECURRENCE-ID replaces)."""
    events = icalendar_events(body)
    overrides = {(e["uid"], e["recurrence_id"]): e for e in events if e["recurrence_id"] is not None}
    result = set()
    for event in events:
        if event["recurrence_id"] is not None:
            continue
        duration = event["end"] - event["start"]
        starts = []
        if event["rrule"]:
            rule = event["rrule"]
            if event["all_day"]:
                # Dates recur as naive Berlin midnights; a DATE UNTIL becomes the same kind.
                first = dt.datetime.combine(event["dtstart"], dt.time(0, 0))
                if "UNTIL=" in rule:
                    head, _, tail = rule.partition("UNTIL=")
                    day, sep, rest = tail.partition(";")
                    rule = f"{head}UNTIL={day[:8]}T000000{sep}{rest}"
            else:
                first = event["dtstart"]
            for occurrence in rrulestr(rule, dtstart=first):
                occurrence_start = _utc(occurrence)
                if occurrence_start >= end:
                    break
                starts.append(occurrence_start)
        else:
            starts = [event["start"]]
        for occurrence_start in starts:
            if occurrence_start in event["exdates"]:
                continue
            override = overrides.get((event["uid"], occurrence_start))
            if override is not None:
                row = (event["uid"], override["summary"], override["start"], override["end"], override["status"])
            else:
                row = (event["uid"], event["summary"], occurrence_start, occurrence_start + duration, event["status"])
            if _in_window(row[2], row[3], start, end):
                result.add(row)
    return result


def ical_occurrences(body: bytes | str, start: dt.datetime, end: dt.datetime) -> set[tuple]:
    """Occurrences in [start, end) as allenporter's `ical` library expands them."""
    from ical.calendar_stream import IcsCalendarStream

    text = body.decode("utf-8") if isinstance(body, bytes) else body
    calendar = IcsCalendarStream.calendar_from_ics(text)
    result = set()
    for event in calendar.timeline_tz(BERLIN):
        first, last = _utc(event.start), _utc(event.end)
        if first >= end:
            break
        if _in_window(first, last, start, end):
            result.add((event.uid, event.summary, first, last, _status(event.status)))
    return result
