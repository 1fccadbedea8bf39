"""Offers and needs URLs × roles, in the format of tests/test_permission_matrix.py.

Here a "published" record is a public listing, an "unpublished" one an internal listing; both
belong to a published unit below department `own`, which city_staff_own_department and
editor_own may edit (and so manage its listings). editor_other edits an unrelated actor.
"""

from types import SimpleNamespace

import pytest
from django.utils import timezone

from knotenpunkt.accounts.models import Role
from knotenpunkt.changes.kinds import ChangeKind
from knotenpunkt.changes.models import Change
from knotenpunkt.synergies.models import Listing
from tests import matrix
from tests.factories import ActorFactory, DepartmentFactory, ListingFactory, UserFactory
from tests.test_permission_matrix import ROLES

pytestmark = pytest.mark.django_db

# fmt: off
MATRIX = {
    #                                   anonymous       coordinator city_staff staff_own editor_own editor_other
    "synergies:board":          {"GET":  ("shown/hidden", "shown",    "shown",   "shown",  "shown",   "shown/hidden")},
    "synergies:listing_detail": {"GET":  ("200/404",      "200",      "200",     "200",    "200",     "200/404")},
    "synergies:listing_edit":   {"GET":  ("login",        "200",      "403",     "200",    "200",     "403/404"),
                                 "POST": ("login",        "done",     "403",     "done",   "done",    "403/404")},
    "synergies:listing_end":    {"GET":  ("login",        "405",      "405",     "405",    "405",     "405"),
                                 "POST": ("login",        "done",     "403",     "done",   "done",    "403/404")},
    "synergies:listing_create": {"GET":  ("login",        "200",      "403",     "200",    "200",     "403"),
                                 "POST": ("login",        "done",     "403",     "done",   "done",    "403")},
}
# fmt: on

RECORD_TEXT = "Gemeindesaal für den Eine-Welt-Tag"
NEW_TITLE = "Neues Gesuch aus dem Matrixtest"
CHANGED_TITLE = "Geänderter Titel aus dem Matrixtest"


def _form_data(w, title):
    return {
        "direction": "need",
        "category": "volunteers",
        "title": title,
        "valid_from": timezone.localdate().isoformat(),
        "public": "on" if w.published else "",
        "version": w.listing.version,
    }


def _recorded(w, kind) -> bool:
    """The change is in the history, by the user who made it (a done cell must leave its trace)."""
    return Change.objects.filter(kind=kind, user=w.user, record_type="synergies.listing").count() == 1


SPECS = {
    "synergies:board": {"query": lambda w: {}},
    "synergies:listing_detail": {"kwargs": lambda w: {"pk": w.listing.pk}},
    "synergies:listing_edit": {
        "kwargs": lambda w: {"pk": w.listing.pk},
        "data": lambda w: _form_data(w, CHANGED_TITLE),
        "done": lambda w: (
            Listing.objects.get(pk=w.listing.pk).title == CHANGED_TITLE and _recorded(w, ChangeKind.LISTING_UPDATED)
        ),
    },
    "synergies:listing_end": {
        "kwargs": lambda w: {"pk": w.listing.pk},
        "data": lambda w: {"version": w.listing.version},
        "done": lambda w: (
            not Listing.objects.current().filter(pk=w.listing.pk).exists() and _recorded(w, ChangeKind.LISTING_ENDED)
        ),
    },
    "synergies:listing_create": {
        "kwargs": lambda w: {"slug": w.record.slug},
        "data": lambda w: _form_data(w, NEW_TITLE),
        "done": lambda w: (
            Listing.objects.filter(title=NEW_TITLE, actor=w.record, created_by=w.user).count() == 1
            and _recorded(w, ChangeKind.LISTING_CREATED)
        ),
    },
}


def _world(*, published, coordinator, city_staff, department):
    own = DepartmentFactory(name="Referat Internationales", published=True)
    record = DepartmentFactory(name="Abteilung Städtepartnerschaften", parent=own, published=True)
    listing = ListingFactory(actor=record, title=RECORD_TEXT, public=published)
    editor_own = UserFactory(username="redaktion-eigen", role=Role.ACTOR_EDITOR)
    editor_own.edited_actors.add(record)
    editor_other = UserFactory(username="redaktion-fremd", role=Role.ACTOR_EDITOR)
    editor_other.edited_actors.add(ActorFactory(name="Fremder Verein"))
    assert city_staff.department == department and department.pk not in (own.pk, record.pk)
    users = {
        "anonymous": None,
        "coordinator": coordinator,
        "city_staff": city_staff,
        "city_staff_own_department": UserFactory(username="referat", role=Role.CITY_STAFF, department=own),
        "editor_own": editor_own,
        "editor_other": editor_other,
    }
    return SimpleNamespace(published=published, record=record, listing=listing, users=users, user=None)


def db_state():
    models = (Listing, Listing.themes.through, Listing.sdgs.through, Change)
    return {model._meta.label: list(model.objects.order_by("pk").values()) for model in models}


@pytest.mark.parametrize(matrix.PARAMETERS, list(matrix.cases(MATRIX, ROLES, ("public", "internal"))))
def test_listings_permission_matrix(
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
        record_text=RECORD_TEXT,
        db_state=db_state,
    )


def test_every_done_cell_has_a_check_for_the_change():
    matrix.done_cells_have_checks(MATRIX, SPECS)
