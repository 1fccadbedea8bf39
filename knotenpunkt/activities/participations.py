"""Participations that wait for consent: an actor named in an activity by someone who may not edit it.

Such a participation is "angefragt" (requested) until the actor's editor or the coordination confirms
it (`participation_confirm`) or declines it (`participation_decline`: removed). Until then it is not
shown publicly — not on the activity's page, the actor's profile, the calendar filtered by the actor,
the iCal feeds, nor in public derived relationships; the requesting side sees it as "angefragt", the
actor's editors as a request to answer (activities/permissions.py decides who sees what).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from knotenpunkt.accounts import roles
from knotenpunkt.activities import permissions
from knotenpunkt.activities.models import Participation, ParticipationStatus
from knotenpunkt.actors import permissions as actor_permissions
from knotenpunkt.changes.kinds import ChangeKind
from knotenpunkt.changes.services import atomic, record

REQUESTS_SHOWN = 20


def _locked_request(user, participation: Participation) -> Participation:
    current = (
        Participation.objects.select_for_update(of=("self",))
        .select_related("activity", "actor")
        .filter(pk=participation.pk)
        .first()
    )
    if current is None or current.status != ParticipationStatus.REQUESTED:
        raise ValidationError(_("Diese Anfrage ist schon beantwortet."))
    if user is not None and not permissions.can_answer_participation(user, current):
        raise PermissionDenied(_("Diese Anfrage beantworten nur die Koordination und wer den Akteur bearbeitet."))
    return current


def _record(*, user, kind: str, participation: Participation) -> None:
    activity = participation.activity
    # The activity's other participants: their derived relationships with this actor change too.
    actors = set(activity.participations.exclude(actor=None).values_list("actor_id", flat=True))
    record(
        user=user,
        kind=kind,
        record=activity,
        actors=actors | {participation.actor_id},
        public=activity.public,
        values={"participation": participation.pk, "actor": participation.actor_id, "role": participation.role},
    )


@atomic
def participation_confirm(*, user, participation: Participation) -> Participation:
    """The actor's editor (or the coordination) confirms a requested participation: it shows publicly."""
    current = _locked_request(user, participation)
    current.status = ParticipationStatus.CONFIRMED
    current.save(update_fields=["status"])
    _record(user=user, kind=ChangeKind.ACTIVITY_PARTICIPATION_CONFIRMED, participation=current)
    return current


@atomic
def participation_decline(*, user, participation: Participation) -> None:
    """The actor's editor (or the coordination) declines a requested participation: it is removed."""
    current = _locked_request(user, participation)
    _record(user=user, kind=ChangeKind.ACTIVITY_PARTICIPATION_DECLINED, participation=current)
    current.delete()


# --- reads ----------------------------------------------------------------------------------------


def requests_for_actor(*, user, actor) -> QuerySet:
    """The open requests naming `actor`, for those who may answer them (its editors, the coordination)."""
    if not actor_permissions.can_edit_actor(user, actor):
        return Participation.objects.none()
    return _requests().filter(actor=actor)


def open_requests(*, user) -> QuerySet:
    """Every open request, for the coordination's Schreibtisch (nobody else)."""
    if not roles.is_coordinator(user):
        return Participation.objects.none()
    return _requests()


def first_requests(requests: QuerySet) -> tuple[list, int]:
    """The first REQUESTS_SHOWN of these requests and how many there are (counted only when the list is full)."""
    shown = list(requests[:REQUESTS_SHOWN])
    return shown, requests.count() if len(shown) == REQUESTS_SHOWN else len(shown)


def _requests() -> QuerySet:
    return (
        Participation.objects.filter(status=ParticipationStatus.REQUESTED, actor__isnull=False)
        .select_related("activity", "actor")
        .order_by("activity__start", "id")
    )
