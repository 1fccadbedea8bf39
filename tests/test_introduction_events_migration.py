"""synergies/0007 turns the introductions' old steps (IntroductionEvent) into change rows before 0008 drops them.

The test migrates the test database back and forth, which needs real commits. It runs outside
pytest-django's transactional tests on purpose: their `serialized_rollback` restores content types
by primary key and collides with the ones an earlier transactional test's flush created anew, and
without it the flush would empty the SDGs a data migration seeded. So it cleans up after itself.
"""

import datetime as dt

import pytest
from django.apps import apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from knotenpunkt.changes.kinds import Audience, ChangeKind
from knotenpunkt.changes.models import Change

BEFORE_COPY = [("synergies", "0006_suggestion_reasons_json"), ("changes", "0001_change_record")]


def _migrate(targets=None):
    executor = MigrationExecutor(connection)
    executor.migrate(targets or executor.loader.graph.leaf_nodes())
    return executor


@pytest.fixture
def migrated_back(django_db_setup, django_db_blocker):
    """The apps as they were before 0007 (historical models); the latest schema again afterwards."""
    with django_db_blocker.unblock():
        executor = _migrate(BEFORE_COPY)
        old = executor.loader.project_state(BEFORE_COPY).apps
        created = []
        try:
            yield old, created
        finally:
            _migrate()
            # With today's models, so that deletions cascade as they do now (subjects, mails …).
            for obj in reversed(created):
                if obj._meta.label_lower == "synergies.introduction":
                    Change.objects.for_record("synergies.introduction", obj.pk).delete()
                apps.get_model(obj._meta.label).objects.filter(pk=obj.pk).delete()


def test_every_introduction_event_becomes_a_change_touching_both_actors(migrated_back, django_db_blocker):
    old, created = migrated_back
    User, Actor, Introduction, IntroductionEvent = (
        old.get_model(*name)
        for name in (
            ("accounts", "User"),
            ("actors", "Actor"),
            ("synergies", "Introduction"),
            ("synergies", "IntroductionEvent"),
        )
    )
    user = User.objects.create(username="migration-erika")
    a = Actor.objects.create(name="Weltladen", slug="migration-weltladen", kind="fair_trade_shop")
    b = Actor.objects.create(name="Förderkreis", slug="migration-foerderkreis", kind="association")
    introduction = Introduction.objects.create(actor_a=a, actor_b=b, status="declined", version=3)
    created += [user, a, b, introduction]
    at = dt.datetime(2025, 3, 1, 9, 30, tzinfo=dt.UTC)
    rows = [
        ("requested", {"requested_by": a.pk}),
        ("introduced", {}),
        ("mails_retried", {"count": 2}),
        ("declined", {"reason": "Kein Bedarf"}),
    ]
    for minute, (kind, data) in enumerate(rows):
        IntroductionEvent.objects.create(
            introduction=introduction,
            kind=kind,
            data=data,
            created_by=user,
            created_at=at + dt.timedelta(minutes=minute),
        )

    with django_db_blocker.unblock():
        _migrate()
        changes = list(Change.objects.filter(record_type="synergies.introduction").order_by("id"))
        subjects = {change.pk: set(change.subjects.values_list("kind", "subject_id")) for change in changes}

    assert [(c.kind, c.version, c.at) for c in changes] == [
        (ChangeKind.INTRODUCTION_REQUESTED, 1, at),
        (ChangeKind.INTRODUCTION_SENT, 2, at + dt.timedelta(minutes=1)),
        (ChangeKind.INTRODUCTION_MAILS_RETRIED, 2, at + dt.timedelta(minutes=2)),
        (ChangeKind.INTRODUCTION_DECLINED, 3, at + dt.timedelta(minutes=3)),
    ]
    requested, sent, retried, declined = changes
    for change in changes:
        assert (change.record_id, change.user_id, change.audience, change.public) == (
            introduction.pk,
            user.pk,
            Audience.INTERNAL,
            False,
        )
        assert change.record_label == "Weltladen – Förderkreis"
        assert subjects[change.pk] == {("actor", a.pk), ("actor", b.pk)}
    assert requested.data == {"values": {"status": "proposed", "requested_by": a.pk}}
    assert sent.fields == {"status": {"old": "proposed", "new": "introduced"}}
    assert retried.data == {"count": 2}
    assert declined.data["reason"] == "Kein Bedarf"
    assert declined.fields == {"status": {"old": "introduced", "new": "declined"}}
