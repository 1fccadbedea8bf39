"""State changes of persons and of their memberships in actors.

All of it is internal: these changes are never public. A person's name and contact data appear
only in the person's own change rows; membership rows name the person by id (`persons=`), so an
erasure finds every row to scrub.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from knotenpunkt.accounts import permissions
from knotenpunkt.actors.models import Actor, Membership, Person
from knotenpunkt.changes import locking, values
from knotenpunkt.changes.kinds import ChangeKind
from knotenpunkt.changes.services import atomic, record

PERSON_FIELDS = ("first_name", "last_name", "email", "phone", "notes")
MEMBERSHIP_FIELDS = ("person", "actor", "function")


def _check_allowed(user) -> None:
    if not permissions.is_coordinator(user):
        raise PermissionDenied(_("Nur die Koordination pflegt Personen und Mitgliedschaften."))


def _actor_ids(person: Person) -> set[int]:
    return set(person.memberships.values_list("actor_id", flat=True))


def membership_label(membership: Membership) -> str:
    """How the history names a membership: its actor and function, never the person's name."""
    actor = Actor.objects.filter(pk=membership.actor_id).values_list("name", flat=True).first() or ""
    return f"{actor} ({membership.function})" if membership.function else actor


@atomic
def person_create(*, user, data: dict) -> Person:
    _check_allowed(user)
    person = Person(**{name: data[name] for name in PERSON_FIELDS if name in data})
    person.full_clean()
    person.save()
    record(user=user, kind=ChangeKind.PERSON_CREATED, record=person, values=values.snapshot(person, PERSON_FIELDS))
    return person


@atomic
def person_update(*, user, person: Person, data: dict, expected_version: int | None) -> Person:
    """Save changes if nobody else saved since `expected_version`; otherwise raise locking.EditConflict."""
    _check_allowed(user)
    current = locking.lock(Person, person.pk, expected_version)
    before = values.snapshot(current, PERSON_FIELDS)
    for name in PERSON_FIELDS:
        if name in data:
            setattr(current, name, data[name])
    fields = values.diff(before, values.snapshot(current, PERSON_FIELDS))
    if not fields:
        return current
    locking.bump(current)
    current.full_clean()
    current.save()
    record(user=user, kind=ChangeKind.PERSON_UPDATED, record=current, fields=fields, actors=_actor_ids(current))
    return current


@atomic
def person_delete(*, user, person: Person) -> None:
    """Delete a person and their memberships (each recorded for its actor's history)."""
    _check_allowed(user)
    person = Person.objects.select_for_update().get(pk=person.pk)
    actor_ids = _actor_ids(person)
    for membership in person.memberships.all():
        membership_delete(user=user, membership=membership)
    person_pk, label, snapshot = person.pk, str(person), values.snapshot(person, PERSON_FIELDS)
    person.delete()
    record(
        user=user,
        kind=ChangeKind.PERSON_DELETED,
        record=person,
        record_id=person_pk,
        label=label,
        values=snapshot,
        actors=actor_ids,
    )


@atomic
def membership_create(*, user, actor: Actor, person: Person, function: str = "") -> Membership:
    _check_allowed(user)
    membership = Membership(actor=actor, person=person, function=function)
    membership.full_clean()
    membership.save()
    record(
        user=user,
        kind=ChangeKind.MEMBERSHIP_CREATED,
        record=membership,
        label=membership_label(membership),
        values=values.snapshot(membership, MEMBERSHIP_FIELDS),
        actors=[actor.pk],
        persons=[person.pk],
    )
    return membership


@atomic
def membership_update(*, user, membership: Membership, data: dict) -> Membership:
    """Change a membership's person, actor or function (`data` holds any of them)."""
    _check_allowed(user)
    current = Membership.objects.select_for_update().get(pk=membership.pk)
    before = values.snapshot(current, MEMBERSHIP_FIELDS)
    for name in MEMBERSHIP_FIELDS:
        if name in data:
            setattr(current, name, data[name])
    after = values.snapshot(current, MEMBERSHIP_FIELDS)
    fields = values.diff(before, after)
    if not fields:
        return current
    current.full_clean()
    current.save()
    record(
        user=user,
        kind=ChangeKind.MEMBERSHIP_UPDATED,
        record=current,
        label=membership_label(current),
        fields=fields,
        actors=[before["actor"], after["actor"]],
        persons=[before["person"], after["person"]],
    )
    return current


@atomic
def membership_delete(*, user, membership: Membership) -> None:
    _check_allowed(user)
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    membership_pk, label = membership.pk, membership_label(membership)
    snapshot = values.snapshot(membership, MEMBERSHIP_FIELDS)
    membership.delete()
    record(
        user=user,
        kind=ChangeKind.MEMBERSHIP_DELETED,
        record=membership,
        record_id=membership_pk,
        label=label,
        values=snapshot,
        actors=[snapshot["actor"]],
        persons=[snapshot["person"]],
    )
