"""Reading activities: the calendar filters, shared by the calendar pages and the iCal feeds,
and the reads behind the month, week and list views, detail pages and profiles."""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
from dataclasses import dataclass, field

from django import forms
from django.db import connection
from django.db.models import Count, F, Q, QuerySet, Window
from django.db.models.functions import Coalesce, RowNumber, TruncDate
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.formats import date_format
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from knotenpunkt.accounts import roles
from knotenpunkt.activities import permissions
from knotenpunkt.activities.models import (
    LONG_OCCURRENCE_DAYS,
    Activity,
    ActivityKind,
    ActivityOccurrence,
    Participation,
    ParticipationStatus,
)
from knotenpunkt.activities.recurrence import BERLIN
from knotenpunkt.actors import permissions as actor_permissions
from knotenpunkt.actors.models import SDG, Actor, Level, Theme
from knotenpunkt.lib.widgets import FastSelect


class CalendarFilterForm(forms.Form):
    """Filters of /termine/ and /termine.ics (same query parameters as the actor directory).

    Invalid values are dropped, never passed to the database.
    """

    kind = forms.ChoiceField(
        label=_lazy("Art"), required=False, choices=[("", _lazy("alle Arten")), *ActivityKind.choices]
    )
    level = forms.ChoiceField(
        label=_lazy("Ebene"), required=False, choices=[("", _lazy("alle Ebenen")), *Level.choices]
    )
    theme = forms.ModelChoiceField(
        label=_lazy("Thema"),
        required=False,
        queryset=Theme.objects.all(),
        to_field_name="slug",
        empty_label=_lazy("alle Themen"),
    )
    sdg = forms.ModelChoiceField(
        label=_lazy("SDG"), required=False, queryset=SDG.objects.all(), empty_label=_lazy("alle SDGs")
    )
    actor = forms.SlugField(label=_lazy("Akteur"), required=False, max_length=220)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        language = get_language()
        for name in ("kind", "level", "theme", "sdg"):
            self.fields[name].widget = FastSelect(choices=self.fields[name].choices)
            if name != "theme":  # themes change in the back office; the others only with a release
                self.fields[name].widget.cache_token = ("calendar", name, language)
        self.fields["actor"].widget.attrs.update(
            {"placeholder": _lazy("Name eintippen …"), "autocomplete": "off", "list": "calendar-actor-options"}
        )

    def filters(self) -> dict:
        """The valid filters only; a bad value in one field does not discard the others.

        `actor` becomes an Actor the user may see (an unknown or hidden slug is dropped).
        """
        self.is_valid()
        values = {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}
        if "actor" in values:
            actor = actor_permissions.visible_actors(self.user).filter(slug=values["actor"]).first()
            if actor is None:
                del values["actor"]
            else:
                values["actor"] = actor
        return values


def filter_occurrences(qs: QuerySet, filters: dict) -> QuerySet:
    """Apply CalendarFilterForm.filters() to an ActivityOccurrence queryset."""
    if "kind" in filters:
        qs = qs.filter(kind=filters["kind"])
    if "level" in filters:
        qs = qs.filter(level=filters["level"])
    # Themes and SDGs are copied onto each occurrence (",3,9,"): checked on the rows a date range
    # reads anyway, never a join through all of a theme's activities.
    if "theme" in filters:
        qs = qs.filter(theme_ids__contains=f",{filters['theme'].pk},")
    if "sdg" in filters:
        qs = qs.filter(sdg_ids__contains=f",{filters['sdg'].pk},")
    if "actor" in filters:
        # Confirmed participations only: a request does not show an activity under the actor's name.
        confirmed = Participation.objects.filter(actor=filters["actor"], status=ParticipationStatus.CONFIRMED)
        qs = qs.filter(activity_id__in=confirmed.values("activity_id"))
    return qs


def occurrences_between(*, user, start: dt.datetime, end: dt.datetime, filters: dict | None = None) -> QuerySet:
    """Occurrences the user may see that overlap [start, end), in start order.

    Short occurrences are found by a range scan on `start` (an overlapping one began at most
    LONG_OCCURRENCE_DAYS before `start`); long ones through their own small partial index.
    """
    short, long = _short_and_long(start, end)
    qs = permissions.visible_occurrences(user, ActivityOccurrence.objects.filter(short | long))
    return filter_occurrences(qs, filters or {}).order_by("start", "id")


def _short_and_long(start: dt.datetime, end: dt.datetime) -> tuple[Q, Q]:
    """Occurrences overlapping [start, end): the short ones by a range of their start, the long ones
    by their end (index occurrence_long_end: the few still running at `start`)."""
    reach_back = start - dt.timedelta(days=LONG_OCCURRENCE_DAYS)
    overlap = Q(start__lt=end, end__gt=start) | Q(start__gte=start, start__lt=end)
    short = Q(is_long=False, start__gte=reach_back, start__lt=end) & overlap
    # A long occurrence lasts more than LONG_OCCURRENCE_DAYS, so it overlaps exactly when it
    # starts before `end` and ends after `start`.
    long = Q(is_long=True, start__lt=end, end__gt=start)
    return short, long


def next_occurrences(
    *, user, start: dt.datetime, end: dt.datetime, limit: int, public: bool | None = None
) -> list[ActivityOccurrence]:
    """The first `limit` occurrences the user may see overlapping [start, end), in start order.

    Two walks along an index, each stopping after `limit` rows, merged: asked for the first few in
    start order, PostgreSQL would otherwise walk the start index without the lower bound (the "or"
    between short and long ones hides it) and pass half a million earlier dates (docs/benchmarks.md).
    """
    qs = permissions.visible_occurrences(user, ActivityOccurrence.objects.all())
    if public is not None:
        qs = qs.filter(public=public)
    found = []
    for part in _short_and_long(start, end):
        found += qs.filter(part).select_related("activity").order_by("start", "id")[:limit]
    return sorted(found, key=lambda occurrence: (occurrence.start, occurrence.pk))[:limit]


def actor_activities(*, user, actor: Actor, upcoming: bool = True, limit: int = 10) -> QuerySet:
    """An actor's activities for its profile: next ones (or past ones, newest first). Requested
    participations (not yet confirmed by the actor) count for internal readers only."""
    now = timezone.now()
    participations = Participation.objects.filter(actor=actor)
    if not roles.is_internal_reader(user):
        participations = participations.filter(status=ParticipationStatus.CONFIRMED)
    qs = ActivityOccurrence.objects.filter(activity_id__in=participations.values("activity_id"))
    # Its editors see every activity of their actor (it takes part in them). Asking
    # visible_occurrences anyway would make PostgreSQL read the whole calendar (0.4 s).
    edits_actor = user is not None and user.is_authenticated and actor.pk in roles.edited_actor_ids(user)
    if not edits_actor:
        qs = permissions.visible_occurrences(user, qs)
    # Ordered by the start as an expression, not the column: ordered by the column, PostgreSQL walks
    # every public date of the calendar in order and looks each one up in the actor's participations
    # (0.8 s for a hub in 1,000 of 500,000 activities). By the expression it reads the actor's dates
    # through its activities and sorts those (docs/benchmarks.md). `end` never replaces `start`: both are set.
    start = Coalesce("start", "end")
    if upcoming:
        qs = qs.filter(end__gte=now).order_by(start.asc(), "id")
    else:
        qs = qs.filter(end__lt=now).order_by(start.desc(), "-id")
    return qs.select_related("activity")[:limit]


# --- calendar pages --------------------------------------------------------------------

# What a calendar cell shows of an occurrence; the place and description are on the detail page.
ITEM_FIELDS = ("id", "activity_id", "start", "end", "cancelled", "public", "kind", "title")


def local_midnight(day: dt.date) -> dt.datetime:
    """The aware start of `day` in Europe/Berlin."""
    return dt.datetime(day.year, day.month, day.day, tzinfo=BERLIN)


def decorate(occurrence: ActivityOccurrence) -> ActivityOccurrence:
    """Local start/end and the display flags the templates use."""
    local_start = occurrence.start.astimezone(BERLIN)
    local_end = occurrence.end.astimezone(BERLIN)
    occurrence.local_start = local_start
    occurrence.local_end = local_end
    # All-day activities start and end at local midnight (models.Activity); so does nothing else worth a time.
    midnight = dt.time(0, 0)
    occurrence.shows_all_day = (
        local_start.time() == midnight and local_end.time() == midnight and local_end > local_start
    )
    last_day = (local_end - dt.timedelta(seconds=1)).date() if local_end > local_start else local_start.date()
    occurrence.first_day = local_start.date()
    occurrence.last_day = max(last_day, local_start.date())
    occurrence.multi_day = occurrence.last_day > occurrence.first_day
    return occurrence


@dataclass
class CalendarEntry:
    """An occurrence as one day of the calendar shows it ("19:00", "ab 19:00", "ganztägig")."""

    occurrence: ActivityOccurrence
    label: str
    continued: bool = False


@dataclass
class CalendarDay:
    date: dt.date
    entries: list = field(default_factory=list)
    total: int = 0
    in_month: bool = True
    is_today: bool = False

    @property
    def items(self) -> list:
        return [entry.occurrence for entry in self.entries]

    @property
    def more(self) -> int:
        return max(self.total - len(self.entries), 0)

    @property
    def weekend(self) -> bool:
        return self.date.weekday() >= 5


def day_label(o: ActivityOccurrence, day: dt.date) -> str:
    """The time as a calendar cell shows it on `day`: "19:00", "ganztägig", "ab 19:00", "bis 14:00"."""
    if o.shows_all_day:
        return _("ganztägig")
    if o.multi_day:
        if day == o.first_day:
            return _("ab %(time)s") % {"time": o.local_start.strftime("%H:%M")}
        if day == o.last_day:
            return _("bis %(time)s") % {"time": o.local_end.strftime("%H:%M")}
        return _("ganztägig")
    return o.local_start.strftime("%H:%M")


def _visible(user, filters: dict) -> QuerySet:
    return filter_occurrences(permissions.visible_occurrences(user, ActivityOccurrence.objects.all()), filters)


def calendar_days(*, user, first: dt.date, days: int, filters: dict, per_day: int, month: int | None = None):
    """The days from `first` on, each with at most `per_day` occurrences and its exact total.

    Five queries whatever the number of activities, none of which builds more than a few hundred
    rows: the per-day totals of what starts on a day come from the (public, start) or (start)
    index alone; the first `per_day` of them are one UNION ALL of per-day LIMIT queries (a window
    function where the database cannot limit inside a UNION); the multi-day occurrences that
    continue into a day are read as (id, start, end) only, the short ones by a bounded range scan,
    the long ones through their partial index, and counted here; the ones shown are then loaded
    by id. A day lists what starts on it first, then what continues into it.
    """
    range_start = local_midnight(first)
    range_end = local_midnight(first + dt.timedelta(days=days))
    dates = [first + dt.timedelta(days=i) for i in range(days)]
    midnights = [local_midnight(date) for date in dates]
    base = _visible(user, filters)
    in_range = base.filter(start__gte=range_start, start__lt=range_end)

    # Occurrences starting on each day: how many, and the first `per_day` of them.
    starting = dict(
        in_range.annotate(day=TruncDate("start", tzinfo=BERLIN))
        .order_by()
        .values("day")
        .annotate(n=Count("*"))
        .values_list("day", "n")
    )
    firsts = _first_per_day(base, in_range, [*midnights, range_end], per_day)

    # Multi-day occurrences that began before a day of the range and still run at its midnight.
    last_midnight = midnights[-1]
    reach_back = range_start - dt.timedelta(days=LONG_OCCURRENCE_DAYS)
    short = base.filter(
        multi_day=True, is_long=False, start__gte=reach_back, start__lt=last_midnight, end__gt=range_start
    )
    long = base.filter(is_long=True, start__lt=last_midnight, end__gt=range_start)
    spans = sorted(
        [*short.values_list("start", "id", "end"), *long.values_list("start", "id", "end")]
    )  # start order, as a day lists them
    continuing = [[] for _ in dates]
    stamps = [midnight.timestamp() for midnight in midnights]
    for start, pk, end in spans:
        # The midnights strictly inside (start, end): the days it continues into.
        for i in range(bisect.bisect_right(stamps, start.timestamp()), bisect.bisect_left(stamps, end.timestamp())):
            continuing[i].append(pk)
    shown_ids = set()
    for i, date in enumerate(dates):
        room = per_day - min(len(firsts.get(date, [])), per_day)
        shown_ids.update(continuing[i][:room])
    shown = {o.id: decorate(o) for o in base.filter(id__in=shown_ids).only(*ITEM_FIELDS)} if shown_ids else {}

    today = timezone.localdate()
    calendar = []
    for i, date in enumerate(dates):
        entries = [CalendarEntry(o, day_label(o, date)) for o in firsts.get(date, [])[:per_day]]
        entries += [
            CalendarEntry(shown[pk], day_label(shown[pk], date), continued=True)
            for pk in continuing[i][: per_day - len(entries)]
            if pk in shown
        ]
        calendar.append(
            CalendarDay(
                date=date,
                entries=entries,
                total=starting.get(date, 0) + len(continuing[i]),
                in_month=month is None or date.month == month,
                is_today=date == today,
            )
        )
    return calendar


# Stand-ins for one day's bounds: the per-day query is compiled once and its SQL repeated per day.
_PROBE = (dt.datetime(1001, 1, 1, tzinfo=dt.UTC), dt.datetime(1001, 1, 2, tzinfo=dt.UTC))


def _first_per_day(base: QuerySet, in_range: QuerySet, midnights: list, per_day: int) -> dict:
    """The first `per_day` occurrences starting on each day, by local date.

    Where the database can limit inside a UNION (PostgreSQL), one UNION ALL of per-day
    `ORDER BY start LIMIT per_day` queries, each an index range scan reading `per_day` rows;
    elsewhere a window function over the range.
    """
    rows = None
    if connection.features.supports_slicing_ordering_in_compound:
        probe = base.filter(start__gte=_PROBE[0], start__lt=_PROBE[1]).only(*ITEM_FIELDS).order_by("start", "id")
        sql, params = probe[:per_day].query.sql_with_params()
        slots = [i for i, value in enumerate(params) if value in _PROBE]
        if len(slots) == 2 and params[slots[0]] == _PROBE[0]:
            all_params = []
            for start, end in itertools.pairwise(midnights):
                day_params = list(params)
                day_params[slots[0]], day_params[slots[1]] = start, end
                all_params.extend(day_params)
            union = " UNION ALL ".join([f"({sql})"] * (len(midnights) - 1))
            rows = list(ActivityOccurrence.objects.raw(union, all_params))
    if rows is None:
        rows = list(
            in_range.annotate(
                rank=Window(
                    RowNumber(),
                    partition_by=[TruncDate("start", tzinfo=BERLIN)],
                    order_by=[F("start").asc(), F("id").asc()],
                )
            )
            .filter(rank__lte=per_day)
            .only(*ITEM_FIELDS)
        )
    rows.sort(key=lambda o: (o.start, o.id))
    result = {}
    for o in rows:
        decorate(o)
        result.setdefault(o.first_day, []).append(o)
    return result


def month_grid(*, user, year: int, month: int, filters: dict, per_day: int = 4) -> list[list[CalendarDay]]:
    """The weeks (Monday to Sunday) covering a month, for the month view."""
    first_of_month = dt.date(year, month, 1)
    first = first_of_month - dt.timedelta(days=first_of_month.weekday())
    next_month = (first_of_month + dt.timedelta(days=32)).replace(day=1)
    last = next_month - dt.timedelta(days=1)
    days = (last - first).days + 1
    days += (7 - days % 7) % 7
    flat = calendar_days(user=user, first=first, days=days, filters=filters, per_day=per_day, month=month)
    return [flat[i : i + 7] for i in range(0, len(flat), 7)]


def week_days(*, user, anchor: dt.date, filters: dict, per_day: int = 30) -> list[CalendarDay]:
    first = anchor - dt.timedelta(days=anchor.weekday())
    return calendar_days(user=user, first=first, days=7, filters=filters, per_day=per_day)


def occurrences_from(*, user, day: dt.date, filters: dict) -> QuerySet:
    """Occurrences starting on `day` or later, in start order (the list view pages through these)."""
    return (
        _visible(user, filters)
        .filter(start__gte=local_midnight(day))
        .select_related("activity")
        .only(*ITEM_FIELDS, "activity__place_name", "activity__city", "activity__online_url")
        .order_by("start", "id")
    )


def occurrences_running(*, user, day: dt.date, filters: dict, limit: int = 20) -> list[ActivityOccurrence]:
    """Occurrences that began before `day` and are still running then (shown above the list)."""
    start = local_midnight(day)
    reach_back = start - dt.timedelta(days=LONG_OCCURRENCE_DAYS)
    base = _visible(user, filters).filter(start__lt=start, end__gt=start)
    fields = (*ITEM_FIELDS, "activity__place_name", "activity__city", "activity__online_url")
    # Two index range scans (short ones from a week back, long ones by their partial index), not one OR.
    short = base.filter(is_long=False, start__gte=reach_back)
    long = base.filter(is_long=True)
    found = [
        *short.select_related("activity").only(*fields).order_by("start", "id")[:limit],
        *long.select_related("activity").only(*fields).order_by("start", "id")[:limit],
    ]
    found.sort(key=lambda o: (o.start, o.id))
    return [decorate(o) for o in found[:limit]]


# --- detail pages ------------------------------------------------------------------------


def activity_for_detail(*, user, pk: int) -> Activity | None:
    """The activity if this user may see it (None otherwise), with what the detail page shows."""
    activity = (
        Activity.objects.filter(pk=pk)
        .select_related("source__actor", "created_by")
        .prefetch_related("themes", "sdgs")
        .first()
    )
    if activity is None or not permissions.can_view_activity(user, activity):
        return None
    return activity


def activity_participants(*, user, activity: Activity, internal: bool) -> dict:
    """Organisers and other participants as this user may see them.

    Internal readers see everybody, persons included; everybody else sees the actors they may
    see (published ones, and an editor's own), never persons.
    """
    participations = activity.participations.select_related("actor", "person").order_by("role", "id")
    participations = permissions.shown_participations(user, activity, participations)
    if not internal:
        visible = actor_permissions.visible_actors(user).values("pk")
        participations = participations.filter(actor__isnull=False, actor__in=visible)
    organisers, others = [], []
    for p in participations:
        (organisers if p.role == "organiser" else others).append(p)
    return {"organisers": organisers, "participants": others}


def activity_dates(*, activity: Activity, upcoming_limit: int = 12) -> dict:
    """The dates of a (recurring) activity: how many, the next ones, the first and the last."""
    qs = activity.occurrences.order_by("start", "id")
    now = timezone.now()
    upcoming = [decorate(o) for o in qs.filter(end__gte=now)[:upcoming_limit]]
    stats = qs.order_by().aggregate(count=Count("id"), upcoming=Count("id", filter=Q(end__gte=now)))
    last = qs.order_by("-start").only("start", "end").first()
    return {
        "count": stats["count"],
        "upcoming_count": stats["upcoming"],
        "upcoming": upcoming,
        "last": decorate(last) if last else None,
    }


_ORDINALS = {1: _lazy("ersten"), 2: _lazy("zweiten"), 3: _lazy("dritten"), 4: _lazy("vierten"), 5: _lazy("fünften")}
_DAYCODES = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]


def _rule_parts(rrule: str) -> dict:
    text = rrule.strip()
    if text.upper().startswith("RRULE:"):
        text = text[6:]
    parts = {}
    for chunk in text.split(";"):
        key, _sep, value = chunk.partition("=")
        if key:
            parts[key.strip().upper()] = value.strip().upper()
    return parts


def _weekday_phrase(code: str) -> str | None:
    """ "2WE" → "am zweiten Mittwoch", "-1SA" → "am letzten Samstag", "TU" → "dienstags"-like."""
    import re

    match = re.fullmatch(r"([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)", code)
    if not match:
        return None
    weekday = str(WEEKDAYS[_DAYCODES.index(match.group(2))])
    if match.group(1) is None:
        return weekday
    n = int(match.group(1))
    if n == -1:
        return _("letzten %(weekday)s") % {"weekday": weekday}
    if n in _ORDINALS:
        return f"{_ORDINALS[n]} {weekday}"
    return None


def recurrence_summary(activity: Activity, count: int | None = None) -> str:
    """A recurring activity's rule in words, e.g. "monatlich am zweiten Mittwoch, 12 Termine".

    Rules the words cannot express read "nach eigener Regel".
    """
    if not activity.rrule:
        if activity.dates is not None and count is not None:  # an imported series of single dates
            return ngettext("an %(count)d Termin", "an %(count)d Terminen", count) % {"count": count}
        return ""
    parts = _rule_parts(activity.rrule)
    try:
        interval = max(int(parts.get("INTERVAL", "1")), 1)
    except ValueError:
        interval = 1
    freq = parts.get("FREQ", "")
    start = activity.start.astimezone(BERLIN)
    weekday = str(WEEKDAYS[start.weekday()])
    days = [p for p in (_weekday_phrase(c) for c in parts.get("BYDAY", "").split(",") if c) if p]
    if freq == "DAILY":
        text = _("täglich") if interval == 1 else _("alle %(n)d Tage") % {"n": interval}
    elif freq == "WEEKLY":
        text = _("wöchentlich") if interval == 1 else _("alle %(n)d Wochen") % {"n": interval}
        text += " " + _("am %(days)s") % {"days": _(" und ").join(days or [weekday])}
    elif freq == "MONTHLY":
        text = _("monatlich") if interval == 1 else _("alle %(n)d Monate") % {"n": interval}
        if days:
            text += " " + _("am %(days)s") % {"days": _(" und ").join(days)}
        elif parts.get("BYMONTHDAY", "").lstrip("-").isdigit():
            day = int(parts["BYMONTHDAY"])
            text += " " + (_("am letzten Tag") if day == -1 else _("am %(day)d.") % {"day": day})
        else:
            text += " " + _("am %(day)d.") % {"day": start.day}
    elif freq == "YEARLY":
        text = _("jährlich") if interval == 1 else _("alle %(n)d Jahre") % {"n": interval}
        text += " " + _("am %(date)s") % {"date": date_format(start, "j. F")}
    else:
        text = _("nach eigener Regel")
    if count is not None:
        text += ", " + ngettext("%(count)d Termin", "%(count)d Termine", count) % {"count": count}
    return text
