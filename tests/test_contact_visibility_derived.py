"""Coordination-only contacts stay with the coordination: nothing derived from them reaches city staff.

Actors Eins and Zwei are named together in one contact logged "nur Koordination" last week; Drei
and Vier in one shared with all staff. Eins also had a staff-visible contact two years ago. City
staff see neither the pair Eins–Zwei (profile, map, ego network, exports, health page) nor the
recent date (going-cold list); coordinators see all of it.
"""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from knotenpunkt.interactions.models import Visibility
from knotenpunkt.interactions.services import interaction_create
from knotenpunkt.network import analytics
from knotenpunkt.network.models import SnapshotScope
from tests.factories import ActorFactory
from tests.matrix import body

pytestmark = pytest.mark.django_db


def contact(*actors, visibility, days_ago):
    return interaction_create(
        user=None,
        data={
            "date": timezone.localdate() - dt.timedelta(days=days_ago),
            "channel": "meeting",
            "summary": "Abstimmung zur Klimapartnerschaft.",
            "visibility": visibility,
            "actors": list(actors),
        },
    )


@pytest.fixture
def world(db):
    w = {name: ActorFactory(name=f"Verein {name}") for name in ("Eins", "Zwei", "Drei", "Vier")}
    contact(w["Eins"], visibility=Visibility.STAFF, days_ago=730)
    contact(w["Eins"], w["Zwei"], visibility=Visibility.COORDINATION, days_ago=7)
    contact(w["Drei"], w["Vier"], visibility=Visibility.STAFF, days_ago=7)
    return w


def login(client, request, role):
    client.force_login(request.getfixturevalue(role))


def encounter_names(response) -> set[str]:
    return {e.actor.name for e in response.context["derived_ties"]["encounters"]}


@pytest.mark.parametrize(("role", "sees_hidden"), [("coordinator", True), ("city_staff", False)])
def test_the_profile_shows_encounters_from_contacts_the_reader_may_see(client, request, world, role, sees_hidden):
    login(client, request, role)

    eins = client.get(world["Eins"].get_absolute_url())
    drei = client.get(world["Drei"].get_absolute_url())

    assert encounter_names(eins) == ({"Verein Zwei"} if sees_hidden else set())
    assert eins.context["derived_ties"]["total"] == (1 if sees_hidden else 0)
    assert encounter_names(drei) == {"Verein Vier"}


@pytest.mark.parametrize(("role", "sees_hidden"), [("coordinator", True), ("city_staff", False)])
def test_the_going_cold_list_dates_the_last_contact_the_reader_may_see(client, request, world, role, sees_hidden):
    login(client, request, role)

    response = client.get(reverse("network:cold"))

    listed = {actor.name: actor.last_seen for actor in response.context["page"].object_list}
    if sees_hidden:
        assert "Verein Eins" not in listed  # met last week
    else:
        assert listed["Verein Eins"] == timezone.localdate() - dt.timedelta(days=730)
        recent = timezone.localdate() - dt.timedelta(days=7)
        assert recent.strftime("%Y-%m-%d") not in body(response)


@pytest.mark.parametrize(("role", "sees_hidden"), [("coordinator", True), ("city_staff", False)])
def test_actors_known_only_from_hidden_contacts_count_as_never_met_for_city_staff(
    client, request, world, role, sees_hidden
):
    login(client, request, role)

    listed = [a.name for a in client.get(reverse("network:cold"), {"never": "on"}).context["page"].object_list]

    assert ("Verein Zwei" in listed) is not sees_hidden


def derived_pairs(data, world) -> set[frozenset[str]]:
    names = {a.pk: name for name, a in world.items()}
    return {
        frozenset((names[e["source"]], names[e["target"]]))
        for e in data["edges"]
        if e["derived"] and e["source"] in names and e["target"] in names
    }


@pytest.mark.parametrize(("role", "sees_hidden"), [("coordinator", True), ("city_staff", False)])
def test_the_map_and_the_ego_network_draw_pairs_from_contacts_the_reader_may_see(
    client, request, world, role, sees_hidden
):
    login(client, request, role)
    hidden, shared = frozenset({"Eins", "Zwei"}), frozenset({"Drei", "Vier"})

    graph = client.get(reverse("network:graph")).json()
    ego = client.get(reverse("network:ego", args=[world["Eins"].slug])).json()
    kinds = client.get(reverse("network:graph"), {"view": "kinds", "layer": "derived"}).json()

    assert derived_pairs(graph, world) == ({hidden, shared} if sees_hidden else {shared})
    assert derived_pairs(ego, world) == ({hidden} if sees_hidden else set())
    # All four are Vereine: their derived pairs are the kind's inner ties.
    vereine = [n["inner_ties"] for n in kinds["nodes"] if n["kind"] == world["Eins"].kind]
    assert vereine == [2 if sees_hidden else 1]


@pytest.mark.parametrize(("role", "sees_hidden"), [("coordinator", True), ("city_staff", False)])
def test_exports_hold_pairs_from_contacts_the_reader_may_see(client, request, world, role, sees_hidden):
    login(client, request, role)

    edges = body(client.get(reverse("network:export", args=["csv-edges"])))
    graphml = body(client.get(reverse("network:export", args=["graphml"])))

    for exported in (edges, graphml):
        assert (f"d{_pair_pk(world, 'Eins', 'Zwei')}" in exported) is sees_hidden
        assert f"d{_pair_pk(world, 'Drei', 'Vier')}" in exported


def _pair_pk(world, x, y) -> int:
    from knotenpunkt.network.models import DerivedTie

    a, b = sorted([world[x].pk, world[y].pk])
    return DerivedTie.objects.get(actor_a_id=a, actor_b_id=b).pk


def test_the_internal_snapshot_counts_only_meetings_city_staff_may_see(client, city_staff, world):
    snapshot = analytics.snapshot_compute(SnapshotScope.INTERNAL)
    client.force_login(city_staff)

    response = client.get(reverse("network:health"))

    assert snapshot.derived_edge_count == 1  # Drei–Vier
    isolates = {m.actor.name for m in response.context["isolates"]}
    assert {"Verein Eins", "Verein Zwei"} <= isolates
    assert not {"Verein Drei", "Verein Vier"} & isolates


def test_a_contact_made_coordination_only_later_disappears_for_city_staff(client, city_staff, world):
    from knotenpunkt.interactions.models import Interaction
    from knotenpunkt.interactions.services import interaction_update

    shared = Interaction.objects.get(actors=world["Drei"])
    interaction_update(
        user=None,
        interaction=shared,
        data={"visibility": Visibility.COORDINATION},
        expected_version=shared.version,
    )
    client.force_login(city_staff)

    assert encounter_names(client.get(world["Drei"].get_absolute_url())) == set()
