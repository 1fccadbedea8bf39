"""Permission matrix of the accessibility pages (format: tests/test_permission_matrix.py).

Everybody reads the statement and the page in Leichte Sprache and may report a barrier, with or without
a login; only the coordination edits the statement and reads the reports.
"""

import datetime as dt

import pytest

from knotenpunkt.changes.kinds import ChangeKind
from knotenpunkt.changes.models import Change
from knotenpunkt.pages import services
from knotenpunkt.pages.models import AccessibilityStatement, BarrierReport
from tests import matrix
from tests.test_permission_matrix import ROLES, _world
from tests.test_permission_matrix import db_state as actor_db_state

pytestmark = pytest.mark.django_db

MARKER = "Der Kontrast im Kalender ist zu schwach"
NEW_TEXT = "Knotenpunkt ist teilweise barrierefrei."
REPORTED = "Die Karte lässt sich nicht mit der Tastatur bedienen."

# fmt: off
MATRIX = {
    # columns: anonymous, coordinator, city_staff, staff_own, editor_own, editor_other
    "pages:accessibility":      {"GET":  ("shown",) * 6},
    "pages:accessibility_edit": {"GET":  ("login", "200", "403", "403", "403", "403"),
                                 "POST": ("login", "done", "403", "403", "403", "403")},
    "pages:barrier_report":     {"GET":  ("200",) * 6,
                                 "POST": ("done",) * 6},
    "pages:barrier_reports":    {"GET":  ("login", "shown", "403", "403", "403", "403")},
    "pages:easy_language":      {"GET":  ("200",) * 6},
}
# fmt: on

SPECS = {
    "pages:accessibility_edit": {
        "data": lambda w: {"text": NEW_TEXT, "reviewed_on": "2026-12-01"},
        "done": lambda w: (
            AccessibilityStatement.objects.get().text == NEW_TEXT
            and Change.objects.filter(kind=ChangeKind.ACCESSIBILITY_STATEMENT_SAVED, user=w.user).count() == 1
        ),
    },
    "pages:barrier_report": {
        "data": lambda w: {"message": REPORTED, "page": "/netzwerk/", "contact_email": ""},
        "done": lambda w: (
            BarrierReport.objects.filter(message=REPORTED, created_by=w.user).count() == 1
            # one from the world, one from the request
            and Change.objects.filter(kind=ChangeKind.BARRIER_REPORTED).count() == 2
        ),
    },
}


def db_state():
    state = actor_db_state()
    for model in (AccessibilityStatement, BarrierReport):
        state[model._meta.label] = list(model.objects.order_by("pk").values())
    return state


@pytest.mark.parametrize(matrix.PARAMETERS, list(matrix.cases(MATRIX, ROLES)))
def test_permission_matrix(client, coordinator, city_staff, department, url_name, method, role, published, outcome):
    w = _world(published=published, coordinator=coordinator, city_staff=city_staff, department=department)
    services.accessibility_statement_save(
        user=None, text=f"{MARKER}: wir arbeiten daran.", reviewed_on=dt.date(2026, 11, 1)
    )
    services.barrier_report_create(user=None, message=f"{MARKER}.", page="/termine/")
    w.user = w.users[role]
    matrix.check(
        client,
        world=w,
        user=w.user,
        url_name=url_name,
        method=method,
        outcome=outcome,
        spec=SPECS.get(url_name, {}),
        record_text=MARKER,
        db_state=db_state,
    )


def test_every_done_cell_has_a_check_for_the_change():
    matrix.done_cells_have_checks(MATRIX, SPECS)
