"""Introduction URLs × roles, in the format of tests/test_permission_matrix.py.

The record is a city unit ("Fachbereich Eine Welt", published or not) with an introduction to a
published association. Column city_staff_own_department is a staff member of that unit (who may
edit the actor, but not make or request introductions); editor_own edits the unit, editor_other
another association. A new introduction or request pairs the unit with a third association.
"""

from types import SimpleNamespace

import pytest
from django_tasks_db.models import DBTaskResult

from knotenpunkt.accounts.models import Role
from knotenpunkt.changes.kinds import ChangeKind
from knotenpunkt.changes.models import Change
from knotenpunkt.interactions.models import Interaction
from knotenpunkt.network.models import Tie
from knotenpunkt.synergies.models import Introduction, IntroductionMail, IntroductionStatus
from tests import matrix
from tests.factories import ActorFactory, DepartmentFactory, UserFactory
from tests.test_permission_matrix import ROLES

pytestmark = pytest.mark.django_db

# fmt: off
MATRIX = {
    #                                          anonymous  coordinator  city_staff  staff_own  editor_own  editor_other
    "synergies:introductions":        {"GET":  ("login",  "shown",     "shown",    "shown",   "shown",    "hidden")},
    "synergies:introduction_create":  {"GET":  ("login",  "405",       "405",      "405",     "405",      "405"),
                                       "POST": ("login",  "done",      "403",      "403",     "403",      "403")},
    "synergies:introduction_detail":  {"GET":  ("login",  "200",       "200",      "200",     "200",      "404")},
    "synergies:introduction_advance": {"GET":  ("login",  "405",       "405",      "405",     "405",      "405"),
                                       "POST": ("login",  "done",      "403",      "403",     "403",      "404")},
    "synergies:introduction_request": {"GET":  ("login",  "405",       "405",      "405",     "405",      "405"),
                                       "POST": ("login",  "done",      "403",      "403",     "done",     "403/404")},
}
# fmt: on

RECORD_NAME = "Fachbereich Eine Welt"


def _new_pair(w):
    lo, hi = sorted([w.record.pk, w.third.pk])
    return Introduction.objects.filter(actor_a_id=lo, actor_b_id=hi)


SPECS = {
    "synergies:introduction_create": {
        "data": lambda w: {"actor": w.record.pk, "partner": w.third.pk, "note": "Matrixtest"},
        "done": lambda w: (
            _new_pair(w).filter(requested_by=None, note="Matrixtest").count() == 1
            and Change.objects.filter(kind=ChangeKind.INTRODUCTION_PROPOSED, user=w.user).count() == 1
        ),
    },
    "synergies:introduction_detail": {"kwargs": lambda w: {"pk": w.introduction.pk}},
    "synergies:introduction_advance": {
        "kwargs": lambda w: {"pk": w.introduction.pk},
        "data": lambda w: {"step": "declined", "version": w.introduction.version, "reason": "Matrixtest"},
        "done": lambda w: (
            Introduction.objects.get(pk=w.introduction.pk).status == IntroductionStatus.DECLINED
            and Change.objects.filter(kind=ChangeKind.INTRODUCTION_DECLINED, record_id=w.introduction.pk).count() == 1
        ),
    },
    "synergies:introduction_request": {
        "kwargs": lambda w: {"slug": w.record.slug, "partner": w.third.slug},
        "data": lambda w: {"note": "Bitte vermitteln"},
        "done": lambda w: (
            _new_pair(w).filter(requested_by=w.record).count() == 1
            and Change.objects.filter(kind=ChangeKind.INTRODUCTION_REQUESTED, user=w.user).count() == 1
        ),
    },
}


def _world(*, published, coordinator, city_staff):
    record = DepartmentFactory(name=RECORD_NAME, published=published, contact_email="einewelt@example.org")
    partner = ActorFactory(name="Partnerverein", published=True, contact_email="partner@example.org")
    third = ActorFactory(name="Dritter Verein", published=True, contact_email="dritter@example.org")
    lo, hi = sorted([record, partner], key=lambda a: a.pk)
    introduction = Introduction.objects.create(actor_a=lo, actor_b=hi, note="Vorschlag aus dem Matrixtest")
    editor_own = UserFactory(username="redaktion-eigen", role=Role.ACTOR_EDITOR)
    editor_own.edited_actors.add(record)
    editor_other = UserFactory(username="redaktion-fremd", role=Role.ACTOR_EDITOR)
    editor_other.edited_actors.add(ActorFactory(name="Fremder Verein"))
    users = {
        "anonymous": None,
        "coordinator": coordinator,
        "city_staff": city_staff,
        "city_staff_own_department": UserFactory(username="einewelt", role=Role.CITY_STAFF, department=record),
        "editor_own": editor_own,
        "editor_other": editor_other,
    }
    return SimpleNamespace(record=record, partner=partner, third=third, introduction=introduction, users=users)


def db_state():
    models = (Introduction, IntroductionMail, Interaction, Tie, Change, DBTaskResult)
    return {model._meta.label: list(model.objects.order_by("pk").values()) for model in models}


@pytest.mark.parametrize(matrix.PARAMETERS, list(matrix.cases(MATRIX, ROLES)))
def test_introductions_permission_matrix(client, coordinator, city_staff, url_name, method, role, published, outcome):
    w = _world(published=published, coordinator=coordinator, city_staff=city_staff)
    w.user = w.users[role]
    matrix.check(
        client,
        world=w,
        user=w.user,
        url_name=url_name,
        method=method,
        outcome=outcome,
        spec=SPECS.get(url_name, {}),
        record_text=RECORD_NAME,
        db_state=db_state,
    )


def test_every_done_cell_has_a_check_for_the_change():
    matrix.done_cells_have_checks(MATRIX, SPECS)
