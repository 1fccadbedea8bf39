"""changes/0002 copies the old actor history (ActorEvent) into the change table before actors/0009 drops it."""

import datetime as dt
import importlib

import pytest
from django.apps import apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from knotenpunkt.changes.kinds import Audience, ChangeKind
from knotenpunkt.changes.models import Change

copy_migration = importlib.import_module("knotenpunkt.changes.migrations.0002_actor_events")

BEFORE_COPY = [("actors", "0008_person_version"), ("changes", "0001_change_record")]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"changes": {"name": {"old": "A", "new": "B"}}}, {"fields": {"name": {"old": "A", "new": "B"}}}),
        ({"values": {"name": "A"}}, {"values": {"name": "A"}}),
        (
            {"duplicate": {"id": 7, "name": "X"}, "moved": {"ties": 1}},
            {"duplicate": {"id": 7, "name": "X"}, "moved": {"ties": 1}},
        ),
        ({}, {}),
        (None, {}),
    ],
)
def test_event_data_takes_the_shape_of_change_data(data, expected):
    assert copy_migration.change_data(data) == expected


def _migrate(targets=None):
    executor = MigrationExecutor(connection)
    executor.migrate(targets or executor.loader.graph.leaf_nodes())
    return executor


@pytest.fixture
def migrated_back(django_db_setup, django_db_blocker):
    """The apps as they were before 0002 (historical models); the latest schema again afterwards.

    Runs outside pytest-django's transactional tests for the reason given in
    test_introduction_events_migration: `serialized_rollback` collides with content types an
    earlier flush created anew. So it cleans up after itself.
    """
    with django_db_blocker.unblock():
        executor = _migrate(BEFORE_COPY)
        old = executor.loader.project_state(BEFORE_COPY).apps
        created = []
        try:
            yield old, created
        finally:
            _migrate()
            for obj in reversed(created):
                if obj._meta.label_lower == "actors.actor":
                    Change.objects.touching("actor", obj.pk).delete()
                    Change.objects.touching("actor", 999).delete()
                apps.get_model(obj._meta.label).objects.filter(pk=obj.pk).delete()


def test_every_actor_event_becomes_a_change_with_its_subjects(migrated_back, django_db_blocker):
    old, created = migrated_back
    User, Actor, ActorEvent = (
        old.get_model(*name) for name in (("accounts", "User"), ("actors", "Actor"), ("actors", "ActorEvent"))
    )
    user = User.objects.create(username="migration-erika")
    actor = Actor.objects.create(name="Weltladen", slug="migration-weltladen", kind="fair_trade_shop")
    created += [user, actor]
    at = dt.datetime(2025, 3, 1, 9, 30, tzinfo=dt.UTC)
    rows = [
        ("created", 1, {"values": {"name": "Weltladen"}}),
        ("updated", 2, {"changes": {"themes": {"old": [], "new": ["Fairer Handel"]}}}),
        ("published", 3, {"changes": {"published": {"old": False, "new": True}}}),
        ("unpublished", 4, {"changes": {"published": {"old": True, "new": False}}}),
        ("merged", 5, {"duplicate": {"id": 999, "name": "Weltladn", "slug": "weltladn"}, "moved": {"ties": 2}}),
    ]
    for kind, version, data in rows:
        event = ActorEvent.objects.create(actor=actor, kind=kind, user=user, version=version, data=data)
        ActorEvent.objects.filter(pk=event.pk).update(created_at=at + dt.timedelta(minutes=version))

    _migrate()

    changes = list(Change.objects.for_record("actors.actor", actor.pk).order_by("id"))
    assert [(c.kind, c.version) for c in changes] == [
        (ChangeKind.ACTOR_CREATED, 1),
        (ChangeKind.ACTOR_UPDATED, 2),
        (ChangeKind.ACTOR_PUBLISHED, 3),
        (ChangeKind.ACTOR_UNPUBLISHED, 4),
        (ChangeKind.ACTOR_MERGED, 5),
    ]
    first, updated, *_, merged = changes
    assert (first.record_type, first.record_id, first.record_label) == ("actors.actor", actor.pk, "Weltladen")
    assert (first.user_id, first.at, first.audience, first.public) == (
        user.pk,
        at + dt.timedelta(minutes=1),
        Audience.INTERNAL,
        False,
    )
    assert first.data == {"values": {"name": "Weltladen"}}
    assert updated.fields == {"themes": {"old": [], "new": ["Fairer Handel"]}}
    assert merged.data["duplicate"]["id"] == 999
    assert list(Change.objects.touching("actor", actor.pk).order_by("id")) == changes
    assert list(Change.objects.touching("actor", 999)) == [merged]
