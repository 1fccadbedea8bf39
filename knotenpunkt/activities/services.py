"""State changes of activities. Views, the admin, the importer, load_demo and the
synthetic generator all call these; every one is atomic."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import asdict, dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from knotenpunkt.accounts import permissions
from knotenpunkt.activities import recurrence
from knotenpunkt.activities.models import (
    IMPORT_HORIZON_DAYS,
    LONG_OCCURRENCE_DAYS,
    Activity,
    ActivityException,
    ActivityOccurrence,
    ParticipantRole,
    Participation,
    id_list,
)
from knotenpunkt.activities.recurrence import spans_days
from knotenpunkt.core.page_cache import bump_content_generation

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
    }
)


class ActivityConflict(Exception):
    """Someone else saved the activity after the form was loaded."""

    def __init__(self, activity: Activity):
        super().__init__(_("Der Termin wurde inzwischen von jemand anderem geändert."))
        self.activity = activity


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


def _user_or_none(user):
    return user if user is not None and getattr(user, "is_authenticated", False) else None


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
                from knotenpunkt.actors.models import Actor

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
                from knotenpunkt.actors.models import Person

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


def occurrences_rebuild(activity: Activity, *, until: dt.datetime | None = None) -> int:
    """Recompute the concrete dates of one activity. Raises ValidationError for a bad rule.

    An imported series without an end is expanded up to IMPORT_HORIZON_DAYS ahead.
    """
    if until is None and activity.source_id and activity.rrule and not recurrence.rule_is_bounded(activity.rrule):
        until = timezone.now() + dt.timedelta(days=IMPORT_HORIZON_DAYS)
    occurrences = recurrence.expand(
        start=activity.start,
        end=activity.end,
        rrule=activity.rrule,
        exceptions=list(activity.exceptions.all()) if activity.pk else [],
        until=until,
    )
    long_span = dt.timedelta(days=LONG_OCCURRENCE_DAYS)
    theme_ids = id_list(activity.themes.values_list("pk", flat=True)) if activity.pk else ""
    sdg_ids = id_list(activity.sdgs.values_list("pk", flat=True)) if activity.pk else ""
    ActivityOccurrence.objects.filter(activity=activity).delete()
    ActivityOccurrence.objects.bulk_create(
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
        batch_size=500,
    )
    return len(occurrences)


def _participant_actor_ids(activity: Activity) -> set[int]:
    return set(activity.participations.filter(actor__isnull=False).values_list("actor_id", flat=True))


def _set_participants(activity: Activity, participants: list[ParticipantSpec]) -> None:
    _check_participants(participants)
    activity.participations.all().delete()
    Participation.objects.bulk_create(
        [
            Participation(activity=activity, actor_id=p.actor_id, person_id=p.person_id, role=p.role)
            for p in participants
        ]
    )


def _set_exceptions(activity: Activity, exceptions: list[ExceptionSpec]) -> None:
    """Replace all exceptions of a series (the importer's way: the feed lists them all)."""
    activity.exceptions.all().delete()
    ActivityException.objects.bulk_create([ActivityException(activity=activity, **asdict(e)) for e in exceptions])


def _network_changed(actor_ids: Iterable[int]) -> None:
    """Shared activities changed for these actors: refresh their derived relationships."""
    from knotenpunkt.network import derived

    derived.refresh_pairs(set(actor_ids))


def _apply(activity: Activity, data: dict) -> None:
    for name in SCALAR_FIELDS:
        if name in data:
            value = data[name]
            if name in ("latitude", "longitude") and value == "":
                value = None
            setattr(activity, name, value if value is not None or name in ("latitude", "longitude") else "")


def _save_checked(activity: Activity) -> None:
    _check_times(activity.start, activity.end, activity.all_day)
    activity.full_clean(exclude=["themes", "sdgs", "source", "uid"])
    activity.save()


@transaction.atomic
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
    activity = Activity(created_by=_user_or_none(user), source=source, source_uid=source_uid)
    if uid:
        activity.uid = uid
    _apply(activity, data)
    _save_checked(activity)
    for name in M2M_FIELDS:
        if name in data:
            getattr(activity, name).set(data[name])
    _set_participants(activity, participants)
    if exceptions:
        _set_exceptions(activity, exceptions)
    occurrences_rebuild(activity, until=until)
    _network_changed(p.actor_id for p in participants if p.actor_id)
    if activity.public:
        bump_content_generation()
    return activity


def activity_update(
    *,
    user,
    activity: Activity,
    data: dict,
    expected_version: int,
    participants: list[ParticipantSpec] | None = None,
    until: dt.datetime | None = None,
    from_feed: bool = False,
    exceptions: list[ExceptionSpec] | None = None,
) -> Activity:
    """Save changes unless someone else saved since `expected_version` (then ActivityConflict).

    `participants=None` leaves them as they are. Imported activities keep their feed's
    fields unless the change comes from that feed (`from_feed`).
    """
    if user is not None and not permissions.can_edit_activity(user, activity):
        raise PermissionDenied
    with transaction.atomic():
        current = Activity.objects.select_for_update().get(pk=activity.pk)
        if current.version != expected_version:
            raise ActivityConflict(current)
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
        was_public = current.public
        before_actors = _participant_actor_ids(current)
        _apply(current, data)
        current.version = expected_version + 1
        _save_checked(current)
        for name in M2M_FIELDS:
            if name in data:
                getattr(current, name).set(data[name])
        if participants is not None:
            _set_participants(current, list(participants))
        if exceptions is not None:
            _set_exceptions(current, list(exceptions))
        occurrences_rebuild(current, until=until)
        _network_changed(before_actors | _participant_actor_ids(current))
        if was_public or current.public:
            bump_content_generation()
    return current


@transaction.atomic
def activity_set_cancelled(*, user, activity: Activity, cancelled: bool, expected_version: int) -> Activity:
    return activity_update(
        user=user,
        activity=activity,
        data={"cancelled": cancelled},
        expected_version=expected_version,
        from_feed=activity.source_id is not None and user is None,
    )


@transaction.atomic
def activity_delete(*, user, activity: Activity) -> None:
    if user is not None and not permissions.can_edit_activity(user, activity):
        raise PermissionDenied
    actor_ids = _participant_actor_ids(activity)
    public = activity.public
    activity.delete()
    _network_changed(actor_ids)
    if public:
        bump_content_generation()


@transaction.atomic
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
    if not activity.rrule:
        raise ValidationError(_("Nur wiederkehrende Termine haben einzelne Ausnahmen."))
    if recurrence_id not in set(recurrence.recurrence_dates(activity)):
        raise ValidationError({"recurrence_id": _("An diesem Datum findet der Termin nicht statt.")})
    if start is not None and end is not None and end < start:
        raise ValidationError({"end": _("Das Ende liegt vor dem Beginn.")})
    exc, _created = ActivityException.objects.update_or_create(
        activity=activity,
        recurrence_id=recurrence_id,
        defaults={"cancelled": cancelled, "start": start, "end": end, "title": title, "note": note},
    )
    Activity.objects.filter(pk=activity.pk).update(version=activity.version + 1)
    activity.version += 1
    occurrences_rebuild(activity)
    _network_changed(_participant_actor_ids(activity))
    if activity.public:
        bump_content_generation()
    return exc


@transaction.atomic
def exception_delete(*, user, exception: ActivityException) -> None:
    activity = exception.activity
    if user is not None and not permissions.can_edit_activity(user, activity):
        raise PermissionDenied
    exception.delete()
    Activity.objects.filter(pk=activity.pk).update(version=activity.version + 1)
    activity.version += 1
    occurrences_rebuild(activity)
    _network_changed(_participant_actor_ids(activity))
    if activity.public:
        bump_content_generation()
