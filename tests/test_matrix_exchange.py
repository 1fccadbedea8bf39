"""Permission matrix of network export and Kumu import (format: tests/test_permission_matrix.py).

The record is the shared world's department unit ("published" or not). Exports show it to whoever may
see it; only coordinators import. A confirm first uploads a file as the same user, then confirms.
"""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from knotenpunkt.actors.models import Actor
from knotenpunkt.network import kumu_import
from tests import matrix
from tests.test_permission_matrix import RECORD_NAME, ROLES, _world, db_state

pytestmark = pytest.mark.django_db

# fmt: off
MATRIX = {
    #                                  anonymous       coordinator city_staff staff_own editor_own editor_other
    "network:exchange":       {"GET":  ("200",          "200",      "200",     "200",    "200",     "200")},
    "network:export":         {"GET":  ("shown/hidden", "shown",    "shown",   "shown",  "shown",   "shown/hidden")},
    "network:import":         {"GET":  ("login",        "200",      "403",     "403",    "403",     "403"),
                               "POST": ("login",        "302",      "403",     "403",    "403",     "403")},
    "network:import_preview": {"GET":  ("login",        "302",      "403",     "403",    "403",     "403")},
    "network:import_confirm": {"GET":  ("login",        "405",      "405",     "405",    "405",     "405"),
                               "POST": ("login",        "done",     "403",     "403",    "403",     "403")},
}
# fmt: on

IMPORTED = "Importierter Verein aus Kumu"


def _kumu_file():
    document = {"elements": [{"label": IMPORTED, "type": "Verein"}], "connections": []}
    return SimpleUploadedFile("kumu.json", json.dumps(document).encode())


def _upload_then_confirm(w):
    w.client.post(reverse("network:import"), {"file": _kumu_file()})
    pending = w.client.session.get(kumu_import.SESSION_KEY) or {}
    return {"token": pending.get("token", ""), "action": "confirm"}


SPECS = {
    "network:export": {"kwargs": lambda w: {"fmt": "graphml"}},
    "network:import": {"data": lambda w: {"file": _kumu_file()}},
    "network:import_confirm": {
        "data": _upload_then_confirm,
        "done": lambda w: Actor.objects.filter(name=IMPORTED).exists(),
    },
}


def test_every_done_cell_has_a_check_for_the_change():
    matrix.done_cells_have_checks(MATRIX, SPECS)


@pytest.mark.parametrize(matrix.PARAMETERS, list(matrix.cases(MATRIX, ROLES)))
def test_permission_matrix(
    client, coordinator, city_staff, department, settings, tmp_path, url_name, method, role, published, outcome
):
    settings.VAR_DIR = tmp_path
    w = _world(published=published, coordinator=coordinator, city_staff=city_staff, department=department)
    w.client = client
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
