"""iCal in: the bytes of a calendar feed read into events with their dates, as the big clients read them.

`parse_feed()` turns a feed into `FeedEvent`s keyed by UID: the fields of an Activity and,
for series, every date inside a window around today (`Window`). The dates come from
recurring-ical-events (docs/decisions.md), which reads RFC 5545 and RFC 7529 as Google,
Outlook and Apple do: each event in its own time (TZID, including the Windows zone names
Outlook writes; UTC; floating times in the calendar's X-WR-TIMEZONE, else Berlin), DTSTART
as the first date, RDATE (dates, date-times, periods), several RRULEs, EXDATE,
RECURRENCE-ID with RANGE=THISANDFUTURE, the highest SEQUENCE of a UID, moved dates with
their own end, modifications without their series (single events) and cancelled dates.

Tolerance: a feed is refused as a whole (`FeedError`, in plain German) only when it is
not a calendar at all. A broken event is skipped with a note that names it; common
producer quirks (spaces in a rule, an empty EXDATE, a stray unreadable line) are repaired
or passed over. The notes never carry library text.
"""

from __future__ import annotations

import codecs
import contextlib
import datetime as dt
import hashlib
import itertools
import re
import time
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from knotenpunkt.activities.recurrence import Occurrence
from knotenpunkt.lib.text import multi_line

BERLIN = ZoneInfo("Europe/Berlin")

# Refused beyond this many VEVENTs (the file size limit, ICAL_IMPORT_MAX_BYTES, comes first in practice).
MAX_EVENTS = 20_000
# Dates of one event inside the window: more are cut, with a note (an hourly rule over three years).
MAX_DATES_PER_EVENT = 2_000
PARSE_BUDGET_SECONDS = 60
# A broken value of these makes the event unreadable: it is skipped with a note.
ESSENTIAL = frozenset({"UID", "DTSTART", "DTEND", "DURATION", "RRULE", "RECURRENCE-ID", "STATUS"})
# A broken value of these is dropped with a note, and the event kept.
DROPPABLE = frozenset({"EXDATE", "RDATE", "EXRULE", "GEO"})


class FeedError(Exception):
    """A feed the importer refuses as a whole; the message is for the people who registered it."""


@dataclass(frozen=True)
class Window:
    """The span a feed's dates are read in: dates starting before `start` or from `end` on are left out."""

    start: dt.datetime
    end: dt.datetime


@dataclass
class FeedEvent:
    uid: str
    data: dict
    private: bool = False
    # The dates of a series (sorted by start), None for a single event (its dates are data's start and end).
    dates: list[Occurrence] | None = None


@dataclass
class ParsedFeed:
    name: str
    events: dict[str, FeedEvent]
    notes: list[str]
    window: Window | None = None
    outside_window: int = 0
    # UIDs of events skipped as broken: an event imported before stays as it was, it is not cancelled.
    skipped: set = field(default_factory=set)


# --- bytes to text ---------------------------------------------------------------------------------


def decode(raw: bytes) -> tuple[str, list[str]]:
    """The feed as text: UTF-8, else Windows-1252 / Latin-1 with a note; binary content is refused."""
    notes = []
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8) :]
    elif raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return raw.decode("utf-16"), [_("Der Kalender ist in UTF-16 kodiert und wurde umgewandelt.")]
        except UnicodeDecodeError as exc:
            raise FeedError(_("Die Datei ist in keiner lesbaren Zeichenkodierung.")) from exc
    nul = raw.count(b"\x00")
    if nul:
        if nul * 20 > len(raw):  # UTF-16 without its mark, or a binary file
            raise FeedError(
                _("Die Datei ist keine Textdatei oder in einer unbekannten Zeichenkodierung (sie enthält Null-Bytes).")
            )
        raw = raw.replace(b"\x00", b"")
        notes.append(_("Der Kalender enthielt einzelne Null-Bytes; sie wurden entfernt."))
    try:
        return raw.decode("utf-8"), notes
    except UnicodeDecodeError:
        pass
    try:
        text = raw.decode("cp1252")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    notes.append(
        _(
            "Der Kalender ist nicht in UTF-8 kodiert; er wurde als Windows-1252 (westeuropäisch) gelesen. "
            "Bitte Umlaute prüfen."
        )
    )
    return text, notes


def _check_is_ical(text: str) -> None:
    head = text.lstrip()[:200]
    if head.upper().startswith("BEGIN:VCALENDAR"):
        return
    if head.lower().startswith(("<!doctype", "<html", "<?xml", "<")):
        raise FeedError(
            _(
                "Unter dieser Adresse liegt eine Webseite, kein Kalender. Bitte die Adresse des iCal-Feeds "
                "(meist auf .ics endend) angeben."
            )
        )
    raise FeedError(_("Das ist keine iCalendar-Datei: sie beginnt nicht mit „BEGIN:VCALENDAR“."))


def check_calendar(raw: bytes) -> None:
    """Refuse at once what is no calendar at all (raises FeedError); reading it whole comes later."""
    text, _notes = decode(raw[:4096] if len(raw) > 4096 else raw)
    _check_is_ical(text)


_FOLD = re.compile(r"\r?\n[ \t]")
# Reminders are not imported: a broken one must not sink the calendar.
_VALARM = re.compile(r"^BEGIN:VALARM\r?$.*?^END:VALARM\r?$\n?", re.MULTILINE | re.DOTALL | re.IGNORECASE)
_VTIMEZONE = re.compile(r"^BEGIN:VTIMEZONE\r?$.*?^END:VTIMEZONE\r?$\n?", re.MULTILINE | re.DOTALL | re.IGNORECASE)
_RULE_LINE = re.compile(r"^((?:RRULE|EXRULE)(?:;[^:]*)?:)(.*)$", re.IGNORECASE)


def _tidy(text: str) -> tuple[str, bool]:
    """Unfold the lines; take the spaces out of recurrence rules ("BYDAY=MO, TU", as some producers write).

    Closes a calendar that ends without END:VCALENDAR (a cut-off download keeps its complete events).
    Returns the text and whether it had to be closed."""
    text = _VALARM.sub("", _FOLD.sub("", text))
    lines = [
        _RULE_LINE.sub(lambda m: m.group(1) + re.sub(r"\s+", "", m.group(2)), line)
        for line in text.splitlines()
        if line.strip()
    ]
    depth, open_event = 0, None
    for n, line in enumerate(lines):
        upper = line.upper()
        if upper.startswith("BEGIN:"):
            depth += 1
            if upper.startswith("BEGIN:VEVENT"):
                open_event = n
        elif upper.startswith("END:"):
            depth -= 1
            if upper.startswith("END:VEVENT"):
                open_event = None
    if depth <= 0:
        return "\r\n".join(lines) + "\r\n", False
    if open_event is not None:  # drop the event the file breaks off in
        lines = lines[:open_event]
    stack = []
    for line in lines:
        upper = line.upper()
        if upper.startswith("BEGIN:"):
            stack.append(line[6:].strip())
        elif upper.startswith("END:") and stack:
            stack.pop()
    lines += [f"END:{name}" for name in reversed(stack)]
    return "\r\n".join(lines) + "\r\n", True


# --- one event's fields ------------------------------------------------------------------------


def _short(value, limit: int = 80) -> str:
    text = str(value).replace("\r", " ").replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _text(component, name: str, limit: int | None = None) -> str:
    try:
        value = component.get(name)
    except Exception:  # a broken property: as if it were not there
        return ""
    if value is None:
        return ""
    if isinstance(value, list):
        value = value[0]
    text = multi_line(str(value).replace("\r\n", "\n").replace("\r", "\n")).strip()
    return text[:limit].strip() if limit else text


def _event_label(component) -> str:
    title = _text(component, "SUMMARY", 80) or _("(ohne Titel)")
    return f"„{title}“"


def _is_url(text: str) -> bool:
    return bool(re.match(r"https?://[^\s]+$", text))


def to_utc(value, default_zone: dt.tzinfo = BERLIN) -> dt.datetime:
    """A date-time as UTC: floating times in `default_zone`, dates as local midnight in Berlin."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=default_zone)
        return value.astimezone(dt.UTC)
    return dt.datetime.combine(value, dt.time(0, 0), tzinfo=BERLIN).astimezone(dt.UTC)


def _geo(component, notes: list[str]) -> tuple[Decimal | None, Decimal | None]:
    try:
        geo = component.get("GEO")
        if geo is None:
            return None, None
        lat = Decimal(str(geo.latitude)).quantize(Decimal("0.000001"))
        lon = Decimal(str(geo.longitude)).quantize(Decimal("0.000001"))
    except Exception:
        lat = lon = None
    if lat is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        notes.append(_("Ungültige Koordinaten bei %(event)s übergangen.") % {"event": _event_label(component)})
        return None, None
    return lat, lon


def _uid(component, notes: list[str]) -> str:
    uid = _text(component, "UID")
    if not uid:
        start = component.get("DTSTART")
        try:
            start_text = start.to_ical().decode() if start is not None else ""
        except Exception:
            start_text = ""
        basis = f"{start_text}|{_text(component, 'SUMMARY')}"
        uid = "sha256:" + hashlib.sha256(basis.encode("utf-8")).hexdigest()
        notes.append(
            _("%(event)s hat keine UID; er wird an Beginn und Titel wiedererkannt.")
            % {"event": _event_label(component)}
        )
    elif len(uid) > 500:
        uid = "sha256:" + hashlib.sha256(uid.encode("utf-8")).hexdigest()
    return uid


def _first_rule(component) -> str:
    """The event's (first) rule as text, for the words on its page; COUNT goes where UNTIL also stands."""
    rules = component.get("RRULE")
    if rules is None:
        return ""
    if isinstance(rules, list):
        rules = rules[0]
    text = rules.to_ical().decode("ascii", "replace")
    if "UNTIL=" in text.upper() and "COUNT=" in text.upper():
        text = ";".join(part for part in text.split(";") if not part.upper().startswith("COUNT="))
    return text[:500]


def _fields(component, notes: list[str]) -> tuple[dict, bool]:
    """The activity's fields from the series' main event; and whether it is private."""
    location = _text(component, "LOCATION")
    online = ""
    conference = _text(component, "CONFERENCE") or _text(component, "X-GOOGLE-CONFERENCE")
    if _is_url(location) and len(location) <= 500:
        online, location = location, ""
    elif _is_url(conference) and len(conference) <= 500:
        online = conference
    description = _text(component, "DESCRIPTION")[:20000]
    link = _text(component, "URL")
    if _is_url(link) and link not in description:
        description = f"{description}\n\n{link}".strip()
    lat, lon = _geo(component, notes)
    data = {
        "title": _text(component, "SUMMARY", 200) or str(_("(ohne Titel)")),
        "description": description,
        "rrule": _first_rule(component),
        "place_name": location[:200].strip(),
        "latitude": lat,
        "longitude": lon,
        "online_url": online,
        "cancelled": _text(component, "STATUS").upper() == "CANCELLED",
    }
    private = _text(component, "CLASS").upper() in ("PRIVATE", "CONFIDENTIAL")
    return data, private


# --- repairs and skips -----------------------------------------------------------------------------


def _repair(component, notes: list[str]) -> bool:
    """Drop broken properties an event can do without; False if the event cannot be read."""
    label = _event_label(component)
    for name, _message in list(getattr(component, "errors", []) or []):
        if name is None:  # a line that is not "NAME;PARAMS:VALUE": passed over
            notes.append(_("%(event)s enthält eine unlesbare Zeile; sie wurde übergangen.") % {"event": label})
            continue
        upper = str(name).upper()
        if upper in ESSENTIAL:
            notes.append(
                _("%(event)s hat eine ungültige Angabe %(property)s und wurde übergangen.")
                % {"event": label, "property": str(_PROPERTY_WORDS.get(upper, upper))}
            )
            return False
        if upper in DROPPABLE:
            component.pop(upper, None)
            notes.append(
                _("Bei %(event)s wurde eine ungültige Angabe %(property)s übergangen.")
                % {"event": label, "property": str(_PROPERTY_WORDS.get(upper, upper))}
            )
    return True


_PROPERTY_WORDS = {
    "DTSTART": gettext_lazy("„Beginn“ (DTSTART)"),
    "DTEND": gettext_lazy("„Ende“ (DTEND)"),
    "DURATION": gettext_lazy("„Dauer“ (DURATION)"),
    "RRULE": gettext_lazy("„Wiederholung“ (RRULE)"),
    "EXDATE": gettext_lazy("„ausfallende Termine“ (EXDATE)"),
    "RDATE": gettext_lazy("„zusätzliche Termine“ (RDATE)"),
    "RECURRENCE-ID": gettext_lazy("„geänderter Termin“ (RECURRENCE-ID)"),
    "STATUS": gettext_lazy("„Status“ (STATUS)"),
    "UID": gettext_lazy("„Kennung“ (UID)"),
    "GEO": gettext_lazy("„Koordinaten“ (GEO)"),
}


def _skip(notes: list[str], component, reason: str) -> None:
    notes.append(_("%(event)s wurde übergangen: %(reason)s") % {"event": _event_label(component), "reason": reason})


# --- dates ------------------------------------------------------------------------------------------

# A rule whose expansion up to the window's end would walk more candidate dates than this is not
# expanded (dateutil builds the whole list: FREQ=SECONDLY over three years is 94 million dates).
MAX_EXPANSION = 200_000
_PERIOD = {
    "SECONDLY": dt.timedelta(seconds=1),
    "MINUTELY": dt.timedelta(minutes=1),
    "HOURLY": dt.timedelta(hours=1),
    "DAILY": dt.timedelta(days=1),
    "WEEKLY": dt.timedelta(weeks=1),
    "MONTHLY": dt.timedelta(days=28),
    "YEARLY": dt.timedelta(days=365),
}
# The BY parts that add dates within one period of each FREQ (RFC 5545, 3.3.10: the others only limit),
# with the most each can add.
_MOST = {"BYSECOND": 60, "BYMINUTE": 60, "BYHOUR": 24, "BYDAY": 7, "BYMONTHDAY": 31, "BYYEARDAY": 366,
         "BYWEEKNO": 53, "BYMONTH": 12}  # fmt: skip
_EXPANDING = {
    "SECONDLY": (),
    "MINUTELY": ("BYSECOND",),
    "HOURLY": ("BYSECOND", "BYMINUTE"),
    "DAILY": ("BYSECOND", "BYMINUTE", "BYHOUR"),
    "WEEKLY": ("BYSECOND", "BYMINUTE", "BYHOUR", "BYDAY"),
    "MONTHLY": ("BYSECOND", "BYMINUTE", "BYHOUR", "BYDAY", "BYMONTHDAY"),
    "YEARLY": ("BYSECOND", "BYMINUTE", "BYHOUR", "BYDAY", "BYMONTHDAY", "BYYEARDAY", "BYWEEKNO", "BYMONTH"),
}


def _expansion(component, window: Window, floating) -> int:
    """An upper estimate of how many dates the event's rules walk from DTSTART to the window's end."""
    rules = component.get("RRULE")
    if rules is None:
        return 0
    try:
        start = to_utc(component["DTSTART"].dt, floating)
    except (KeyError, AttributeError, TypeError, ValueError, OverflowError):
        return 0
    total = 0
    for rule in rules if isinstance(rules, list) else [rules]:
        freq = str((rule.get("FREQ") or ["DAILY"])[0]).upper()
        try:
            interval = max(int((rule.get("INTERVAL") or [1])[0]), 1)
        except (TypeError, ValueError):
            interval = 1
        stop = window.end
        until = rule.get("UNTIL")
        if until:
            with contextlib.suppress(TypeError, ValueError, OverflowError):
                stop = min(stop, to_utc(until[0], floating))
        periods = max((stop - start) / (_PERIOD.get(freq, _PERIOD["DAILY"]) * interval), 0) + 1
        factor = 1
        for part in _EXPANDING.get(freq, _EXPANDING["DAILY"]):
            values = rule.get(part)
            if values:
                factor *= min(len(values), _MOST[part])
        estimate = periods * factor
        count = rule.get("COUNT")
        if count:
            with contextlib.suppress(TypeError, ValueError):  # COUNT stops the walk (sparse rules walk on)
                estimate = min(estimate, int(count[0]) * factor * 50)
        total += estimate
    return int(min(total, 10**12))


def _moves(group, floating) -> dict[dt.datetime, dt.timedelta]:
    """How far each RANGE=THISANDFUTURE change moves its dates (by its original date)."""
    moves = {}
    for component in group:
        prop = component.get("RECURRENCE-ID")
        if prop is None or prop.params.get("RANGE", "").upper() != "THISANDFUTURE":
            continue
        with contextlib.suppress(AttributeError, KeyError, TypeError, ValueError, OverflowError):
            recurrence_id = to_utc(prop.dt, floating)
            moves[recurrence_id] = to_utc(component["DTSTART"].dt, floating) - recurrence_id
    return moves


def _occurrence_dates(series, window: Window, floating: dt.tzinfo, moves: dict) -> tuple[list[Occurrence], bool]:
    """The series' dates in the window, sorted; and whether they were cut at MAX_DATES_PER_EVENT."""
    result: dict[dt.datetime, Occurrence] = {}
    cut = False
    # The library yields a rule's dates in order (modifications and RDATEs may come anywhere): taking
    # one more than the limit says whether there are more, without walking a SECONDLY rule to its end.
    occurrences = list(itertools.islice(series.between(window.start, window.end), MAX_DATES_PER_EVENT + 1))
    if len(occurrences) > MAX_DATES_PER_EVENT:
        cut = True
        occurrences = occurrences[:MAX_DATES_PER_EVENT]
    occurrences.sort(key=lambda o: to_utc(o.start, floating))
    for occurrence in occurrences:
        component = occurrence.as_component(False)
        start = to_utc(occurrence.start, floating)
        end = to_utc(occurrence.end, floating) if occurrence.end is not None else start
        if not isinstance(occurrence.start, dt.datetime) and end <= start:
            end = start + dt.timedelta(days=1)
        end = max(end, start)
        recurrence_id = _slot(component, occurrence.start, floating, moves) or start
        if recurrence_id in result:  # two dates claim one slot: the later one is its own
            recurrence_id = start if start not in result else None
            if recurrence_id is None:
                continue
        result[recurrence_id] = Occurrence(
            start=start,
            end=end,
            recurrence_id=recurrence_id,
            cancelled=_text(component, "STATUS").upper() == "CANCELLED",
            title=_text(component, "SUMMARY", 200),
        )
    if not cut:
        _add_excluded(series, window, floating, result)
    return sorted(result.values(), key=lambda o: (o.start, o.recurrence_id)), cut


def _add_excluded(series, window: Window, floating, result: dict) -> None:
    """The dates EXDATE takes out of the series, as cancelled dates: people see "fällt aus" rather
    than a gap. Only dates the rules really produce count."""
    rules = series.recurrence
    if not rules.has_core or not rules.exdates:
        return
    try:
        excluded = {to_utc(e, floating) for e in rules.exdates}
        duration = rules.core.duration
        for slot in itertools.islice(rules.rrule_between(window.start, window.end), MAX_DATES_PER_EVENT):
            start = to_utc(rules.convert_to_original_type(slot), floating)
            if start in excluded and start not in result and window.start <= start < window.end:
                result[start] = Occurrence(start=start, end=start + duration, recurrence_id=start, cancelled=True)
    except (AttributeError, TypeError, ValueError, OverflowError):
        return  # the markers are a courtesy; the dates that take place are right without them


def _slot(component, start, floating: dt.tzinfo, moves: dict) -> dt.datetime | None:
    """The original date a changed date stands for (RECURRENCE-ID; for the dates after a
    RANGE=THISANDFUTURE change, their own original date)."""
    prop = component.get("RECURRENCE-ID")
    if prop is None:
        return None
    try:
        recurrence_id = to_utc(prop.dt, floating)
    except (AttributeError, TypeError, ValueError, OverflowError):
        return None
    if prop.params.get("RANGE", "").upper() == "THISANDFUTURE":
        return to_utc(start, floating) - moves.get(recurrence_id, dt.timedelta(0))
    return recurrence_id


def _floating_zone(calendar, notes: list[str]) -> dt.tzinfo:
    """The zone floating times are read in: the calendar's X-WR-TIMEZONE, else Berlin."""
    name = _text(calendar, "X-WR-TIMEZONE")
    if not name:
        return BERLIN
    try:
        return ZoneInfo(name)
    except (ValueError, KeyError, OSError):
        from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

        if name in WINDOWS_TO_OLSON:
            return ZoneInfo(WINDOWS_TO_OLSON[name])
        notes.append(
            _("Die Zeitzone „%(zone)s“ ist unbekannt; Zeiten ohne Zone gelten als Berliner Zeit.")
            % {"zone": _short(name, 60)}
        )
        return BERLIN


# --- the feed -----------------------------------------------------------------------------------------


def parse_feed(raw: bytes, *, window: Window, progress=None) -> ParsedFeed:
    """Read a feed's bytes into events keyed by UID. Raises FeedError only for a file that is no calendar.

    `progress(done, total)` is called every few hundred events."""
    import recurring_ical_events
    import x_wr_timezone
    from icalendar import Calendar
    from recurring_ical_events.adapters.event import EventAdapter

    started = time.monotonic()
    text, notes = decode(raw)
    _check_is_ical(text)
    text, closed = _tidy(text)
    if closed:
        notes.append(_("Der Kalender bricht vorzeitig ab; übernommen wurde, was vollständig ist."))
    calendars = _read_calendars(text, notes, Calendar)
    calendar = calendars[0]  # its name and zone; several VCALENDARs in one file all count
    floating = _floating_zone(calendar, notes)
    components = []
    for one in calendars:
        try:
            one = x_wr_timezone.to_standard(one)
        except Exception:
            notes.append(_("Die Zeitzone des Kalenders (X-WR-TIMEZONE) ließ sich nicht anwenden."))
        components.extend(one.walk("VEVENT"))
    if len(components) > MAX_EVENTS:
        raise FeedError(
            _("Der Kalender enthält %(count)d Termine; mehr als %(max)d werden nicht übernommen.")
            % {"count": len(components), "max": MAX_EVENTS}
        )
    groups: dict[str, list] = {}
    skipped: set[str] = set()
    for component in components:
        if not _repair(component, notes):
            if _text(component, "UID"):
                skipped.add(_uid(component, []))
            continue
        uid = _uid(component, notes)
        component["UID"] = uid
        if component.get("DTSTART") is None:
            _skip(notes, component, _("er hat keinen Beginn (DTSTART)."))
            continue
        _dates_for_date_series(component)
        groups.setdefault(uid, []).append(component)
    events: dict[str, FeedEvent] = {}
    outside = 0
    for n, (uid, group) in enumerate(groups.items()):
        if progress is not None and n % 250 == 0:
            progress(n, len(groups))
        if time.monotonic() - started > PARSE_BUDGET_SECONDS:
            raise FeedError(_("Der Kalender ist zu aufwendig zu lesen (Zeitlimit überschritten)."))
        try:
            event = _event(uid, group, window, floating, notes, EventAdapter, recurring_ical_events)
        except Exception:  # the library's own errors, broken values: one event, not the feed
            _skip(notes, group[0], _("er lässt sich nicht lesen."))
            skipped.add(uid)
            continue
        if event is False:  # skipped, with a note
            skipped.add(uid)
            continue
        if event is None:
            outside += 1
            continue
        events[uid] = event
    if outside:
        notes.append(
            _("%(count)d Termine liegen außerhalb des Zeitraums %(start)s bis %(end)s und wurden nicht übernommen.")
            % {
                "count": outside,
                "start": window.start.astimezone(BERLIN).strftime("%d.%m.%Y"),
                "end": window.end.astimezone(BERLIN).strftime("%d.%m.%Y"),
            }
        )
    name = _text(calendar, "X-WR-CALNAME", 200)
    skipped -= set(events)
    return ParsedFeed(name=name, events=events, notes=notes, window=window, outside_window=outside, skipped=skipped)


def _read_calendars(text: str, notes: list[str], Calendar) -> list:
    """The file's VCALENDARs; a line that is no content line at all ("NAME:value") is passed over."""
    with contextlib.suppress(Exception):  # icalendar raises ValueError mostly, but not only
        return _non_empty(Calendar.from_ical(text, multiple=True))
    # A broken time-zone definition: the zones are then taken by their names.
    without_zones = _VTIMEZONE.sub("", text)
    if without_zones != text:
        with contextlib.suppress(Exception):
            calendars = _non_empty(Calendar.from_ical(without_zones, multiple=True))
            notes.append(_("Eine Zeitzonen-Angabe des Kalenders ist fehlerhaft; die Zonen gelten nach ihrem Namen."))
            return calendars
    lines = text.split("\r\n")
    readable = [line for line in lines if ":" in line]
    skipped = sum(1 for line in lines if line.strip() and ":" not in line)
    if skipped:
        notes.append(
            ngettext(
                "%(count)d unlesbare Zeile wurde übergangen.", "%(count)d unlesbare Zeilen wurden übergangen.", skipped
            )
            % {"count": skipped}
        )
    try:
        return _non_empty(Calendar.from_ical("\r\n".join(readable) + "\r\n", multiple=True))
    except Exception as exc:
        raise FeedError(
            _("Die Datei lässt sich nicht als Kalender lesen; bitte prüfen, ob es eine iCalendar-Datei (.ics) ist.")
        ) from exc


def _non_empty(calendars) -> list:
    calendars = [c for c in calendars if c.name == "VCALENDAR"]
    if not calendars:
        raise ValueError("no VCALENDAR")
    return calendars


def _dates_for_date_series(component) -> None:
    """Outlook writes EXDATE;TZID=…:20240715T000000 on an all-day series: it means that day."""
    try:
        if isinstance(component["DTSTART"].dt, dt.datetime):
            return
        exdates = component.get("EXDATE")
        if exdates is None:
            return
        days = []
        for prop in exdates if isinstance(exdates, list) else [exdates]:
            for item in prop.dts:
                value = item.dt
                if isinstance(value, tuple):  # a PERIOD: not a day of an all-day series
                    continue
                days.append(value.date() if isinstance(value, dt.datetime) else value)
        component.pop("EXDATE")
        component.add("EXDATE", sorted(set(days)))
    except (KeyError, AttributeError, TypeError, ValueError):
        return


def _main_component(group):
    """The event that carries the series' fields: the highest SEQUENCE without RECURRENCE-ID, else the first."""
    masters = [c for c in group if c.get("RECURRENCE-ID") is None]

    def sequence(component):
        try:
            return int(str(component.get("SEQUENCE", 0)))
        except ValueError:
            return 0

    if masters:
        return max(masters, key=sequence)
    return min(group, key=lambda c: to_utc(c["DTSTART"].dt))


def _event(uid, group, window: Window, floating, notes, EventAdapter, recurring_ical_events) -> FeedEvent | bool | None:
    main = _main_component(group)
    if _expansion(main, window, floating) > MAX_EXPANSION:
        _skip(notes, main, _("seine Wiederholung ergibt zu viele Termine."))
        return False
    series = recurring_ical_events.series.Series([EventAdapter(c) for c in group])
    dates, cut = _occurrence_dates(series, window, floating, _moves(group, floating))
    if not dates:
        return None
    if cut:
        notes.append(
            _("%(event)s hat mehr als %(max)d Termine im Zeitraum; übernommen wurden die ersten %(max)d.")
            % {"event": _event_label(main), "max": MAX_DATES_PER_EVENT}
        )
    data, private = _fields(main, notes)
    all_day = not isinstance(main["DTSTART"].dt, dt.datetime)
    recurring = len(group) > 1 or any(main.get(name) is not None for name in ("RRULE", "RDATE"))
    if not recurring:
        only = dates[0]
        data.update(start=only.start, end=only.end, all_day=all_day)
        return FeedEvent(uid=uid, data=data, private=private)
    title = data["title"]
    dates = [
        Occurrence(
            start=o.start,
            end=o.end,
            recurrence_id=o.recurrence_id,
            cancelled=o.cancelled,
            title="" if o.title in ("", title) else o.title,
        )
        for o in dates
    ]
    data.update(start=dates[0].start, end=dates[0].end, all_day=all_day)
    return FeedEvent(uid=uid, data=data, private=private, dates=dates)
