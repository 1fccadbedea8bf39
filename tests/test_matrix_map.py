"""Network map URLs × roles, in the format of tests/test_permission_matrix.py (same world: the record
is a department unit, published or not, with a public tie to a published partner)."""

import pytest

from knotenpunkt.network import analytics
from knotenpunkt.network.models import SnapshotScope
from tests import matrix
from tests.test_permission_matrix import RECORD_NAME, ROLES, _world, db_state

pytestmark = pytest.mark.django_db

# fmt: off
MATRIX = {
    #                                 anonymous       coordinator  city_staff  staff_own  editor_own  editor_other
    "network:map":          {"GET":  ("shown/hidden", "shown",     "shown",    "shown",   "shown",    "shown/hidden"),
                             "POST": ("405",          "405",       "405",      "405",     "405",      "405")},
    "network:graph":        {"GET":  ("shown/hidden", "shown",     "shown",    "shown",   "shown",    "shown/hidden"),
                             "POST": ("405",          "405",       "405",      "405",     "405",      "405")},
    "network:ego":          {"GET":  ("200/404",      "200",       "200",      "200",     "200",      "200/404"),
                             "POST": ("405",          "405",       "405",      "405",     "405",      "405")},
}
# fmt: on

SPECS = {
    "network:map": {"query": lambda w: {"ego": w.record.slug}},
    "network:graph": {"query": lambda w: {"kind": "city_department"}},
    "network:ego": {"kwargs": lambda w: {"slug": w.record.slug}, "query": lambda w: {"steps": "2"}},
}


@pytest.mark.parametrize(matrix.PARAMETERS, list(matrix.cases(MATRIX, ROLES)))
def test_map_permission_matrix(client, coordinator, city_staff, department, url_name, method, role, published, outcome):
    w = _world(published=published, coordinator=coordinator, city_staff=city_staff, department=department)
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


# The drill-down into a group (?community=0) of the latest snapshot of the reader's scope: internal
# readers use the internal snapshot, everybody else the public one, which leaves out an unpublished
# record (so its own editor does not find it by group either; the plain map still shows it to them).
# fmt: off
DRILLDOWN = {
    #                          anonymous       coordinator  city_staff  staff_own  editor_own      editor_other
    "network:graph": {"GET":  ("shown/hidden", "shown",     "shown",    "shown",   "shown/hidden", "shown/hidden")},
}
# fmt: on


def _snapshots_and_group(w):
    """Both snapshots of the world; the record and its partner are its only tied pair: group 0."""
    analytics.snapshot_compute(SnapshotScope.INTERNAL)
    analytics.snapshot_compute(SnapshotScope.PUBLIC)
    return {"community": "0"}


@pytest.mark.parametrize(matrix.PARAMETERS, list(matrix.cases(DRILLDOWN, ROLES)))
def test_group_drilldown_permission_matrix(
    client, coordinator, city_staff, department, url_name, method, role, published, outcome
):
    w = _world(published=published, coordinator=coordinator, city_staff=city_staff, department=department)
    matrix.check(
        client,
        world=w,
        user=w.users[role],
        url_name=url_name,
        method=method,
        outcome=outcome,
        spec={"query": _snapshots_and_group},
        record_text=RECORD_NAME,
        db_state=db_state,
    )
