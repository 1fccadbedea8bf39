"""The network map's JSON (network:ego, network:graph) and page: permissions, caps, filters, queries."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from knotenpunkt.actors import permissions as actor_permissions
from knotenpunkt.actors.models import SDG, ActorCountry, ActorKind, Level
from knotenpunkt.network import analytics
from knotenpunkt.network import map as graph_map
from knotenpunkt.network import permissions as network_permissions
from knotenpunkt.network.models import DerivedTie, SnapshotScope, TieKind
from tests.factories import ActorFactory, DepartmentFactory, ThemeFactory, TieFactory

pytestmark = pytest.mark.django_db


def derived(x, y, *, count=3, public_count=0):
    a, b = sorted((x, y), key=lambda actor: actor.pk)
    day = dt.date(2025, 5, 1)
    return DerivedTie.objects.create(
        actor_a=a, actor_b=b, count=count, first_met=day, last_met=day, weight_score=float(count),
        public_count=public_count, public_first_met=day if public_count else None,
        public_last_met=day if public_count else None, staff_count=count, staff_first_met=day, staff_last_met=day,
        staff_weight_score=float(count),
    )  # fmt: skip


def ego(client, actor, **params):
    return client.get(reverse("network:ego", args=[actor.slug]), params)


def graph(client, **params):
    return client.get(reverse("network:graph"), params)


def names(data) -> set[str]:
    return {node["name"] for node in data["nodes"]}


@pytest.fixture
def star(actor_a, actor_b):
    """actor_a (published) with a public, a private and a derived tie, and a tie to unpublished actor_b."""
    public = ActorFactory(name="Öffentlicher Partner")
    private = ActorFactory(name="Interner Partner")
    met_public = ActorFactory(name="Getroffen bei öffentlichem Termin")
    met_internal = ActorFactory(name="Getroffen bei internem Termin")
    far = ActorFactory(name="Partner des Partners")
    TieFactory(source=actor_a, target=public, public=True)
    TieFactory(source=actor_a, target=private, public=False)
    TieFactory(source=actor_b, target=actor_a, public=True)
    TieFactory(source=public, target=far, public=True)
    derived(actor_a, met_public, count=5, public_count=2)
    derived(actor_a, met_internal, count=4, public_count=0)
    return actor_a


# --- ego network: who sees what ---------------------------------------------------------------


def test_a_visitor_sees_published_actors_and_public_ties_only(client, star):
    data = ego(client, star).json()

    assert names(data) == {star.name, "Öffentlicher Partner", "Getroffen bei öffentlichem Termin"}
    assert all(node["published"] for node in data["nodes"])
    assert data["ego"] == star.pk
    assert next(n for n in data["nodes"] if n.get("ego"))["name"] == star.name


def test_a_visitor_sees_derived_ties_counted_over_public_meetings_only(client, star):
    data = ego(client, star).json()

    (edge,) = [e for e in data["edges"] if e["derived"]]
    assert (edge["kind"], edge["weight"]) == ("derived", 2)


def test_the_coordinator_sees_every_tie_and_actor(client, coordinator, star, actor_b):
    client.force_login(coordinator)
    data = ego(client, star).json()

    assert names(data) == {
        star.name, actor_b.name, "Öffentlicher Partner", "Interner Partner",
        "Getroffen bei öffentlichem Termin", "Getroffen bei internem Termin",
    }  # fmt: skip
    assert sorted(e["weight"] for e in data["edges"] if e["derived"]) == [4, 5]


def test_an_editor_sees_the_ties_of_their_unpublished_actor(client, editor_b, star, actor_b):
    client.force_login(editor_b)
    data = ego(client, actor_b).json()

    assert names(data) == {actor_b.name, star.name}


def test_an_unpublished_actor_has_no_public_ego_network(client, city_staff, actor_b):
    assert ego(client, actor_b).status_code == 404
    client.force_login(city_staff)
    assert ego(client, actor_b).status_code == 200


def test_an_unknown_actor_is_a_404(client):
    assert client.get(reverse("network:ego", args=["gibt-es-nicht"])).status_code == 404


def test_two_steps_reach_the_partners_of_partners(client, star):
    assert "Partner des Partners" not in names(ego(client, star).json())
    assert "Partner des Partners" in names(ego(client, star, steps="2").json())


@pytest.mark.parametrize("steps", ["3", "x", "-1", ""])
def test_other_step_counts_mean_one_step(client, star, steps):
    data = ego(client, star, steps=steps).json()
    assert data["steps"] == 1


def test_the_layer_parameter_keeps_declared_or_derived_ties(client, star):
    assert {e["derived"] for e in ego(client, star, layer="derived").json()["edges"]} == {True}
    assert {e["derived"] for e in ego(client, star, layer="declared").json()["edges"]} == {False}


def test_the_visitor_shortcut_for_declared_ties_agrees_with_the_permission_layer(anonymous, star, actor_b):
    public_ids = {a.pk for a in actor_permissions.visible_actors(anonymous)}
    shortcut = {
        t.pk for t in graph_map._declared_ties(anonymous, ends_checked=True)
        if t.source_id in public_ids and t.target_id in public_ids
    }  # fmt: skip
    assert shortcut == set(network_permissions.visible_ties(anonymous).values_list("pk", flat=True))


def test_a_big_ego_network_keeps_the_strongest_ties_up_to_the_cap(client, monkeypatch, actor_a):
    monkeypatch.setattr(graph_map, "EGO_MAX_NODES", 10)
    weak = [ActorFactory(name=f"Schwacher Partner {i}") for i in range(20)]
    for partner in weak:
        TieFactory(source=actor_a, target=partner)
    strong = ActorFactory(name="Starker Partner")
    derived(actor_a, strong, count=40, public_count=40)

    data = ego(client, actor_a).json()

    assert len(data["nodes"]) == 10
    assert data["truncated"] is True
    assert "Starker Partner" in names(data)


def test_the_ego_network_runs_a_fixed_number_of_queries(client, actor_a):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert ego(client, actor_a, steps="2").status_code == 200
        return len(captured)

    partner = ActorFactory()
    TieFactory(source=actor_a, target=partner)
    TieFactory(source=partner, target=ActorFactory())
    few = queries()
    for _ in range(15):
        other = ActorFactory()
        TieFactory(source=actor_a, target=other)
        TieFactory(source=other, target=ActorFactory())
        derived(other, partner, public_count=1)
    assert queries() == few


# --- filtered subgraph ----------------------------------------------------------------------------


@pytest.fixture
def scene(db):
    klima = ThemeFactory(name_de="Klimaschutz", slug="klimaschutz")
    sdg13 = SDG.objects.get(number=13)
    verein = ActorFactory(name="Klimaverein", tie_count=5)
    verein.themes.add(klima)
    verein.sdgs.add(sdg13)
    ActorCountry.objects.create(actor=verein, country="BF")
    schule = ActorFactory(name="Gymnasium", kind=ActorKind.SCHOOL, level=Level.REGIONAL, tie_count=2)
    amt = DepartmentFactory(name="Umweltamt", tie_count=9)
    amt.themes.add(klima)
    hidden = ActorFactory(name="Unveröffentlichter Verein", published=False)
    TieFactory(source=amt, target=verein, kind=TieKind.FUNDING, start_date=dt.date(2020, 1, 1),
               end_date=dt.date(2021, 12, 31))  # fmt: skip
    TieFactory(source=verein, target=schule, kind=TieKind.COOPERATION, start_date=dt.date(2024, 1, 1))
    TieFactory(source=verein, target=hidden)
    derived(schule, amt, public_count=1)
    return {"klima": klima, "verein": verein, "schule": schule, "amt": amt}


def test_the_whole_public_graph_best_connected_first(client, scene):
    data = graph(client).json()

    assert [n["name"] for n in data["nodes"]] == ["Umweltamt", "Klimaverein", "Gymnasium"]
    assert (len(data["edges"]), data["total"], data["truncated"]) == (3, 3, False)
    assert "tie_count" not in data["nodes"][0]["metrics"]  # counts non-public ties: staff only


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"kind": "school"}, {"Gymnasium"}),
        ({"level": "regional"}, {"Gymnasium"}),
        ({"theme": "klimaschutz"}, {"Klimaverein", "Umweltamt"}),
        ({"sdg": "13"}, {"Klimaverein"}),
        ({"country": "BF"}, {"Klimaverein"}),
        ({"kind": "gibt-es-nicht"}, {"Klimaverein", "Umweltamt", "Gymnasium"}),
        ({"sdg": "99", "theme": "nix"}, {"Klimaverein", "Umweltamt", "Gymnasium"}),
    ],
)
def test_actor_filters(client, scene, params, expected):
    assert names(graph(client, **params).json()) == expected


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, {"funding", "cooperation", "derived"}),
        ({"tie_kind": "funding"}, {"funding"}),
        ({"tie_kind": ["cooperation", "derived"]}, {"cooperation", "derived"}),
        ({"layer": "declared"}, {"funding", "cooperation"}),
        ({"layer": "derived"}, {"derived"}),
        ({"since": "2023-01-01"}, {"cooperation", "derived"}),
        ({"until": "2022-06-30"}, {"funding"}),
        ({"since": "kaputt"}, {"funding", "cooperation", "derived"}),
        ({"since": "2024-06-01", "until": "2020-01-01"}, {"cooperation", "derived"}),  # end before start: dropped
        ({"tie_kind": "bogus"}, {"funding", "cooperation", "derived"}),
    ],
)
def test_tie_filters(client, scene, params, expected):
    assert {e["kind"] for e in graph(client, **params).json()["edges"]} == expected


def test_the_coordinator_sees_unpublished_actors_and_the_tie_count(client, coordinator, scene):
    client.force_login(coordinator)
    data = graph(client).json()

    assert "Unveröffentlichter Verein" in names(data)
    assert {n["name"]: n["metrics"]["tie_count"] for n in data["nodes"]}["Umweltamt"] == 9


def test_the_subgraph_is_capped_keeping_the_best_connected(client, monkeypatch, scene):
    monkeypatch.setattr(graph_map, "GRAPH_MAX_NODES", 2)
    data = graph(client).json()

    assert names(data) == {"Umweltamt", "Klimaverein"}
    assert (data["total"], data["truncated"], data["limit"]) == (3, True, 2)
    assert {(e["source"], e["target"]) for e in data["edges"]} == {(scene["amt"].pk, scene["verein"].pk)}


def test_the_view_by_kind_counts_actors_and_ties_between_kinds(client, scene):
    data = graph(client, view="kinds").json()

    counts = {n["kind"]: n["count"] for n in data["nodes"]}
    assert counts == {"association": 1, "school": 1, "city_department": 1}
    pairs = {(e["source"], e["target"], e["kind"]): e["weight"] for e in data["edges"]}
    assert pairs == {
        ("kind-association", "kind-city_department", "declared"): 1,
        ("kind-association", "kind-school", "declared"): 1,
        ("kind-city_department", "kind-school", "derived"): 1,
    }
    assert (data["aggregated"], data["total"]) == (True, 3)


def test_the_subgraph_runs_a_fixed_number_of_queries(client, scene):
    def queries(**params):
        with CaptureQueriesContext(connection) as captured:
            assert graph(client, **params).status_code == 200
        return len(captured)

    few, few_kinds = queries(), queries(view="kinds")
    for i in range(10):
        actor = ActorFactory(name=f"Weiterer Verein {i}")
        TieFactory(source=actor, target=scene["verein"])
        derived(actor, scene["amt"], public_count=1)
    assert (queries(), queries(view="kinds")) == (few, few_kinds)


def test_a_registered_size_metric_appears_on_every_node(client, monkeypatch, scene):
    def name_length(nodes, edges):
        return {n["id"]: len(n["name"]) for n in nodes}

    monkeypatch.setitem(
        graph_map.SIZE_METRICS, "name_length", graph_map.SizeMetric("name_length", "Länge", name_length)
    )
    data = graph(client).json()

    assert {n["name"]: n["metrics"]["name_length"] for n in data["nodes"]}["Gymnasium"] == len("Gymnasium")


# --- the page ----------------------------------------------------------------------------------


def test_the_map_page_offers_filters_export_and_a_table(client, scene):
    response = client.get(reverse("network:map"))

    assert response.status_code == 200
    page = response.content.decode()
    for text in ("Netzwerkkarte", "Als PNG", "Als SVG", "Als Tabelle", 'name="tie_kind"', "js/network-map."):
        assert text in page
    assert "Beziehungen insgesamt" not in page  # the staff-only size metric


def test_the_map_page_shows_an_ego_network(client, scene):
    response = client.get(reverse("network:map"), {"ego": scene["verein"].slug, "steps": "2"})

    assert response.context["ego"] == scene["verein"]
    assert reverse("network:ego", args=[scene["verein"].slug]) in response.content.decode()


def test_the_map_page_ignores_an_unknown_or_hidden_ego(client, actor_b):
    response = client.get(reverse("network:map"), {"ego": actor_b.slug})
    assert response.status_code == 200
    assert response.context["ego"] is None


def test_every_profile_links_to_its_ego_network(client, actor_a):
    page = client.get(actor_a.get_absolute_url()).content.decode()
    assert f"{reverse('network:map')}?ego={actor_a.slug}" in page


def test_the_subgraph_keeps_the_strongest_edges_up_to_the_cap(client, monkeypatch, scene):
    monkeypatch.setattr(graph_map, "GRAPH_MAX_EDGES", 1)
    derived(scene["verein"], scene["amt"], count=9, public_count=7)

    data = graph(client).json()

    assert [(e["kind"], e["weight"]) for e in data["edges"]] == [("derived", 7)]
    assert data["edges_truncated"] is True


def test_one_step_includes_the_ties_between_the_neighbours(client, star):
    partner, met = star.ties_out.get(target__name="Öffentlicher Partner").target, ActorFactory(name="Nachbar")
    TieFactory(source=star, target=met)
    TieFactory(source=partner, target=met)

    data = ego(client, star).json()

    assert (partner.pk, met.pk) in {(e["source"], e["target"]) for e in data["edges"]}


def test_two_steps_include_the_ties_among_the_second_ring(client, star):
    partner = star.ties_out.get(target__name="Öffentlicher Partner").target
    far = ActorFactory._meta.model.objects.get(name="Partner des Partners")
    farther = ActorFactory(name="Zweiter Partner des Partners")
    TieFactory(source=partner, target=farther)
    ring2_tie = TieFactory(source=far, target=farther)
    derived(far, farther, count=2, public_count=1)
    TieFactory(source=far, target=ActorFactory(name="Drei Schritte entfernt"))

    data = ego(client, star, steps="2").json()

    assert {"Partner des Partners", "Zweiter Partner des Partners"} <= names(data)
    assert "Drei Schritte entfernt" not in names(data)
    ids = {e["id"] for e in data["edges"]}
    assert f"t{ring2_tie.pk}" in ids
    assert f"d{min(far.pk, farther.pk)}-{max(far.pk, farther.pk)}" in ids
    assert data["edges_truncated"] is False


def test_the_ego_network_keeps_the_egos_ties_when_edges_are_capped(client, monkeypatch, star):
    monkeypatch.setattr(graph_map, "GRAPH_MAX_EDGES", 2)
    data = ego(client, star, steps="2").json()

    assert len(data["edges"]) == 2
    assert all(star.pk in (e["source"], e["target"]) for e in data["edges"])
    assert data["edges_truncated"] is True


# --- aggregated views from the nightly snapshot ------------------------------------------------


@pytest.fixture
def cliques(db):
    """Two groups joined by one tie: four associations (all tied, theme Klimaschutz) and three schools.

    An unpublished association is tied to two of the four (internal only); ties are current.
    """
    klima = ThemeFactory(name_de="Klimaschutz", slug="klimaschutz")
    vereine = [ActorFactory(name=f"Verein {i}") for i in range(4)]
    for verein in vereine[:3]:
        verein.themes.add(klima)
    schulen = [ActorFactory(name=f"Schule {i}", kind=ActorKind.SCHOOL) for i in range(3)]
    for group in (vereine, schulen):
        for i, a in enumerate(group):
            for b in group[i + 1 :]:
                TieFactory(source=a, target=b)
    derived(vereine[0], schulen[0], count=3, public_count=1)  # the bridge
    secret = ActorFactory(name="Geheimer Verein", published=False)
    TieFactory(source=secret, target=vereine[0], public=False)
    TieFactory(source=secret, target=vereine[1], public=False)
    return {"vereine": vereine, "schulen": schulen, "secret": secret}


def snapshots():
    return analytics.snapshot_compute(SnapshotScope.INTERNAL), analytics.snapshot_compute(SnapshotScope.PUBLIC)


def test_the_view_by_group_shows_the_groups_of_the_public_snapshot_to_a_visitor(client, cliques):
    snapshots()
    data = graph(client, view="communities").json()

    assert [(n["id"], n["count"], n["inner_ties"], n["community"]) for n in data["nodes"]] == [
        ("community-0", 4, 6, 0),
        ("community-1", 3, 3, 1),
    ]
    assert [n["name"] for n in data["nodes"]] == [
        "Gruppe 1 · 4 Akteure · meist Vereine, Klimaschutz",
        "Gruppe 2 · 3 Akteure · meist Schulen",
    ]
    assert [(e["source"], e["target"], e["weight"]) for e in data["edges"]] == [("community-0", "community-1", 1)]
    assert (data["aggregated"], data["view"], data["total"], data["groups"]) == (True, "communities", 7, 2)
    assert data["snapshot_label"]


def test_staff_see_the_groups_of_the_internal_snapshot(client, coordinator, cliques):
    snapshots()
    client.force_login(coordinator)
    data = graph(client, view="communities").json()

    assert [(n["count"], n["inner_ties"]) for n in data["nodes"]] == [(5, 8), (3, 3)]


def test_a_visitor_sees_no_groups_of_the_internal_snapshot(client, cliques):
    analytics.snapshot_compute(SnapshotScope.INTERNAL)
    data = graph(client, view="communities").json()

    assert data["nodes"] == []
    assert "nachts berechnet" in data["message"]


def test_the_smaller_groups_are_summed_up_as_the_others(client, monkeypatch, cliques):
    monkeypatch.setattr(analytics, "TOP_COMMUNITIES", 1)
    snapshots()
    data = graph(client, view="communities").json()

    assert [(n["id"], n["count"], "community" in n) for n in data["nodes"]] == [
        ("community-0", 4, True),
        ("community-rest", 3, False),
    ]
    assert data["nodes"][1]["name"] == "Übrige Gruppen · 3 Akteure · meist Schulen"
    assert [(e["source"], e["target"], e["weight"]) for e in data["edges"]] == [("community-0", "community-rest", 1)]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"community": "0"}, {"Verein 0", "Verein 1", "Verein 2", "Verein 3"}),
        ({"community": "1"}, {"Schule 0", "Schule 1", "Schule 2"}),
        ({"community": "1", "view": "kinds"}, {"Schule"}),
        ({"community": "7"}, set()),
        ({"community": "x"}, {"Verein 0", "Verein 1", "Verein 2", "Verein 3", "Schule 0", "Schule 1", "Schule 2"}),
    ],
)
def test_the_group_filter_shows_the_members_of_one_group(client, cliques, params, expected):
    snapshots()
    assert names(graph(client, **params).json()) == expected


def test_the_group_filter_follows_the_readers_snapshot(client, coordinator, cliques):
    snapshots()
    client.force_login(coordinator)
    assert "Geheimer Verein" in names(graph(client, community="0").json())


def test_without_a_snapshot_the_group_filter_matches_nobody(client, cliques):
    assert graph(client, community="0").json()["nodes"] == []


@pytest.mark.parametrize("user", [None, "coordinator"])
def test_the_view_by_kind_from_the_snapshot_equals_the_live_aggregation(client, request, cliques, user):
    if user:
        client.force_login(request.getfixturevalue(user))
    live = graph(client, view="kinds").json()  # no snapshot yet: live
    snapshots()
    stored = graph(client, view="kinds").json()

    assert "snapshot" not in live and stored["snapshot"]
    assert {n["id"]: n["count"] for n in stored["nodes"]} == {n["id"]: n["count"] for n in live["nodes"]}
    assert {n["id"]: n["inner_ties"] for n in stored["nodes"]} == {n["id"]: n["inner_ties"] for n in live["nodes"]}

    def pairs(data):
        summed = {}
        for e in data["edges"]:
            summed[(e["source"], e["target"])] = summed.get((e["source"], e["target"]), 0) + e["weight"]
        return summed

    assert pairs(stored) == pairs(live) == {("kind-association", "kind-school"): 1}
    assert stored["total"] == live["total"] == (8 if user else 7)


def test_the_view_by_kind_with_filters_is_aggregated_live(client, cliques):
    snapshots()
    for verein in cliques["vereine"][2:]:  # after the snapshot
        TieFactory(source=verein, target=cliques["schulen"][2])

    data = graph(client, view="kinds", layer="declared").json()

    assert "snapshot" not in data
    assert [(e["source"], e["target"], e["kind"], e["weight"]) for e in data["edges"]] == [
        ("kind-association", "kind-school", "declared", 2)
    ]


def test_the_map_page_offers_three_views(client, scene):
    page = client.get(reverse("network:map"), {"view": "communities"}).content.decode()

    for label in ("Einzelne Akteure", "nach Art", "nach Gruppen"):
        assert label in page
    assert 'value="communities" checked' in page
