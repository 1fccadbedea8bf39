"""Permission matrix of the network-health page (format: tests/test_permission_matrix.py).

The record (a department) has one tie, so it is among the best-connected actors of every snapshot
it is part of: internal readers see the internal snapshot, everybody else the public one, which
leaves out unpublished actors.
"""

import pytest

from knotenpunkt.network import analytics
from knotenpunkt.network.models import SnapshotScope
from tests import matrix
from tests.test_permission_matrix import RECORD_NAME, ROLES, _world, db_state

pytestmark = pytest.mark.django_db

# fmt: off
MATRIX = {
    #                     anonymous       coordinator  city_staff  staff_own  editor_own      editor_other
    "network:health": {"GET": ("shown/hidden", "shown",     "shown",    "shown",   "shown/hidden", "shown/hidden")},
}
# fmt: on
SPECS = {}


@pytest.mark.parametrize(matrix.PARAMETERS, list(matrix.cases(MATRIX, ROLES)))
def test_permission_matrix(client, coordinator, city_staff, department, url_name, method, role, published, outcome):
    w = _world(published=published, coordinator=coordinator, city_staff=city_staff, department=department)
    analytics.snapshot_compute(SnapshotScope.INTERNAL)
    analytics.snapshot_compute(SnapshotScope.PUBLIC)
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
