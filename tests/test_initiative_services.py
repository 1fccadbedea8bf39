"""Initiatives and stakeholders: the services record every change and refuse bad input in German."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from knotenpunkt.actors import services as actor_services
from knotenpunkt.changes.kinds import ChangeKind
from knotenpunkt.changes.locking import EditConflict
from knotenpunkt.changes.models import Change
from knotenpunkt.initiatives import permissions, services
from knotenpunkt.initiatives.models import Initiative, Involvement, Phase, Stakeholder

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 12, 7)


def _create(user, **data):
    return services.initiative_create(user=user, data={"title": "Klimapartnerschaft Kongoussi", **data}, today=TODAY)


def test_creating_an_initiative_is_recorded_with_its_values(coordinator, department):
    initiative = _create(coordinator, lead=department, planning_from=dt.date(2027, 1, 1), public=True)

    change = Change.objects.get(record_type="initiatives.initiative", record_id=initiative.pk)
    assert (change.kind, change.user, change.public) == (ChangeKind.INITIATIVE_CREATED, coordinator, True)
    assert change.data["values"]["title"] == "Klimapartnerschaft Kongoussi"
    assert change.data["values"]["planning_from"] == "2027-01-01"
    assert set(change.subjects.values_list("kind", "subject_id")) == {("actor", department.pk)}


def test_only_the_coordination_plans_initiatives(city_staff, editor_a):
    for user in (city_staff, editor_a):
        with pytest.raises(PermissionDenied):
            _create(user)
    assert not Initiative.objects.exists()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"title": "  "}, "title", "Dieses Feld darf nicht leer sein"),
        (
            {"planning_from": dt.date(2027, 3, 1), "decision_from": dt.date(2027, 2, 1)},
            "__all__",
            "Die Phasen müssen in ihrer Reihenfolge beginnen.",
        ),
        ({"decision_date": dt.date(2026, 11, 30)}, "decision_date", "Der Beschlusstermin liegt in der Vergangenheit"),
        ({"budget": -5}, "__all__", "Das Budget kann nicht negativ sein."),
        ({"phase": "später"}, "phase", "ist keine gültige Option"),
        ({"decision_date": "nächsten März"}, "decision_date", "ungültiges Datumsformat"),
    ],
)
def test_bad_input_is_refused_in_german_and_nothing_is_saved(coordinator, data, field, message):
    with pytest.raises(ValidationError) as refused:
        _create(coordinator, **data)
    assert any(message in text for text in refused.value.message_dict[field]), refused.value.message_dict
    assert not Initiative.objects.exists()
    assert not Change.objects.filter(record_type="initiatives.initiative").exists()


def test_a_past_decision_date_is_kept_once_the_council_has_decided(coordinator):
    initiative = _create(coordinator, decision_date=dt.date(2027, 3, 1))
    later = dt.date(2027, 6, 1)
    updated = services.initiative_update(
        user=coordinator, initiative=initiative, data={"phase": Phase.IMPLEMENTATION}, today=later
    )
    assert updated.decision_date == dt.date(2027, 3, 1)
    # Unchanged, a decision date that has passed is no error either.
    services.initiative_update(user=coordinator, initiative=updated, data={"summary": "Phase 3"}, today=later)


def test_an_update_records_only_what_changed_and_detects_a_stale_form(coordinator):
    initiative = _create(coordinator)
    services.initiative_update(
        user=coordinator, initiative=initiative, data={"phase": Phase.PLANNING}, expected_version=initiative.version
    )
    change = Change.objects.filter(kind=ChangeKind.INITIATIVE_UPDATED).get()
    assert change.fields == {"phase": {"old": "idea", "new": "planning"}}
    with pytest.raises(EditConflict):
        services.initiative_update(
            user=coordinator, initiative=initiative, data={"title": "Neu"}, expected_version=initiative.version
        )
    assert Initiative.objects.get().title == "Klimapartnerschaft Kongoussi"


def test_a_stakeholder_is_added_once_and_each_change_is_recorded(coordinator, actor_a):
    initiative = _create(coordinator)
    stakeholder = services.stakeholder_add(
        user=coordinator, initiative=initiative, actor=actor_a, data={"influence": 5, "interest": 2}, source="themes"
    )
    with pytest.raises(ValidationError, match="schon an dem Vorhaben beteiligt"):
        services.stakeholder_add(user=coordinator, initiative=initiative, actor=actor_a)
    services.stakeholder_update(
        user=coordinator,
        stakeholder=stakeholder,
        data={"reached": Involvement.CONSULT, "first_involved": dt.date(2026, 12, 1), "first_involved_how": "Treffen"},
        expected_version=stakeholder.version,
    )
    services.stakeholder_remove(user=coordinator, stakeholder=stakeholder)

    kinds = list(
        Change.objects.filter(record_type="initiatives.stakeholder").order_by("id").values_list("kind", flat=True)
    )
    assert kinds == [ChangeKind.STAKEHOLDER_ADDED, ChangeKind.STAKEHOLDER_UPDATED, ChangeKind.STAKEHOLDER_REMOVED]
    updated = Change.objects.get(kind=ChangeKind.STAKEHOLDER_UPDATED)
    assert updated.fields["reached"] == {"old": "none", "new": "consult"}
    assert set(updated.subjects.values_list("subject_id", flat=True)) == {actor_a.pk}
    assert not Stakeholder.objects.exists()


def test_involvement_needs_the_day_it_began_and_the_grid_has_five_steps(coordinator, actor_a):
    initiative = _create(coordinator)
    with pytest.raises(ValidationError) as refused:
        services.stakeholder_add(
            user=coordinator, initiative=initiative, actor=actor_a, data={"reached": Involvement.INFORM, "influence": 6}
        )
    errors = refused.value.message_dict
    assert "Bitte angeben, seit wann der Akteur einbezogen ist." in errors["__all__"]
    assert "Der Einfluss liegt zwischen 1 (gering) und 5 (hoch)." in errors["__all__"]
    assert not Stakeholder.objects.exists()


def test_the_database_refuses_a_second_row_for_the_same_actor(coordinator, actor_a):
    initiative = _create(coordinator)
    Stakeholder.objects.create(initiative=initiative, actor=actor_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        Stakeholder.objects.create(initiative=initiative, actor=actor_a)


def test_visitors_and_editors_see_public_initiatives_staff_see_all(coordinator, city_staff, editor_a, anonymous):
    public = _create(coordinator, public=True)
    internal = _create(coordinator, title="Intern")
    assert set(permissions.visible_initiatives(city_staff)) == {public, internal}
    assert set(permissions.visible_initiatives(editor_a)) == {public}
    assert set(permissions.visible_initiatives(anonymous)) == {public}


def test_deleting_an_actor_records_its_stakeholder_rows_and_a_lead_is_not_deleted(coordinator, actor_a, actor_b):
    initiative = _create(coordinator, lead=actor_b)
    services.stakeholder_add(user=coordinator, initiative=initiative, actor=actor_a)
    actor_services.actor_delete(user=coordinator, actor=actor_a)
    removed = Change.objects.get(kind=ChangeKind.STAKEHOLDER_REMOVED)
    assert set(removed.subjects.values_list("subject_id", flat=True)) == {actor_a.pk}

    with pytest.raises(ValidationError, match="Klimapartnerschaft Kongoussi"):
        actor_services.actor_delete(user=coordinator, actor=actor_b)
    assert Initiative.objects.get().lead == actor_b


def test_an_update_that_changes_nothing_keeps_the_version_and_records_nothing(coordinator, department):
    initiative = _create(coordinator, lead=department, sdgs=[13], countries=["BF"])
    same = {"title": "Klimapartnerschaft Kongoussi", "lead": department, "sdgs": [13], "countries": ["BF"]}

    kept = services.initiative_update(user=coordinator, initiative=initiative, data=same, expected_version=1)

    assert kept.version == 1
    assert not Change.objects.filter(kind=ChangeKind.INITIATIVE_UPDATED).exists()
    changed = services.initiative_update(user=coordinator, initiative=initiative, data={"sdgs": [13, 4]})
    assert changed.version == 2
    assert Change.objects.get(kind=ChangeKind.INITIATIVE_UPDATED).fields == {"sdgs": {"old": [13], "new": [4, 13]}}
