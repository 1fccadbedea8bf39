"""No N+1: list and profile pages run the same number of queries whatever the number of rows."""

import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from knotenpunkt.accounts.models import Role
from knotenpunkt.actors import search
from knotenpunkt.actors.models import SDG, ActorCountry
from knotenpunkt.changes.models import Change
from tests.factories import ActorFactory, DepartmentFactory, MembershipFactory, ThemeFactory, TieFactory, UserFactory

pytestmark = pytest.mark.django_db

COUNTRIES = ["BF", "NI", "TZ"]
_serial = itertools.count()


def _queries(client, url, params=None):
    """The SQL a request runs (after one warm-up request, so caches and sessions are settled)."""
    assert client.get(url, params or {}).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return [q["sql"] for q in captured.captured_queries], response


def _make_directory_actors(n, *, published=True):
    themes = [ThemeFactory(slug=f"klimaschutz-{i}") for i in range(3)]
    sdgs = list(SDG.objects.order_by("number")[:3])
    actors = []
    for _ in range(n):
        actor = ActorFactory(name=f"Klimaverein Nummer {next(_serial)}", published=published)
        actor.themes.set(themes)
        actor.sdgs.set(sdgs)
        ActorCountry.objects.bulk_create([ActorCountry(actor=actor, country=c) for c in COUNTRIES])
        actors.append(actor)
    search.index_actors([a.pk for a in actors])
    return actors


def _login(client, role):
    if role == "anonymous":
        return None
    if role == "coordinator":
        user = UserFactory(role=Role.COORDINATOR)
    elif role == "city_staff":
        user = UserFactory(role=Role.CITY_STAFF, department=DepartmentFactory())
    else:
        user = UserFactory(role=Role.ACTOR_EDITOR)
        user.edited_actors.add(ActorFactory(name="Eigener Verein", published=False))
    client.force_login(user)
    return user


@pytest.mark.parametrize("role", ["anonymous", "coordinator", "editor"])
@pytest.mark.parametrize(
    "params",
    [
        {},
        {"q": "Klimaverein"},
        {"q": "klimaverein", "theme": "klimaschutz-1", "sdg": "2", "country": "BF", "kind": "association"},
    ],
)
def test_directory_query_count_does_not_grow_with_the_actors_on_the_page(client, settings, role, params):
    settings.DIRECTORY_PAGE_SIZE = 50
    _login(client, role)
    _make_directory_actors(5)
    few, response = _queries(client, "/akteure/", params)
    assert len(response.context["page"].object_list) >= 5

    _make_directory_actors(20)
    many, response = _queries(client, "/akteure/", params)
    assert len(response.context["page"].object_list) >= 25

    assert len(many) == len(few), "\n".join(many)


def test_directory_query_count_is_small(client, django_assert_max_num_queries):
    _make_directory_actors(25)
    client.get("/akteure/")
    # count, theme, SDG and country-in-use choices of the filter form, the page, its themes, SDGs and countries,
    # and the direct ties of the page's actors (network.selectors.direct_tie_counts: one statement for the page)
    with django_assert_max_num_queries(9):
        client.get("/akteure/")


def _profile_with(n):
    actor = ActorFactory(published=True, parent=DepartmentFactory())
    actor.themes.set([ThemeFactory(slug="fairer-handel")])
    actor.sdgs.set(SDG.objects.filter(number__in=[1, 12]))
    ActorCountry.objects.create(actor=actor, country="BF")
    for i in range(n):
        partner = ActorFactory(name=f"Partner {next(_serial)}", published=True)
        TieFactory(source=actor, target=partner, public=bool(i % 2), note="Notiz")
        TieFactory(source=ActorFactory(published=True), target=actor)
        MembershipFactory(actor=actor, function=f"Funktion {i}")
        DepartmentFactory(parent=actor, published=bool(i % 2))
        Change.objects.create(
            kind="actor.updated",
            record_type="actors.actor",
            record_id=actor.pk,
            version=i + 2,
            # Keys of other records: the history names them without a query per row.
            data={"fields": {"name": {"old": "a", "new": "b"}, "parent": {"old": None, "new": actor.parent_id}}},
        )
    return actor


@pytest.mark.parametrize("role", ["anonymous", "coordinator", "city_staff", "editor"])
def test_profile_query_count_does_not_grow_with_ties_memberships_and_children(client, role):
    user = _login(client, role)
    small, large = _profile_with(1), _profile_with(12)
    if role == "editor":
        user.edited_actors.add(small, large)
    few, response = _queries(client, small.get_absolute_url())
    many, response = _queries(client, large.get_absolute_url())
    assert response.content.decode().count('class="tie-kind"') >= 12
    assert len(many) == len(few), "\n".join(many)
