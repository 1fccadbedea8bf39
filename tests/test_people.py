"""Persons and memberships change through their services, each change recorded: internal, never public,
naming the persons and actors it touches; a membership row names the person by id only."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from knotenpunkt.actors import people
from knotenpunkt.actors.models import Membership, Person
from knotenpunkt.changes.kinds import Audience, ChangeKind
from knotenpunkt.changes.locking import EditConflict
from knotenpunkt.changes.models import Change
from knotenpunkt.core.models import ContentGeneration
from tests.factories import ActorFactory, MembershipFactory, PersonFactory

pytestmark = pytest.mark.django_db


def only_change() -> Change:
    [change] = Change.objects.all()
    return change


def subjects(change: Change) -> dict[str, set[int]]:
    found = {"actor": set(), "person": set()}
    for kind, pk in change.subjects.values_list("kind", "subject_id"):
        found[kind].add(pk)
    return found


def assert_internal(change: Change) -> None:
    assert change.audience == Audience.INTERNAL
    assert change.public is False


def test_person_create_records_the_person_with_its_values(coordinator):
    person = people.person_create(
        user=coordinator, data={"first_name": "Erika", "last_name": "Beispiel", "email": "erika@example.org"}
    )
    change = only_change()
    assert (change.kind, change.record_type, change.record_id) == (
        ChangeKind.PERSON_CREATED,
        "actors.person",
        person.pk,
    )
    assert change.data["values"]["email"] == "erika@example.org"
    assert subjects(change) == {"actor": set(), "person": {person.pk}}
    assert_internal(change)


def test_person_update_records_the_changed_fields_and_the_persons_actors(coordinator):
    membership = MembershipFactory()
    person = membership.person
    updated = people.person_update(
        user=coordinator, person=person, data={"phone": "07141 1234", "last_name": person.last_name}, expected_version=1
    )
    assert updated.version == 2
    change = only_change()
    assert change.kind == ChangeKind.PERSON_UPDATED
    assert change.fields == {"phone": {"old": "", "new": "07141 1234"}}
    assert change.version == 2
    assert subjects(change) == {"actor": {membership.actor_id}, "person": {person.pk}}
    assert_internal(change)


def test_person_update_never_raises_the_page_generation(coordinator):
    person = PersonFactory()
    people.person_update(user=coordinator, person=person, data={"notes": "Ruft gern zurück."}, expected_version=1)
    assert not ContentGeneration.objects.filter(value__gt=0).exists()


def test_a_stale_person_form_is_refused_with_what_changed(coordinator):
    person = PersonFactory()
    people.person_update(user=coordinator, person=person, data={"phone": "1"}, expected_version=1)
    with pytest.raises(EditConflict) as conflict:
        people.person_update(user=coordinator, person=person, data={"phone": "2"}, expected_version=1)
    assert conflict.value.changes[0].fields["phone"]["new"] == "1"
    assert Person.objects.get(pk=person.pk).phone == "1"


def test_person_update_without_changes_records_nothing(coordinator):
    person = PersonFactory()
    people.person_update(user=coordinator, person=person, data={"first_name": person.first_name}, expected_version=1)
    assert not Change.objects.exists()
    assert Person.objects.get(pk=person.pk).version == 1


def test_membership_create_records_actor_and_person_by_id(coordinator):
    actor, person = ActorFactory(name="Weltladen"), PersonFactory()
    membership = people.membership_create(user=coordinator, actor=actor, person=person, function="Kasse")
    change = only_change()
    assert (change.kind, change.record_id) == (ChangeKind.MEMBERSHIP_CREATED, membership.pk)
    assert change.data["values"] == {"person": person.pk, "actor": actor.pk, "function": "Kasse"}
    assert subjects(change) == {"actor": {actor.pk}, "person": {person.pk}}
    assert_internal(change)


def test_a_membership_row_never_copies_the_persons_name(coordinator):
    person = PersonFactory(first_name="Erika", last_name="Unverwechselbar", email="erika@example.org")
    membership = people.membership_create(user=coordinator, actor=ActorFactory(), person=person, function="Vorsitz")
    people.membership_update(user=coordinator, membership=membership, data={"function": "Kasse"})
    people.membership_delete(user=coordinator, membership=membership)
    for change in Change.objects.all():
        text = f"{change.record_label} {change.data}"
        assert "Unverwechselbar" not in text and "erika@example.org" not in text


def test_membership_update_names_old_and_new_actor_and_person(coordinator):
    membership = MembershipFactory()
    old_actor, old_person = membership.actor, membership.person
    new_actor, new_person = ActorFactory(), PersonFactory()
    people.membership_update(user=coordinator, membership=membership, data={"actor": new_actor, "person": new_person})
    change = only_change()
    assert change.kind == ChangeKind.MEMBERSHIP_UPDATED
    assert change.fields == {
        "person": {"old": old_person.pk, "new": new_person.pk},
        "actor": {"old": old_actor.pk, "new": new_actor.pk},
    }
    assert subjects(change) == {"actor": {old_actor.pk, new_actor.pk}, "person": {old_person.pk, new_person.pk}}


def test_membership_delete_records_its_values(coordinator):
    membership = MembershipFactory(function="Vorsitz")
    pk, actor_id = membership.pk, membership.actor_id
    people.membership_delete(user=coordinator, membership=membership)
    assert not Membership.objects.filter(pk=pk).exists()
    change = only_change()
    assert (change.kind, change.record_id) == (ChangeKind.MEMBERSHIP_DELETED, pk)
    assert change.data["values"]["actor"] == actor_id


def test_a_duplicate_membership_is_refused(coordinator):
    membership = MembershipFactory(function="Vorsitz")
    with pytest.raises(ValidationError):
        people.membership_create(user=coordinator, actor=membership.actor, person=membership.person, function="Vorsitz")
    assert not Change.objects.exists()


@pytest.mark.parametrize("persona", ["city_staff", "editor_a", "anonymous"])
def test_only_coordinators_change_persons_and_memberships(request, persona, actor_a):
    user = request.getfixturevalue(persona)
    person = PersonFactory()
    membership = MembershipFactory(actor=actor_a)
    calls = [
        lambda: people.person_create(user=user, data={"last_name": "Neu"}),
        lambda: people.person_update(user=user, person=person, data={"phone": "1"}, expected_version=1),
        lambda: people.membership_create(user=user, actor=actor_a, person=person),
        lambda: people.membership_update(user=user, membership=membership, data={"function": "x"}),
        lambda: people.membership_delete(user=user, membership=membership),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied):
            call()
    assert not Change.objects.exists()
