"""Permission matrix of the data-protection pages (format: tests/test_permission_matrix.py).

Only the coordination works with persons' legal basis, access exports, restriction, erasure,
retention findings, the Art. 30 record and the access log. Reading pages log the access and
exports record a change, so the state compared for refused requests is the persons' and the
privacy tables' (the POST rows check the changes they make).
"""

import pytest

from knotenpunkt.actors.models import Membership, Person
from knotenpunkt.privacy.models import ErasureLogEntry, RetentionCandidate, RetentionRule, RetentionRun
from tests import matrix
from tests.factories import PersonFactory
from tests.test_permission_matrix import ROLES, _world
from tests.test_permission_matrix import db_state as actor_db_state

pytestmark = pytest.mark.django_db

PERSON_NAME = "Zwetlana Quirinsky"

# fmt: off
MATRIX = {
    #                               anonymous  coordinator  city_staff  staff_own  editor_own  editor_other
    "privacy:persons":         {"GET":  ("login",  "shown",     "403",      "403",     "403",      "403")},
    "privacy:person":          {"GET":  ("login",  "shown",     "403",      "403",     "403",      "403")},
    "privacy:legal_basis":     {"POST": ("login",  "done",      "403",      "403",     "403",      "403")},
    "privacy:restrict":        {"POST": ("login",  "done",      "403",      "403",     "403",      "403")},
    "privacy:export_json":     {"GET":  ("login",  "200",       "403",      "403",     "403",      "403")},
    "privacy:export_html":     {"GET":  ("login",  "shown",     "403",      "403",     "403",      "403")},
    "privacy:erase":           {"GET":  ("login",  "shown",     "403",      "403",     "403",      "403"),
                                "POST": ("login",  "done",      "403",      "403",     "403",      "403")},
    "privacy:retention":       {"GET":  ("login",  "shown",     "403",      "403",     "403",      "403"),
                                "POST": ("login",  "done",      "403",      "403",     "403",      "403")},
    "privacy:retention_check": {"POST": ("login",  "done",      "403",      "403",     "403",      "403")},
    "privacy:register":        {"GET":  ("login",  "200",       "403",      "403",     "403",      "403")},
    "privacy:access_log":      {"GET":  ("login",  "200",       "403",      "403",     "403",      "403")},
}
# fmt: on


def _person(w) -> Person:
    return Person.objects.get(pk=w.person.pk)


SPECS = {
    "privacy:person": {"kwargs": lambda w: {"pk": w.person.pk}},
    "privacy:legal_basis": {
        "kwargs": lambda w: {"pk": w.person.pk},
        "data": lambda w: {"legal_basis": "public_task", "purpose": "Netzwerktreffen", "version": 1},
        "done": lambda w: _person(w).legal_basis == "public_task",
    },
    "privacy:restrict": {
        "kwargs": lambda w: {"pk": w.person.pk},
        "data": lambda w: {"action": "restrict", "reason": "Person bestreitet die Richtigkeit"},
        "done": lambda w: _person(w).restricted,
    },
    "privacy:export_json": {"kwargs": lambda w: {"pk": w.person.pk}},
    "privacy:export_html": {"kwargs": lambda w: {"pk": w.person.pk}},
    "privacy:erase": {
        "kwargs": lambda w: {"pk": w.person.pk},
        "data": lambda w: {"confirm": "on"},
        "done": lambda w: _person(w).is_erased and PERSON_NAME not in str(_person(w)),
    },
    "privacy:retention": {
        "data": lambda w: {"candidates": [w.candidate.pk], "decision": "kept"},
        "done": lambda w: RetentionCandidate.objects.get(pk=w.candidate.pk).decision == "kept",
    },
    "privacy:retention_check": {"done": lambda w: RetentionRun.objects.exists()},
}


def db_state():
    state = actor_db_state()
    # A coordinator's export records itself (PERSON_EXPORTED): keep only the other changes.
    state["changes.Change"] = [row for row in state["changes.Change"] if row["kind"] != "person.exported"]
    for model in (Person, Membership, RetentionCandidate, RetentionRun, ErasureLogEntry):
        state[model._meta.label] = list(model.objects.order_by("pk").values())
    return state


@pytest.mark.parametrize(matrix.PARAMETERS, list(matrix.cases(MATRIX, ROLES)))
def test_permission_matrix(client, coordinator, city_staff, department, url_name, method, role, published, outcome):
    w = _world(published=published, coordinator=coordinator, city_staff=city_staff, department=department)
    w.person = PersonFactory(first_name="Zwetlana", last_name="Quirinsky", email="zq@example.org")
    Membership.objects.create(person=w.person, actor=w.record, function="Referentin")
    rule, _ = RetentionRule.objects.get_or_create(kind="person_review_due", defaults={"months": 0})
    w.candidate = RetentionCandidate.objects.create(rule=rule, record_type="actors.person", record_id=w.person.pk)
    matrix.check(
        client,
        world=w,
        user=w.users[role],
        url_name=url_name,
        method=method,
        outcome=outcome,
        spec=SPECS.get(url_name, {}),
        record_text=PERSON_NAME,
        db_state=db_state,
    )


def test_every_done_cell_has_a_check_for_the_change():
    matrix.done_cells_have_checks(MATRIX, SPECS)
