"""iCalendar (RFC 5545): activities out as VEVENTs, feeds in as plain data for the importer.

Out. A calendar is streamed event by event: `calendar_begin()`, then `activity_vevents()`
for each activity (the master VEVENT with its RRULE and EXDATEs, then one VEVENT with a
RECURRENCE-ID per changed occurrence), then `CALENDAR_END`. Cancelled single occurrences
are always EXDATEs; a cancelled activity is STATUS:CANCELLED. Timed events carry
TZID=Europe/Berlin (the VTIMEZONE is part of the header), all-day events VALUE=DATE.
The lines are written here rather than with icalendar's serializer, which needs about
0.4 ms per event (too slow to stream 10,000 events in a second); the tests read every
feed back with `icalendar` and with `ical`.

Reading feeds: activities/feed_reading.py.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from knotenpunkt.activities import recurrence

BERLIN = ZoneInfo("Europe/Berlin")
CRLF = "\r\n"
PRODID = "-//Stadt Ludwigsburg//Knotenpunkt//DE"

# Europe/Berlin with the EU rules in force since 1996 (the form calendar programs exchange).
VTIMEZONE_BERLIN = CRLF.join(
    [
        "BEGIN:VTIMEZONE",
        "TZID:Europe/Berlin",
        "X-LIC-LOCATION:Europe/Berlin",
        "BEGIN:DAYLIGHT",
        "TZNAME:CEST",
        "TZOFFSETFROM:+0100",
        "TZOFFSETTO:+0200",
        "DTSTART:19700329T020000",
        "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
        "END:DAYLIGHT",
        "BEGIN:STANDARD",
        "TZNAME:CET",
        "TZOFFSETFROM:+0200",
        "TZOFFSETTO:+0100",
        "DTSTART:19701025T030000",
        "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
        "END:STANDARD",
        "END:VTIMEZONE",
    ]
)
CALENDAR_END = "END:VCALENDAR" + CRLF

# --- writing -------------------------------------------------------------------------

# Control characters are not allowed in content lines (HTAB is; line breaks are escaped).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def escape_text(value: str) -> str:
    """A TEXT value: backslash, semicolon, comma and line breaks escaped (RFC 5545, 3.3.11)."""
    value = _CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def fold(line: str) -> str:
    """One content line, folded after at most 75 octets without splitting a UTF-8 character."""
    if len(line) <= 75 and line.isascii():
        return line + CRLF
    data = line.encode("utf-8")
    if len(data) <= 75:
        return line + CRLF
    parts = []
    start, limit = 0, 75
    while start < len(data):
        end = min(start + limit, len(data))
        while end < len(data) and (data[end] & 0xC0) == 0x80:  # a UTF-8 continuation byte
            end -= 1
        parts.append(data[start:end].decode("utf-8"))
        start, limit = end, 74  # continuation lines begin with a space
    return (CRLF + " ").join(parts) + CRLF


def _utc(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def _local(value: dt.datetime) -> str:
    return value.astimezone(BERLIN).strftime("%Y%m%dT%H%M%S")


def _local_date(value: dt.datetime) -> dt.date:
    return value.astimezone(BERLIN).date()


def _end_date(start: dt.datetime, end: dt.datetime) -> dt.date:
    """The exclusive DTEND of an all-day span (stored ending at local midnight after its last day)."""
    local_end = end.astimezone(BERLIN)
    day = local_end.date()
    if local_end.time() != dt.time(0, 0):
        day += dt.timedelta(days=1)
    return max(day, _local_date(start) + dt.timedelta(days=1))


def _when(name: str, value: dt.datetime, all_day: bool) -> str:
    if all_day:
        return f"{name};VALUE=DATE:{_local_date(value):%Y%m%d}"
    return f"{name};TZID=Europe/Berlin:{_local(value)}"


def _span(start: dt.datetime, end: dt.datetime, all_day: bool) -> list[str]:
    if all_day:
        return [
            f"DTSTART;VALUE=DATE:{_local_date(start):%Y%m%d}",
            f"DTEND;VALUE=DATE:{_end_date(start, end):%Y%m%d}",
        ]
    return [_when("DTSTART", start, False), _when("DTEND", end, False)]


def export_rrule(rule: str, *, all_day: bool) -> str:
    """The stored rule as RFC 5545 wants it next to a TZID or DATE start.

    Stored rules may carry UNTIL as UTC, as local time or as a date (recurrence.py reads
    all three in Berlin wall time). Out goes UTC for timed events and a date for all-day ones.
    """
    rule = rule.strip()
    if rule.upper().startswith("RRULE:"):
        rule = rule[6:]

    def until(match: re.Match) -> str:
        local = recurrence._local_until(match)[len("UNTIL=") :]
        try:
            moment = dt.datetime.strptime(local, "%Y%m%dT%H%M%S")
        except ValueError:
            return match.group(0)
        if all_day:
            return f"UNTIL={moment:%Y%m%d}"
        return "UNTIL=" + _utc(moment.replace(tzinfo=BERLIN))

    rule = recurrence._UNTIL.sub(until, rule)
    if "UNTIL=" in rule.upper() and "COUNT=" in rule.upper():  # not both (RFC 5545, 3.3.10): UNTIL counts
        rule = ";".join(part for part in rule.split(";") if not part.upper().startswith("COUNT="))
    return rule


def calendar_begin(name: str, *, refresh: str = "PT1H") -> str:
    """VCALENDAR header with the calendar's name and the Berlin time zone."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        fold("X-WR-CALNAME:" + escape_text(name)).rstrip(CRLF),
        "X-WR-TIMEZONE:Europe/Berlin",
        f"REFRESH-INTERVAL;VALUE=DURATION:{refresh}",
        f"X-PUBLISHED-TTL:{refresh}",
        VTIMEZONE_BERLIN,
    ]
    return CRLF.join(lines) + CRLF


def _location(activity) -> str:
    place = ", ".join(
        part
        for part in (
            activity.place_name,
            activity.street,
            " ".join(p for p in (activity.postcode, activity.city) if p),
        )
        if part
    )
    return place or activity.online_url


def _description(activity, url: str, note: str = "") -> str:
    parts = [note, activity.description.strip()]
    if activity.online_url:
        parts.append(_("Online: %(url)s") % {"url": activity.online_url})
    parts.append(url)
    return "\n\n".join(p for p in parts if p)


def _common(activity, *, url: str, categories: list[str], status: str, klass: str) -> str:
    """The lines a master and its overrides share, folded. Fixed-width lines need no folding."""
    updated = getattr(activity, "updated_at", None)
    created = getattr(activity, "created_at", None)
    stamp = _utc(updated or created or dt.datetime.now(dt.UTC))
    out = f"UID:{escape_text(activity.uid)}{CRLF}DTSTAMP:{stamp}{CRLF}SEQUENCE:{activity.version - 1}{CRLF}"
    if created:
        out += f"CREATED:{_utc(created)}{CRLF}"
    if updated:
        out += f"LAST-MODIFIED:{stamp}{CRLF}"
    location = _location(activity)
    if location:
        out += fold("LOCATION:" + escape_text(location))
    if activity.latitude is not None and activity.longitude is not None:
        out += f"GEO:{float(activity.latitude):.6f};{float(activity.longitude):.6f}{CRLF}"
    out += fold("CATEGORIES:" + ",".join(escape_text(c) for c in categories))
    out += fold("URL:" + url)
    return out + f"STATUS:{status}{CRLF}CLASS:{klass}{CRLF}"


def activity_vevents(
    activity,
    *,
    site_url: str,
    url: str | None = None,
    kind_label: str | None = None,
    themes: list[str] | None = None,
    exceptions: list | None = None,
) -> str:
    """The VEVENTs of one activity: the master, then one per changed occurrence.

    `activity` is an Activity or any object with its field names. A feed passes what it
    loaded for a whole batch (the address, the label of the kind, the theme names, the
    exceptions); left out, they are looked up on the activity.
    """
    if url is None:
        url = site_url + activity.get_absolute_url()
    if kind_label is None:
        kind_label = str(activity.get_kind_display())
    if themes is None:
        themes = [str(t) for t in activity.themes.all()]
    status = "CANCELLED" if activity.cancelled else "CONFIRMED"
    common = _common(
        activity,
        url=url,
        categories=[kind_label, *themes],
        status=status,
        klass="PUBLIC" if activity.public else "PRIVATE",
    )
    all_day = activity.all_day
    dates = getattr(activity, "dates", None)
    if dates is not None:
        return _dated_series(activity, recurrence.dates_from_json(dates), common=common, url=url)
    span = "".join(line + CRLF for line in _span(activity.start, activity.end, all_day))
    out = f"BEGIN:VEVENT{CRLF}{common}{span}"
    out += fold("SUMMARY:" + escape_text(activity.title))
    out += fold("DESCRIPTION:" + escape_text(_description(activity, url)))
    overrides = []
    if activity.rrule:
        out += fold("RRULE:" + export_rrule(activity.rrule, all_day=all_day))
        if exceptions is None:
            exceptions = list(activity.exceptions.all())
        cancelled = [e.recurrence_id for e in exceptions if e.cancelled]
        if cancelled:
            if all_day:
                out += fold("EXDATE;VALUE=DATE:" + ",".join(f"{_local_date(d):%Y%m%d}" for d in cancelled))
            else:
                out += fold("EXDATE;TZID=Europe/Berlin:" + ",".join(_local(d) for d in cancelled))
        overrides = [e for e in exceptions if not e.cancelled]
    out += "END:VEVENT" + CRLF
    duration = activity.end - activity.start
    for exc in overrides:
        start = exc.start or exc.recurrence_id
        end = exc.end or (start + duration)
        out += _override(activity, common, url, exc.recurrence_id, start, end, exc.title, exc.note)
    return out


def _override(activity, common: str, url: str, recurrence_id, start, end, title: str, note: str = "") -> str:
    all_day = activity.all_day
    lines = [_when("RECURRENCE-ID", recurrence_id, all_day), *_span(start, end, all_day)]
    out = f"BEGIN:VEVENT{CRLF}{common}" + "".join(line + CRLF for line in lines)
    out += fold("SUMMARY:" + escape_text(title or activity.title))
    out += fold("DESCRIPTION:" + escape_text(_description(activity, url, note=note)))
    return out + "END:VEVENT" + CRLF


def _dated_series(activity, dates: list, *, common: str, url: str) -> str:
    """An imported series written as its dates: the first as DTSTART, all as RDATE (a PERIOD
    where the length differs), each moved or retitled date as a RECURRENCE-ID override. Cancelled
    dates are left out. No rule is republished: the feed's own rule was read in its own time zone,
    which this calendar does not carry."""
    all_day = activity.all_day
    live = [d for d in dates if not d.cancelled] or dates[:1]

    def plain(d) -> bool:
        return d.start == d.recurrence_id and not d.title

    first = live[0]
    base = first if plain(first) else next((d for d in live if plain(d)), first)
    duration = base.end - base.start
    out = f"BEGIN:VEVENT{CRLF}{common}"
    out += "".join(line + CRLF for line in _span(first.recurrence_id, first.recurrence_id + duration, all_day))
    out += fold("SUMMARY:" + escape_text(activity.title))
    out += fold("DESCRIPTION:" + escape_text(_description(activity, url)))
    same, periods, overrides = [], [], []
    for d in live:
        if not plain(d) or (all_day and d.end - d.start != duration):
            overrides.append(d)
            slot = d.recurrence_id
        elif d.end - d.start != duration:
            periods.append(f"{_utc(d.start)}/{_utc(d.end)}")
            continue
        else:
            slot = d.start
        same.append(slot)  # DTSTART's own slot too: some readers (ical) leave DTSTART out of an RDATE-only set
    if same:
        if all_day:
            out += fold("RDATE;VALUE=DATE:" + ",".join(f"{_local_date(d):%Y%m%d}" for d in same))
        else:
            out += fold("RDATE;TZID=Europe/Berlin:" + ",".join(_local(d) for d in same))
    if periods:
        out += fold("RDATE;VALUE=PERIOD:" + ",".join(periods))
    out += "END:VEVENT" + CRLF
    for d in overrides:
        out += _override(activity, common, url, d.recurrence_id, d.start, d.end, d.title)
    return out


def followup_vevent(followup, *, site_url: str) -> str:
    """An open follow-up as an all-day event on its due date."""
    parent = followup.interaction or followup.activity
    url = site_url + parent.get_absolute_url() if parent is not None else site_url + "/"
    stamp = followup.created_at or dt.datetime.now(dt.UTC)
    lines = [
        "BEGIN:VEVENT",
        f"UID:followup-{followup.pk}@knotenpunkt",
        f"DTSTAMP:{_utc(stamp)}",
        f"CREATED:{_utc(stamp)}",
        f"DTSTART;VALUE=DATE:{followup.due_date:%Y%m%d}",
        f"DTEND;VALUE=DATE:{followup.due_date + dt.timedelta(days=1):%Y%m%d}",
        "SUMMARY:" + escape_text(_("Wiedervorlage: %(title)s") % {"title": followup.title}),
        "DESCRIPTION:" + escape_text(url),
        f"URL:{url}",
        "CATEGORIES:" + escape_text(str(_("Wiedervorlage"))),
        "STATUS:CONFIRMED",
        "CLASS:PRIVATE",
        "TRANSP:TRANSPARENT",
        "END:VEVENT",
    ]
    return "".join(fold(line) for line in lines)


def stream_calendar(name: str, chunks: Iterable[str], *, batch: int = 200) -> Iterator[bytes]:
    """The calendar as UTF-8 bytes, a few hundred events per piece."""
    yield calendar_begin(name).encode("utf-8")
    pending: list[str] = []
    for chunk in chunks:
        pending.append(chunk)
        if len(pending) >= batch:
            yield "".join(pending).encode("utf-8")
            pending = []
    pending.append(CALENDAR_END)
    yield "".join(pending).encode("utf-8")
