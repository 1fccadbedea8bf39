"""Permission matrix of the derived network's pages (format: tests/test_permission_matrix.py)."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from knotenpunkt.network.models import ActorContact
from tests.test_permission_matrix import RECORD_NAME, ROLES, _world, db_state

pytestmark = pytest.mark.django_db

# fmt: off
MATRIX = {
    #                    anonymous  coordinator  city_staff  staff_own  editor_own  editor_other
    "network:cold": {"GET": ("login",   "shown",     "shown",    "shown",   "403",      "403")},
}
# fmt: on


def _cases():
    for url_name, methods in MATRIX.items():
        for method, row in methods.items():
            for role, cell in zip(ROLES, row, strict=True):
                published_outcome, _, unpublished_outcome = cell.partition("/")
                for published, outcome in ((True, published_outcome), (False, unpublished_outcome or cell)):
                    state = "published" if published else "unpublished"
                    yield pytest.param(
                        url_name, method, role, published, outcome, id=f"{url_name}-{method}-{role}-{state}"
                    )


@pytest.mark.parametrize(("url_name", "method", "role", "published", "outcome"), list(_cases()))
def test_permission_matrix(client, coordinator, city_staff, department, url_name, method, role, published, outcome):
    w = _world(published=published, coordinator=coordinator, city_staff=city_staff, department=department)
    # The record went cold: its last contact was two years ago.
    two_years_ago = timezone.localdate() - dt.timedelta(days=730)
    ActorContact.objects.create(actor=w.record, last_contact=two_years_ago, staff_last_contact=two_years_ago)
    if w.users[role] is not None:
        client.force_login(w.users[role])
    before = db_state()

    response = client.get(reverse(url_name)) if method == "GET" else client.post(reverse(url_name))

    if outcome == "login":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login") + "?next=")
    elif outcome in ("shown", "hidden"):
        assert response.status_code == 200
        assert (RECORD_NAME in response.content.decode()) is (outcome == "shown")
    else:
        assert response.status_code == int(outcome)
    assert db_state() == before


# What each role learns of a contact logged "nur Koordination" between the record and a partner
# ("shown": the partner's name in the response, i.e. the pair or its date comes through).
HIDDEN_PARTNER = "Nur-Koordination-Partner e.V."
# fmt: off
HIDDEN_CONTACT_MATRIX = {
    #                    anonymous     coordinator  city_staff  staff_own  editor_own  editor_other
    "pages:actor":   {"GET": ("hidden/404", "shown",    "hidden",   "hidden",  "hidden",   "hidden/404")},
    "network:ego":   {"GET": ("hidden/404", "shown",    "hidden",   "hidden",  "hidden",   "hidden/404")},
    "network:graph": {"GET": ("hidden",     "shown",    "hidden",   "hidden",  "hidden",   "hidden")},
    "network:export": {"GET": ("hidden",    "shown",    "hidden",   "hidden",  "hidden",   "hidden")},
}
# fmt: on


def _hidden_contact_world(published, coordinator, city_staff, department):
    from knotenpunkt.interactions.models import Visibility
    from knotenpunkt.interactions.services import interaction_create
    from tests.factories import ActorFactory

    w = _world(published=published, coordinator=coordinator, city_staff=city_staff, department=department)
    # The partner has no name in any other record: on the profile and in the ego network it shows only
    # if the pair comes through. The map and the exports list every actor: there the pair's edge is looked for.
    w.hidden_partner = ActorFactory(name=HIDDEN_PARTNER, published=True)
    interaction_create(
        user=None,
        data={
            "date": timezone.localdate() - dt.timedelta(days=3),
            "channel": "phone",
            "summary": "Vertrauliches Vorgespräch.",
            "visibility": Visibility.COORDINATION,
            "actors": [w.record, w.hidden_partner],
        },
    )
    return w


def _hidden_contact_cases():
    from tests.matrix import cases

    yield from cases(HIDDEN_CONTACT_MATRIX, ROLES)


@pytest.mark.parametrize(("url_name", "method", "role", "published", "outcome"), list(_hidden_contact_cases()))
def test_what_each_role_learns_of_a_coordination_only_contact(
    client, coordinator, city_staff, department, url_name, method, role, published, outcome
):
    from tests.matrix import body

    w = _hidden_contact_world(published, coordinator, city_staff, department)
    if w.users[role] is not None:
        client.force_login(w.users[role])
    urls = {
        "pages:actor": (reverse("pages:actor", args=[w.record.slug]), {}),
        "network:ego": (reverse("network:ego", args=[w.record.slug]), {"layer": "derived"}),
        "network:graph": (reverse("network:graph"), {"layer": "derived"}),
        "network:export": (reverse("network:export", args=["csv-edges"]), {}),
    }
    url, query = urls[url_name]

    response = client.get(url, query)

    if outcome.isdigit():
        assert response.status_code == int(outcome)
        return
    assert response.status_code == 200
    text = body(response)
    if url_name in ("network:export", "network:graph"):
        a, b = sorted([w.record.pk, w.hidden_partner.pk])
        edge = _pair_id(w.record, w.hidden_partner) if url_name == "network:export" else f'"d{a}-{b}"'
        assert (edge in text) is (outcome == "shown")
    else:
        assert (HIDDEN_PARTNER in text) is (outcome == "shown")


def _pair_id(x, y) -> str:
    from knotenpunkt.network.models import DerivedTie

    a, b = sorted([x.pk, y.pk])
    return f"d{DerivedTie.objects.get(actor_a_id=a, actor_b_id=b).pk},"
