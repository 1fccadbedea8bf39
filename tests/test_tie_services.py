import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from knotenpunkt.changes.kinds import Audience, ChangeKind
from knotenpunkt.changes.locking import EditConflict
from knotenpunkt.changes.models import Change
from knotenpunkt.network import services
from knotenpunkt.network.models import Tie, TieKind
from tests.factories import ActorFactory

pytestmark = pytest.mark.django_db


def test_coordinator_creates_a_tie(coordinator, actor_a):
    partner = ActorFactory(name="Kongoussi")
    tie = services.tie_create(
        user=coordinator,
        source=actor_a,
        target=partner,
        kind=TieKind.CLIMATE_PARTNERSHIP,
        start_date=dt.date(2006, 1, 1),
    )
    assert tie.created_by == coordinator


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"same": True}, "target"),
        ({"start_date": dt.date(2020, 1, 1), "end_date": dt.date(2019, 1, 1)}, "end_date"),
    ],
)
def test_invalid_ties_are_refused_with_a_field_error(coordinator, actor_a, kwargs, field):
    target = actor_a if kwargs.pop("same", False) else ActorFactory()
    with pytest.raises(ValidationError) as error:
        services.tie_create(user=coordinator, source=actor_a, target=target, kind=TieKind.OTHER, **kwargs)
    assert field in error.value.message_dict
    assert not Tie.objects.exists()


def test_the_same_tie_cannot_be_declared_twice(coordinator, actor_a):
    partner = ActorFactory()
    services.tie_create(user=coordinator, source=actor_a, target=partner, kind=TieKind.COOPERATION)
    with pytest.raises(ValidationError):
        services.tie_create(user=coordinator, source=actor_a, target=partner, kind=TieKind.COOPERATION)
    assert Tie.objects.count() == 1


def test_only_coordinators_manage_ties(city_staff, editor_a, actor_a):
    partner = ActorFactory()
    for user in (city_staff, editor_a):
        with pytest.raises(PermissionDenied):
            services.tie_create(user=user, source=actor_a, target=partner, kind=TieKind.COOPERATION)
    assert not Tie.objects.exists()


def test_the_database_refuses_self_loops_even_around_the_service(actor_a):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Tie.objects.create(source=actor_a, target=actor_a, kind=TieKind.OTHER)


def test_tie_counts_follow_creation_and_deletion(coordinator, actor_a):
    partner = ActorFactory()
    tie = services.tie_create(user=coordinator, source=actor_a, target=partner, kind=TieKind.COOPERATION)
    services.tie_create(user=coordinator, source=partner, target=actor_a, kind=TieKind.FUNDING)
    actor_a.refresh_from_db()
    partner.refresh_from_db()
    assert (actor_a.tie_count, partner.tie_count) == (2, 2)
    services.tie_delete(user=coordinator, tie=tie)
    actor_a.refresh_from_db()
    assert actor_a.tie_count == 1


def test_tie_counts_after_a_merge(coordinator):
    from knotenpunkt.actors.services import actor_merge

    survivor, duplicate, partner = ActorFactory(), ActorFactory(), ActorFactory()
    services.tie_create(user=coordinator, source=survivor, target=partner, kind=TieKind.COOPERATION)
    services.tie_create(user=coordinator, source=duplicate, target=partner, kind=TieKind.COOPERATION)  # dropped
    services.tie_create(user=coordinator, source=duplicate, target=ActorFactory(), kind=TieKind.FUNDING)  # moved
    actor_merge(user=coordinator, survivor=survivor, duplicate=duplicate)
    survivor.refresh_from_db()
    partner.refresh_from_db()
    assert (survivor.tie_count, partner.tie_count) == (2, 1)


def test_rebuilding_tie_counts_matches_the_ties(actor_a):
    from knotenpunkt.actors.models import Actor

    partners = [ActorFactory() for _ in range(3)]
    for partner in partners:
        Tie.objects.create(source=actor_a, target=partner, kind=TieKind.COOPERATION)
    services.tie_counts_rebuild()
    counts = dict(Actor.objects.values_list("pk", "tie_count"))
    assert counts[actor_a.pk] == 3
    assert all(counts[p.pk] == 1 for p in partners)


# --- the change record: one row per change, and what follows from it ------------------------------


def _generation():
    from knotenpunkt.core.models import ContentGeneration

    return ContentGeneration.objects.filter(pk=1).values_list("value", flat=True).first() or 0


def _subjects(change):
    return set(change.subjects.values_list("kind", "subject_id"))


def test_creating_a_tie_records_it_with_both_ends(coordinator, actor_a):
    partner = ActorFactory()
    tie = services.tie_create(
        user=coordinator, source=actor_a, target=partner, kind=TieKind.FUNDING, start_date=dt.date(2024, 5, 1)
    )
    change = Change.objects.get()
    assert (change.kind, change.user, change.record_type, change.record_id) == (
        ChangeKind.TIE_CREATED,
        coordinator,
        "network.tie",
        tie.pk,
    )
    assert change.data["values"] == {
        "source": actor_a.pk,
        "target": partner.pk,
        "kind": "funding",
        "start_date": "2024-05-01",
        "end_date": None,
        "note": "",
        "public": True,
    }
    assert _subjects(change) == {("actor", actor_a.pk), ("actor", partner.pk)}
    assert (change.version, change.audience, change.public) == (1, Audience.INTERNAL, True)


def test_updating_a_tie_records_the_changed_fields_and_raises_its_version(coordinator, actor_a):
    tie = services.tie_create(user=coordinator, source=actor_a, target=ActorFactory(), kind=TieKind.COOPERATION)
    updated = services.tie_update(user=coordinator, tie=tie, data={"note": "Seit dem Besuch 2024"}, expected_version=1)
    assert updated.version == 2
    change = Change.objects.get(kind=ChangeKind.TIE_UPDATED)
    assert change.fields == {"note": {"old": "", "new": "Seit dem Besuch 2024"}}
    assert change.version == 2
    assert _subjects(change) == {("actor", actor_a.pk), ("actor", tie.target_id)}


def test_a_stale_tie_update_is_a_conflict_and_changes_nothing(coordinator, actor_a):
    tie = services.tie_create(user=coordinator, source=actor_a, target=ActorFactory(), kind=TieKind.COOPERATION)
    services.tie_update(user=coordinator, tie=tie, data={"note": "Erste"}, expected_version=1)
    with pytest.raises(EditConflict) as conflict:
        services.tie_update(user=coordinator, tie=tie, data={"note": "Zweite"}, expected_version=1)
    assert conflict.value.record.note == "Erste"
    assert [(c.user, c.fields["note"]["new"]) for c in conflict.value.changes] == [(coordinator, "Erste")]
    assert Tie.objects.get().note == "Erste"
    assert Change.objects.filter(kind=ChangeKind.TIE_UPDATED).count() == 1


def test_an_update_without_a_version_is_not_checked(coordinator, actor_a):
    tie = services.tie_create(user=coordinator, source=actor_a, target=ActorFactory(), kind=TieKind.COOPERATION)
    services.tie_update(user=coordinator, tie=tie, data={"note": "Erste"})
    assert services.tie_update(user=coordinator, tie=tie, data={"note": "Zweite"}).version == 3


def test_deleting_a_tie_records_what_it_was(coordinator, actor_a):
    partner = ActorFactory()
    tie = services.tie_create(user=coordinator, source=actor_a, target=partner, kind=TieKind.COOPERATION)
    pk = tie.pk
    services.tie_delete(user=coordinator, tie=tie)
    change = Change.objects.get(kind=ChangeKind.TIE_DELETED)
    assert change.record_id == pk
    assert change.record_label == f"{actor_a} → {partner} (Kooperation)"
    assert change.data["values"]["target"] == partner.pk
    assert _subjects(change) == {("actor", actor_a.pk), ("actor", partner.pk)}


@pytest.mark.parametrize(
    ("source_published", "target_published", "public"),
    [(True, True, True), (True, False, True), (False, False, False)],
)
def test_a_tie_added_or_removed_is_public_when_an_end_is_published(
    coordinator, source_published, target_published, public
):
    # The tie count of a published actor orders the public directory, even for an internal tie.
    source, target = ActorFactory(published=source_published), ActorFactory(published=target_published)
    before = _generation()
    tie = services.tie_create(user=coordinator, source=source, target=target, kind=TieKind.OTHER, public=False)
    services.tie_delete(user=coordinator, tie=tie)
    assert list(Change.objects.order_by("id").values_list("public", flat=True)) == [public, public]
    assert _generation() == before + (2 if public else 0)


@pytest.mark.parametrize(
    ("public_before", "public_after", "both_published", "public"),
    [
        (True, True, True, True),
        (False, True, True, True),
        (True, False, True, True),
        (False, False, True, False),
        (True, True, False, False),
    ],
)
def test_a_tie_changed_is_public_when_visitors_saw_or_see_it(
    coordinator, public_before, public_after, both_published, public
):
    source, target = ActorFactory(), ActorFactory(published=both_published)
    tie = services.tie_create(user=coordinator, source=source, target=target, kind=TieKind.OTHER, public=public_before)
    before = _generation()
    services.tie_update(user=coordinator, tie=tie, data={"public": public_after, "note": "neu"}, expected_version=1)
    assert Change.objects.get(kind=ChangeKind.TIE_UPDATED).public is public
    assert _generation() == before + (1 if public else 0)


def test_a_tie_update_leaves_the_tie_counts_and_queues_fresh_suggestions(
    coordinator, actor_a, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    partner = ActorFactory()
    tie = services.tie_create(user=coordinator, source=actor_a, target=partner, kind=TieKind.COOPERATION)
    with django_capture_on_commit_callbacks(execute=True):
        services.tie_update(user=coordinator, tie=tie, data={"kind": TieKind.FUNDING}, expected_version=1)
    actor_a.refresh_from_db()
    assert actor_a.tie_count == 1
    queued = DBTaskResult.objects.filter(task_path="knotenpunkt.synergies.tasks.refresh_suggestions")
    assert [sorted(r.args_kwargs["args"][0]) for r in queued] == [sorted([actor_a.pk, partner.pk])]


def test_a_refused_tie_writes_no_change(coordinator, actor_a):
    with pytest.raises(ValidationError):
        services.tie_create(user=coordinator, source=actor_a, target=actor_a, kind=TieKind.OTHER)
    assert not Change.objects.exists()


def test_many_ties_are_created_at_once_with_one_recorded_change_each(coordinator, actor_a):
    b, c = ActorFactory(), ActorFactory()
    ties = services.ties_create(
        user=coordinator,
        specs=[
            {"source": actor_a, "target": b, "kind": TieKind.COOPERATION},
            {"source": b, "target": c, "kind": TieKind.FUNDING, "start_date": dt.date(2024, 1, 1), "public": False},
        ],
    )
    assert [t.pk is not None for t in ties] == [True, True]
    changes = Change.objects.filter(kind=ChangeKind.TIE_CREATED).order_by("record_id")
    assert [c.record_id for c in changes] == sorted(t.pk for t in ties)
    assert changes.last().data["values"]["start_date"] == "2024-01-01"
    assert {a.tie_count for a in type(actor_a).objects.filter(pk__in=[actor_a.pk, b.pk, c.pk])} == {1, 2}


def test_many_ties_are_refused_whole_if_one_is_invalid(coordinator, actor_a):
    b = ActorFactory()
    with pytest.raises(ValidationError):
        services.ties_create(
            user=coordinator,
            specs=[
                {"source": actor_a, "target": b, "kind": TieKind.COOPERATION},
                {"source": b, "target": b, "kind": TieKind.COOPERATION},
            ],
        )
    assert not Tie.objects.exists() and not Change.objects.exists()
