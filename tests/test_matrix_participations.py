"""Answering a requested participation × roles, in the format of tests/test_permission_matrix.py.

The record is the unit "Abteilung Fairer Handel" of the department `own`, named as a participant in a
public ("published") or internal activity by the editor of another actor: so the participation waits
for the unit's consent. Its editors (editor_own), the staff of its department (staff_own) and the
coordination may confirm or decline; the requesting side (editor_other) and other staff may not.
"""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from knotenpunkt.accounts.models import Role
from knotenpunkt.activities import services
from knotenpunkt.activities.models import Activity, Participation, ParticipationStatus
from knotenpunkt.activities.recurrence import BERLIN
from knotenpunkt.changes.models import Change
from tests import matrix
from tests.factories import ActorFactory, DepartmentFactory, UserFactory
from tests.test_permission_matrix import ROLES

pytestmark = pytest.mark.django_db

# fmt: off
MATRIX = {
    #                                            anonymous  coordinator city_staff staff_own editor_own editor_other
    "activities:participation_confirm": {"GET":  ("login",   "405",       "405",      "405",     "405",      "405"),
                                         "POST": ("login",   "done",      "403",      "done",    "done",     "403")},
    "activities:participation_decline": {"GET":  ("login",   "405",       "405",      "405",     "405",      "405"),
                                         "POST": ("login",   "done",      "403",      "done",    "done",     "403")},
}
# fmt: on

SPECS = {
    "activities:participation_confirm": {
        "kwargs": lambda w: {"pk": w.request.pk},
        "done": lambda w: Participation.objects.get(pk=w.request.pk).status == ParticipationStatus.CONFIRMED,
    },
    "activities:participation_decline": {
        "kwargs": lambda w: {"pk": w.request.pk},
        "done": lambda w: not Participation.objects.filter(pk=w.request.pk).exists(),
    },
}


def _world(*, published, coordinator, city_staff, department):
    own = DepartmentFactory(name="Referat Internationales", published=True)
    participant = DepartmentFactory(name="Abteilung Fairer Handel", parent=own, published=True)
    organiser = ActorFactory(name="Weltladen am Markt", published=True)
    editor_own = UserFactory(username="redaktion-eigen", role=Role.ACTOR_EDITOR)
    editor_own.edited_actors.add(participant)
    editor_other = UserFactory(username="redaktion-fremd", role=Role.ACTOR_EDITOR)
    editor_other.edited_actors.add(organiser)
    start = dt.datetime.combine(timezone.localdate() + dt.timedelta(days=7), dt.time(18, 0), tzinfo=BERLIN)
    activity = services.activity_create(
        user=editor_other,
        data={"title": "Faire Woche: Eröffnung", "kind": "event", "start": start, "end": start + dt.timedelta(hours=2),
              "public": published},
        participants=[services.ParticipantSpec(role="organiser", actor_id=organiser.pk),
                      services.ParticipantSpec(role="participant", actor_id=participant.pk)],
    )  # fmt: skip
    request = activity.participations.get(actor=participant)
    assert request.status == ParticipationStatus.REQUESTED
    assert city_staff.department == department and department.pk not in (own.pk, participant.pk)
    users = {
        "anonymous": None,
        "coordinator": coordinator,
        "city_staff": city_staff,
        "city_staff_own_department": UserFactory(username="referat", role=Role.CITY_STAFF, department=own),
        "editor_own": editor_own,
        "editor_other": editor_other,
    }
    return SimpleNamespace(published=published, request=request, users=users, user=None)


def db_state():
    return {
        "participations": list(Participation.objects.order_by("pk").values()),
        "activities": list(Activity.objects.order_by("pk").values("pk", "version")),
        "changes": Change.objects.count(),
    }


@pytest.mark.parametrize(matrix.PARAMETERS, list(matrix.cases(MATRIX, ROLES, ("public", "internal"))))
def test_participation_permission_matrix(
    client, coordinator, city_staff, department, url_name, method, role, published, outcome
):
    w = _world(published=published, coordinator=coordinator, city_staff=city_staff, department=department)
    w.user = w.users[role]
    matrix.check(
        client,
        world=w,
        user=w.user,
        url_name=url_name,
        method=method,
        outcome=outcome,
        spec=SPECS[url_name],
        record_text="",
        db_state=db_state,
    )


def test_every_done_cell_has_a_check_for_the_change():
    matrix.done_cells_have_checks(MATRIX, SPECS)
