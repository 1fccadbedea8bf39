"""State changes of activities. Views, the admin, the importer, load_demo and the
synthetic generator all call these; every one is atomic and records one change
(knotenpunkt.changes) with the participants before and after. Derived relationships and the
page cache follow from knotenpunkt/reactions.py."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import asdict, dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from knotenpunkt.activities import permissions, recurrence
from knotenpunkt.activities.models import (
    IMPORT_HORIZON_DAYS,
    LONG_OCCURRENCE_DAYS,
    Activity,
    ActivityException,
    ActivityOccurrence,
    ParticipantRole,
    Participation,
    ParticipationStatus,
    id_list,
)
from knotenpunkt.activities.recurrence import spans_days
from knotenpunkt.actors.models import Actor, Person
from knotenpunkt.changes import locking, values
from knotenpunkt.changes.kinds import ChangeKind
from knotenpunkt.changes.services import atomic, record, user_or_none
from knotenpunkt.lib.text import cleaned

SCALAR_FIELDS = (
    "kind",
    "title",
    "description",
    "start",
    "end",
    "all_day",
    "rrule",
    "place_name",
    "street",
    "postcode",
    "city",
    "latitude",
    "longitude",
    "online_url",
    "level",
    "public",
    "cancelled",
    "outcome_notes",
)
M2M_FIELDS = ("themes", "sdgs")
# What an imported activity takes from its feed; people here may not change these.
FEED_OWNED_FIELDS = frozenset(
    {
        "title",
        "description",
        "start",
        "end",
        "all_day",
        "rrule",
        "place_name",
        "street",
        "postcode",
        "city",
        "latitude",
        "longitude",
        "online_url",
        "cancelled",
        "dates",
    }
)


# Marks the changes a calendar import makes (user None): the history names "Kalenderimport" as their author.
FROM_CALENDAR = {"via": "calendar_import"}
# What the history keeps of an activity: its fields, and the pseudo-fields "participants" (sorted
# [role, "actor" | "person", id]) and, for series whose exceptions a change replaces, "exceptions".
RECORDED_FIELDS = (*SCALAR_FIELDS, *M2M_FIELDS)
EXCEPTION_FIELDS = ("recurrence_id", "cancelled", "start", "end", "title", "note")


@dataclass(frozen=True)
class ParticipantSpec:
    role: str
    actor_id: int | None = None
    person_id: int | None = None


@dataclass(frozen=True)
class ExceptionSpec:
    """One changed or cancelled occurrence of a series, as a feed describes it (RECURRENCE-ID, EXDATE)."""

    recurrence_id: dt.datetime
    cancelled: bool = False
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    title: str = ""
    note: str = ""


def _check_times(start, end, all_day) -> None:
    if start is None or end is None:
        raise ValidationError({"start": _("Bitte Beginn und Ende angeben.")})
    if end < start:
        raise ValidationError({"end": _("Das Ende liegt vor dem Beginn.")})


def _check_participants(participants: list[ParticipantSpec]) -> None:
    seen_actors, seen_persons = set(), set()
    for p in participants:
        if (p.actor_id is None) == (p.person_id is None):
            raise ValidationError({"participants": _("Jede Beteiligung nennt genau einen Akteur oder eine Person.")})
        if p.role not in ParticipantRole.values:
            raise ValidationError({"participants": _("Unbekannte Rolle „%(role)s“.") % {"role": p.role}})
        if p.actor_id is not None:
            if p.actor_id in seen_actors:
                name = Actor.objects.filter(pk=p.actor_id).values_list("name", flat=True).first() or p.actor_id
                raise ValidationError(
                    {
                        "participants": _("„%(name)s“ ist doppelt eingetragen. Jeder Akteur zählt einmal.")
                        % {"name": name}
                    }
                )
            seen_actors.add(p.actor_id)
        else:
            if p.person_id in seen_persons:
                person = Person.objects.filter(pk=p.person_id).first()
                raise ValidationError(
                    {
                        "participants": _("„%(name)s“ ist doppelt eingetragen. Jede Person zählt einmal.")
                        % {"name": person or p.person_id}
                    }
                )
            seen_persons.add(p.person_id)


def _check_organisers_allowed(user, participants: list[ParticipantSpec] | None, activity: Activity | None) -> None:
    """Actor editors may only create activities that one of their actors organises."""
    allowed = permissions.activity_organiser_choices(user)
    if allowed is None:
        return
    organisers = {
        p.actor_id for p in (participants or []) if p.role == ParticipantRole.ORGANISER and p.actor_id is not None
    }
    if activity is not None and participants is None:
        return
    if not organisers & set(allowed.values_list("pk", flat=True)):
        raise ValidationError({"participants": _("Bitte einen der eigenen Akteure als Veranstalter eintragen.")})


# Inside `collecting_inserts()`, new activities' participations and dates are written at the end.
_collected: ContextVar[dict | None] = ContextVar("knotenpunkt_activity_inserts", default=None)


@contextmanager
def collecting_inserts():
    """For many `activity_create` calls in one transaction (a calendar import): the rows of the new
    activities' participants and dates are written in a few statements when the block ends, not two
    per activity. Nothing inside may read those rows before the end."""
    rows = {Participation: [], ActivityOccurrence: []}
    token = _collected.set(rows)
    try:
        yield
    except BaseException:
        _collected.reset(token)
        raise
    _collected.reset(token)
    for model, objects in rows.items():
        model.objects.bulk_create(objects, batch_size=2000)


def _write(model, objects: list) -> None:
    model.objects.bulk_create(objects, batch_size=500)


def _insert(model, objects: list) -> None:
    """New rows of a new activity: now, or with the others at the end of `collecting_inserts()`."""
    collected = _collected.get()
    if collected is not None:
        collected[model].extend(objects)
    else:
        _write(model, objects)


def occurrences_rebuild(
    activity: Activity, *, until: dt.datetime | None = None, new: bool = False, theme_ids=None, sdg_ids=None
) -> int:
    """Recompute the concrete dates of one activity. Raises ValidationError for a bad rule.

    An imported series without an end is expanded up to IMPORT_HORIZON_DAYS ahead.
    """
    if activity.dates is not None and activity.source_id:  # an imported series: its feed's dates, not the rule's
        occurrences = recurrence.dates_from_json(activity.dates)
    else:
        if until is None and activity.source_id and activity.rrule and not recurrence.rule_is_bounded(activity.rrule):
            until = timezone.now() + dt.timedelta(days=IMPORT_HORIZON_DAYS)
        occurrences = recurrence.expand(
            start=activity.start,
            end=activity.end,
            rrule=activity.rrule,
            exceptions=list(activity.exceptions.all()) if activity.pk and not new else [],
            until=until,
        )
    long_span = dt.timedelta(days=LONG_OCCURRENCE_DAYS)
    # A new activity has no dates to delete, and its creator knows its themes and SDGs.
    if theme_ids is None:
        theme_ids = activity.themes.values_list("pk", flat=True) if activity.pk else ()
    if sdg_ids is None:
        sdg_ids = activity.sdgs.values_list("pk", flat=True) if activity.pk else ()
    theme_ids, sdg_ids = id_list(theme_ids), id_list(sdg_ids)
    if not new:
        ActivityOccurrence.objects.filter(activity=activity).delete()
    (_insert if new else _write)(
        ActivityOccurrence,
        [
            ActivityOccurrence(
                activity=activity,
                start=o.start,
                end=o.end,
                recurrence_id=o.recurrence_id,
                cancelled=activity.cancelled or o.cancelled,
                is_long=(o.end - o.start) > long_span,
                public=activity.public,
                kind=activity.kind,
                level=activity.level,
                title=o.title or activity.title,
                multi_day=spans_days(o.start, o.end),
                theme_ids=theme_ids,
                sdg_ids=sdg_ids,
            )
            for o in occurrences
        ],
    )
    return len(occurrences)


# --- the history's form of participants and exceptions ---------------------------------------


def _rows(triples) -> list[list]:
    """Participants as the history stores them: sorted [role, "actor" | "person", id] (ids only, no names)."""
    return sorted(
        [str(role), "actor", actor_id] if actor_id is not None else [str(role), "person", person_id]
        for role, actor_id, person_id in triples
    )


def _participant_rows(activity: Activity) -> list[list]:
    return _rows(activity.participations.values_list("role", "actor_id", "person_id"))


def _spec_rows(participants: list[ParticipantSpec]) -> list[list]:
    return _rows((p.role, p.actor_id, p.person_id) for p in participants)


def _subjects(*row_lists) -> tuple[set[int], set[int]]:
    """The actor and person ids named in participant rows (before and after a change)."""
    actors, persons = set(), set()
    for rows in row_lists:
        for _role, kind, pk in rows:
            (actors if kind == "actor" else persons).add(pk)
    return actors, persons


def _exception_rows(exceptions) -> list[dict]:
    """A series' exceptions in stored form, ordered by date (ActivityException rows or ExceptionSpecs)."""
    rows = [{name: values.stored(getattr(e, name)) for name in EXCEPTION_FIELDS} for e in exceptions]
    return sorted(rows, key=lambda row: row["recurrence_id"])


def _pks(items) -> list:
    """Stored form of what a service was given for a many-to-many field (objects or keys)."""
    return sorted(int(getattr(item, "pk", item)) for item in items)


def dates_summary(rows) -> dict | None:
    """What the history keeps of an imported series' dates: how many, the first and the last, and a
    fingerprint (the list itself can run to a thousand dates and changes as the window moves)."""
    if rows is None:
        return None
    digest = hashlib.sha256(json.dumps(rows, separators=(",", ":")).encode()).hexdigest()[:16]
    first = recurrence.dates_from_json(rows[:1])
    last = recurrence.dates_from_json(rows[-1:])
    return {
        "count": len(rows),
        "first": values.stored(first[0].start) if first else None,
        "last": values.stored(last[0].start) if last else None,
        "digest": digest,
    }


def _snapshot(activity: Activity, *, with_exceptions: bool = False) -> dict:
    """The activity as the history stores it (reads its themes, SDGs and participants)."""
    state = values.snapshot(activity, RECORDED_FIELDS)
    state["participants"] = _participant_rows(activity)
    if with_exceptions:
        state["exceptions"] = _exception_rows(activity.exceptions.all())
    if activity.dates is not None:
        state["dates"] = dates_summary(activity.dates)
    return state


def _record(*, user, kind: str, activity: Activity, rows, public: bool, **kwargs):
    actors, persons = _subjects(*rows)
    record(user=user, kind=kind, record=activity, actors=actors, persons=persons, public=public, **kwargs)


# --- setting participants and exceptions --------------------------------------------------------


def _set_participants(activity: Activity, participants: list[ParticipantSpec], *, user, new: bool = False) -> None:
    """Replace the participants. An actor already there keeps its status; an actor newly named by
    someone who may not edit it is "angefragt" until confirmed (activities/participations.py)."""
    _check_participants(participants)
    kept = {}
    if not new:
        kept = dict(activity.participations.exclude(actor=None).values_list("actor_id", "status"))
        activity.participations.all().delete()
    requested = _needing_confirmation(user, {p.actor_id for p in participants if p.actor_id} - kept.keys())
    (_insert if new else _write)(
        Participation,
        [
            Participation(
                activity=activity,
                actor_id=p.actor_id,
                person_id=p.person_id,
                role=p.role,
                status=ParticipationStatus.REQUESTED
                if p.actor_id in requested
                else kept.get(p.actor_id, ParticipationStatus.CONFIRMED),
            )
            for p in participants
        ],
    )


def _needing_confirmation(user, actor_ids: set[int]) -> set[int]:
    if not actor_ids or user is None or not permissions.participation_needs_confirmation(user, None):
        return set()
    actors = Actor.objects.only("pk", "parent_id").filter(pk__in=actor_ids)
    return {a.pk for a in actors if permissions.participation_needs_confirmation(user, a)}


def _set_exceptions(activity: Activity, exceptions: list[ExceptionSpec]) -> None:
    """Replace all exceptions of a series (the importer's way: the feed lists them all)."""
    activity.exceptions.all().delete()
    ActivityException.objects.bulk_create([ActivityException(activity=activity, **asdict(e)) for e in exceptions])


# Text fields that hold one line (also what a calendar feed sends): no control characters, no breaks.
ONE_LINE_FIELDS = {"title", "place_name", "street", "postcode", "city"}


def _apply(activity: Activity, data: dict) -> None:
    if "dates" in data:
        activity.dates = data["dates"]
    for name in SCALAR_FIELDS:
        if name in data:
            value = cleaned(name, data[name], ONE_LINE_FIELDS)
            if name in ("latitude", "longitude") and value == "":
                value = None
            setattr(activity, name, value if value is not None or name in ("latitude", "longitude") else "")


def _check_constraints(activity: Activity) -> None:
    """The table's check constraints, said in plain German at the field (the database keeps them as
    the last line). Django's own constraint validation asks the database once per constraint: a
    calendar import of 5,000 events spent half its time there."""
    _check_times(activity.start, activity.end, activity.all_day)
    errors = {}
    if not (activity.title or "").strip():
        errors["title"] = _("Bitte einen Titel angeben.")
    if activity.latitude is not None and not -90 <= Decimal(activity.latitude) <= 90:
        errors["latitude"] = _("Der Breitengrad liegt zwischen -90 und 90.")
    if activity.longitude is not None and not -180 <= Decimal(activity.longitude) <= 180:
        errors["longitude"] = _("Der Längengrad liegt zwischen -180 und 180.")
    if errors:
        raise ValidationError(errors)


def _save_checked(activity: Activity) -> None:
    _check_constraints(activity)
    activity.full_clean(exclude=["themes", "sdgs", "source", "uid"], validate_constraints=False)
    activity.save()


@atomic
def activity_create(
    *,
    user,
    data: dict,
    participants: list[ParticipantSpec] | None = None,
    source=None,
    source_uid: str = "",
    until: dt.datetime | None = None,
    uid: str = "",
    exceptions: list[ExceptionSpec] | None = None,
) -> Activity:
    """Create an activity with its participants, themes and SDGs; build its dates.

    `uid` fixes the iCalendar UID (demo data, imports that keep one); by default a new one."""
    if user is not None and not permissions.can_create_activity(user):
        raise PermissionDenied
    participants = list(participants or [])
    if user is not None:
        _check_organisers_allowed(user, participants, None)
    activity = Activity(created_by=user_or_none(user), source=source, source_uid=source_uid)
    if uid:
        activity.uid = uid
    _apply(activity, data)
    _save_checked(activity)
    for name in M2M_FIELDS:
        if name in data:
            getattr(activity, name).set(data[name])
    _set_participants(activity, participants, user=user, new=True)
    if exceptions:
        _set_exceptions(activity, exceptions)
    occurrences_rebuild(
        activity,
        until=until,
        new=not exceptions,
        theme_ids=_pks(data.get("themes") or []),
        sdg_ids=_pks(data.get("sdgs") or []),
    )
    rows = _spec_rows(participants)
    state = values.snapshot(activity, SCALAR_FIELDS)
    state.update({name: _pks(data.get(name) or []) for name in M2M_FIELDS})
    state["participants"] = rows
    if exceptions:
        state["exceptions"] = _exception_rows(exceptions)
    if activity.dates is not None:
        state["dates"] = dates_summary(activity.dates)
    _record(
        user=user,
        kind=ChangeKind.ACTIVITY_CREATED,
        activity=activity,
        rows=[rows],
        public=activity.public,
        values=state,
        extra=FROM_CALENDAR if user is None and source is not None else None,
    )
    return activity


@atomic
def activity_update(
    *,
    user,
    activity: Activity,
    data: dict,
    expected_version: int | None,
    participants: list[ParticipantSpec] | None = None,
    until: dt.datetime | None = None,
    from_feed: bool = False,
    exceptions: list[ExceptionSpec] | None = None,
) -> Activity:
    """Save changes unless someone else saved since `expected_version` (then `locking.EditConflict`;
    None skips the check).

    `participants=None` leaves them as they are. Imported activities keep their feed's
    fields unless the change comes from that feed (`from_feed`).
    """
    if user is not None and not permissions.can_edit_activity(user, activity):
        raise PermissionDenied
    current = locking.lock(Activity, activity.pk, expected_version)
    if current.source_id and not from_feed:
        locked = {name for name in FEED_OWNED_FIELDS & data.keys() if getattr(current, name) != data[name]}
        if locked:
            raise ValidationError(
                _(
                    "Dieser Termin kommt aus dem Kalender von „%(source)s“ und wird dort gepflegt: "
                    "%(fields)s lassen sich hier nicht ändern."
                )
                % {
                    "source": current.source,
                    "fields": ", ".join(sorted(str(Activity._meta.get_field(n).verbose_name) for n in locked)),
                }
            )
    if user is not None and participants is not None:
        _check_organisers_allowed(user, participants, current)
    before = _snapshot(current, with_exceptions=exceptions is not None)
    _apply(current, data)
    locking.bump(current)
    _save_checked(current)
    for name in M2M_FIELDS:
        if name in data:
            getattr(current, name).set(data[name])
    if participants is not None:
        participants = list(participants)
        _set_participants(current, participants, user=user)
    if exceptions is not None:
        _set_exceptions(current, list(exceptions))
    occurrences_rebuild(current, until=until)
    after = values.snapshot(current, SCALAR_FIELDS)
    after.update({name: _pks(data[name]) if name in data else before[name] for name in M2M_FIELDS})
    after["participants"] = _spec_rows(participants) if participants is not None else before["participants"]
    if exceptions is not None:
        after["exceptions"] = _exception_rows(exceptions)
    if current.dates is not None or "dates" in before:
        after["dates"] = dates_summary(current.dates)
    _record(
        user=user,
        kind=ChangeKind.ACTIVITY_UPDATED,
        activity=current,
        rows=[before["participants"], after["participants"]],
        public=before["public"] or current.public,
        fields=values.diff(before, after),
        extra=FROM_CALENDAR if user is None and from_feed else None,
    )
    return current


def activity_set_cancelled(*, user, activity: Activity, cancelled: bool, expected_version: int | None) -> Activity:
    return activity_update(
        user=user,
        activity=activity,
        data={"cancelled": cancelled},
        expected_version=expected_version,
        from_feed=activity.source_id is not None and user is None,
    )


@atomic
def activity_delete(*, user, activity: Activity) -> None:
    if user is not None and not permissions.can_edit_activity(user, activity):
        raise PermissionDenied
    pk, label = activity.pk, str(activity)
    state = _snapshot(activity, with_exceptions=bool(activity.rrule))
    activity.delete()
    _record(
        user=user,
        kind=ChangeKind.ACTIVITY_DELETED,
        activity=activity,
        rows=[state["participants"]],
        public=activity.public,
        record_id=pk,
        label=label,
        values=state,
    )


def _exception_changed(*, user, kind: str, activity: Activity, old: dict | None, new: dict | None) -> None:
    """One date of a series changed: a change of the series (its version rises, its dates are rebuilt)."""
    current = locking.lock(Activity, activity.pk, None)
    locking.bump(current)
    current.save(update_fields=["version", "updated_at"])
    activity.version = current.version
    occurrences_rebuild(current)
    _record(
        user=user,
        kind=kind,
        activity=current,
        rows=[_participant_rows(current)],
        public=current.public,
        extra={"exception": {"old": old, "new": new}},
    )


@atomic
def exception_save(
    *,
    user,
    activity: Activity,
    recurrence_id: dt.datetime,
    cancelled: bool = False,
    start=None,
    end=None,
    title: str = "",
    note: str = "",
) -> ActivityException:
    """Change or cancel one occurrence of a recurring activity (counts as a change of the series)."""
    if user is not None and not permissions.can_edit_activity(user, activity):
        raise PermissionDenied
    if activity.source_id:
        raise ValidationError(_("Dieser Termin wird im Kalender seiner Quelle gepflegt; dort lässt er sich ändern."))
    if not activity.rrule:
        raise ValidationError(_("Nur wiederkehrende Termine haben einzelne Ausnahmen."))
    if recurrence_id not in set(recurrence.recurrence_dates(activity)):
        raise ValidationError({"recurrence_id": _("An diesem Datum findet der Termin nicht statt.")})
    if start is not None and end is not None and end < start:
        raise ValidationError({"end": _("Das Ende liegt vor dem Beginn.")})
    existing = ActivityException.objects.filter(activity=activity, recurrence_id=recurrence_id).first()
    old = _exception_rows([existing])[0] if existing is not None else None
    exc, _created = ActivityException.objects.update_or_create(
        activity=activity,
        recurrence_id=recurrence_id,
        defaults={"cancelled": cancelled, "start": start, "end": end, "title": title, "note": note},
    )
    _exception_changed(
        user=user, kind=ChangeKind.ACTIVITY_EXCEPTION_SAVED, activity=activity, old=old, new=_exception_rows([exc])[0]
    )
    return exc


@atomic
def exception_delete(*, user, exception: ActivityException) -> None:
    activity = exception.activity
    if user is not None and not permissions.can_edit_activity(user, activity):
        raise PermissionDenied
    old = _exception_rows([exception])[0]
    exception.delete()
    _exception_changed(user=user, kind=ChangeKind.ACTIVITY_EXCEPTION_DELETED, activity=activity, old=old, new=None)


@atomic
def activity_extend_dates(*, activity: Activity, dates: list[list]) -> None:
    """Give an imported series the dates of the moved import window (the calendar import moves it
    along each day; the feed itself did not change). Not an edit: the version (iCalendar's
    SEQUENCE) stays; recorded so visitors' cached calendar pages follow. Its participants are not
    named: nothing about them changed, and their history would fill up with a line a day per series."""
    current = locking.lock(Activity, activity.pk, None)
    current.dates = dates
    current.save(update_fields=["dates"])
    occurrences_rebuild(current)
    _record(
        user=None,
        kind=ChangeKind.ACTIVITY_DATES_EXTENDED,
        activity=current,
        rows=[],
        public=current.public,
        extra={**FROM_CALENDAR, "dates": dates_summary(dates)},
    )
