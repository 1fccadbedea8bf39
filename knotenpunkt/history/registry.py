"""The records that have a "Verlauf" page: how to find one for a reader, which changes make up its
history, and how a coordinator restores an earlier value of one of its fields (through the record's
own update service, so a restore is recorded like any change)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Model, QuerySet
from django.utils.translation import gettext_lazy as _

from knotenpunkt.activities import permissions as activity_permissions
from knotenpunkt.activities import services as activity_services
from knotenpunkt.activities.models import Activity
from knotenpunkt.actors import people
from knotenpunkt.actors import permissions as actor_permissions
from knotenpunkt.actors import services as actor_services
from knotenpunkt.actors.models import Actor, Person
from knotenpunkt.changes import values
from knotenpunkt.changes.kinds import ChangeKind
from knotenpunkt.changes.models import Change, SubjectKind
from knotenpunkt.initiatives import permissions as initiative_permissions
from knotenpunkt.initiatives import services as initiative_services
from knotenpunkt.initiatives.models import Initiative
from knotenpunkt.interactions import permissions as interaction_permissions
from knotenpunkt.interactions import services as interaction_services
from knotenpunkt.interactions.models import Interaction
from knotenpunkt.network import permissions as network_permissions
from knotenpunkt.network import services as network_services
from knotenpunkt.network.models import Tie
from knotenpunkt.synergies import listings
from knotenpunkt.synergies import permissions as synergy_permissions
from knotenpunkt.synergies.models import Introduction, Listing


@dataclass(frozen=True)
class RecordType:
    slug: str  # in the URL: /verlauf/<slug>/<pk>/
    label: str
    model: type[Model]
    may_read: Callable  # (user, record) -> bool
    changes: Callable[[Model], QuerySet]
    restorable: frozenset[str] = frozenset()
    restore: Callable | None = None  # (user, record, data) -> None
    title: Callable[[Model], str] = str  # the heading: "Verlauf: <title>"

    @property
    def record_type(self) -> str:
        return self.model._meta.label_lower


def _actor_restore(user, actor, data):
    actor_services.actor_update(user=user, actor=actor, data=data, expected_version=actor.version)


def _activity_restore(user, activity, data):
    activity_services.activity_update(user=user, activity=activity, data=data, expected_version=activity.version)


def _interaction_restore(user, interaction, data):
    interaction_services.interaction_update(
        user=user, interaction=interaction, data=data, expected_version=interaction.version
    )


def _tie_restore(user, tie, data):
    network_services.tie_update(user=user, tie=tie, data=data, expected_version=tie.version)


def _listing_restore(user, listing, data):
    listings.listing_update(user=user, listing=listing, data=data, expected_version=listing.version)


def _person_restore(user, person, data):
    people.person_update(user=user, person=person, data=data, expected_version=person.version)


def _initiative_restore(user, initiative, data):
    initiative_services.initiative_update(
        user=user, initiative=initiative, data=data, expected_version=initiative.version
    )


def _initiative_changes(initiative) -> QuerySet:
    """An initiative's own changes and those of its stakeholders (found by the initiative their
    addition recorded, so removed stakeholders stay in the history) and its requests."""
    stakeholders = Change.objects.filter(
        record_type="initiatives.stakeholder",
        kind=ChangeKind.STAKEHOLDER_ADDED,
        data__values__initiative=initiative.pk,
    ).values("record_id")
    requests = Change.objects.filter(
        record_type="initiatives.participationrequest",
        kind=ChangeKind.PARTICIPATION_REQUESTED,
        data__values__initiative=initiative.pk,
    ).values("record_id")
    return (
        _own_changes(initiative)
        | Change.objects.filter(record_type="initiatives.stakeholder", record_id__in=stakeholders)
        | Change.objects.filter(record_type="initiatives.participationrequest", record_id__in=requests)
    )


def _own_changes(record) -> QuerySet:
    return Change.objects.for_record(record._meta.label_lower, record.pk)


def _with_followups(parent: str):
    """A contact's or an activity's own changes and those of its follow-ups (found by the id their
    creation recorded, so deleted follow-ups stay in the history)."""

    def changes(record) -> QuerySet:
        followups = Change.objects.filter(
            record_type="interactions.followup",
            kind=ChangeKind.FOLLOWUP_CREATED,
            **{f"data__values__{parent}": record.pk},
        ).values("record_id")
        return _own_changes(record) | Change.objects.filter(
            record_type="interactions.followup", record_id__in=followups
        )

    return changes


RECORD_TYPES = [
    RecordType(
        slug="akteur",
        label=_("Akteur"),
        model=Actor,
        may_read=actor_permissions.can_see_history,
        # Its own changes and those of everything touching it: ties, memberships, activities, contacts …
        changes=lambda actor: Change.objects.touching(SubjectKind.ACTOR, actor.pk),
        restorable=frozenset(actor_services.ALL_FIELDS) - {"slug"},
        restore=_actor_restore,
    ),
    RecordType(
        slug="termin",
        label=_("Termin"),
        model=Activity,
        may_read=activity_permissions.can_view_activity_internal,
        changes=_with_followups("activity"),
        restorable=frozenset(activity_services.SCALAR_FIELDS) | frozenset(activity_services.M2M_FIELDS),
        restore=_activity_restore,
    ),
    RecordType(
        slug="kontakt",
        label=_("Kontakt"),
        model=Interaction,
        may_read=interaction_permissions.can_view_interaction,
        changes=_with_followups("interaction"),
        restorable=frozenset(interaction_services.SCALAR_FIELDS),
        restore=_interaction_restore,
    ),
    RecordType(
        slug="beziehung",
        label=_("Beziehung"),
        model=Tie,
        may_read=network_permissions.can_see_tie_history,
        changes=_own_changes,
        restorable=frozenset(network_services.TIE_FIELDS),
        restore=_tie_restore,
    ),
    RecordType(
        slug="angebot",
        label=_("Angebot oder Gesuch"),
        model=Listing,
        may_read=synergy_permissions.can_see_listing_history,
        changes=_own_changes,
        restorable=frozenset(listings.SCALAR_FIELDS) | frozenset(listings.M2M_FIELDS),
        restore=_listing_restore,
    ),
    RecordType(
        slug="vermittlung",
        label=_("Vermittlung"),
        model=Introduction,
        may_read=synergy_permissions.can_see_introduction_history,
        changes=_own_changes,
        title=lambda introduction: f"{introduction.actor_a.name} ↔ {introduction.actor_b.name}",
    ),
    RecordType(
        slug="vorhaben",
        label=_("Vorhaben"),
        model=Initiative,
        may_read=initiative_permissions.can_view_initiative_internal,
        changes=_initiative_changes,
        restorable=frozenset(initiative_services.SCALAR_FIELDS) | frozenset(initiative_services.M2M_FIELDS),
        restore=_initiative_restore,
    ),
    RecordType(
        slug="person",
        label=_("Person"),
        model=Person,
        may_read=actor_permissions.can_see_person_history,
        # Its own changes and its memberships' (contacts naming it are on the contacts' pages).
        changes=lambda person: Change.objects.touching(SubjectKind.PERSON, person.pk).filter(
            record_type__in=["actors.person", "actors.membership"]
        ),
        restorable=frozenset(people.PERSON_FIELDS),
        restore=_person_restore,
    ),
]
BY_SLUG = {t.slug: t for t in RECORD_TYPES}
BY_RECORD_TYPE = {t.record_type: t for t in RECORD_TYPES}


def restore_data(record_type: RecordType, name: str, stored) -> dict:
    """What the update service takes to set field `name` back to a stored value."""
    if name == "countries":
        return {name: list(stored or [])}
    value = values.to_python(record_type.model, name, stored)
    field = record_type.model._meta.get_field(name)
    if value is None and not field.null and not field.is_relation:
        value = "" if field.empty_strings_allowed else value
    return {name: value}
