"""Permission matrix of the reports (format: tests/test_permission_matrix.py).

The annual report is for the coordination and city staff (they hand it to the council and the
funders); actors' editors and visitors get none of it. The record is an actor created this year,
published or not: the report counts it either way and never names it.
"""

import pytest
from django.utils import timezone

from knotenpunkt.initiatives import services
from knotenpunkt.initiatives.models import Initiative, Stakeholder
from tests import matrix
from tests.test_permission_matrix import RECORD_NAME, ROLES, _world
from tests.test_permission_matrix import db_state as actor_db_state

pytestmark = pytest.mark.django_db

# fmt: off
MATRIX = {
    # columns: anonymous, coordinator, city_staff, staff_own, editor_own, editor_other
    "reports:annual": {"GET": ("login", "hidden", "hidden", "hidden", "403", "403")},
    "reports:annual_pdf": {"GET": ("login", "200", "200", "200", "403", "403")},
    "reports:annual_xlsx": {"GET": ("login", "200", "200", "200", "403", "403")},
    "reports:annual_csv": {"GET": ("login", "200", "200", "200", "403", "403")},
    "reports:initiative": {"GET": ("login", "200", "200", "200", "403", "403")},
}
# fmt: on
SPECS = {
    "reports:initiative": {"kwargs": lambda w: {"pk": w.initiative.pk}, "query": lambda w: {"format": "pdf"}},
    "reports:annual": {"query": lambda w: {"jahr": timezone.localdate().year}},
    "reports:annual_pdf": {"query": lambda w: {"jahr": timezone.localdate().year}},
    "reports:annual_xlsx": {"query": lambda w: {"jahr": timezone.localdate().year}},
    "reports:annual_csv": {
        "kwargs": lambda w: {"table": "akteure_nach_art"},
        "query": lambda w: {"jahr": timezone.localdate().year},
    },
}


def db_state():
    state = actor_db_state()
    for model in (Initiative, Stakeholder):
        state[model._meta.label] = list(model.objects.order_by("pk").values())
    return state


@pytest.mark.parametrize(matrix.PARAMETERS, list(matrix.cases(MATRIX, ROLES)))
def test_permission_matrix(client, coordinator, city_staff, department, url_name, method, role, published, outcome):
    w = _world(published=published, coordinator=coordinator, city_staff=city_staff, department=department)
    w.initiative = services.initiative_create(
        user=coordinator, data={"title": "Vorhaben im Bericht", "public": published}
    )
    services.stakeholder_add(user=coordinator, initiative=w.initiative, actor=w.record)
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
