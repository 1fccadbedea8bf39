"""`changes.recording_paused()` (used by bench/changes.py only): no history rows, the reactions still run."""

import pytest

from knotenpunkt.changes.models import Change, ChangeSubject
from knotenpunkt.changes.services import recording_paused
from knotenpunkt.network import services
from knotenpunkt.network.models import TieKind
from tests.factories import ActorFactory

pytestmark = pytest.mark.django_db


def test_paused_recording_writes_no_rows_but_the_reactions_run(coordinator, actor_a):
    partner = ActorFactory(name="Kongoussi")
    with recording_paused():
        services.tie_create(user=coordinator, source=actor_a, target=partner, kind=TieKind.COOPERATION)
    assert not Change.objects.exists()
    assert not ChangeSubject.objects.exists()
    actor_a.refresh_from_db()
    partner.refresh_from_db()
    # The reaction "tie counts" ran on the change that was built but not written.
    assert (actor_a.tie_count, partner.tie_count) == (1, 1)


def test_recording_resumes_after_the_block(coordinator, actor_a):
    partner = ActorFactory()
    with recording_paused():
        pass
    services.tie_create(user=coordinator, source=actor_a, target=partner, kind=TieKind.COOPERATION)
    change = Change.objects.get()
    assert set(change.subjects.values_list("subject_id", flat=True)) == {actor_a.pk, partner.pk}
