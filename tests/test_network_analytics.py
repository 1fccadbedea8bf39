"""Network analytics (network/analytics.py): every figure checked against networkx on small graphs."""

import datetime as dt

import networkx as nx
import numpy as np
import pytest
from django.utils import timezone

from knotenpunkt.actors.models import ActorKind, Level
from knotenpunkt.network import analytics
from knotenpunkt.network.models import (
    WEIGHT_EPOCH,
    WEIGHT_HALF_LIFE_DAYS,
    ActorMetrics,
    DerivedTie,
    NetworkSnapshot,
    SnapshotScope,
)
from knotenpunkt.network.tasks import compute_network_snapshot
from tests.factories import ActorFactory, DepartmentFactory, TieFactory

# Two triangles joined through node 6 (a bridge), a pendant 7 on node 0, an isolate 8; weights on some edges.
BRIDGED = [(0, 1, 2.0), (1, 2), (0, 2), (3, 4), (4, 5, 3.5), (3, 5), (2, 6), (6, 3), (0, 7)]


def nx_graph(n, edges):
    g = nx.Graph()
    g.add_nodes_from(range(n))
    for e in edges:
        g.add_edge(e[0], e[1], weight=e[2] if len(e) > 2 else 1.0)
    return g


def assert_matches_networkx(result, g):
    n = g.number_of_nodes()
    assert result.degree.tolist() == [g.degree(i) for i in range(n)]
    assert np.allclose(result.strength, [g.degree(i, weight="weight") for i in range(n)])
    exact = nx.betweenness_centrality(g, normalized=True)
    assert np.allclose(result.betweenness, [exact[i] for i in range(n)])
    assert set(np.flatnonzero(result.articulation)) == set(nx.articulation_points(g))
    assert result.figures["component_count"] == nx.number_connected_components(g)
    assert result.figures["density"] == pytest.approx(nx.density(g))
    assert result.figures["isolate_count"] == len(list(nx.isolates(g)))
    reach = [len(nx.single_source_shortest_path_length(g, i, cutoff=2)) - 1 for i in range(n)]
    assert result.reach.tolist() == reach


def test_hand_made_graph_matches_networkx():
    result = analytics.compute(analytics.graph_from_edges(9, BRIDGED))
    g = nx_graph(9, BRIDGED)
    assert_matches_networkx(result, g)
    assert result.figures["articulation_point_count"] == 4  # 0 (pendant), 2, 3, 6
    assert result.figures["weakly_tied_count"] == 1
    assert result.figures["betweenness_sampled"] is False


def test_random_graphs_match_networkx():
    for seed in range(3):
        g = nx.gnm_random_graph(60, 90, seed=seed)
        result = analytics.compute(analytics.graph_from_edges(60, list(g.edges())))
        assert_matches_networkx(result, nx_graph(60, list(g.edges())))


def test_communities_are_connected_groups_and_modularity_agrees_with_networkx():
    result = analytics.compute(analytics.graph_from_edges(9, BRIDGED))
    g = nx_graph(9, BRIDGED)
    community = result.community
    assert community[8] == -1  # the isolate belongs to no group
    assert community[0] == community[1] == community[2] != community[3] == community[4] == community[5]
    groups = [set(np.flatnonzero(community == c)) for c in range(result.figures["community_count"])]
    assert [len(x) for x in groups] == sorted((len(x) for x in groups), reverse=True)  # 0 is the largest
    for members in groups:
        assert nx.is_connected(g.subgraph(members))
    partition = [*groups, {8}]
    assert result.figures["modularity"] == pytest.approx(nx.community.modularity(g, partition, weight="weight"))
    # The bridge's neighbours lie in both triangles' groups.
    assert result.groups_bridged[6] == 2


def test_sampled_betweenness_estimates_the_exact_values_and_states_its_error():
    g = nx.barabasi_albert_graph(600, 3, seed=4)
    graph = analytics.graph_from_edges(600, list(g.edges()))
    exact = analytics.compute(graph).betweenness
    sampled = analytics.compute(graph, samples=300, exact_limit=100)
    assert sampled.figures["betweenness_sampled"] is True
    assert sampled.figures["betweenness_samples"] == 300
    assert 0 < sampled.figures["betweenness_error"] < 0.5
    assert np.corrcoef(exact, sampled.betweenness)[0, 1] > 0.95
    top = np.argsort(-exact)[:10]
    assert len(set(top) & set(np.argsort(-sampled.betweenness)[:20])) >= 8
    # The same sources in two forked workers give the same figures as in one process.
    serial = analytics.compute(graph, samples=300, exact_limit=100, processes=1)
    assert np.allclose(serial.betweenness, sampled.betweenness)
    parallel = analytics.compute(graph, samples=300, exact_limit=100, processes=2)
    assert np.allclose(serial.betweenness, parallel.betweenness)


def test_cross_sector_matrix_counts_edges_between_kinds_and_levels():
    kinds = [analytics.KINDS.index(k) for k in ("association", "association", "school", "city_department")]
    levels = [0, 0, 0, analytics.LEVELS.index("state")]
    graph = analytics.graph_from_edges(4, [(0, 1), (0, 2), (1, 2), (2, 3)], kinds=kinds, levels=levels)
    agg = analytics.compute(graph).aggregates
    a, s, d = (analytics.KINDS.index(k) for k in ("association", "school", "city_department"))
    assert agg["kind_matrix"][a][a] == 1
    assert agg["kind_matrix"][a][s] == agg["kind_matrix"][s][a] == 2
    assert agg["kind_matrix"][s][d] == 1
    matrix = np.array(agg["kind_matrix"])
    assert np.triu(matrix).sum() == 4  # every edge once
    local, state = analytics.LEVELS.index("local"), analytics.LEVELS.index("state")
    assert agg["level_matrix"][local][local] == 3
    assert agg["level_matrix"][local][state] == 1
    # Actors 0 and 1 have no neighbour in the administration; 2 has; 3 is a department.
    assert agg["without_administration_by_kind"][a] == 2
    assert sum(agg["without_administration_by_kind"]) == 2


def test_empty_and_edgeless_graphs():
    for n in (0, 1, 3):
        result = analytics.compute(analytics.graph_from_edges(n, []))
        assert result.figures["edge_count"] == 0
        assert result.figures["isolate_count"] == n
        assert result.figures["community_count"] == 0


# --- from the database --------------------------------------------------------------------------


def derived(x, y, *, weight=1.0, count=1, public_count=0):
    a, b = sorted([x.pk, y.pk])
    factor = 0.5 ** ((timezone.localdate() - WEIGHT_EPOCH).days / WEIGHT_HALF_LIFE_DAYS)
    today = timezone.localdate()
    return DerivedTie.objects.create(
        actor_a_id=a,
        actor_b_id=b,
        count=count,
        first_met=today,
        last_met=today,
        weight_score=weight / factor,
        public_count=public_count,
        public_first_met=today if public_count else None,
        public_last_met=today if public_count else None,
        staff_count=count,
        staff_first_met=today,
        staff_last_met=today,
        staff_weight_score=weight / factor,
    )


@pytest.fixture
def world(db):
    """Vereine a, b, c; a school; a department; an unpublished Verein; a lone Verein."""
    w = {
        "a": ActorFactory(name="Verein A"),
        "b": ActorFactory(name="Verein B"),
        "c": ActorFactory(name="Verein C"),
        "school": ActorFactory(name="Schule", kind=ActorKind.SCHOOL, level=Level.REGIONAL),
        "dept": DepartmentFactory(name="Fachbereich"),
        "hidden": ActorFactory(name="Unveröffentlicht", published=False),
        "lone": ActorFactory(name="Einsam"),
    }
    TieFactory(source=w["a"], target=w["b"])
    TieFactory(source=w["b"], target=w["school"])
    TieFactory(source=w["school"], target=w["dept"], public=False)  # internal only
    TieFactory(source=w["hidden"], target=w["a"])  # unpublished actor
    TieFactory(source=w["c"], target=w["a"], end_date=timezone.localdate() - dt.timedelta(days=1))  # ended
    derived(w["a"], w["b"], weight=2.0, count=3, public_count=1)  # adds to the declared a–b tie
    derived(w["c"], w["dept"], weight=0.5, count=1, public_count=0)  # met internally only
    return w


def metrics(snapshot, actor):
    return ActorMetrics.objects.get(snapshot=snapshot, actor=actor)


def test_internal_snapshot_matches_networkx(world):
    snapshot = analytics.snapshot_compute(SnapshotScope.INTERNAL)
    w = world
    g = nx.Graph()
    g.add_nodes_from(a.pk for a in w.values())
    g.add_edge(w["a"].pk, w["b"].pk, weight=3.0)
    g.add_edge(w["b"].pk, w["school"].pk, weight=1.0)
    g.add_edge(w["school"].pk, w["dept"].pk, weight=1.0)
    g.add_edge(w["hidden"].pk, w["a"].pk, weight=1.0)
    g.add_edge(w["c"].pk, w["dept"].pk, weight=0.5)
    assert snapshot.node_count == 7 and snapshot.edge_count == 5
    assert snapshot.declared_edge_count == 4 and snapshot.derived_edge_count == 2
    assert snapshot.density == pytest.approx(nx.density(g))
    exact = nx.betweenness_centrality(g)
    for actor in w.values():
        m = metrics(snapshot, actor)
        assert m.degree == g.degree(actor.pk)
        assert m.weighted_degree == pytest.approx(g.degree(actor.pk, weight="weight"))
        assert m.betweenness == pytest.approx(exact[actor.pk])
        assert m.is_articulation_point == (actor.pk in set(nx.articulation_points(g)))
    assert metrics(snapshot, w["lone"]).is_isolate
    assert metrics(snapshot, w["lone"]).community is None
    assert metrics(snapshot, w["c"]).has_administration_tie  # via the derived pair
    assert metrics(snapshot, w["dept"]).has_administration_tie
    assert not metrics(snapshot, w["a"]).has_administration_tie
    # a, b, hidden, lone have no tie into the administration (c has one through a meeting).
    assert snapshot.without_administration_count == 4
    kinds = snapshot.aggregates["kinds"]
    assert snapshot.aggregates["without_administration_by_kind"][kinds.index("association")] == 4
    top = ActorMetrics.objects.filter(snapshot=snapshot, betweenness_rank=1).values_list("actor_id", flat=True)
    assert set(top) == {pk for pk, value in exact.items() if value == max(exact.values())}  # b and the school


def test_public_snapshot_leaves_out_unpublished_actors_private_ties_and_internal_meetings(world):
    snapshot = analytics.snapshot_compute(SnapshotScope.PUBLIC)
    w = world
    assert snapshot.node_count == 6  # without "hidden"
    assert not ActorMetrics.objects.filter(snapshot=snapshot, actor=w["hidden"]).exists()
    # Edges: a–b (declared + public meeting), b–school. Not school–dept (private), not c–dept (internal meeting).
    assert snapshot.edge_count == 2
    assert metrics(snapshot, w["a"]).degree == 1
    assert metrics(snapshot, w["a"]).weighted_degree == pytest.approx(2.0)  # 1 tie + 1 public meeting
    assert metrics(snapshot, w["dept"]).is_isolate
    assert metrics(snapshot, w["c"]).is_isolate
    assert not metrics(snapshot, w["c"]).has_administration_tie


def test_snapshots_are_pruned_and_the_first_of_a_month_is_kept(world, monkeypatch):
    monkeypatch.setattr(analytics, "KEEP_SNAPSHOTS", 2)
    start = timezone.now().replace(day=1, hour=12) - dt.timedelta(days=40)
    snapshots = [analytics.snapshot_compute(SnapshotScope.INTERNAL, now=start + dt.timedelta(days=d)) for d in range(4)]
    ids = set(NetworkSnapshot.objects.values_list("pk", flat=True))
    assert snapshots[0].monthly and not snapshots[1].monthly
    assert ids == {snapshots[0].pk, snapshots[2].pk, snapshots[3].pk}
    # Per-actor rows only for the newest two.
    assert set(ActorMetrics.objects.values_list("snapshot_id", flat=True).distinct()) == {
        snapshots[2].pk,
        snapshots[3].pk,
    }


def test_task_computes_both_scopes(world):
    done = compute_network_snapshot.call()
    assert set(done) == {"internal", "public"}
    assert NetworkSnapshot.objects.filter(scope="internal").count() == 1
    assert NetworkSnapshot.objects.filter(scope="public").count() == 1


def test_daily_schedule_lists_the_task():
    from knotenpunkt.core.scheduler import SCHEDULE

    assert "knotenpunkt.network.tasks.compute_network_snapshot" in [p.task for p in SCHEDULE]


def test_profile_position_comes_from_the_newest_snapshot_of_the_readers_scope(world):
    from knotenpunkt.network.readings import actor_position

    assert actor_position(world["a"], internal=True) == []  # nothing computed yet
    analytics.snapshot_compute(SnapshotScope.INTERNAL)
    analytics.snapshot_compute(SnapshotScope.PUBLIC)
    assert actor_position(world["lone"], internal=True) == ["Noch ohne Verbindung im Netzwerk"]
    assert actor_position(world["hidden"], internal=False) == []
    assert actor_position(world["hidden"], internal=True)
    assert "ohne Kontakt zur Verwaltung" in actor_position(world["a"], internal=True)


def test_management_command_computes_the_asked_scopes(world):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("network_snapshot", scope=["public"], stdout=out)
    assert "public: 6 Akteure" in out.getvalue()
    assert list(NetworkSnapshot.objects.values_list("scope", flat=True)) == ["public"]
