"""Permission matrix of the history pages (format: tests/test_permission_matrix.py).

The record (a department) has one recorded change of its description; the coordination may set it
back. Outsiders to the record get 404, so an unpublished record's existence does not leak.
"""

import pytest

from knotenpunkt.actors.models import Actor
from knotenpunkt.changes.kinds import ChangeKind
from knotenpunkt.changes.models import Change, ChangeSubject
from knotenpunkt.changes.services import atomic, record
from tests import matrix
from tests.test_permission_matrix import RECORD_NAME, ROLES, _world
from tests.test_permission_matrix import db_state as actor_db_state

pytestmark = pytest.mark.django_db

OLD_DESCRIPTION = "Die frühere Beschreibung"

# fmt: off
MATRIX = {
    #                      anonymous  coordinator  city_staff  staff_own  editor_own  editor_other
    "history:feed":    {"GET":  ("login",  "200",       "403",      "403",     "403",      "403")},
    "history:record":  {"GET":  ("login",  "shown",     "shown",    "shown",   "shown",    "404")},
    "history:restore": {"POST": ("login",  "done",      "403",      "403",     "403",      "403")},
}
# fmt: on
SPECS = {
    "history:record": {"kwargs": lambda w: {"type_slug": "akteur", "pk": w.record.pk}},
    "history:restore": {
        "kwargs": lambda w: {"change_id": w.change.pk},
        "data": lambda w: {"field": "description"},
        "done": lambda w: Actor.objects.get(pk=w.record.pk).description == OLD_DESCRIPTION,
    },
}


def db_state():
    state = actor_db_state()
    for model in (Change, ChangeSubject):
        state[model._meta.label] = list(model.objects.order_by("pk").values())
    return state


@pytest.mark.parametrize(matrix.PARAMETERS, list(matrix.cases(MATRIX, ROLES)))
def test_permission_matrix(client, coordinator, city_staff, department, url_name, method, role, published, outcome):
    w = _world(published=published, coordinator=coordinator, city_staff=city_staff, department=department)
    w.record.description = "Die heutige Beschreibung"
    w.record.save()
    with atomic():
        w.change = record(
            user=coordinator,
            kind=ChangeKind.ACTOR_UPDATED,
            record=w.record,
            fields={"description": {"old": OLD_DESCRIPTION, "new": w.record.description}},
        )
    matrix.check(
        client,
        world=w,
        user=w.users[role],
        url_name=url_name,
        method=method,
        outcome=outcome,
        spec=SPECS.get(url_name, {}),
        record_text=RECORD_NAME,
        db_state=db_state,
    )


def test_every_done_cell_has_a_check_for_the_change():
    matrix.done_cells_have_checks(MATRIX, SPECS)
