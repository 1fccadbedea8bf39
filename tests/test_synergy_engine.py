"""The synergy engine on plain arrays: the graph part is Adamic-Adar, scores are symmetric, and no
suggestion is ever an existing tie, the actor itself, an excluded pair or an actor that opted out."""

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import sparse

from knotenpunkt.synergies import engine


def inputs_for(n, edges, **kwargs):
    return engine.prepare(engine.Inputs(n=n, adjacency=engine.adjacency_from_edges(n, edges), **kwargs))


@st.composite
def networks(draw, max_nodes=14):
    """Small networks with every kind of mess: self-loops, duplicate edges, isolated actors,
    features, texts, listings, sectors, opted-out actors and excluded pairs."""
    n = draw(st.integers(2, max_nodes))
    node = st.integers(0, n - 1)
    edges = draw(st.lists(st.tuples(node, node), max_size=3 * n))
    feature_pairs = draw(st.lists(st.tuples(node, st.integers(0, 5)), max_size=2 * n))
    text_pairs = draw(st.lists(st.tuples(node, st.integers(0, 7), st.floats(0.1, 1.0)), max_size=2 * n))
    listing_count = draw(st.integers(0, 6))
    listings = None
    if listing_count:
        rows = draw(st.lists(st.tuples(node, st.booleans(), st.integers(0, 2)), min_size=listing_count,
                             max_size=listing_count))  # fmt: skip
        listings = engine.Listings(
            actor=np.array([r[0] for r in rows]),
            is_offer=np.array([r[1] for r in rows]),
            category=np.array([r[2] for r in rows]),
            ids=np.arange(len(rows)),
        )
    text = None
    if text_pairs:
        text = sparse.csr_matrix(
            ([w for _, _, w in text_pairs], ([a for a, _, _ in text_pairs], [b for _, b, _ in text_pairs])),
            shape=(n, 8),
        )
        text = engine._normalise_rows(text)
    excluded_pairs = draw(st.lists(st.tuples(node, node), max_size=3))
    parent = draw(st.lists(st.integers(-1, n - 1), min_size=n, max_size=n))  # -1: none; cycles too
    return engine.prepare(
        engine.Inputs(
            n=n,
            adjacency=engine.adjacency_from_edges(n, edges),
            features=engine.indicator(n, feature_pairs, 6) if feature_pairs else None,
            text=text,
            listings=listings,
            sector=np.array(draw(st.lists(st.integers(0, 2), min_size=n, max_size=n))),
            eligible=np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n))) | (np.arange(n) == 0),
            excluded=engine.adjacency_from_edges(n, excluded_pairs) if excluded_pairs else None,
            organisation=engine.organisations(np.where(np.array(parent) == np.arange(n), -1, parent)),
        )
    )


@settings(max_examples=150, deadline=None)
@given(networks())
def test_scores_are_symmetric(inputs):
    xs, ys = np.triu_indices(inputs.n, 1)
    forward = engine.score_pairs(inputs, xs, ys)
    backward = engine.score_pairs(inputs, ys, xs)
    np.testing.assert_allclose(forward.score, backward.score, rtol=1e-9, atol=1e-12)


@settings(max_examples=150, deadline=None)
@given(networks(), st.integers(1, 5))
def test_suggestions_never_name_a_tie_the_actor_itself_an_excluded_pair_an_opted_out_actor_or_one_organisation(
    inputs, top
):
    result = engine.suggest(inputs, top=top)
    parts = result.parts
    adjacency = inputs.adjacency.toarray()
    excluded = inputs.excluded.toarray() if inputs.excluded is not None else np.zeros_like(adjacency)
    for x, y in zip(parts.xs, parts.ys, strict=True):
        assert x != y
        assert adjacency[x, y] == 0
        assert excluded[x, y] == 0
        assert inputs.eligible[x] and inputs.eligible[y]
        assert inputs.organisation[x] < 0 or inputs.organisation[x] != inputs.organisation[y]
    assert np.all(parts.score > 0)
    # At most `top` per actor, ranked 1, 2, … by falling score.
    for x in np.unique(parts.xs):
        mine = parts.xs == x
        assert list(result.rank[mine]) == list(range(1, mine.sum() + 1))
        assert mine.sum() <= top
        assert np.all(np.diff(parts.score[mine]) <= 1e-12)


@settings(max_examples=60, deadline=None)
@given(networks())
def test_the_candidate_path_finds_what_scoring_every_pair_finds(inputs):
    """Large networks score only candidates; with enough candidates per source that is the same top list."""
    full = engine.suggest(inputs, top=3)
    original = (
        engine.FULL_SCORING_MAX,
        engine.CANDIDATES_PER_SOURCE,
        engine.RARE_FEATURE_SHARE,
        engine.WIDER_FEATURE_SHARE,
    )
    try:
        engine.FULL_SCORING_MAX, engine.CANDIDATES_PER_SOURCE, engine.RARE_FEATURE_SHARE, engine.WIDER_FEATURE_SHARE = (
            0,
            10_000,
            1.0,
            1.0,
        )
        sampled = engine.suggest(inputs, top=3)
    finally:
        engine.FULL_SCORING_MAX, engine.CANDIDATES_PER_SOURCE, engine.RARE_FEATURE_SHARE, engine.WIDER_FEATURE_SHARE = (
            original
        )

    # Every pair with a positive score has a common partner, a shared feature, text or an offer: a candidate.
    def by_actor(result, x):
        return sorted((round(s, 9) for u, s in zip(result.parts.xs, result.parts.score, strict=True) if u == x),
                      reverse=True)  # fmt: skip

    for x in set(full.parts.xs.tolist()):
        assert by_actor(full, x) == by_actor(sampled, x)


@settings(max_examples=300, deadline=None)
@given(networks(max_nodes=24), st.integers(1, 3), st.booleans())
def test_leaving_out_candidates_out_of_reach_changes_no_suggestion(inputs, top, candidate_path):
    """The shared features and texts are computed only for candidates whose best possible score
    reaches their actor's top list: the same pairs, ranks and scores to the last bit as scoring all."""
    original = engine.FULL_SCORING_MAX, engine._within_reach
    try:
        engine.FULL_SCORING_MAX = 0 if candidate_path else original[0]
        pruned = engine.suggest(inputs, top=top)
        engine._within_reach = lambda inputs, xs, *_args: np.ones(len(xs), dtype=bool)
        everything = engine.suggest(inputs, top=top)
    finally:
        engine.FULL_SCORING_MAX, engine._within_reach = original
    for field in ("xs", "ys", "score", "shared", "text", "offer", "graph", "bridge"):
        assert getattr(pruned.parts, field).tolist() == getattr(everything.parts, field).tolist(), field
    assert pruned.rank.tolist() == everything.rank.tolist()


def test_a_partner_alike_in_themes_and_words_outranks_weak_common_partners():
    """Actor 0 shares only a busy common partner (1) with 2 … 13, but everything with 14: 14 comes
    first although twelve candidates have graph evidence and it has none (it must not be left out
    before its shared parts are computed)."""
    n = 15
    features = engine.indicator(n, [(0, 0), (0, 1), (14, 0), (14, 1)], 2)
    text = engine._normalise_rows(sparse.csr_matrix(([1.0, 1.0], ([0, 14], [0, 0])), shape=(n, 1)))
    inputs = inputs_for(n, [(0, 1)] + [(1, y) for y in range(2, 14)], features=features, text=text,
                        sector=np.array([0] * 14 + [1]))  # fmt: skip
    result = engine.suggest(inputs, top=3, actors=[0])
    assert result.parts.ys[0] == 14
    assert result.parts.ys.tolist()[1:] == [2, 3]


def test_in_a_large_network_a_feature_a_little_less_rare_still_finds_partners_where_rarer_ones_find_too_few():
    """Candidates come from features held by at most 1 % of the actors; actor 0's only feature is
    held by 1.5 % (90 of 6,000), so it draws on those held by up to 2 %: partners all the same."""
    n = 6000
    holders = list(range(0, 90))
    common = [(x, 1) for x in range(100, 6000, 2)]  # a feature of half the network: never a source
    features = engine.indicator(n, [(x, 0) for x in holders] + common, 2)
    inputs = inputs_for(n, [(x, x + 1) for x in range(200, 5000, 2)], features=features)
    assert n > engine.FULL_SCORING_MAX
    result = engine.suggest(inputs, top=5, actors=[0])
    assert len(result.parts.ys) == 5 and set(result.parts.ys.tolist()) <= set(holders) - {0}


def test_the_graph_part_is_adamic_adar():
    graph = nx.karate_club_graph()
    inputs = inputs_for(34, list(graph.edges))
    pairs = [(u, v) for u in range(34) for v in range(u + 1, 34) if not graph.has_edge(u, v)]
    block = engine._graph_block(inputs, np.arange(34)).toarray()
    expected = {(u, v): p for u, v, p in nx.adamic_adar_index(graph, pairs)}
    for u, v in pairs:
        assert block[u, v] == pytest.approx(expected[(u, v)])


def test_a_partner_tied_to_a_large_share_of_everybody_is_no_common_partner():
    # Actor 0 is tied to all 30 others (the coordination office); 1 and 2 also share actor 3.
    edges = [(0, i) for i in range(1, 31)] + [(1, 3), (2, 3)]
    inputs = inputs_for(31, edges)
    block = engine._graph_block(inputs, np.array([1])).toarray()[0]
    assert block[2] == pytest.approx(1 / np.log(3))  # only through actor 3 (3 ties)
    assert block[5] == 0  # 1 and 5 share only the office


def test_a_two_mode_network_looks_three_steps_ahead():
    # Women 0–2, events 3–5: in an actor–event network a woman's partners are events.
    edges = [(0, 3), (0, 4), (1, 3), (1, 4), (1, 5), (2, 5)]
    result = engine.suggest(inputs_for(6, edges, two_mode=True), top=1, actors=[0])
    assert result.parts.ys.tolist() == [5]  # the event woman 1 went to and woman 0 did not


def test_a_star_is_a_one_mode_network_like_any_other():
    # The office tied to everybody, nothing else yet: a tree, but its actors are one mode.
    inputs = inputs_for(4, [(0, 1), (0, 2), (0, 3)])
    result = engine.suggest(inputs, top=3, actors=[1])
    assert sorted(result.parts.ys.tolist()) == [2, 3]


def test_rare_shared_features_count_more_than_common_ones():
    # Feature 0 (a common theme) is held by everyone, feature 1 (a country) by actors 0 and 1 only.
    n = 6
    features = engine.indicator(n, [(i, 0) for i in range(n)] + [(0, 1), (1, 1)], 2)
    inputs = engine.prepare(engine.Inputs(n=n, adjacency=engine.adjacency_from_edges(n, []), features=features))
    parts = engine.score_pairs(inputs, [0, 0], [1, 2])
    assert parts.shared[0] > parts.shared[1] > 0


def test_an_offer_meets_a_need_of_the_same_category_only():
    listings = engine.Listings(
        actor=np.array([0, 1, 2]),
        is_offer=np.array([True, False, False]),
        category=np.array([4, 4, 5]),
        ids=np.array([10, 11, 12]),
    )
    inputs = engine.prepare(engine.Inputs(n=3, adjacency=engine.adjacency_from_edges(3, []), listings=listings))
    parts = engine.score_pairs(inputs, [0, 1, 0], [1, 0, 2])
    assert parts.offer.tolist() == [engine.OFFER_BASE, engine.OFFER_BASE, 0.0]


def test_crossing_sectors_earns_the_bonus_only_on_top_of_other_evidence():
    edges = [(0, 2), (1, 2), (3, 4)]
    inputs = inputs_for(5, edges, sector=np.array([0, 1, 0, 0, 1]))
    parts = engine.score_pairs(inputs, [0, 0], [1, 4])
    assert parts.bridge.tolist() == [True, True]
    assert parts.score[1] == 0  # nothing ties 0 and 4: no bonus out of nothing
    plain = inputs_for(5, edges)
    assert parts.score[0] == pytest.approx(engine.score_pairs(plain, [0], [1]).score[0] * (1 + engine.BRIDGE_BONUS))


def test_an_actor_without_ties_features_or_text_gets_nothing_and_breaks_nothing():
    inputs = inputs_for(4, [(1, 2), (2, 3), (1, 1), (1, 2)])
    result = engine.suggest(inputs, top=5)
    assert 0 not in result.parts.xs.tolist()
    assert 0 not in result.parts.ys.tolist()


def test_an_empty_network():
    inputs = inputs_for(0, [])
    result = engine.suggest(inputs, top=10)
    assert len(result.parts.xs) == 0


def test_units_of_one_hierarchy_share_its_top_and_actors_outside_any_have_none():
    # 0 city ← 1 department ← 2 unit; 3 second department of the city; 4 alone; 5 ← 6 another organisation
    parent = np.array([-1, 0, 1, 0, -1, -1, 5])

    assert list(engine.organisations(parent)) == [0, 0, 0, 0, -1, 5, 5]


def test_units_of_one_hierarchy_are_never_suggested_to_each_other_however_alike():
    # Three levels: city 0, its departments 1 and 3, the unit 2 below department 1; a Verein 4.
    # All five share everything, and all are tied to one common partner 5.
    n = 6
    features = engine.indicator(n, [(i, f) for i in range(5) for f in range(3)], 3)
    inputs = inputs_for(
        n,
        [(i, 5) for i in range(5)],
        features=features,
        organisation=engine.organisations(np.array([-1, 0, 1, 0, -1, -1])),
    )

    parts = engine.suggest(inputs, top=5).parts
    pairs = {frozenset((int(x), int(y))) for x, y in zip(parts.xs, parts.ys, strict=True)}

    assert pairs == {frozenset((4, i)) for i in range(4)}
