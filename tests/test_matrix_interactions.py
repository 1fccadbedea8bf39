"""Contact log URLs × roles, in the format of tests/test_permission_matrix.py.

Here a "published" record is a contact shared with all city staff (visibility "staff"), an
"unpublished" one is for the coordination only. Column city_staff_own_department stands for
the staff member who recorded the contact (and created its follow-ups); city_staff is a
colleague who did not. Follow-ups on the contact are assigned to the coordinator.
"""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from knotenpunkt.accounts.models import Role
from knotenpunkt.changes.kinds import ChangeKind
from knotenpunkt.changes.models import Change
from knotenpunkt.interactions.models import FollowUp, FollowUpReminder, Interaction
from tests import matrix
from tests.factories import ActorFactory, FollowUpFactory, InteractionFactory, UserFactory
from tests.test_permission_matrix import ROLES

pytestmark = pytest.mark.django_db

# fmt: off
MATRIX = {
    #                                         anonymous  coordinator  city_staff  staff_own   editor_own  editor_other
    "interactions:dashboard":        {"GET":  ("login",  "200",       "200",      "200",      "403",      "403")},
    "interactions:list":             {"GET":  ("login",  "shown",     "shown/hidden", "shown/hidden", "403", "403")},
    "interactions:create":           {"GET":  ("login",  "200",       "200",      "200",      "403",      "403"),
                                      "POST": ("login",  "done",      "done/200", "done/200", "403",      "403")},
    "interactions:pick":             {"GET":  ("login",  "200",       "200",      "200",      "403",      "403")},
    "interactions:detail":           {"GET":  ("login",  "200",       "200/404",  "200/404",  "403",      "403")},
    "interactions:edit":             {"GET":  ("login",  "200",       "403/404",  "200/404",  "403",      "403"),
                                      "POST": ("login",  "done",      "403/404",  "done/404", "403",      "403")},
    "interactions:delete":           {"GET":  ("login",  "200",       "403/404",  "200/404",  "403",      "403"),
                                      "POST": ("login",  "done",      "403/404",  "done/404", "403",      "403")},
    "interactions:followup_add":     {"GET":  ("login",  "405",       "405",      "405",      "405",      "405"),
                                      "POST": ("login",  "done",      "done/404", "done/404", "403",      "403")},
    "interactions:followup_new":     {"GET":  ("login",  "200",       "200",      "200",      "403",      "403"),
                                      "POST": ("login",  "done",      "done",     "done",     "403",      "403")},
    "interactions:followup_complete": {"GET": ("login",  "405",       "405",      "405",      "405",      "405"),
                                      "POST": ("login",  "done",      "403/404",  "done/404", "403",      "403")},
    "interactions:followup_reopen":  {"GET":  ("login",  "405",       "405",      "405",      "405",      "405"),
                                      "POST": ("login",  "done",      "403/404",  "done/404", "403",      "403")},
    "interactions:followup_delete":  {"GET":  ("login",  "405",       "405",      "405",      "405",      "405"),
                                      "POST": ("login",  "done",      "403/404",  "done/404", "403",      "403")},
}
# fmt: on

RECORD_TEXT = "Vertrauliches Gespräch über die Klimapartnerschaft"
NEW_TEXT = "Neu erfasster Kontakt aus dem Matrixtest"
NEW_TITLE = "Neue Wiedervorlage aus dem Matrixtest"


def _interaction_data(w, summary):
    return {
        "date": "2026-11-20",
        "channel": "meeting",
        "visibility": "staff" if w.published else "coordination",
        "summary": summary,
        "actors": [w.record_actor.pk],
        "version": w.interaction.version,
    }


def _recorded(w, kind, record_id=None) -> bool:
    """The change is in the history, by the user who made it (a done cell must leave its trace)."""
    changes = Change.objects.filter(kind=kind, user=w.user)
    return (changes.filter(record_id=record_id) if record_id is not None else changes).count() == 1


def _followup_data(w):
    return {"title": NEW_TITLE, "due_date": "2026-12-01", "assignee": getattr(w.user, "pk", "")}


SPECS = {
    "interactions:list": {"query": lambda w: {}},
    "interactions:create": {
        "data": lambda w: _interaction_data(w, NEW_TEXT),
        "done": lambda w: (
            Interaction.objects.filter(summary=NEW_TEXT, created_by=w.user).count() == 1
            and _recorded(w, ChangeKind.INTERACTION_CREATED)
        ),
    },
    "interactions:pick": {"kwargs": lambda w: {"kind": "actors"}, "query": lambda w: {"q": "Klima"}},
    "interactions:detail": {"kwargs": lambda w: {"pk": w.interaction.pk}},
    "interactions:edit": {
        "kwargs": lambda w: {"pk": w.interaction.pk},
        "data": lambda w: _interaction_data(w, "Geänderter Inhalt"),
        "done": lambda w: (
            Interaction.objects.get(pk=w.interaction.pk).summary == "Geänderter Inhalt"
            and _recorded(w, ChangeKind.INTERACTION_UPDATED, w.interaction.pk)
        ),
    },
    "interactions:delete": {
        "kwargs": lambda w: {"pk": w.interaction.pk},
        "done": lambda w: (
            not Interaction.objects.filter(pk=w.interaction.pk).exists()
            and _recorded(w, ChangeKind.INTERACTION_DELETED, w.interaction.pk)
        ),
    },
    "interactions:followup_add": {
        "kwargs": lambda w: {"pk": w.interaction.pk},
        "data": _followup_data,
        "done": lambda w: (
            FollowUp.objects.filter(title=NEW_TITLE, interaction=w.interaction).exists()
            and _recorded(w, ChangeKind.FOLLOWUP_CREATED)
        ),
    },
    "interactions:followup_new": {
        "data": _followup_data,
        "done": lambda w: (
            FollowUp.objects.filter(title=NEW_TITLE, interaction=None, assignee=w.user).exists()
            and _recorded(w, ChangeKind.FOLLOWUP_CREATED)
        ),
    },
    "interactions:followup_complete": {
        "kwargs": lambda w: {"pk": w.open_followup.pk},
        "done": lambda w: (
            FollowUp.objects.get(pk=w.open_followup.pk).done_at is not None
            and _recorded(w, ChangeKind.FOLLOWUP_COMPLETED, w.open_followup.pk)
        ),
    },
    "interactions:followup_reopen": {
        "kwargs": lambda w: {"pk": w.done_followup.pk},
        "done": lambda w: (
            FollowUp.objects.get(pk=w.done_followup.pk).done_at is None
            and _recorded(w, ChangeKind.FOLLOWUP_REOPENED, w.done_followup.pk)
        ),
    },
    "interactions:followup_delete": {
        "kwargs": lambda w: {"pk": w.open_followup.pk},
        "done": lambda w: (
            not FollowUp.objects.filter(pk=w.open_followup.pk).exists()
            and _recorded(w, ChangeKind.FOLLOWUP_DELETED, w.open_followup.pk)
        ),
    },
}


def _world(*, published, coordinator, city_staff):
    record_actor = ActorFactory(name="Klimapartnerschaft Ludwigsburg", published=True)
    recorder = UserFactory(username="referat", role=Role.CITY_STAFF)
    editor_own = UserFactory(username="redaktion-eigen", role=Role.ACTOR_EDITOR)
    editor_own.edited_actors.add(record_actor)
    editor_other = UserFactory(username="redaktion-fremd", role=Role.ACTOR_EDITOR)
    editor_other.edited_actors.add(ActorFactory(name="Fremder Verein"))
    interaction = InteractionFactory(
        summary=RECORD_TEXT,
        visibility="staff" if published else "coordination",
        created_by=recorder,
        actors=[record_actor],
        date=dt.date(2026, 11, 1),
    )
    open_followup = FollowUpFactory(interaction=interaction, assignee=coordinator, created_by=recorder)
    done_followup = FollowUpFactory(
        interaction=interaction, assignee=coordinator, created_by=recorder, done_at=timezone.now()
    )
    users = {
        "anonymous": None,
        "coordinator": coordinator,
        "city_staff": city_staff,
        "city_staff_own_department": recorder,
        "editor_own": editor_own,
        "editor_other": editor_other,
    }
    return SimpleNamespace(
        published=published,
        record_actor=record_actor,
        interaction=interaction,
        open_followup=open_followup,
        done_followup=done_followup,
        users=users,
        user=None,
    )


def db_state():
    models = (
        Interaction,
        Interaction.actors.through,
        Interaction.persons.through,
        Interaction.staff.through,
        FollowUp,
        FollowUpReminder,
        Change,
    )
    return {model._meta.label: list(model.objects.order_by("pk").values()) for model in models}


@pytest.mark.parametrize(matrix.PARAMETERS, list(matrix.cases(MATRIX, ROLES, ("staff", "coordination"))))
def test_contact_log_permission_matrix(client, coordinator, city_staff, url_name, method, role, published, outcome):
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
        record_text=RECORD_TEXT,
        db_state=db_state,
    )


def test_every_done_cell_has_a_check_for_the_change():
    matrix.done_cells_have_checks(MATRIX, SPECS)
