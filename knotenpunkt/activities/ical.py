"""iCalendar (RFC 5545): activities out as VEVENTs, feeds in as plain data for the importer.

Out. A calendar is streamed event by event: `calendar_begin()`, then `activity_vevents()`
for each activity (the master VEVENT with its RRULE and EXDATEs, then one VEVENT with a
RECURRENCE-ID per changed occurrence), then `CALENDAR_END`. Cancelled single occurrences
are always EXDATEs; a cancelled activity is STATUS:CANCELLED. Timed events carry
TZID=Europe/Berlin (the VTIMEZONE is part of the header), all-day events VALUE=DATE.
The lines are written here rather than with icalendar's serializer, which needs about
0.4 ms per event (too slow to stream 10,000 events in a second); the tests read every
feed back with `icalendar` and with `ical`.

In. `parse_feed()` turns the bytes of a feed into `FeedEvent`s (the fields of an Activity,
plus its exceptions), using `icalendar`. Anything the importer should refuse raises
`FeedError` with a message in plain German; things it can live with become notes.
"""

from __future__ import annotations

import codecs
import datetime as dt
import hashlib
import re
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from knotenpunkt.activities import recurrence
from knotenpunkt.activities.services import ExceptionSpec

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

    return recurrence._UNTIL.sub(until, rule)


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
        lines = [_when("RECURRENCE-ID", exc.recurrence_id, all_day), *_span(start, end, all_day)]
        out += f"BEGIN:VEVENT{CRLF}{common}" + "".join(line + CRLF for line in lines)
        out += fold("SUMMARY:" + escape_text(exc.title or activity.title))
        out += fold("DESCRIPTION:" + escape_text(_description(activity, url, note=exc.note)))
        out += "END:VEVENT" + CRLF
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


# --- reading ---------------------------------------------------------------------------


class FeedError(Exception):
    """A feed the importer refuses as a whole; the message is for the people who registered it."""


# The importer refuses a feed with more events than this, or one that takes longer to read.
MAX_EVENTS = 5000
PARSE_BUDGET_SECONDS = 60
# Properties without which an event cannot be read correctly: broken values refuse the feed.
ESSENTIAL = frozenset({"UID", "DTSTART", "DTEND", "DURATION", "RRULE", "RECURRENCE-ID", "EXDATE", "STATUS"})


@dataclass
class FeedEvent:
    uid: str
    data: dict
    private: bool = False
    exceptions: list[ExceptionSpec] = field(default_factory=list)
    endless: bool = False


@dataclass
class ParsedFeed:
    name: str
    events: dict[str, FeedEvent]
    notes: list[str]


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
    if b"\x00" in raw:
        raise FeedError(
            _("Die Datei ist keine Textdatei oder in einer unbekannten Zeichenkodierung (sie enthält Null-Bytes).")
        )
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


def _short(value, limit: int = 80) -> str:
    text = str(value).replace("\r", " ").replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _to_utc(value) -> tuple[dt.datetime, bool]:
    """A DTSTART-like value as an aware datetime, and whether it is a date (all-day)."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:  # floating time: read as Berlin time
            value = value.replace(tzinfo=BERLIN)
        return value.astimezone(dt.UTC), False
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time(0, 0), tzinfo=BERLIN).astimezone(dt.UTC), True
    raise ValueError(value)


def _text(component, name: str, limit: int | None = None) -> str:
    value = component.get(name)
    if value is None:
        return ""
    if isinstance(value, list):
        value = value[0]
    text = str(value).replace("\r\n", "\n").replace("\r", "\n").strip()
    text = _CONTROL.sub("", text)
    return text[:limit].strip() if limit else text


def _is_url(text: str) -> bool:
    return bool(re.match(r"https?://[^\s]+$", text))


def _event_label(component) -> str:
    title = _text(component, "SUMMARY", 80) or _("(ohne Titel)")
    return f"„{title}“"


def _times(component) -> tuple[dt.datetime, dt.datetime, bool] | None:
    start_prop = component.get("DTSTART")
    if start_prop is None:
        return None
    start, all_day = _to_utc(start_prop.dt)
    end_prop = component.get("DTEND")
    duration = component.get("DURATION")
    if end_prop is not None:
        end, _end_is_date = _to_utc(end_prop.dt)
    elif duration is not None:
        end = start + duration.dt
    else:
        end = start + (dt.timedelta(days=1) if all_day else dt.timedelta(0))
    if all_day and end <= start:
        end = start + dt.timedelta(days=1)
    return start, end, all_day


def _geo(component, notes: list[str]) -> tuple[Decimal | None, Decimal | None]:
    geo = component.get("GEO")
    if geo is None:
        return None, None
    try:
        lat = Decimal(str(geo.latitude)).quantize(Decimal("0.000001"))
        lon = Decimal(str(geo.longitude)).quantize(Decimal("0.000001"))
    except (AttributeError, InvalidOperation, ValueError):
        notes.append(_("Ungültige Koordinaten bei %(event)s übergangen.") % {"event": _event_label(component)})
        return None, None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        notes.append(_("Ungültige Koordinaten bei %(event)s übergangen.") % {"event": _event_label(component)})
        return None, None
    return lat, lon


def _uid(component, notes: list[str]) -> str:
    uid = _text(component, "UID")
    if not uid:
        start = component.get("DTSTART")
        basis = f"{start.to_ical().decode() if start is not None else ''}|{_text(component, 'SUMMARY')}"
        uid = "sha256:" + hashlib.sha256(basis.encode("utf-8")).hexdigest()
        notes.append(
            _("%(event)s hat keine UID; er wird an Beginn und Titel wiedererkannt.")
            % {"event": _event_label(component)}
        )
    elif len(uid) > 500:
        uid = "sha256:" + hashlib.sha256(uid.encode("utf-8")).hexdigest()
    return uid


def _rrule(component) -> str:
    rules = component.get("RRULE")
    if rules is None:
        return ""
    if isinstance(rules, list):
        rules = rules[0]
    return rules.to_ical().decode("ascii", "replace")


def _exdates(component) -> list[dt.datetime]:
    value = component.get("EXDATE")
    if value is None:
        return []
    lists = value if isinstance(value, list) else [value]
    return [_to_utc(item.dt)[0] for exdates in lists for item in exdates.dts]


def _event_data(component, notes: list[str]) -> tuple[dict, bool] | None:
    times = _times(component)
    if times is None:
        notes.append(
            _("%(event)s hat keinen Beginn (DTSTART) und wurde übergangen.") % {"event": _event_label(component)}
        )
        return None
    start, end, all_day = times
    if end < start:
        notes.append(_("%(event)s endet vor dem Beginn und wurde übergangen.") % {"event": _event_label(component)})
        return None
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
        "start": start,
        "end": end,
        "all_day": all_day,
        "rrule": _rrule(component),
        "place_name": location[:200].strip(),
        "latitude": lat,
        "longitude": lon,
        "online_url": online,
        "cancelled": _text(component, "STATUS").upper() == "CANCELLED",
    }
    private = _text(component, "CLASS").upper() in ("PRIVATE", "CONFIDENTIAL")
    return data, private


def _check_errors(component, label: str | None = None) -> None:
    label = label or _event_label(component)
    for name, message in getattr(component, "errors", []) or []:
        if name is None:  # a line that is not "NAME;PARAMS:VALUE" at all
            line = str(message).split(": ", 1)[-1].rsplit(": Invalid content line", 1)[0]
            raise FeedError(
                _("%(event)s enthält eine Zeile, die sich nicht lesen lässt: %(line)s")
                % {"event": label, "line": _short(line)}
            )
        if str(name).upper() in ESSENTIAL:
            raise FeedError(
                _("%(event)s enthält eine ungültige Angabe %(property)s: %(detail)s")
                % {"event": label, "property": str(name).upper(), "detail": _short(message)}
            )


def _expand(uid: str, data: dict, horizon: dt.datetime, component) -> list[recurrence.Occurrence]:
    """The occurrences (of an endless rule: up to the horizon); an exploding or unreadable rule refuses the feed."""
    until = None if recurrence.rule_is_bounded(data["rrule"]) else horizon
    try:
        return recurrence.expand(start=data["start"], end=data["end"], rrule=data["rrule"], until=until)
    except ValidationError as exc:
        raise FeedError(
            _("%(event)s: %(detail)s") % {"event": _event_label(component), "detail": " ".join(exc.messages)}
        ) from exc


def _override(master: dict, component, recurrence_ids: set[dt.datetime], notes: list[str]) -> ExceptionSpec | None:
    rid, _is_date = _to_utc(component["RECURRENCE-ID"].dt)
    if rid not in recurrence_ids:
        notes.append(
            _("Eine Änderung an %(event)s betrifft keinen Termin der Serie und wurde übergangen.")
            % {"event": _event_label(component)}
        )
        return None
    if _text(component, "STATUS").upper() == "CANCELLED":
        return ExceptionSpec(recurrence_id=rid, cancelled=True)
    times = _times(component)
    start, end = (times[0], times[1]) if times else (rid, rid + (master["end"] - master["start"]))
    original_end = rid + (master["end"] - master["start"])
    title = _text(component, "SUMMARY", 200)
    return ExceptionSpec(
        recurrence_id=rid,
        start=start if start != rid else None,
        end=end if end != original_end else None,
        title=title if title != master["title"] else "",
    )


def parse_feed(raw: bytes, *, horizon: dt.datetime) -> ParsedFeed:
    """Read a feed's bytes into events keyed by UID. Raises FeedError for a feed to refuse."""
    from icalendar import Calendar

    started = time.monotonic()
    text, notes = decode(raw)
    _check_is_ical(text)
    try:
        calendar = Calendar.from_ical(text)
    except Exception as exc:  # icalendar raises ValueError mostly, but not only
        detail = str(exc).split(":", 1)[-1] if "Content line" in str(exc) else str(exc)
        raise FeedError(
            _("Der Kalender enthält Zeilen, die sich nicht lesen lassen (%(detail)s).") % {"detail": _short(detail)}
        ) from exc
    _check_errors(calendar, _("Der Kalender"))
    components = list(calendar.walk("VEVENT"))
    if len(components) > MAX_EVENTS:
        raise FeedError(
            _("Der Kalender enthält %(count)d Termine; mehr als %(max)d werden nicht übernommen.")
            % {"count": len(components), "max": MAX_EVENTS}
        )
    masters: dict[str, FeedEvent] = {}
    recurrence_ids: dict[str, set[dt.datetime]] = {}
    overrides: list[tuple[str, object]] = []
    skipped_rdate = False
    for component in components:
        if time.monotonic() - started > PARSE_BUDGET_SECONDS:
            raise FeedError(_("Der Kalender ist zu aufwendig zu lesen (Zeitlimit überschritten)."))
        _check_errors(component)
        try:
            uid = _uid(component, notes)
            if component.get("RECURRENCE-ID") is not None:
                overrides.append((uid, component))
                continue
            if uid in masters:
                notes.append(
                    _("%(event)s steht doppelt im Kalender (gleiche UID); nur der erste Eintrag zählt.")
                    % {"event": _event_label(component)}
                )
                continue
            parsed = _event_data(component, notes)
            if parsed is None:
                continue
            data, private = parsed
            if len(data["rrule"]) > 500:
                raise FeedError(
                    _("%(event)s hat eine zu lange Wiederholungsregel.") % {"event": _event_label(component)}
                )
            if component.get("RDATE") is not None and not skipped_rdate:
                skipped_rdate = True
                notes.append(_("Zusätzliche Einzeltermine (RDATE) werden nicht übernommen."))
            event = FeedEvent(uid=uid, data=data, private=private)
            if data["rrule"]:
                occurrences = _expand(uid, data, horizon, component)
                recurrence_ids[uid] = {o.recurrence_id for o in occurrences}
                event.endless = not recurrence.rule_is_bounded(data["rrule"])
                if event.endless:
                    notes.append(
                        _("%(event)s wiederholt sich ohne Ende; übernommen bis %(date)s.")
                        % {"event": _event_label(component), "date": horizon.astimezone(BERLIN).strftime("%d.%m.%Y")}
                    )
                event.exceptions = [
                    ExceptionSpec(recurrence_id=d, cancelled=True)
                    for d in sorted(set(_exdates(component)))
                    if d in recurrence_ids[uid]
                ]
            masters[uid] = event
        except FeedError:
            raise
        except (ValueError, TypeError, AttributeError, KeyError, OverflowError) as exc:
            raise FeedError(
                _("%(event)s lässt sich nicht lesen (%(detail)s).")
                % {"event": _event_label(component), "detail": _short(exc)}
            ) from exc
    for uid, component in overrides:
        master = masters.get(uid)
        if master is None or not master.data["rrule"]:
            notes.append(
                _("Eine Änderung an %(event)s gehört zu keiner Serie im Kalender und wurde übergangen.")
                % {"event": _event_label(component)}
            )
            continue
        try:
            spec = _override(master.data, component, recurrence_ids[uid], notes)
        except (ValueError, TypeError, AttributeError, KeyError, OverflowError) as exc:
            raise FeedError(
                _("%(event)s lässt sich nicht lesen (%(detail)s).")
                % {"event": _event_label(component), "detail": _short(exc)}
            ) from exc
        if spec is not None:
            by_id = {e.recurrence_id: e for e in master.exceptions}
            by_id[spec.recurrence_id] = spec
            master.exceptions = sorted(by_id.values(), key=lambda e: e.recurrence_id)
    name = _text(calendar, "X-WR-CALNAME", 200)
    return ParsedFeed(name=name, events=masters, notes=notes)
