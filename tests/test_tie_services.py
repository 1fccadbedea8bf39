import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

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
