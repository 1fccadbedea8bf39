"""The change record's machinery: one row per change, its subjects, the reactions once per transaction."""

import pytest
from django.db import transaction
from django.test import override_settings

from knotenpunkt.changes import locking, values
from knotenpunkt.changes.kinds import Audience, ChangeKind
from knotenpunkt.changes.models import Change, ChangeSubject
from knotenpunkt.changes.reactions import Reaction
from knotenpunkt.changes.services import atomic, record, restoring
from tests.factories import ActorFactory, ThemeFactory

pytestmark = pytest.mark.django_db

CALLS = []


def _remember(batch):
    CALLS.append(("in", [c.kind for c in batch]))


def _remember_after(batch):
    CALLS.append(("after", [c.kind for c in batch]))


def _fail(batch):
    raise RuntimeError("reaction failed")


TEST_REACTIONS = [
    Reaction("test in transaction", _remember),
    Reaction("test after commit", _remember_after, kinds=frozenset({ChangeKind.TIE_CREATED}), after_commit=True),
]
FAILING_REACTIONS = [Reaction("fails", _fail)]


@pytest.fixture
def calls():
    CALLS.clear()
    with override_settings(KNOTENPUNKT_REACTIONS="tests.test_changes.TEST_REACTIONS"):
        yield CALLS


def test_record_writes_one_row_with_its_subjects(coordinator):
    actor = ActorFactory(name="Weltladen")
    with atomic():
        change = record(
            user=coordinator,
            kind=ChangeKind.ACTOR_UPDATED,
            record=actor,
            fields={"name": {"old": "Laden", "new": "Weltladen"}},
            actors=[999],
            persons=[7],
        )
    row = Change.objects.get()
    assert row == change
    assert (row.user, row.kind, row.record_type) == (coordinator, "actor.updated", "actors.actor")
    assert row.record_id == actor.pk
    assert row.record_label == "Weltladen"
    assert row.version == actor.version
    assert row.audience == Audience.INTERNAL and row.public is False
    assert row.fields == {"name": {"old": "Laden", "new": "Weltladen"}}
    subjects = set(ChangeSubject.objects.values_list("kind", "subject_id"))
    assert subjects == {("actor", actor.pk), ("actor", 999), ("person", 7)}
    assert list(Change.objects.touching("actor", 999)) == [row]


def test_record_outside_atomic_is_refused():
    actor = ActorFactory()
    with pytest.raises(RuntimeError):
        record(user=None, kind=ChangeKind.ACTOR_UPDATED, record=actor)
    assert not Change.objects.exists()


def test_reactions_run_once_per_outermost_block_with_the_whole_batch(calls, django_capture_on_commit_callbacks):
    actor = ActorFactory()
    with django_capture_on_commit_callbacks(execute=True):
        with atomic():
            record(user=None, kind=ChangeKind.ACTOR_UPDATED, record=actor)
            with atomic():
                record(user=None, kind=ChangeKind.TIE_CREATED, record=actor)
            assert calls == []  # nothing before the outermost block ends
        assert calls == [("in", ["actor.updated", "tie.created"])]
    assert calls == [("in", ["actor.updated", "tie.created"]), ("after", ["tie.created"])]


def test_after_commit_reactions_wait_for_the_commit(calls, django_capture_on_commit_callbacks):
    actor = ActorFactory()
    with django_capture_on_commit_callbacks(execute=False) as callbacks, atomic():
        record(user=None, kind=ChangeKind.TIE_CREATED, record=actor)
    assert calls == [("in", ["tie.created"])]
    assert len(callbacks) == 1


def test_a_rolled_back_savepoint_drops_its_changes_from_the_batch(calls):
    actor = ActorFactory()
    with atomic():
        record(user=None, kind=ChangeKind.ACTOR_UPDATED, record=actor)
        try:
            with atomic():
                record(user=None, kind=ChangeKind.TIE_DELETED, record=actor)
                raise ValueError
        except ValueError:
            pass
    assert calls == [("in", ["actor.updated"])]
    assert list(Change.objects.values_list("kind", flat=True)) == ["actor.updated"]


@override_settings(KNOTENPUNKT_REACTIONS="tests.test_changes.FAILING_REACTIONS")
def test_a_failing_reaction_rolls_the_change_back():
    actor = ActorFactory(name="Vorher")
    with pytest.raises(RuntimeError), atomic():
        actor.name = "Nachher"
        actor.save()
        record(user=None, kind=ChangeKind.ACTOR_UPDATED, record=actor)
    actor.refresh_from_db()
    assert actor.name == "Vorher"
    assert not Change.objects.exists()


def test_a_restore_says_which_change_it_restores(calls):
    actor = ActorFactory()
    with restoring(41), atomic():
        change = record(user=None, kind=ChangeKind.ACTOR_UPDATED, record=actor)
    assert change.data["restored_from"] == 41
    with atomic():
        later = record(user=None, kind=ChangeKind.ACTOR_UPDATED, record=actor)
    assert "restored_from" not in later.data


def test_stored_values_round_trip_through_the_history():
    theme = ThemeFactory()
    actor = ActorFactory(country="BF", latitude="48.8975", description="Text")
    actor.themes.add(theme)
    stored = values.snapshot(actor, ["kind", "parent", "themes", "country", "latitude", "published"])
    assert stored == {
        "kind": actor.kind,
        "parent": None,
        "themes": [theme.pk],
        "country": "BF",
        "latitude": "48.897500",
        "published": actor.published,
    }
    assert values.to_python(type(actor), "themes", stored["themes"]) == [theme]
    assert str(values.to_python(type(actor), "latitude", stored["latitude"])) == "48.897500"
    assert values.diff({"name": "A", "kind": "x"}, {"name": "B", "kind": "x"}) == {"name": {"old": "A", "new": "B"}}


def test_the_lock_raises_a_conflict_with_the_changes_since(coordinator):
    actor = ActorFactory(version=3)
    with atomic():
        record(user=coordinator, kind=ChangeKind.ACTOR_UPDATED, record=actor, version=3)
    with transaction.atomic():
        assert locking.lock(type(actor), actor.pk, 3) == actor
        with pytest.raises(locking.EditConflict) as conflict:
            locking.lock(type(actor), actor.pk, 2)
    assert conflict.value.record == actor
    assert [c.version for c in conflict.value.changes] == [3]
    assert "geändert" in str(conflict.value)
