"""Expanding an activity into its concrete dates.

Recurrence is computed in Europe/Berlin wall-clock time (a 19:00 forum stays at 19:00
across the change to summer time), then stored as aware datetimes.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from dateutil import rrule as _dateutil_rrule
from dateutil.rrule import rrulestr
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

BERLIN = ZoneInfo("Europe/Berlin")


@dataclass(frozen=True)
class Occurrence:
    start: dt.datetime
    end: dt.datetime
    recurrence_id: dt.datetime | None
    cancelled: bool = False
    title: str = ""


def _naive_local(value: dt.datetime) -> dt.datetime:
    return value.astimezone(BERLIN).replace(tzinfo=None)


def _aware(naive_local: dt.datetime) -> dt.datetime:
    return naive_local.replace(tzinfo=BERLIN).astimezone(dt.UTC)


_UNTIL = re.compile(r"UNTIL=(\d{8})(T(\d{6})(Z?))?", re.IGNORECASE)


def _local_until(match: re.Match) -> str:
    """UNTIL in the wall-clock time the rule is expanded in.

    A UTC UNTIL (RFC 5545's form when DTSTART has a time zone) becomes Berlin time; a bare
    date means "up to and including that day".
    """
    day, time, utc = match.group(1), match.group(3), match.group(4)
    if time is None:
        return f"UNTIL={day}T235959"
    if utc:
        try:
            moment = dt.datetime.strptime(day + time, "%Y%m%d%H%M%S").replace(tzinfo=dt.UTC)
            return "UNTIL=" + moment.astimezone(BERLIN).strftime("%Y%m%dT%H%M%S")
        except (ValueError, OverflowError):
            return match.group(0)
    return match.group(0)


# Recurrences end by this year at the latest. dateutil looks for the next date of a rule year by
# year up to `datetime.MAXYEAR`, so a rule that can never match ("every 30 February") used to keep a
# request busy for seconds while it walked to year 9999. dateutil reads the limit from its module
# global `datetime`; this stand-in lowers it for every rule in the process (icalendar and ical use
# the same module: no calendar here has dates in the 23rd century).
LAST_YEAR = 2200


class _DatetimeWithHorizon:
    MAXYEAR = LAST_YEAR

    def __getattr__(self, name):
        return getattr(dt, name)


_dateutil_rrule.datetime = _DatetimeWithHorizon()


def spans_days(start: dt.datetime, end: dt.datetime) -> bool:
    """Does [start, end) reach past the local day it starts on? (An end at midnight does not.)"""
    return (end - dt.timedelta(seconds=1)).astimezone(BERLIN).date() > start.astimezone(BERLIN).date()


def parse_rrule(text: str, start: dt.datetime):
    """A dateutil rule for `text` anchored at `start`, or a ValidationError in plain German."""
    text = (text or "").strip()
    if text.upper().startswith("RRULE:"):
        text = text[6:]
    text = _UNTIL.sub(_local_until, text)
    try:
        rule = rrulestr(text, dtstart=_naive_local(start), ignoretz=True)
    except (ValueError, TypeError, OverflowError) as exc:
        raise ValidationError(
            {"rrule": _("Die Wiederholungsregel ist nicht gültig (%(detail)s).") % {"detail": exc}}
        ) from exc
    return rule


def rule_is_bounded(text: str) -> bool:
    upper = (text or "").upper()
    return "UNTIL=" in upper or "COUNT=" in upper


def expand(
    *,
    start: dt.datetime,
    end: dt.datetime,
    rrule: str = "",
    exceptions=(),
    limit: int | None = None,
    until: dt.datetime | None = None,
) -> list[Occurrence]:
    """Every occurrence of an activity, exceptions applied.

    A rule without UNTIL or COUNT is refused unless `until` cuts it (the importer does);
    a rule with more than `limit` occurrences (default ACTIVITY_MAX_OCCURRENCES) is refused.
    """
    duration = end - start
    if not rrule:
        return [Occurrence(start=start, end=end, recurrence_id=None)]
    if until is None and not rule_is_bounded(rrule):
        raise ValidationError(
            {
                "rrule": _(
                    "Eine Wiederholung braucht ein Ende: ein Enddatum (UNTIL) oder eine Anzahl (COUNT), "
                    "sonst entstünden unendlich viele Termine."
                )
            }
        )
    limit = limit or settings.ACTIVITY_MAX_OCCURRENCES
    rule = parse_rrule(rrule, start)
    stop = _naive_local(until) if until is not None else None
    by_recurrence = {exc.recurrence_id: exc for exc in exceptions}
    result = []
    try:
        for local_start in rule:
            if stop is not None and local_start > stop:
                break
            if len(result) >= limit:
                raise ValidationError(
                    {
                        "rrule": _(
                            "Die Wiederholung ergibt mehr als %(limit)d Termine. Bitte ein früheres Ende oder eine "
                            "kleinere Anzahl wählen."
                        )
                        % {"limit": limit}
                    }
                )
            occ_start = _aware(local_start)
            occ_end = _aware(local_start + duration) if duration else occ_start
            exc = by_recurrence.get(occ_start)
            if exc is None:
                result.append(Occurrence(start=occ_start, end=occ_end, recurrence_id=occ_start))
            else:
                result.append(
                    Occurrence(
                        start=exc.start or occ_start,
                        end=exc.end or (exc.start + (occ_end - occ_start) if exc.start else occ_end),
                        recurrence_id=occ_start,
                        cancelled=exc.cancelled,
                        title=exc.title,
                    )
                )
    except (OverflowError, ValueError) as exc:
        # A long duration added to a late date leaves the calendar.
        raise ValidationError({"rrule": _past_horizon_message()}) from exc
    count = _COUNT.search(rrule)
    if until is None and count and len(result) < int(count.group(1)):
        # dateutil stopped at LAST_YEAR: the rule matches too rarely, or never ("30 February").
        if not result:
            raise ValidationError(
                {"rrule": _("Nach dieser Regel findet der Termin nie statt. Bitte die Regel prüfen.")}
            )
        raise ValidationError({"rrule": _past_horizon_message()})
    return result


_COUNT = re.compile(r"COUNT=(\d+)", re.IGNORECASE)


def _past_horizon_message() -> str:
    return _(
        "Die Wiederholung reicht über das Jahr %(year)d hinaus. "
        "Bitte ein früheres Ende oder eine kleinere Anzahl wählen."
    ) % {"year": LAST_YEAR}


# --- dates given as a list (imported series) ----------------------------------------------------------


def _stamp(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def _moment(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)


def dates_to_json(dates: list[Occurrence]) -> list[list]:
    """An imported series' dates as Activity.dates stores them: [start, end, original start, cancelled, title]."""
    return [
        [_stamp(o.start), _stamp(o.end), _stamp(o.recurrence_id or o.start), int(o.cancelled), o.title] for o in dates
    ]


def dates_from_json(rows) -> list[Occurrence]:
    return [
        Occurrence(start=_moment(s), end=_moment(e), recurrence_id=_moment(r), cancelled=bool(c), title=t)
        for s, e, r, c, t in rows or []
    ]


def recurrence_dates(activity, limit: int | None = None) -> list[dt.datetime]:
    """The original starts (RECURRENCE-IDs) of a recurring activity, for choosing an exception."""
    return [o.recurrence_id for o in expand(start=activity.start, end=activity.end, rrule=activity.rrule, limit=limit)]
