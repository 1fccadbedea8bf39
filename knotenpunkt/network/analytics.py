"""Network analytics, computed by a background task into stored snapshots (NetworkSnapshot, ActorMetrics).

The graph is undirected and has one edge per pair of actors that are tied in any way:

* declared ties (`Tie`) that are current today (no end date, or one not yet passed; no start in
  the future) count 1.0 each, whatever their kind or direction;
* derived pairs (`DerivedTie`, actors who met) add their weight: today's recency weight for the
  internal snapshot, the number of *public* meetings for the public one (the recency weight mixes
  in internal meetings and so is not shown to visitors). The internal snapshot is read by city
  staff too, so it counts the meetings they may see (`staff_*`: no contacts logged "nur
  Koordination"); one snapshot for both keeps the nightly run at two scopes.

The public snapshot sees published actors only, public ties between them and derived pairs with a
public basis (`public_count > 0`). Figures:

* degree: number of distinct neighbours; weighted degree: the sum of edge weights;
* betweenness (brokers): unweighted shortest paths, normalised to 0..1 like networkx. Exact up to
  EXACT_BETWEENNESS_NODES actors; above that estimated from BETWEENNESS_SAMPLES random source
  actors (igraph's subset betweenness scaled by n/k, the estimator networkx uses with `k=`). The
  sources are drawn in BETWEENNESS_BATCHES batches; the stated error is the median relative
  standard error (spread of the batch estimates / √batches) over the 100 highest values;
* communities: Leiden (modularity, weighted); 0 is the largest group; isolates have none;
* isolates (no tie), weakly tied actors (exactly one neighbour), articulation points (actors whose
  removal splits their part of the network), connected parts;
* cross-sector matrices: edges between actor kinds and between levels (symmetric; the diagonal
  counts edges within a kind/level);
* actors without a tie into the city administration: actors that are not a city department and
  have no neighbour of kind `city_department`. Derived pairs count as a tie — meeting a department
  at a shared activity is contact with the administration;
* density: edges / possible pairs; reach: actors within two steps (neighbours and theirs).
"""

# ruff: noqa: S608 (SQL built from model table names only; values are parameters)
from __future__ import annotations

import datetime
import logging
import multiprocessing
import os
import random
import time
from dataclasses import dataclass, field

import igraph as ig
import numpy as np
from django.db import connection, transaction
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.utils import timezone
from scipy import sparse
from scipy.stats import rankdata

from knotenpunkt.actors.models import Actor, ActorKind, Level
from knotenpunkt.core.page_cache import bump_content_generation
from knotenpunkt.network.models import (
    WEIGHT_EPOCH,
    WEIGHT_HALF_LIFE_DAYS,
    ActorMetrics,
    DerivedTie,
    NetworkSnapshot,
    SnapshotScope,
    Tie,
)

logger = logging.getLogger(__name__)

EXACT_BETWEENNESS_NODES = 5_000
BETWEENNESS_SAMPLES = 256
BETWEENNESS_BATCHES = 8
BETWEENNESS_PROCESSES = min(2, os.cpu_count() or 1)  # forked workers for sampled betweenness
TOP_FOR_ERROR = 100
KEEP_SNAPSHOTS = 30  # per scope, besides the monthly ones
KEEP_ACTOR_METRICS = 2  # per scope: per-actor rows of the newest snapshots only
FETCH_ROWS = 200_000
SEED = 20260101
TOP_COMMUNITIES = 50  # groups shown one by one on the map's view by group; the others are summed as "übrige"
KINDS = [k for k, _label in ActorKind.choices]
LEVELS = [k for k, _label in Level.choices]


@dataclass
class Graph:
    """The undirected graph over one scope's actors: node i is actor `ids[i]`; edges `u < v`."""

    ids: np.ndarray
    kinds: np.ndarray  # index into KINDS
    levels: np.ndarray  # index into LEVELS
    u: np.ndarray
    v: np.ndarray
    w: np.ndarray
    declared_pairs: int = 0
    derived_pairs: int = 0

    @property
    def n(self) -> int:
        return len(self.ids)


@dataclass
class Result:
    """Everything a snapshot stores; per-node arrays are indexed like Graph.ids."""

    graph: Graph
    degree: np.ndarray
    strength: np.ndarray
    betweenness: np.ndarray
    community: np.ndarray  # -1 for isolates
    groups_bridged: np.ndarray
    reach: np.ndarray
    articulation: np.ndarray  # bool
    admin_tie: np.ndarray  # bool
    figures: dict = field(default_factory=dict)
    aggregates: dict = field(default_factory=dict)


# --- graph ----------------------------------------------------------------------------------------


def _fetch(sql: str, params: list, columns: int, dtypes) -> list[np.ndarray]:
    parts: list[list[np.ndarray]] = [[] for _ in range(columns)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(FETCH_ROWS):
            cols = list(zip(*rows, strict=True))
            for i in range(columns):
                parts[i].append(np.asarray(cols[i], dtype=dtypes[i]))
    return [np.concatenate(p) if p else np.empty(0, dtype=dtypes[i]) for i, p in enumerate(parts)]


def _pairs(ids: np.ndarray, a: np.ndarray, b: np.ndarray, w: np.ndarray):
    """Map actor ids to node indices, drop pairs with an actor outside the scope, merge duplicates."""
    n = len(ids)
    ia = np.searchsorted(ids, a).clip(0, max(n - 1, 0))
    ib = np.searchsorted(ids, b).clip(0, max(n - 1, 0))
    keep = (ids[ia] == a) & (ids[ib] == b) & (ia != ib) if n else np.zeros(len(a), bool)
    lo, hi = np.minimum(ia[keep], ib[keep]), np.maximum(ia[keep], ib[keep])
    matrix = sparse.coo_matrix((w[keep], (lo, hi)), shape=(n, n)).tocsr()
    matrix.sum_duplicates()
    return matrix


def load_graph(scope: str, today=None, *, as_of: datetime.date | None = None) -> Graph:
    """Read the scope's actors, ties and derived pairs straight from the database into arrays.

    `today` only decides which declared ties are current and how old meetings are; every actor and
    derived pair of today counts. For the network as it was on a past day pass `as_of` instead
    (see load_graph_as_of).
    """
    if as_of is not None:
        return load_graph_as_of(scope, as_of)
    today = today or timezone.localdate()
    actor_t, tie_t, derived_t = Actor._meta.db_table, Tie._meta.db_table, DerivedTie._meta.db_table
    public = scope == SnapshotScope.PUBLIC
    where = " WHERE published" if public else ""
    ids, kinds, levels = _fetch(
        f"SELECT id, kind, level FROM {actor_t}{where} ORDER BY id",
        [],
        3,
        (np.int64, object, object),
    )

    tie_sql = (
        f"SELECT source_id, target_id FROM {tie_t} WHERE (end_date IS NULL OR end_date >= %s)"
        " AND (start_date IS NULL OR start_date <= %s)"
    )
    if public:
        tie_sql += " AND public"
    ta, tb = _fetch(tie_sql, [today, today], 2, (np.int64, np.int64))
    declared = _pairs(ids, ta, tb, np.ones(len(ta)))
    del ta, tb

    if public:
        derived_sql = f"SELECT actor_a_id, actor_b_id, public_count FROM {derived_t} WHERE public_count > 0"
        factor = 1.0
    else:
        derived_sql = f"SELECT actor_a_id, actor_b_id, staff_weight_score FROM {derived_t} WHERE staff_count > 0"
        factor = 0.5 ** ((today - WEIGHT_EPOCH).days / WEIGHT_HALF_LIFE_DAYS)
    da, db, dw = _fetch(derived_sql, [], 3, (np.int64, np.int64, np.float64))
    derived = _pairs(ids, da, db, dw * factor)
    del da, db, dw

    return _graph(ids, kinds, levels, declared, derived)


def _compiled(queryset) -> tuple[str, list]:
    sql, params = queryset.query.sql_with_params()  # parameters already adapted for the database
    return sql, list(params)


def _flag(condition: Q) -> ExpressionWrapper:
    return ExpressionWrapper(condition, output_field=BooleanField())


def load_graph_as_of(scope: str, as_of: datetime.date) -> Graph:
    """The scope's graph as it stood at the end of day `as_of` (monthly history).

    * declared ties that had started and not yet ended on `as_of`; a tie without a start date counts
      from the day it was entered (`created_at`);
    * derived pairs that had first met by `as_of` (public: first met at a public activity);
    * actors entered by then (`created_at`), and also actors entered later whose ties or meetings
      are dated before: the record is younger than the actor (data entered afterwards, the demo).

    Which actors are published, and which ties public, is today's setting: the public history never
    shows an actor the public directory does not show now. The stored meeting weights sum over all
    meetings, earlier and later ones alike, and cannot be split at a date; so in the history every
    derived pair weighs 1, like a declared tie (this only affects the weighted figures: communities).
    """
    public = scope == SnapshotScope.PUBLIC
    cutoff = timezone.make_aware(datetime.datetime.combine(as_of + datetime.timedelta(days=1), datetime.time()))
    actors = Actor.objects.all()
    if public:
        actors = actors.filter(published=True)
    actors = actors.annotate(existed=_flag(Q(created_at__lt=cutoff))).order_by("id")
    ids, kinds, levels, existed = _fetch(
        *_compiled(actors.values_list("id", "kind", "level", "existed")), 4, (np.int64, object, object, bool)
    )

    ties = Tie.objects.filter(Q(start_date__lte=as_of) | Q(start_date__isnull=True, created_at__lt=cutoff))
    if public:
        ties = ties.filter(public=True)
    ties = ties.annotate(current=_flag(Q(end_date__isnull=True) | Q(end_date__gte=as_of))).order_by()
    ta, tb, current = _fetch(
        *_compiled(ties.values_list("source_id", "target_id", "current")), 3, (np.int64, np.int64, bool)
    )
    met = {"public_first_met__lte": as_of} if public else {"staff_first_met__lte": as_of}
    da, db = _fetch(
        *_compiled(DerivedTie.objects.filter(**met).order_by().values_list("actor_a_id", "actor_b_id")),
        2,
        (np.int64, np.int64),
    )

    # Actors the data shows were there: entered by then, or at one end of a tie or meeting dated before.
    known = np.union1d(ids[existed], np.concatenate([ta, tb, da, db]))
    keep = np.isin(ids, known)
    ids, kinds, levels = ids[keep], kinds[keep], levels[keep]

    declared = _pairs(ids, ta[current], tb[current], np.ones(int(current.sum())))
    derived = _pairs(ids, da, db, np.ones(len(da)))
    return _graph(ids, kinds, levels, declared, derived)


def _graph(ids, kinds, levels, declared, derived) -> Graph:
    """The Graph from actor rows (kind and level as stored) and the declared and derived pair matrices."""
    kind_index = {k: i for i, k in enumerate(KINDS)}
    level_index = {k: i for i, k in enumerate(LEVELS)}
    kinds = np.fromiter((kind_index.get(k, kind_index["other"]) for k in kinds), dtype=np.int16, count=len(kinds))
    levels = np.fromiter((level_index.get(k, 0) for k in levels), dtype=np.int16, count=len(levels))
    merged = (declared + derived).tocoo()
    return Graph(
        ids=ids,
        kinds=kinds,
        levels=levels,
        u=merged.row.astype(np.int64),
        v=merged.col.astype(np.int64),
        w=merged.data.astype(np.float64),
        declared_pairs=int(declared.nnz),
        derived_pairs=int(derived.nnz),
    )


def graph_from_edges(n: int, edges, *, kinds=None, levels=None, ids=None) -> Graph:
    """A Graph from (u, v[, weight]) node-index triples (tests, bench)."""
    rows = [(e[0], e[1], e[2] if len(e) > 2 else 1.0) for e in edges]
    a = np.array([r[0] for r in rows], dtype=np.int64)
    b = np.array([r[1] for r in rows], dtype=np.int64)
    w = np.array([r[2] for r in rows], dtype=np.float64)
    node_ids = np.arange(n, dtype=np.int64) if ids is None else np.asarray(ids, dtype=np.int64)
    merged = _pairs(node_ids, node_ids[a] if n else a, node_ids[b] if n else b, w).tocoo()
    return Graph(
        ids=node_ids,
        kinds=np.asarray(kinds if kinds is not None else [0] * n, dtype=np.int16),
        levels=np.asarray(levels if levels is not None else [0] * n, dtype=np.int16),
        u=merged.row.astype(np.int64),
        v=merged.col.astype(np.int64),
        w=merged.data.astype(np.float64),
        declared_pairs=int(merged.nnz),
    )


# --- metrics --------------------------------------------------------------------------------------


def _betweenness(g: ig.Graph, n: int, samples: int, exact_limit: int, rng: np.random.Generator, processes: int = 1):
    """(normalised betweenness, sampled?, number of sources, stated relative error)."""
    scale = 2.0 / ((n - 1) * (n - 2)) if n > 2 else 0.0
    if n <= exact_limit or samples >= n:
        raw = np.asarray(g.betweenness(directed=False), dtype=np.float64) if n else np.zeros(0)
        return raw * scale, False, n, 0.0
    sources = rng.choice(n, size=samples, replace=False)
    batches = np.array_split(sources, BETWEENNESS_BATCHES)
    estimates = (
        np.vstack(_subset_betweenness(g, batches, processes)) * (n / np.array([len(b) for b in batches]))[:, None]
    )
    sizes = np.array([len(b) for b in batches], dtype=np.float64)
    mean = (estimates * sizes[:, None]).sum(axis=0) / sizes.sum()
    stderr = estimates.std(axis=0, ddof=1) / np.sqrt(len(batches))
    top = np.argsort(-mean)[:TOP_FOR_ERROR]
    top = top[mean[top] > 0]
    error = float(np.median(stderr[top] / mean[top])) if len(top) else 0.0
    return mean * scale, True, samples, error


_FORKED_GRAPH: ig.Graph | None = None


def _batch_betweenness(sources: np.ndarray) -> np.ndarray:
    return np.asarray(_FORKED_GRAPH.betweenness(directed=False, sources=sources.tolist()), dtype=np.float64)


def _subset_betweenness(g: ig.Graph, batches: list[np.ndarray], processes: int) -> list[np.ndarray]:
    """Raw subset betweenness per batch of sources; in forked processes when there are cores to spare.

    igraph holds the GIL, so threads would not help. The children inherit the graph (copy on write),
    touch neither the database nor Django, and send back one array per batch.
    """
    global _FORKED_GRAPH
    if processes > 1 and len(batches) > 1 and "fork" in multiprocessing.get_all_start_methods():
        _FORKED_GRAPH = g
        pool = multiprocessing.get_context("fork").Pool(processes)
        try:
            results = pool.map(_batch_betweenness, batches, chunksize=1)
            # Let the workers finish on their own: `terminate()` (what `with Pool()` does) kills
            # them, and one killed while holding the task queue's lock leaves its sibling waiting
            # for that lock forever (seen as a hanging test run).
            pool.close()
            pool.join()
            return results
        except BaseException:
            pool.terminate()
            raise
        finally:
            _FORKED_GRAPH = None
    return [np.asarray(g.betweenness(directed=False, sources=b.tolist()), dtype=np.float64) for b in batches]


def compute(
    graph: Graph,
    *,
    samples: int = BETWEENNESS_SAMPLES,
    exact_limit: int = EXACT_BETWEENNESS_NODES,
    seed=SEED,
    processes: int | None = None,
) -> Result:
    """All figures for one graph (pure: no database)."""
    n, u, v, w = graph.n, graph.u, graph.v, graph.w
    m = len(u)
    timings = {}
    t = time.perf_counter()
    g = ig.Graph(n=n, edges=np.column_stack([u, v]).tolist() if m else [], directed=False)
    timings["igraph_build_s"] = time.perf_counter() - t

    t = time.perf_counter()
    degree = (np.bincount(u, minlength=n) + np.bincount(v, minlength=n)).astype(np.int64)
    strength = np.bincount(u, weights=w, minlength=n) + np.bincount(v, weights=w, minlength=n)
    timings["degree_s"] = time.perf_counter() - t

    t = time.perf_counter()
    rng = np.random.default_rng(seed)
    betweenness, sampled, n_sources, error = _betweenness(
        g, n, samples, exact_limit, rng, BETWEENNESS_PROCESSES if processes is None else processes
    )
    timings["betweenness_s"] = time.perf_counter() - t

    t = time.perf_counter()
    community = np.full(n, -1, dtype=np.int64)
    modularity = 0.0
    if m:
        ig.set_random_number_generator(random.Random(seed))
        try:
            partition = g.community_leiden(objective_function="modularity", weights=w.tolist(), n_iterations=2)
        finally:
            ig.set_random_number_generator(random)
        membership = np.asarray(partition.membership, dtype=np.int64)
        modularity = float(g.modularity(membership.tolist(), weights=w.tolist()))
        connected = degree > 0
        # Renumber: 0 is the largest group (ties by smallest member), isolates have none.
        sizes = np.bincount(membership[connected], minlength=membership.max() + 1)
        order = np.lexsort((np.arange(len(sizes)), -sizes))
        order = order[sizes[order] > 0]
        renumber = np.full(len(sizes), -1, dtype=np.int64)
        renumber[order] = np.arange(len(order))
        community[connected] = renumber[membership[connected]]
    community_sizes = np.bincount(community[community >= 0]) if (community >= 0).any() else np.zeros(0, np.int64)
    timings["communities_s"] = time.perf_counter() - t

    t = time.perf_counter()
    groups_bridged = np.zeros(n, dtype=np.int64)
    if m:
        c = max(int(community.max()) + 1, 1)
        nodes = np.concatenate([u, v, np.flatnonzero(degree > 0)])
        groups = np.concatenate([community[v], community[u], community[degree > 0]])
        keys = np.unique(nodes * c + groups)
        groups_bridged = np.bincount(keys // c, minlength=n)
    timings["groups_bridged_s"] = time.perf_counter() - t

    t = time.perf_counter()
    articulation = np.zeros(n, dtype=bool)
    if m:
        articulation[g.articulation_points()] = True
    components = g.connected_components() if n else []
    component_sizes = np.array(sorted((len(c) for c in components), reverse=True), dtype=np.int64)
    timings["articulation_components_s"] = time.perf_counter() - t

    t = time.perf_counter()
    reach = (np.asarray(g.neighborhood_size(order=2), dtype=np.int64) - 1) if n else np.zeros(0, np.int64)
    timings["reach_s"] = time.perf_counter() - t

    t = time.perf_counter()
    k, lv = graph.kinds.astype(np.int64), graph.levels.astype(np.int64)
    kind_matrix = _pair_matrix(k[u], k[v], len(KINDS))
    level_matrix = _pair_matrix(lv[u], lv[v], len(LEVELS))
    admin = graph.kinds == KINDS.index(ActorKind.CITY_DEPARTMENT)
    admin_tie = np.zeros(n, dtype=bool)
    admin_tie[u[admin[v]]] = True
    admin_tie[v[admin[u]]] = True
    without_admin = ~admin & ~admin_tie
    admin_tie |= admin  # a department is part of the administration (ActorMetrics.has_administration_tie)
    without_by_kind = np.bincount(k[without_admin], minlength=len(KINDS))
    timings["matrices_s"] = time.perf_counter() - t

    isolates = degree == 0
    weak = degree == 1
    possible = n * (n - 1) / 2
    figures = {
        "node_count": n,
        "edge_count": m,
        "declared_edge_count": graph.declared_pairs,
        "derived_edge_count": graph.derived_pairs,
        "density": float(m / possible) if possible else 0.0,
        "component_count": len(component_sizes),
        "largest_component_size": int(component_sizes[0]) if len(component_sizes) else 0,
        "isolate_count": int(isolates.sum()),
        "weakly_tied_count": int(weak.sum()),
        "articulation_point_count": int(articulation.sum()),
        "community_count": len(community_sizes),
        "modularity": modularity,
        "without_administration_count": int(without_admin.sum()),
        "mean_reach": float(reach.mean()) if n else 0.0,
        "betweenness_sampled": sampled,
        "betweenness_samples": int(n_sources),
        "betweenness_error": error,
    }
    top_b = np.argsort(-betweenness, kind="stable")[:10]
    top_d = np.argsort(-degree, kind="stable")[:10]
    aggregates = {
        "kinds": KINDS,
        "kind_matrix": kind_matrix.tolist(),
        "levels": LEVELS,
        "level_matrix": level_matrix.tolist(),
        "actors_by_kind": np.bincount(k, minlength=len(KINDS)).tolist(),
        "without_administration_by_kind": without_by_kind.tolist(),
        "isolates_by_kind": np.bincount(k[isolates], minlength=len(KINDS)).tolist(),
        "community_sizes": community_sizes[:50].tolist(),
        "communities": _community_aggregates(community, k, u, v),
        "component_sizes": component_sizes[:20].tolist(),
        "degree_histogram": _log_histogram(degree),
        "top_brokers": [[int(graph.ids[i]), float(betweenness[i])] for i in top_b if betweenness[i] > 0],
        "top_hubs": [[int(graph.ids[i]), int(degree[i])] for i in top_d if degree[i] > 0],
        "timings": {key: round(value, 3) for key, value in timings.items()},
    }
    return Result(
        graph=graph,
        degree=degree,
        strength=strength,
        betweenness=betweenness,
        community=community,
        groups_bridged=groups_bridged,
        reach=reach,
        articulation=articulation,
        admin_tie=admin_tie,
        figures=figures,
        aggregates=aggregates,
    )


def _pair_matrix(a: np.ndarray, b: np.ndarray, size: int) -> np.ndarray:
    """Symmetric counts of edges between categories; the diagonal counts edges within one."""
    counts = np.bincount(a * size + b, minlength=size * size).reshape(size, size)
    matrix = counts + counts.T
    np.fill_diagonal(matrix, np.diag(counts))
    return matrix


def _community_aggregates(community: np.ndarray, kinds: np.ndarray, u: np.ndarray, v: np.ndarray) -> dict:
    """The map's view by group: the TOP_COMMUNITIES largest groups one by one, the rest as "übrige".

    `sizes`, `kinds` (the most common actor kind) and `matrix` (symmetric; edges between two groups,
    the diagonal edges within one) are indexed by group, the last entry being "übrige" if `rest`.
    `themes` (the most common theme's id or None) is added by snapshot_compute (it needs the database).
    """
    count = int(community.max()) + 1 if len(community) and community.max() >= 0 else 0
    shown = min(count, TOP_COMMUNITIES)
    groups = shown + (1 if count > shown else 0)
    grouped = community >= 0
    index = np.minimum(community, shown)  # every group beyond the shown ones becomes "übrige"
    sizes = np.bincount(index[grouped], minlength=groups)
    by_kind = np.bincount(index[grouped] * len(KINDS) + kinds[grouped], minlength=groups * len(KINDS))
    by_kind = by_kind.reshape(groups, len(KINDS))
    # An edge's ends have a tie, hence a group.
    matrix = _pair_matrix(index[u], index[v], groups) if groups else np.zeros((0, 0), np.int64)
    return {
        "count": count,
        "shown": shown,
        "rest": count > shown,
        "sizes": sizes.tolist(),
        "kinds": [KINDS[int(i)] for i in by_kind.argmax(axis=1)] if groups else [],
        "matrix": matrix.tolist(),
        "themes": [None] * groups,
    }


def _community_themes(result: Result) -> list:
    """The most common theme (its id) of every group of `result.aggregates["communities"]`, None if none has one."""
    groups = result.aggregates["communities"]
    n_groups = len(groups["sizes"])
    ids = result.graph.ids
    if not n_groups or not len(ids):
        return [None] * n_groups
    through = Actor.themes.through
    actor_ids, theme_ids = _fetch(
        f"SELECT actor_id, theme_id FROM {through._meta.db_table}", [], 2, (np.int64, np.int64)
    )
    at = np.searchsorted(ids, actor_ids).clip(0, len(ids) - 1)
    keep = ids[at] == actor_ids
    group = np.minimum(result.community[at[keep]], groups["shown"])
    themes = theme_ids[keep]
    themes, group = themes[group >= 0], group[group >= 0]
    if not len(themes):
        return [None] * n_groups
    theme_values, theme_index = np.unique(themes, return_inverse=True)
    counts = np.bincount(group * len(theme_values) + theme_index, minlength=n_groups * len(theme_values))
    counts = counts.reshape(n_groups, len(theme_values))
    best = counts.argmax(axis=1)
    return [int(theme_values[b]) if counts[g, b] else None for g, b in enumerate(best)]


def _log_histogram(degree: np.ndarray) -> list[list[int]]:
    """[[lower bound, actors]] for degree 0, 1, 2–3, 4–7, 8–15, …"""
    if not len(degree):
        return []
    bins = [0, 1, 2]
    while bins[-1] <= degree.max():
        bins.append(bins[-1] * 2)
    counts, _edges = np.histogram(degree, bins=bins)
    return [[int(lo), int(c)] for lo, c in zip(bins[:-1], counts, strict=True)]


# --- storing ------------------------------------------------------------------------------------

METRIC_COLUMNS = (
    "snapshot_id", "actor_id", "degree", "weighted_degree", "betweenness", "betweenness_rank", "degree_rank",
    "community", "groups_bridged", "reach", "is_articulation_point", "is_isolate", "is_weakly_tied",
    "has_administration_tie",
)  # fmt: skip


def _metric_rows(snapshot_id: int, result: Result):
    b_rank = rankdata(-result.betweenness, method="min").astype(np.int64) if result.graph.n else []
    d_rank = rankdata(-result.degree, method="min").astype(np.int64) if result.graph.n else []
    columns = (
        result.graph.ids.tolist(),
        result.degree.tolist(),
        result.strength.tolist(),
        result.betweenness.tolist(),
        list(map(int, b_rank)),
        list(map(int, d_rank)),
        [c if c >= 0 else None for c in result.community.tolist()],
        result.groups_bridged.tolist(),
        result.reach.tolist(),
        result.articulation.tolist(),
        (result.degree == 0).tolist(),
        (result.degree == 1).tolist(),
        result.admin_tie.tolist(),
    )
    for row in zip(*columns, strict=True):
        yield (snapshot_id, *row)


def _store_metrics(snapshot_id: int, result: Result) -> None:
    rows = _metric_rows(snapshot_id, result)
    if connection.vendor == "postgresql":
        table = ActorMetrics._meta.db_table
        sql = f"COPY {table} ({', '.join(METRIC_COLUMNS)}) FROM STDIN"
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
        return
    fields = [c.removesuffix("_id") + "_id" if c.endswith("_id") else c for c in METRIC_COLUMNS]
    batch = []
    for row in rows:
        batch.append(ActorMetrics(**dict(zip(fields, row, strict=True))))
        if len(batch) >= 5000:
            ActorMetrics.objects.bulk_create(batch)
            batch = []
    ActorMetrics.objects.bulk_create(batch)


def _prune(scope: str) -> None:
    kept = NetworkSnapshot.objects.filter(scope=scope).order_by("-computed_at", "-id")
    stale = kept.filter(monthly=False).values_list("pk", flat=True)[KEEP_SNAPSHOTS:]
    NetworkSnapshot.objects.filter(pk__in=list(stale)).delete()
    old = list(kept.values_list("pk", flat=True)[KEEP_ACTOR_METRICS:])
    if old:
        ActorMetrics.objects.filter(snapshot_id__in=old).delete()


def _month_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day.replace(day=1), datetime.time()))


def _has_monthly(scope: str, day: datetime.date) -> bool:
    """Whether `scope` has a monthly snapshot computed in the month of `day` (local time)."""
    start = _month_start(day)
    end = _month_start(day.replace(day=28) + datetime.timedelta(days=4))
    return NetworkSnapshot.objects.filter(
        scope=scope, monthly=True, computed_at__gte=start, computed_at__lt=end
    ).exists()


def snapshot_compute(
    scope: str = SnapshotScope.INTERNAL, *, now=None, as_of: datetime.date | None = None, **options
) -> NetworkSnapshot:
    """Compute and store one snapshot of `scope`; prune old ones. Runs in the background task.

    With `as_of` (a past day): the network as it stood at the end of that day (load_graph_as_of),
    stored as the monthly snapshot of its month with `computed_at` the last second of that day;
    without per-actor rows (the profiles and lists read the newest snapshot only).
    """
    if scope not in SnapshotScope.values:
        raise ValueError(f"unknown scope {scope!r}")
    started = time.perf_counter()
    if as_of is not None:
        now = timezone.make_aware(datetime.datetime.combine(as_of, datetime.time(23, 59, 59)))
        graph = load_graph(scope, as_of=as_of)
    else:
        now = now or timezone.now()
        graph = load_graph(scope, today=timezone.localdate(now))
    load_s = time.perf_counter() - started
    result = compute(graph, **options)
    result.aggregates["timings"]["load_s"] = round(load_s, 3)
    result.aggregates["communities"]["themes"] = _community_themes(result)
    if as_of is not None:
        result.aggregates["as_of"] = as_of.isoformat()
    with transaction.atomic():
        monthly = not _has_monthly(scope, timezone.localdate(now))
        snapshot = NetworkSnapshot.objects.create(
            scope=scope, computed_at=now, monthly=monthly, aggregates=result.aggregates, **result.figures
        )
        if as_of is None:
            t = time.perf_counter()
            _store_metrics(snapshot.pk, result)
            result.aggregates["timings"]["store_s"] = round(time.perf_counter() - t, 3)
        _prune(scope)
        if scope == SnapshotScope.PUBLIC:
            bump_content_generation()  # profiles and the public health page show the new figures
        snapshot.duration_seconds = time.perf_counter() - started
        snapshot.aggregates = result.aggregates
        snapshot.save(update_fields=["duration_seconds", "aggregates"])
    logger.info("network snapshot %s: %s actors in %.1f s", scope, graph.n, snapshot.duration_seconds)
    return snapshot


def month_ends(months: int, today: datetime.date | None = None) -> list[datetime.date]:
    """The last days of the `months` months before the current one, oldest first."""
    day = (today or timezone.localdate()).replace(day=1)
    ends = []
    for _ in range(months):
        day -= datetime.timedelta(days=1)
        ends.append(day)
        day = day.replace(day=1)
    return ends[::-1]


def snapshot_history(scope: str, months: int, *, today: datetime.date | None = None, **options):
    """Fill the monthly history: one as-of snapshot for each of the last `months` month ends whose
    month has no monthly snapshot yet (idempotent: a second run computes nothing). Oldest first."""
    return [
        snapshot_compute(scope, as_of=end, **options)
        for end in month_ends(months, today)
        if not _has_monthly(scope, end)
    ]


def latest_snapshot(scope: str) -> NetworkSnapshot | None:
    return NetworkSnapshot.objects.filter(scope=scope).order_by("-computed_at", "-id").first()
