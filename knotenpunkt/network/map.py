"""Graph JSON for the network map (/netzwerk/): ego networks, filtered subgraphs, the view by kind.

Every read goes through the permission layer: nodes are `actor_permissions.visible_actors(user)`,
declared ties `permissions.visible_ties(user)`. Derived ties (shared activities) reach
internal readers whole; everybody else sees a pair only if both actors are published and
they met at a public activity, counted over those public meetings only.

Large networks are never sent whole: an ego network keeps the strongest ties up to
EGO_MAX_NODES, a filtered subgraph the best-connected actors up to GRAPH_MAX_NODES, and the
views by kind (`kind_graph`) and by group (`community_graph`) summarise any number of actors in
a handful of nodes. Both read the nightly analytics snapshot of the reader's scope (internal
readers the internal one, everybody else the public one) where they can, so they cost a single
query; the view by kind with filters is aggregated live.

Node sizes are pluggable: SIZE_METRICS maps a key to a function computing one number per node
(analytics snapshots can register further metrics such as betweenness).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, F, Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from knotenpunkt.accounts import roles
from knotenpunkt.actors import permissions as actor_permissions
from knotenpunkt.actors.models import Actor, ActorKind, Theme
from knotenpunkt.actors.selectors import filter_actors
from knotenpunkt.network import permissions, selectors
from knotenpunkt.network.models import ActorMetrics, DerivedTie, NetworkSnapshot, SnapshotScope, Tie

EGO_MAX_NODES = 300
EGO_EXPAND_MAX = 10  # ring-1 actors whose own ties are followed for the second step (the strongest)
GRAPH_MAX_NODES = 2000
GRAPH_MAX_EDGES = 8000
SERVER_LAYOUT_FROM = 400  # nodes; smaller views are laid out in the browser (fCoSE, nicer, fast enough)
SERVER_LAYOUT_ITERATIONS = 100
DERIVED = "derived"  # the edge kind of derived ties in the JSON and in the tie-kind filter
COMBINED = "combined"  # the edge kind of snapshot aggregates: tied pairs, declared and derived together
# Filters that change which actors or ties are counted: without them the aggregated views come from the snapshot.
COUNTING_FILTERS = ("kind", "level", "theme", "sdg", "country", "community", "tie_kind", "layer", "since", "until")

NODE_FIELDS = ("pk", "name", "slug", "kind", "level", "published", "tie_count")


# --- node size metrics ------------------------------------------------------------------------


@dataclass(frozen=True)
class SizeMetric:
    key: str
    label: str
    compute: Callable[[list[dict], list[dict]], dict[int, float]]
    internal_only: bool = False  # counts what visitors may not see (e.g. non-public ties)


def _tie_count(nodes, edges):
    return {node["id"]: node["tie_count"] for node in nodes}


def _degree(nodes, edges):
    degree = Counter()
    for edge in edges:
        degree[edge["source"]] += 1
        degree[edge["target"]] += 1
    return {node["id"]: degree[node["id"]] for node in nodes}


SIZE_METRICS: dict[str, SizeMetric] = {
    "degree": SizeMetric("degree", _("Verbindungen in dieser Ansicht"), _degree),
    "tie_count": SizeMetric("tie_count", _("Beziehungen insgesamt"), _tie_count, internal_only=True),
}


def register_size_metric(metric: SizeMetric) -> None:
    """Offer another node size on the map (e.g. betweenness from an analytics snapshot)."""
    SIZE_METRICS[metric.key] = metric


def size_metrics_for(user) -> list[SizeMetric]:
    internal = roles.is_internal_reader(user)
    return [m for m in SIZE_METRICS.values() if internal or not m.internal_only]


# --- building blocks ----------------------------------------------------------------------------

# A DerivedTie count column and the first/last days of the same meetings.
MET_COLUMNS = {
    "count": ("first_met", "last_met"),
    "staff_count": ("staff_first_met", "staff_last_met"),
    "public_count": ("public_first_met", "public_last_met"),
}


def _derived_ties(user, *, ends_checked: bool = False) -> tuple:
    """(queryset, count column) of the derived ties `user` may see.

    `ends_checked`: the caller keeps only edges between visible actors, so for a visitor (who sees
    published actors only) the published check on both ends (two joins) can be left out.
    """
    if roles.is_coordinator(user):
        return DerivedTie.objects.all(), "count"
    if roles.is_internal_reader(user):
        # City staff: the meetings they may see (no coordination-only contacts).
        return DerivedTie.objects.filter(staff_count__gt=0), "staff_count"
    visible = DerivedTie.objects.filter(public_count__gt=0)
    if not (ends_checked and roles.role_of(user) is None):
        visible = visible.filter(actor_a__published=True, actor_b__published=True)
    return visible, "public_count"


def _declared_ties(user, *, ends_checked: bool = False):
    """The declared ties `user` may see (permissions.visible_ties).

    For a visitor that is "public, both ends published"; with `ends_checked` (the caller keeps
    only edges between visible, hence published, actors) the two joins that check the ends are
    left out. tests/test_network_map.py checks both readings agree.
    """
    if ends_checked and roles.role_of(user) is None:
        return Tie.objects.filter(public=True)
    return permissions.visible_ties(user)


def _nodes(user, ids) -> dict[int, dict]:
    rows = actor_permissions.visible_actors(user).filter(pk__in=list(ids)).values(*NODE_FIELDS)
    return {row["pk"]: _node(row) for row in rows}


def _node(row) -> dict:
    return {
        "id": row["pk"],
        "name": row["name"],
        "slug": row["slug"],
        "kind": row["kind"],
        "level": row["level"],
        "published": row["published"],
        "tie_count": row["tie_count"],
    }


def _declared_edge(row) -> dict:
    pk, source, target, kind = row
    return {"id": f"t{pk}", "source": source, "target": target, "kind": kind, "derived": False, "weight": 1}


def _derived_edge(row) -> dict:
    a, b, count = row
    return {"id": f"d{a}-{b}", "source": a, "target": b, "kind": DERIVED, "derived": True, "weight": count}


def _finish(user, nodes: dict[int, dict], edges: list[dict], **extra) -> dict:
    """Drop edges to actors outside the node set, attach the size metrics, shape the JSON."""
    edges = [e for e in edges if e["source"] in nodes and e["target"] in nodes]
    node_list = list(nodes.values())
    for metric in size_metrics_for(user):
        values = metric.compute(node_list, edges)
        for node in node_list:
            node.setdefault("metrics", {})[metric.key] = values.get(node["id"], 0)
    # The count every page shows for an actor (selectors.direct_tie_counts), whatever this view filters out.
    direct = selectors.direct_tie_counts(user=user, actor_ids=list(nodes))
    for node in node_list:
        del node["tie_count"]
        node["direct_ties"] = direct.get(node["id"], 0)
    return {"nodes": node_list, "edges": edges, **extra}


# --- ego network ------------------------------------------------------------------------------


def _both_ends_in(qs, first: str, second: str, ids: list[int]):
    """Rows of `qs` whose columns `first` and `second` are both in `ids`.

    On PostgreSQL the ids go as one array parameter (`= ANY(%s)`): building and binding two IN lists
    of 300 ids costs more time in Python than the query takes in the database.
    """
    if connection.vendor != "postgresql":
        return qs.filter(**{f"{first}__in": ids, f"{second}__in": ids})
    table = connection.ops.quote_name(qs.model._meta.db_table)
    a, b = connection.ops.quote_name(first), connection.ops.quote_name(second)
    return qs.extra(where=[f"{table}.{a} = ANY(%s) AND {table}.{b} = ANY(%s)"], params=[ids, ids])  # noqa: S610


def ego_graph(*, user, actor: Actor, steps: int = 1, layers: tuple[str, ...] = ("declared", "derived")) -> dict:
    """The actors around `actor` (1 or 2 steps) and the ties among them, as far as `user` may see.

    At most EGO_MAX_NODES actors: the ego, then its neighbours by strength (declared ties count
    1 each, derived ties their number of meetings), then the second ring by the same measure
    summed over the ring-1 actors it is tied to. Only the EGO_EXPAND_MAX strongest ring-1
    actors are followed for the second step. Once the actors are chosen, one more query per
    layer fetches the ties among them (both ends chosen), so ties between neighbours and between
    second-ring actors are shown too; at most GRAPH_MAX_EDGES edges, the ego's own first.
    """
    steps = 2 if steps == 2 else 1
    # Edges are kept only between visible actors (_finish), so the ends need no check here.
    ties = _declared_ties(user, ends_checked=True)
    derived, count = _derived_ties(user, ends_checked=True)
    want_declared, want_derived = "declared" in layers, "derived" in layers
    edges: dict[str, dict] = {}

    def collect(ids):
        """Edges touching `ids`, and each neighbour's strength."""
        strength = Counter()
        found = []
        if want_declared:
            rows = (
                ties.filter(Q(source_id__in=ids) | Q(target_id__in=ids))
                .order_by()
                .values_list("pk", "source_id", "target_id", "kind")
            )
            found += [_declared_edge(row) for row in rows]
        if want_derived:
            rows = (
                derived.filter(Q(actor_a_id__in=ids) | Q(actor_b_id__in=ids))
                .order_by()
                .values_list("actor_a_id", "actor_b_id", count)
            )
            found += [_derived_edge(row) for row in rows]
        for edge in found:
            edges[edge["id"]] = edge
            for end, other in ((edge["source"], edge["target"]), (edge["target"], edge["source"])):
                if end in ids and other not in ids:
                    strength[other] += edge["weight"]
        return strength

    def among(ids):
        """The edges with both ends in `ids` (ties between neighbours, between second-ring actors)."""
        if not ids:  # (one id finds nothing, but keeps the number of queries fixed)
            return
        if want_declared:
            rows = _both_ends_in(ties, "source_id", "target_id", ids).order_by()
            edges.update(
                (e["id"], e) for e in map(_declared_edge, rows.values_list("pk", "source_id", "target_id", "kind"))
            )
        if want_derived:
            rows = _both_ends_in(derived, "actor_a_id", "actor_b_id", ids).order_by()
            edges.update((e["id"], e) for e in map(_derived_edge, rows.values_list("actor_a_id", "actor_b_id", count)))

    ego = {actor.pk}
    covered = set(ego)  # actors whose every edge is fetched already
    ring1 = collect(ego)
    chosen = [actor.pk, *(pk for pk, _ in ring1.most_common(EGO_MAX_NODES - 1))]
    nodes = _nodes(user, chosen)
    ring1_ids = [pk for pk in chosen[1:] if pk in nodes]
    truncated = len(ring1) > len(ring1_ids)
    if steps == 2 and ring1_ids and len(nodes) < EGO_MAX_NODES:
        expand = sorted(ring1_ids, key=lambda pk: -ring1[pk])[:EGO_EXPAND_MAX]
        ring2 = collect(set(expand))
        covered.update(expand)
        ring2 = Counter({pk: s for pk, s in ring2.items() if pk not in nodes})
        extra = [pk for pk, _ in ring2.most_common(EGO_MAX_NODES - len(nodes))]
        nodes.update(_nodes(user, extra))
        truncated = truncated or len(ring2) > len(extra) or len(expand) < len(ring1_ids)
    # The edges between two actors not followed so far; one end followed: fetched above already.
    among([pk for pk in nodes if pk not in covered])
    if actor.pk in nodes:
        nodes[actor.pk]["ego"] = True
    kept = [e for e in edges.values() if e["source"] in nodes and e["target"] in nodes]
    edges_total = len(kept)
    if edges_total > GRAPH_MAX_EDGES:
        own = actor.pk
        kept.sort(key=lambda e: (e["source"] != own and e["target"] != own, -e["weight"]))
        kept = kept[:GRAPH_MAX_EDGES]
    return _finish(
        user, nodes, kept, ego=actor.pk, steps=steps, truncated=truncated, limit=EGO_MAX_NODES,
        edges_truncated=edges_total > GRAPH_MAX_EDGES,
    )  # fmt: skip


# --- filtered subgraph -----------------------------------------------------------------------


def snapshot_for(user) -> NetworkSnapshot | None:
    """The latest analytics snapshot `user` may read: the internal one for internal readers, else the public one."""
    scope = SnapshotScope.INTERNAL if roles.is_internal_reader(user) else SnapshotScope.PUBLIC
    return NetworkSnapshot.objects.filter(scope=scope).order_by("-computed_at", "-id").first()


def filtered_actors(*, user, filters: dict):
    """Visible actors matching the map's actor filters (validated values from MapFilterForm).

    `community` is a group of the latest snapshot of the user's scope (ActorMetrics.community);
    without a snapshot no actor matches.
    """
    actors = filter_actors(actor_permissions.visible_actors(user), filters)
    if "community" in filters:
        snapshot = snapshot_for(user)
        if snapshot is None:
            return actors.none()
        members = ActorMetrics.objects.filter(snapshot=snapshot, community=filters["community"]).values("actor_id")
        actors = actors.filter(pk__in=members)
    return actors


def _tie_layers(filters: dict) -> tuple[bool, bool, list[str]]:
    """(declared wanted, derived wanted, declared kinds or [] for all) from the tie filters."""
    kinds = list(filters.get("tie_kind", []))
    layer = filters.get("layer", "")
    want_declared = layer != DERIVED and (not kinds or any(k != DERIVED for k in kinds))
    want_derived = layer != "declared" and (not kinds or DERIVED in kinds)
    return want_declared, want_derived, [k for k in kinds if k != DERIVED]


def _window(qs, filters: dict, *, start: str, end: str):
    """Ties active at some point in [since, until]: started before its end, not ended before its start."""
    since, until = filters.get("since"), filters.get("until")
    if until:
        qs = qs.filter(Q(**{f"{start}__isnull": True}) | Q(**{f"{start}__lte": until}))
    if since:
        qs = qs.filter(Q(**{f"{end}__isnull": True}) | Q(**{f"{end}__gte": since}))
    return qs


def subgraph(*, user, filters: dict, max_nodes: int | None = None) -> dict:
    """Actors matching `filters` (best-connected first, at most `max_nodes` or GRAPH_MAX_NODES) and their ties."""
    max_nodes = max_nodes or GRAPH_MAX_NODES
    actors = filtered_actors(user=user, filters=filters)
    total = actors.count()
    rows = actors.order_by("-tie_count", "name", "pk").values(*NODE_FIELDS)[:max_nodes]
    nodes = {row["pk"]: _node(row) for row in rows}
    ids = list(nodes)
    want_declared, want_derived, kinds = _tie_layers(filters)
    edges = []
    if ids and want_declared:
        # Edges are kept only between the visible actors chosen above (_finish).
        ties = _declared_ties(user, ends_checked=True).filter(source_id__in=ids)
        if kinds:
            ties = ties.filter(kind__in=kinds)
        ties = _window(ties, filters, start="start_date", end="end_date")
        # Only the source in SQL: SQLite plans two long IN lists badly; the target is checked here.
        rows = ties.values_list("pk", "source_id", "target_id", "kind").iterator(chunk_size=5000)
        edges += [_declared_edge(row) for row in rows if row[2] in nodes]
    if ids and want_derived:
        derived, count = _derived_ties(user, ends_checked=True)
        derived = derived.filter(actor_a_id__in=ids, actor_b_id__in=ids)
        first, last = MET_COLUMNS[count]
        derived = _window(derived, filters, start=first, end=last)
        rows = derived.order_by(f"-{count}").values_list("actor_a_id", "actor_b_id", count)[:GRAPH_MAX_EDGES]
        edges += map(_derived_edge, rows)
    # A browser draws a few thousand edges smoothly, not tens of thousands: the strongest stay.
    edges_total = len(edges)
    if edges_total > GRAPH_MAX_EDGES:
        edges = sorted(edges, key=lambda e: -e["weight"])[:GRAPH_MAX_EDGES]
    data = _finish(
        user, nodes, edges, total=total, truncated=total > len(nodes), limit=max_nodes,
        edges_truncated=edges_total > GRAPH_MAX_EDGES,
    )  # fmt: skip
    if len(data["nodes"]) >= SERVER_LAYOUT_FROM:
        _lay_out(data)
    return data


def _lay_out(data: dict) -> None:
    """Positions (x, y) for every node, computed here (igraph, Fruchterman-Reingold in C).

    A browser needs seconds for a force layout of thousands of nodes; this takes a fraction of one,
    so big views arrive laid out and are drawn at once.
    """
    import igraph

    index = {node["id"]: i for i, node in enumerate(data["nodes"])}
    pairs = {(index[e["source"]], index[e["target"]]) for e in data["edges"]}
    graph = igraph.Graph(n=len(index), edges=[(a, b) for a, b in pairs if a != b])
    # Isolated actors would drift far out and shrink the rest to a dot: they go in rows below it.
    connected = [v for v, degree in enumerate(graph.degree()) if degree]
    positions = [(0.0, 0.0)] * len(index)
    width = 40 * max(len(connected), 1) ** 0.5  # about 40 px of room per node
    if connected:
        sub = graph.induced_subgraph(connected)
        layout = sub.layout_fruchterman_reingold(niter=SERVER_LAYOUT_ITERATIONS)
        (x1, y1), (x2, y2) = layout.boundaries()
        scale = width / max(x2 - x1, y2 - y1, 1e-9)
        for v, (x, y) in zip(connected, layout.coords, strict=True):
            positions[v] = ((x - x1) * scale, (y - y1) * scale)
        bottom = (y2 - y1) * scale + 60
    else:
        bottom = 0
    isolated = [v for v in range(len(index)) if not graph.degree(v)]
    per_row = max(int(width // 30), 10)
    for i, v in enumerate(isolated):
        positions[v] = ((i % per_row) * 30, bottom + (i // per_row) * 30)
    for node, (x, y) in zip(data["nodes"], positions, strict=True):
        node["x"], node["y"] = round(x, 1), round(y, 1)


# --- view by kind ------------------------------------------------------------------------------


def counting_filters_set(filters: dict) -> bool:
    return any(filters.get(key) not in (None, "", []) for key in COUNTING_FILTERS)


def _snapshot_fields(snapshot: NetworkSnapshot) -> dict:
    """Which snapshot a view reflects, for the JSON (ISO time) and the status line (local, German)."""
    local = timezone.localtime(snapshot.computed_at)
    return {"snapshot": local.isoformat(), "snapshot_label": formats.date_format(local, "DATETIME_FORMAT")}


def _aggregate_node(node_id: str, name: str, kind: str, count: int, user, **extra) -> dict:
    metrics = {m.key: count for m in size_metrics_for(user)}
    return {"id": node_id, "name": name, "slug": "", "kind": kind, "level": "", "published": True,
            "count": count, "metrics": metrics, **extra}  # fmt: skip


def _combined_edges(prefix: str, ids: list[str], matrix: list[list[int]]) -> list[dict]:
    """One edge per pair of groups with ties between them (upper triangle of a symmetric matrix)."""
    return [
        {"id": f"{prefix}{ids[i]}-{ids[j]}", "source": ids[i], "target": ids[j], "kind": COMBINED,
         "derived": False, "weight": matrix[i][j]}
        for i in range(len(ids)) for j in range(i + 1, len(ids))
        if ids[i] and ids[j] and matrix[i][j]
    ]  # fmt: skip


def kind_graph(*, user, filters: dict) -> dict:
    """One node per actor kind (with the number of actors), one edge per pair of kinds (number of ties).

    Without actor or tie filters this is read from the latest snapshot of the user's scope
    (`actors_by_kind`, `kind_matrix`): it counts tied pairs that are current today, declared and
    derived together (kind COMBINED), where the live aggregation counts every declared tie and
    every derived pair on its own. With filters, or before the first snapshot, it is live.
    """
    if not counting_filters_set(filters):
        snapshot = snapshot_for(user)
        if snapshot is not None and {"kinds", "kind_matrix", "actors_by_kind"} <= snapshot.aggregates.keys():
            return _kind_graph_from_snapshot(user, snapshot)
    return _kind_graph_live(user=user, filters=filters)


def _kind_graph_from_snapshot(user, snapshot: NetworkSnapshot) -> dict:
    agg = snapshot.aggregates
    labels = dict(ActorKind.choices)
    counts = agg["actors_by_kind"]
    ids = [f"kind-{kind}" if counts[i] else "" for i, kind in enumerate(agg["kinds"])]
    matrix = agg["kind_matrix"]
    nodes = [
        _aggregate_node(ids[i], str(labels.get(kind, kind)), kind, counts[i], user, inner_ties=matrix[i][i])
        for i, kind in enumerate(agg["kinds"])
        if counts[i]
    ]
    return {
        "nodes": nodes, "edges": _combined_edges("k", ids, matrix), "aggregated": True, "view": "kinds",
        "total": sum(counts), **_snapshot_fields(snapshot),
    }  # fmt: skip


def _kind_graph_live(*, user, filters: dict) -> dict:
    actors = filtered_actors(user=user, filters=filters)
    counts = dict(actors.order_by().values_list("kind").annotate(n=Count("pk")))
    labels = dict(ActorKind.choices)
    nodes = {
        kind: {"id": f"kind-{kind}", "name": str(labels.get(kind, kind)), "slug": "", "kind": kind, "level": "",
               "published": True, "count": n, "metrics": {m.key: n for m in size_metrics_for(user)}}
        for kind, n in counts.items()
    }  # fmt: skip
    want_declared, want_derived, kinds = _tie_layers(filters)
    pairs: dict[tuple[str, str, bool], int] = defaultdict(int)
    matching = actors.values("pk")
    if counts and want_declared:
        ties = permissions.visible_ties(user).filter(source_id__in=matching, target_id__in=matching)
        if kinds:
            ties = ties.filter(kind__in=kinds)
        ties = _window(ties, filters, start="start_date", end="end_date")
        for a, b, n in ties.order_by().values_list(F("source__kind"), F("target__kind")).annotate(n=Count("pk")):
            pairs[(*sorted((a, b)), False)] += n
    if counts and want_derived:
        derived, count = _derived_ties(user)
        first, last = MET_COLUMNS[count]
        derived = _window(
            derived.filter(actor_a_id__in=matching, actor_b_id__in=matching), filters, start=first, end=last
        )
        for a, b, n in derived.order_by().values_list(F("actor_a__kind"), F("actor_b__kind")).annotate(n=Count("pk")):
            pairs[(*sorted((a, b)), True)] += n
    edges = [
        {"id": f"k{a}-{b}-{'d' if d else 't'}", "source": f"kind-{a}", "target": f"kind-{b}",
         "kind": DERIVED if d else "declared", "derived": d, "weight": n}
        for (a, b, d), n in sorted(pairs.items())
        if a != b
    ]  # fmt: skip
    loops = {(a, d): n for (a, b, d), n in pairs.items() if a == b}
    for kind, node in nodes.items():
        node["inner_ties"] = loops.get((kind, False), 0) + loops.get((kind, True), 0)
    return {
        "nodes": list(nodes.values()), "edges": edges, "aggregated": True, "view": "kinds",
        "total": sum(counts.values()),
    }  # fmt: skip


# --- view by group (communities of the snapshot) ------------------------------------------------

KIND_PLURALS = {
    ActorKind.ASSOCIATION: _("Vereine"),
    ActorKind.INITIATIVE: _("Initiativen"),
    ActorKind.FAIR_TRADE_SHOP: _("Weltläden"),
    ActorKind.DIASPORA: _("Migranten-/Diasporaorganisationen"),
    ActorKind.SCHOOL: _("Schulen"),
    ActorKind.UNIVERSITY: _("Hochschulen"),
    ActorKind.RELIGIOUS: _("Religionsgemeinschaften"),
    ActorKind.FOUNDATION: _("Stiftungen"),
    ActorKind.COMPANY: pgettext_lazy("actors of this kind", "Unternehmen"),
    ActorKind.NETWORK: _("Netzwerke/Foren"),
    ActorKind.CITY_DEPARTMENT: _("städtische Dienststellen"),
    ActorKind.STATE_BODY: _("Landesebene"),
    ActorKind.FEDERAL_BODY: _("Bundesebene"),
    ActorKind.PARTNER_MUNICIPALITY: _("Partnerkommunen im Ausland"),
    ActorKind.OTHER: _("Sonstige"),
}


def community_label(number: int | None, size: int, kind: str, theme: str | None) -> str:
    """ "Gruppe 1 · 1.234 Akteure · meist Vereine, Klimaschutz" (number None: the other groups together)."""
    head = _g("Gruppe %(n)s") % {"n": number} if number is not None else _g("Übrige Gruppen")
    count = _g("%(n)s Akteure") % {"n": formats.number_format(size, force_grouping=True)}
    mostly = _g("meist %(kind)s") % {"kind": KIND_PLURALS.get(kind, kind)}
    if theme:
        mostly = f"{mostly}, {theme}"
    return " · ".join((head, count, mostly))


def community_graph(*, user) -> dict:
    """One node per group of the latest snapshot of the user's scope, sized by its members; edges
    weighted by the tied pairs between two groups. The largest TOP_COMMUNITIES groups one by one
    (`community` is the value of the map's `community` filter, for the drill-down), the rest as one
    node. Actors without any tie belong to no group and are not counted.
    """
    snapshot = snapshot_for(user)
    groups = snapshot.aggregates.get("communities") if snapshot is not None else None
    if not groups:
        return {
            "nodes": [], "edges": [], "aggregated": True, "view": "communities", "total": 0,
            "message": _g(
                "Die Gruppen werden nachts berechnet – sobald die erste Auswertung vorliegt, erscheinen sie hier. "
                "Bis dahin zeigt die Ansicht „Einzelne Akteure“ das Netzwerk."
            ),
        }  # fmt: skip
    theme_ids = {t for t in groups["themes"] if t is not None}
    themes = {t.pk: t.name for t in Theme.objects.filter(pk__in=theme_ids)} if theme_ids else {}
    ids, nodes = [], []
    for i, size in enumerate(groups["sizes"]):
        number = i + 1 if i < groups["shown"] else None
        node_id = f"community-{i}" if number else "community-rest"
        ids.append(node_id if size else "")
        if not size:
            continue
        kind, theme = groups["kinds"][i], themes.get(groups["themes"][i])
        extra = {"community": i} if number else {}
        nodes.append(_aggregate_node(node_id, community_label(number, size, kind, theme), kind, size, user,
                                     inner_ties=groups["matrix"][i][i], **extra))  # fmt: skip
    return {
        "nodes": nodes, "edges": _combined_edges("c", ids, groups["matrix"]), "aggregated": True,
        "view": "communities", "total": sum(groups["sizes"]), "groups": groups["count"],
        **_snapshot_fields(snapshot),
    }  # fmt: skip
