"""Calendar URLs × roles, in the format of tests/test_permission_matrix.py.

Here a "published" record is a public activity, an "unpublished" one is internal. It is a weekly
series (so single dates can be changed) organised by a unit of the department `own`: staff of
that department (staff_own) and the unit's editors (editor_own) may change it; city_staff
(another department) reads it but did not create it and may not change it.
"""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from knotenpunkt.accounts.models import Role
from knotenpunkt.activities import services
from knotenpunkt.activities.models import Activity, ActivityException, ActivityOccurrence, Participation
from knotenpunkt.activities.recurrence import BERLIN
from tests import matrix
from tests.factories import ActorFactory, DepartmentFactory, UserFactory
from tests.test_permission_matrix import ROLES

pytestmark = pytest.mark.django_db

# fmt: off
MATRIX = {
    #                                 anonymous       coordinator  city_staff  staff_own  editor_own  editor_other
    "activities:calendar":  {"GET":  ("shown/hidden", "shown",     "shown",    "shown",   "shown",    "shown/hidden")},
    "activities:detail":    {"GET":  ("200/404",      "200",       "200",      "200",     "200",      "200/404")},
    "activities:create":    {"GET":  ("login",        "200",       "200",      "200",     "200",      "200"),
                             "POST": ("login",        "done",      "done",     "done",    "done",     "200")},
    "activities:edit":      {"GET":  ("login",        "200",       "403",      "200",     "200",      "403/404"),
                             "POST": ("login",        "done",      "403",      "done",    "done",     "403/404")},
    "activities:cancel":    {"GET":  ("login",        "405",       "405",      "405",     "405",      "405"),
                             "POST": ("login",        "done",      "403",      "done",    "done",     "403/404")},
    "activities:exception": {"GET":  ("login",        "405",       "405",      "405",     "405",      "405"),
                             "POST": ("login",        "done",      "403",      "done",    "done",     "403/404")},
}
# fmt: on

RECORD_TITLE = "Sitzung der Fairtrade-Steuerungsgruppe"
NEW_TITLE = "Sitzung der Fairtrade-Steuerungsgruppe (verlegt)"
CREATED_TITLE = "Neu angelegter Termin aus dem Matrixtest"


def _form(w, title):
    start = w.record.start.astimezone(BERLIN)
    return {
        "title": title,
        "kind": "meeting",
        "level": "local",
        "start_date": start.date().isoformat(),
        "start_time": "10:00",
        "end_time": "12:00",
        "repeat": "weekly",
        "repeat_interval": "1",
        "repeat_end": "count",
        "repeat_count": "3",
        "public": "on" if w.published else "",
        "version": w.record.version,
        "participants-TOTAL_FORMS": "1",
        "participants-INITIAL_FORMS": "1",
        "participants-0-actor": w.organiser.slug,
        "participants-0-role": "organiser",
    }


SPECS = {
    "activities:calendar": {"query": lambda w: {}},
    "activities:detail": {"kwargs": lambda w: {"pk": w.record.pk}},
    "activities:create": {
        "data": lambda w: _form(w, CREATED_TITLE),
        "done": lambda w: Activity.objects.filter(title=CREATED_TITLE, created_by=w.user).count() == 1,
    },
    "activities:edit": {
        "kwargs": lambda w: {"pk": w.record.pk},
        "data": lambda w: _form(w, NEW_TITLE),
        "done": lambda w: Activity.objects.get(pk=w.record.pk).title == NEW_TITLE,
    },
    "activities:cancel": {
        "kwargs": lambda w: {"pk": w.record.pk},
        "data": lambda w: {"cancelled": "1", "version": w.record.version},
        "done": lambda w: Activity.objects.get(pk=w.record.pk).cancelled,
    },
    "activities:exception": {
        "kwargs": lambda w: {"pk": w.record.pk},
        "data": lambda w: {"recurrence_id": w.second_date.isoformat(), "cancelled": "1"},
        "done": lambda w: ActivityException.objects.filter(activity=w.record, cancelled=True).count() == 1,
    },
}


def _world(*, published, coordinator, city_staff, department):
    own = DepartmentFactory(name="Referat Internationales", published=True)
    organiser = DepartmentFactory(name="Abteilung Fairer Handel", parent=own, published=True)
    unrelated = ActorFactory(name="Fremder Verein", published=True)
    # Today at 10:00, so the calendar's default month shows it.
    start = dt.datetime.combine(timezone.localdate(), dt.time(10, 0), tzinfo=BERLIN)
    record = services.activity_create(
        user=None,
        data={"title": RECORD_TITLE, "kind": "meeting", "start": start, "end": start + dt.timedelta(hours=2),
              "rrule": "FREQ=WEEKLY;COUNT=3", "public": published},
        participants=[services.ParticipantSpec(role="organiser", actor_id=organiser.pk)],
    )  # fmt: skip
    editor_own = UserFactory(username="redaktion-eigen", role=Role.ACTOR_EDITOR)
    editor_own.edited_actors.add(organiser)
    editor_other = UserFactory(username="redaktion-fremd", role=Role.ACTOR_EDITOR)
    editor_other.edited_actors.add(unrelated)
    assert city_staff.department == department and department.pk not in (own.pk, organiser.pk)
    users = {
        "anonymous": None,
        "coordinator": coordinator,
        "city_staff": city_staff,
        "city_staff_own_department": UserFactory(username="referat", role=Role.CITY_STAFF, department=own),
        "editor_own": editor_own,
        "editor_other": editor_other,
    }
    second_date = record.occurrences.order_by("start")[1].recurrence_id
    return SimpleNamespace(
        published=published, record=record, organiser=organiser, second_date=second_date, users=users, user=None
    )


def db_state():
    models = (Activity, Activity.themes.through, Activity.sdgs.through, Participation, ActivityException,
              ActivityOccurrence)  # fmt: skip
    return {model._meta.label: list(model.objects.order_by("pk").values()) for model in models}


@pytest.mark.parametrize(matrix.PARAMETERS, list(matrix.cases(MATRIX, ROLES, ("public", "internal"))))
def test_calendar_permission_matrix(
    client, coordinator, city_staff, department, url_name, method, role, published, outcome
):
    w = _world(published=published, coordinator=coordinator, city_staff=city_staff, department=department)
    w.user = w.users[role]
    matrix.check(
        client,
        world=w,
        user=w.user,
        url_name=url_name,
        method=method,
        outcome=outcome,
        spec=SPECS.get(url_name, {}),
        record_text=RECORD_TITLE,
        db_state=db_state,
    )


def test_every_done_cell_has_a_check_for_the_change():
    matrix.done_cells_have_checks(MATRIX, SPECS)
