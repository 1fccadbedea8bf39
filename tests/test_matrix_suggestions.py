"""Partner suggestion URLs × roles, in the format of tests/test_permission_matrix.py.

The record is a city unit ("Fachbereich Eine Welt", published or not) below department `own`
(so city_staff_own_department may edit it), with a stored suggestion naming a published
association. The record itself is shown on its own suggestions page, as the partner on the
partner's page and in the overview; editor_own edits the unit, editor_other another association.
The opt-out POST switches the unit's suggestions off (and removes those naming it).
"""

from types import SimpleNamespace

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from knotenpunkt.accounts.models import Role
from knotenpunkt.changes.kinds import ChangeKind
from knotenpunkt.changes.models import Change
from knotenpunkt.synergies.models import Suggestion, SuggestionOptOut, SuggestionRun
from tests import matrix
from tests.factories import ActorFactory, DepartmentFactory, ThemeFactory, UserFactory
from tests.test_permission_matrix import ROLES

pytestmark = pytest.mark.django_db

# fmt: off
MATRIX = {
    #                                    anonymous coordinator city_staff staff_own editor_own editor_other
    "synergies:overview":          {"GET":  ("login", "shown",    "shown",   "shown",  "shown",   "hidden")},
    "synergies:question":          {"GET":  ("login", "shown",    "shown",   "shown",  "shown",   "shown/hidden")},
    "synergies:actor_suggestions": {"GET":  ("login", "shown",    "shown",   "shown",  "shown",   "403/404")},
    "synergies:opt_out":           {"GET":  ("login", "405",      "405",     "405",    "405",     "405"),
                                    "POST": ("login", "done",     "403",     "done",   "done",    "403/404")},
}
# fmt: on

RECORD_NAME = "Fachbereich Eine Welt"


SPECS = {
    "synergies:question": {"query": lambda w: {"q": "Wer arbeitet zu Klimaschutz?"}},
    "synergies:actor_suggestions": {"kwargs": lambda w: {"slug": w.record.slug}},
    "synergies:opt_out": {
        "kwargs": lambda w: {"slug": w.record.slug},
        "data": lambda w: {"opt_out": "1"},
        "done": lambda w: (
            SuggestionOptOut.objects.filter(actor=w.record).exists()
            and not Suggestion.objects.filter(partner=w.record).exists()
            and Change.objects.filter(
                kind=ChangeKind.SUGGESTIONS_OPTED_OUT, record_id=w.record.pk, user=w.user
            ).exists()
        ),
    },
}


def _world(*, published, coordinator, city_staff):
    own = DepartmentFactory(name="Amt für Bürgerschaft")
    climate = ThemeFactory(name_de="Klimaschutz", name_en="Climate protection", slug="klimaschutz")
    record = DepartmentFactory(name=RECORD_NAME, published=published, parent=own)
    record.themes.add(climate)
    partner = ActorFactory(name="Partnerverein", published=True)
    now = timezone.now()
    reasons = [{"code": "bridge", "sectors": [0, 1], "public": True}]
    for a, b in ((record, partner), (partner, record)):
        Suggestion.objects.create(actor=a, partner=b, rank=1, score=0.9, reasons=reasons, computed_at=now)
    SuggestionRun.objects.create(kind="full", started_at=now, finished_at=now, actor_count=2, suggestion_count=2)
    editor_own = UserFactory(username="redaktion-eigen", role=Role.ACTOR_EDITOR)
    editor_own.edited_actors.add(record)
    editor_other = UserFactory(username="redaktion-fremd", role=Role.ACTOR_EDITOR)
    editor_other.edited_actors.add(ActorFactory(name="Fremder Verein"))
    users = {
        "anonymous": None,
        "coordinator": coordinator,
        "city_staff": city_staff,
        "city_staff_own_department": UserFactory(username="einewelt", role=Role.CITY_STAFF, department=own),
        "editor_own": editor_own,
        "editor_other": editor_other,
    }
    return SimpleNamespace(record=record, partner=partner, users=users)


def db_state():
    models = (Suggestion, SuggestionOptOut, SuggestionRun, Change, DBTaskResult)
    return {model._meta.label: list(model.objects.order_by("pk").values()) for model in models}


@pytest.mark.parametrize(matrix.PARAMETERS, list(matrix.cases(MATRIX, ROLES)))
def test_suggestions_permission_matrix(client, coordinator, city_staff, url_name, method, role, published, outcome):
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
