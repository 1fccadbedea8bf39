"""Permission matrix of the initiative pages (format: tests/test_permission_matrix.py).

The record is an initiative, public in the first state and internal in the second; the world's
department is its stakeholder (so its own editor cannot offer it again: 422), and its partner has an
open „Wir möchten mitwirken" request. Only the
coordination plans; city staff read everything; everybody else sees public initiatives only (an
internal one is a 404), and an actor's editor may offer their actor on a public one.
"""

import datetime as dt

import pytest
from django.utils import timezone

from knotenpunkt.activities.models import Activity, Participation
from knotenpunkt.activities.services import ParticipantSpec, activity_create
from knotenpunkt.changes.models import Change
from knotenpunkt.initiatives import services
from knotenpunkt.initiatives.models import CouncilPaper, Initiative, InitiativeLink, ParticipationRequest, Stakeholder
from knotenpunkt.interactions.models import Interaction
from tests import matrix
from tests.oparl_server import OParlServer
from tests.test_permission_matrix import ROLES, _world
from tests.test_permission_matrix import db_state as actor_db_state

pytestmark = pytest.mark.django_db

TITLE = "Klimapartnerschaft Kongoussi, dritte Phase"
NEW_TITLE = "Klimapartnerschaft Kongoussi, Phase drei"
CREATED_TITLE = "Fairtrade-Town erneuern"

# fmt: off
MATRIX = {
    # columns: anonymous, coordinator, city_staff, staff_own, editor_own, editor_other
    "initiatives:list": {"GET": ("login", "shown", "shown", "shown", "302", "302")},
    "initiatives:public_list": {"GET": ("shown/hidden",) * 6},
    "initiatives:create": {"GET": ("login", "200", "403", "403", "403", "403"),
                                 "POST": ("login", "done", "403", "403", "403", "403")},
    "initiatives:detail": {"GET": ("shown/404", "shown", "shown", "shown", "shown/404", "shown/404")},
    "initiatives:edit": {"GET": ("login", "200", "403", "403", "403", "403"),
                                 "POST": ("login", "done", "403", "403", "403", "403")},
    "initiatives:delete": {"GET": ("login", "200", "403", "403", "403", "403"),
                           "POST": ("login", "done", "403", "403", "403", "403")},
    "initiatives:proposals": {"GET": ("login", "200", "200", "200", "404", "404")},
    "initiatives:stakeholder_add": {"GET": ("login", "405", "405", "405", "405", "405"),
                                 "POST": ("login", "done", "403", "403", "403", "403")},
    "initiatives:stakeholder_update": {"GET": ("login", "200", "403", "403", "403", "403"),
                                       "POST": ("login", "done", "403", "403", "403", "403")},
    "initiatives:stakeholder_move": {"POST": ("login", "done", "403", "403", "403", "403")},
    "initiatives:stakeholder_remove": {"POST": ("login", "done", "403", "403", "403", "403")},
    "initiatives:link": {"GET": ("login", "200", "403", "403", "403", "403"),
                         "POST": ("login", "done", "403", "403", "403", "403")},
    "initiatives:contact": {"GET": ("login", "200", "403", "403", "403", "403"),
                                 "POST": ("login", "done", "403", "403", "403", "403")},
    "initiatives:request": {"GET": ("login", "405", "405", "405", "405", "405"),
                                 "POST": ("login", "403", "403", "403", "422/404", "done/404")},
    "initiatives:request_answer": {"POST": ("login", "done", "403", "403", "403", "403")},
    "initiatives:paper_link": {"GET": ("login", "405", "405", "405", "405", "405"),
                               "POST": ("login", "done", "403", "403", "403", "403")},
    "initiatives:paper_unlink": {"POST": ("login", "done", "403", "403", "403", "403")},
    "initiatives:paper_search": {"GET": ("login", "200", "403", "403", "403", "403")},
}
# fmt: on


def _future(days: int) -> str:
    return str(timezone.localdate() + dt.timedelta(days=days))


SPECS = {
    "initiatives:create": {
        "data": lambda w: {"title": CREATED_TITLE, "phase": "idea", "decision_date": _future(200)},
        "done": lambda w: Initiative.objects.filter(title=CREATED_TITLE).count() == 1,
    },
    "initiatives:detail": {"kwargs": lambda w: {"pk": w.initiative.pk}},
    "initiatives:edit": {
        "kwargs": lambda w: {"pk": w.initiative.pk},
        "data": lambda w: {
            "title": NEW_TITLE,
            "phase": w.initiative.phase,
            "decision_date": str(w.initiative.decision_date),
            "version": w.initiative.version,
            **({"public": "on"} if w.initiative.public else {}),
        },
        "done": lambda w: Initiative.objects.get(pk=w.initiative.pk).title == NEW_TITLE,
    },
    "initiatives:proposals": {"kwargs": lambda w: {"pk": w.initiative.pk}},
    "initiatives:delete": {
        "kwargs": lambda w: {"pk": w.initiative.pk},
        "done": lambda w: not Initiative.objects.filter(pk=w.initiative.pk).exists(),
    },
    "initiatives:stakeholder_add": {
        "kwargs": lambda w: {"pk": w.initiative.pk},
        "data": lambda w: {"actor": w.duplicate.pk, "source": "theme"},
        "done": lambda w: Stakeholder.objects.filter(initiative=w.initiative, actor=w.duplicate).exists(),
    },
    "initiatives:stakeholder_update": {
        "kwargs": lambda w: {"pk": w.stakeholder.pk},
        "data": lambda w: {
            f"s{w.stakeholder.pk}-{name}": value
            for name, value in {
                "role": "Mitträger",
                "influence": 5,
                "interest": 4,
                "planned": "collaborate",
                "reached": "none",
                "version": w.stakeholder.version,
            }.items()
        },
        "done": lambda w: Stakeholder.objects.get(pk=w.stakeholder.pk).role == "Mitträger",
    },
    "initiatives:stakeholder_move": {
        "kwargs": lambda w: {"pk": w.stakeholder.pk},
        "data": lambda w: {"influence": 1, "interest": 5, "version": w.stakeholder.version},
        "done": lambda w: Stakeholder.objects.get(pk=w.stakeholder.pk).influence == 1,
    },
    "initiatives:stakeholder_remove": {
        "kwargs": lambda w: {"pk": w.stakeholder.pk},
        "data": lambda w: {"initiative": w.initiative.pk},
        "done": lambda w: not Stakeholder.objects.filter(pk=w.stakeholder.pk).exists(),
    },
    "initiatives:link": {
        "kwargs": lambda w: {"pk": w.initiative.pk},
        "data": lambda w: {"activity": w.activity.pk},
        "done": lambda w: InitiativeLink.objects.filter(initiative=w.initiative, activity=w.activity).exists(),
    },
    "initiatives:contact": {
        "kwargs": lambda w: {"pk": w.initiative.pk},
        "data": lambda w: {
            "date": str(timezone.localdate()),
            "channel": "meeting",
            "summary": "Abstimmung zur dritten Phase",
            "visibility": "staff",
            "actors": [w.record.pk],
        },
        "done": lambda w: InitiativeLink.objects.filter(
            initiative=w.initiative, interaction__summary="Abstimmung zur dritten Phase"
        ).exists(),
    },
    "initiatives:request": {
        "kwargs": lambda w: {"pk": w.initiative.pk},
        "data": lambda w: {"message": "Wir bringen unsere Schulpartnerschaft ein."},
        "done": lambda w: ParticipationRequest.objects.filter(
            initiative=w.initiative, message="Wir bringen unsere Schulpartnerschaft ein."
        ).exists(),
    },
    "initiatives:paper_link": {
        "kwargs": lambda w: {"pk": w.initiative.pk},
        "data": lambda w: {"url": w.council.paper_url(2)},
        "done": lambda w: CouncilPaper.objects.get(initiative=w.initiative).reference == "VORL 2026/221",
    },
    "initiatives:paper_unlink": {
        "kwargs": lambda w: {"pk": w.initiative.pk},
        "done": lambda w: not CouncilPaper.objects.filter(initiative=w.initiative).exists(),
    },
    "initiatives:paper_search": {"kwargs": lambda w: {"pk": w.initiative.pk}, "query": lambda w: {"q": "Haushalt"}},
    "initiatives:request_answer": {
        "kwargs": lambda w: {"pk": w.request.pk},
        "data": lambda w: {"decision": "accept"},
        "done": lambda w: Stakeholder.objects.filter(initiative=w.initiative, actor=w.partner).exists(),
    },
}


def db_state():
    state = actor_db_state()
    for model in (
        Initiative,
        Stakeholder,
        InitiativeLink,
        ParticipationRequest,
        CouncilPaper,
        Interaction,
        Activity,
        Participation,
        Change,
    ):
        state[model._meta.label] = list(model.objects.order_by("pk").values())
    return state


@pytest.fixture(scope="module")
def council():
    with OParlServer() as server:
        yield server


@pytest.mark.parametrize(matrix.PARAMETERS, list(matrix.cases(MATRIX, ROLES)))
def test_permission_matrix(
    client, settings, council, coordinator, city_staff, department, url_name, method, role, published, outcome
):
    settings.OPARL_ALLOW_PRIVATE_HOSTS = True
    settings.OPARL_SYSTEM_URL = council.system_url()
    w = _world(published=True, coordinator=coordinator, city_staff=city_staff, department=department)
    w.council = council
    w.initiative = services.initiative_create(
        user=coordinator,
        data={"title": TITLE, "public": published, "lead": w.record, "decision_date": timezone.localdate()},
    )
    w.stakeholder = services.stakeholder_add(user=coordinator, initiative=w.initiative, actor=w.record)
    start = timezone.now() - dt.timedelta(days=3)
    w.activity = activity_create(
        user=coordinator,
        data={"title": "Steuerungsgruppe", "start": start, "end": start + dt.timedelta(hours=2)},
        participants=[ParticipantSpec(role="participant", actor_id=w.record.pk)],
    )
    CouncilPaper.objects.create(initiative=w.initiative, url=council.paper_url(1), reference="VORL 2027/014")
    w.request = ParticipationRequest.objects.create(
        initiative=w.initiative, actor=w.partner, message="Wir möchten mitwirken."
    )
    matrix.check(
        client,
        world=w,
        user=w.users[role],
        url_name=url_name,
        method=method,
        outcome=outcome,
        spec=SPECS.get(url_name, {}),
        record_text=TITLE,
        db_state=db_state,
    )


def test_every_done_cell_has_a_check_for_the_change():
    matrix.done_cells_have_checks(MATRIX, SPECS)
