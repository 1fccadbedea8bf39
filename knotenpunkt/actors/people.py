"""State changes of persons and of their memberships in actors.

All of it is internal: these changes are never public. A person's name and contact data appear
only in the person's own change rows; membership rows name the person by id (`persons=`), so an
erasure finds every row to scrub. A person leaves Knotenpunkt only by erasure
(knotenpunkt/privacy/erasure.py), which also removes them from the history.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from knotenpunkt.accounts import roles
from knotenpunkt.actors.models import Actor, LegalBasis, Membership, Person
from knotenpunkt.changes import locking, values
from knotenpunkt.changes.kinds import ChangeKind
from knotenpunkt.changes.services import atomic, record, user_or_none
from knotenpunkt.lib.text import cleaned

PERSON_FIELDS = ("first_name", "last_name", "email", "phone", "notes")
# Data protection (Art. 6, 7 DSGVO): purpose, legal basis, consent and its proof, review date.
PRIVACY_FIELDS = (
    "purpose",
    "legal_basis",
    "consent_at",
    "consent_method",
    "consent_text_version",
    "consent_recorded_by",
    "review_date",
)
EDITABLE_FIELDS = PERSON_FIELDS + PRIVACY_FIELDS
HISTORY_FIELDS = (*EDITABLE_FIELDS, "restricted", "restriction_reason")
CONSENT_PROOF = ("legal_basis", "consent_at", "consent_method", "consent_text_version")
MEMBERSHIP_FIELDS = ("person", "actor", "function")
# Text that holds one line (names, phone, purpose, function): control characters and line breaks never
# reach the database, so no mail header or export can fail on them (issue 14, "Text everywhere").
ONE_LINE_FIELDS = {"first_name", "last_name", "email", "phone", "purpose", "consent_text_version", "function"}


def _text(name: str, value):
    return cleaned(name, value, ONE_LINE_FIELDS)


def _check_allowed(user) -> None:
    if not roles.is_coordinator(user):
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
    person = Person(**{name: _text(name, data[name]) for name in EDITABLE_FIELDS if name in data})
    if person.legal_basis == LegalBasis.CONSENT and "consent_recorded_by" not in data:
        person.consent_recorded_by = user_or_none(user)
    person.full_clean()
    person.save()
    record(user=user, kind=ChangeKind.PERSON_CREATED, record=person, values=values.snapshot(person, HISTORY_FIELDS))
    return person


@atomic
def person_update(*, user, person: Person, data: dict, expected_version: int | None) -> Person:
    """Save changes if nobody else saved since `expected_version`; otherwise raise locking.EditConflict."""
    _check_allowed(user)
    current = locking.lock(Person, person.pk, expected_version)
    _check_not_erased(current)
    before = values.snapshot(current, HISTORY_FIELDS)
    for name in EDITABLE_FIELDS:
        if name in data:
            setattr(current, name, _text(name, data[name]))
    if "consent_recorded_by" not in data and any(before[n] != values.field_value(current, n) for n in CONSENT_PROOF):
        # Whoever records (or changes) the consent's proof is its recorder.
        current.consent_recorded_by = user_or_none(user) if current.legal_basis == LegalBasis.CONSENT else None
    fields = values.diff(before, values.snapshot(current, HISTORY_FIELDS))
    if not fields:
        return current
    locking.bump(current)
    current.full_clean()
    current.save()
    record(user=user, kind=ChangeKind.PERSON_UPDATED, record=current, fields=fields, actors=_actor_ids(current))
    return current


@atomic
def person_restrict(*, user, person: Person, reason: str) -> Person:
    """Art. 18 DSGVO: keep the person's data but stop using it (no mails, not offered in pickers)."""
    return _set_restriction(user=user, person=person, restricted=True, reason=reason)


@atomic
def person_unrestrict(*, user, person: Person) -> Person:
    return _set_restriction(user=user, person=person, restricted=False, reason="")


def _set_restriction(*, user, person: Person, restricted: bool, reason: str) -> Person:
    _check_allowed(user)
    current = Person.objects.select_for_update().get(pk=person.pk)
    _check_not_erased(current)
    if restricted and not reason.strip():
        raise ValidationError({"restriction_reason": _("Bitte den Grund der Einschränkung angeben.")})
    before = values.snapshot(current, ("restricted", "restriction_reason"))
    current.restricted, current.restriction_reason = restricted, reason.strip()
    fields = values.diff(before, values.snapshot(current, ("restricted", "restriction_reason")))
    if not fields:
        return current
    locking.bump(current)
    current.save(update_fields=["restricted", "restriction_reason", "version"])
    record(
        user=user,
        kind=ChangeKind.PERSON_RESTRICTED if restricted else ChangeKind.PERSON_UNRESTRICTED,
        record=current,
        fields=fields,
        actors=_actor_ids(current),
    )
    return current


def _check_not_erased(person: Person) -> None:
    if person.is_erased:
        raise ValidationError(_("Diese Person wurde gelöscht; ihre Daten lassen sich nicht mehr ändern."))


@atomic
def membership_create(*, user, actor: Actor, person: Person, function: str = "") -> Membership:
    _check_allowed(user)
    membership = Membership(actor=actor, person=person, function=_text("function", function))
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
            setattr(current, name, _text(name, data[name]))
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
