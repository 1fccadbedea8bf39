"""iCal out and in: URLs × roles, in the format of tests/test_permission_matrix.py.

The record is an actor (a unit below the department of column city_staff_own_department,
edited by editor_own) with a calendar source and an activity it organises. "Published"
means the actor is published and the activity public; "unpublished" means neither.
For the personal feed, "published" is a live token and "unpublished" a revoked one: the
token is the key, whoever sends it.
"""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from knotenpunkt.accounts.models import Role
from knotenpunkt.activities import feeds, services
from knotenpunkt.activities.models import (
    Activity,
    ActivityException,
    ActivityOccurrence,
    CalendarSource,
    FeedToken,
    Participation,
)
from tests import matrix
from tests.factories import ActorFactory, DepartmentFactory, UserFactory
from tests.test_permission_matrix import ROLES

pytestmark = pytest.mark.django_db

# fmt: off
MATRIX = {
    #                                    anonymous  coordinator city_staff staff_own editor_own editor_other
    "activities:feed":           {"GET":  ("shown/hidden", "shown/hidden", "shown/hidden", "shown/hidden",
                                           "shown/hidden", "shown/hidden")},
    "activities:activity_ics":   {"GET":  ("200/404", "200",     "200",     "200",     "200",     "200/404")},
    "activities:feed_settings":  {"GET":  ("login",   "200",     "200",     "200",     "200",     "200"),
                                  "POST": ("login",   "done",    "done",    "done",    "done",    "done")},
    "pages:personal_feed":  {"GET":  ("200/404", "200/404", "200/404", "200/404", "200/404", "200/404")},
    "activities:sources":        {"GET":  ("login",   "200",     "403",     "200",     "200",     "403/404"),
                                  "POST": ("login",   "done",    "403",     "done",    "done",    "403/404")},
    "activities:source_refresh": {"GET":  ("login",   "405",     "405",     "405",     "405",     "405"),
                                  "POST": ("login",   "done",    "403",     "done",    "done",    "403/404")},
    "activities:source_delete":  {"GET":  ("login",   "200",     "403",     "200",     "200",     "403/404"),
                                  "POST": ("login",   "done",    "403",     "done",    "done",    "403/404")},
}
# fmt: on

RECORD_NAME = "Eine-Welt-Forum des Fachbereichs"
NEW_FEED = "https://kalender.example.org/neu.ics"

SPECS = {
    "activities:activity_ics": {"kwargs": lambda w: {"pk": w.activity.pk}},
    "activities:feed_settings": {
        "data": lambda w: {"action": "renew"},
        "done": lambda w: FeedToken.objects.filter(user=w.user, revoked_at__isnull=True).exists(),
    },
    "pages:personal_feed": {"kwargs": lambda w: {"token": w.token}},
    "activities:sources": {
        "kwargs": lambda w: {"slug": w.record.slug},
        "data": lambda w: {"kind": "url", "url": NEW_FEED, "public": "on"},
        "done": lambda w: CalendarSource.objects.filter(actor=w.record, url=NEW_FEED).exists(),
    },
    "activities:source_refresh": {
        "kwargs": lambda w: {"pk": w.source.pk},
        "done": lambda w: CalendarSource.objects.get(pk=w.source.pk).refresh_pending,
    },
    "activities:source_delete": {
        "kwargs": lambda w: {"pk": w.source.pk},
        "done": lambda w: not CalendarSource.objects.filter(pk=w.source.pk).exists(),
    },
}


def _world(*, published: bool, coordinator, city_staff):
    own = DepartmentFactory(name="Referat Internationales", published=True)
    record = DepartmentFactory(name="Fachbereich Eine Welt", parent=own, published=published)
    now = timezone.now()
    activity = services.activity_create(
        user=None,
        data={
            "title": RECORD_NAME,
            "kind": "event",
            "public": published,
            "start": now + dt.timedelta(days=3),
            "end": now + dt.timedelta(days=3, hours=2),
        },
        participants=[services.ParticipantSpec(role="organiser", actor_id=record.pk)],
    )
    source = CalendarSource.objects.create(actor=record, url="https://kalender.example.org/fachbereich.ics")
    editor_own = UserFactory(username="redaktion-eigen", role=Role.ACTOR_EDITOR)
    editor_own.edited_actors.add(record)
    editor_other = UserFactory(username="redaktion-fremd", role=Role.ACTOR_EDITOR)
    editor_other.edited_actors.add(ActorFactory(name="Fremder Verein"))
    token = feeds.feed_token_renew(user=coordinator)
    if not published:
        feeds.feed_token_revoke(user=coordinator)
    users = {
        "anonymous": None,
        "coordinator": coordinator,
        "city_staff": city_staff,
        "city_staff_own_department": UserFactory(username="referat", role=Role.CITY_STAFF, department=own),
        "editor_own": editor_own,
        "editor_other": editor_other,
    }
    return SimpleNamespace(record=record, activity=activity, source=source, token=token, users=users, user=None)


def db_state():
    state = {
        model._meta.label: list(model.objects.order_by("pk").values())
        for model in (Activity, ActivityOccurrence, ActivityException, Participation, CalendarSource)
    }
    # Reading a personal feed stamps last_used_at; that is bookkeeping, not a change.
    state["FeedToken"] = list(FeedToken.objects.order_by("pk").values("id", "user", "token_hash", "revoked_at"))
    return state


@pytest.mark.parametrize(matrix.PARAMETERS, list(matrix.cases(MATRIX, ROLES, ("published", "unpublished"))))
def test_feeds_permission_matrix(client, coordinator, city_staff, url_name, method, role, published, outcome):
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
