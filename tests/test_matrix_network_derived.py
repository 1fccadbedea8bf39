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
    ActorContact.objects.create(actor=w.record, last_contact=timezone.localdate() - dt.timedelta(days=730))
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
