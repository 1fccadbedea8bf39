"""Network analytics benchmark (issue 4): all figures of network/analytics.py on the synthetic network.

Part of `make bench`; alone with `python -m bench.run --only analytics` (needs the network, and for
derived pairs the activities, loaded by the other parts first). Measures, each in a fresh
subprocess so that the peak memory (VmHWM, bench/memory.py) is the computation's own:

* `snapshot_compute("internal")` and `snapshot_compute("public")` end to end: reading ties and
  derived pairs from PostgreSQL, every figure, storing the snapshot with 100,000 ActorMetrics rows;
  target ≤ 120 s and ≤ 2 GB peak RSS for the internal one (the larger);
* the same figures with plain networkx on the same graph, metric by metric next to igraph, for the
  speed-up. networkx steps that would run for long are measured on part of the work and
  extrapolated, as the result says: betweenness from NX_SOURCES sources scaled to the sources
  analytics uses, reach from NX_REACH_NODES actors scaled to all; Louvain stops at NX_BUDGET_S
  (then reported as "more than").
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

from bench import memory

TARGET_S = 120
TARGET_RSS_MB = 2048
NX_SOURCES = 8
NX_REACH_NODES = 500
NX_BUDGET_S = 300


def _child(argv: list[str], env: dict) -> dict:
    proc = subprocess.run(
        [sys.executable, "-m", "bench.analytics", *argv], env=env, capture_output=True, text=True, check=False
    )
    if proc.returncode:
        return {"error": proc.stderr[-3000:]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _rss_mb() -> float:
    """Peak RSS of this process plus the peak of its forked betweenness workers (an upper bound:
    the workers share the graph's pages with the parent)."""
    return round(memory.own_peak_mb() + memory.children_peak_mb(), 1)


def child_snapshot(scope: str) -> dict:
    from knotenpunkt.network import analytics

    started = time.perf_counter()
    snapshot = analytics.snapshot_compute(scope)
    seconds = time.perf_counter() - started
    skip = {"id", "scope", "computed_at", "monthly", "duration_seconds", "aggregates"}
    fields = [f.name for f in type(snapshot)._meta.fields if f.name not in skip]
    return {
        "scope": scope,
        "seconds": round(seconds, 2),
        "peak_rss_mb": _rss_mb(),
        "timings": snapshot.aggregates.get("timings", {}),
        "figures": {f: getattr(snapshot, f) for f in fields},
    }


class _Budget(Exception):
    pass


def _timed(fn, budget: float | None = None):
    """(seconds, result); with a budget, (None, None) once it runs out (pure-Python code only)."""

    def stop(*_args):
        raise _Budget

    if budget:
        signal.signal(signal.SIGALRM, stop)
        signal.alarm(int(budget))
    started = time.perf_counter()
    try:
        result = fn()
    except _Budget:
        return None, None
    finally:
        if budget:
            signal.alarm(0)
    return time.perf_counter() - started, result


def child_networkx() -> dict:
    import igraph as ig
    import networkx as nx
    import numpy as np

    from knotenpunkt.network import analytics

    graph = analytics.load_graph("internal")
    n, u, v, w = graph.n, graph.u, graph.v, graph.w
    rows = {}
    t_ig, g = _timed(lambda: ig.Graph(n=n, edges=np.column_stack([u, v]).tolist(), directed=False))
    t_nx, G = _timed(lambda: _nx_graph(nx, n, u, v, w))
    rows["build graph"] = (t_ig, t_nx, "")
    t_ig, _ = _timed(lambda: np.bincount(u, minlength=n) + np.bincount(v, minlength=n))
    t_nx, _ = _timed(lambda: (dict(G.degree()), dict(G.degree(weight="weight"))))
    rows["degree + weighted degree"] = (t_ig, t_nx, "")
    t_ig, _ = _timed(lambda: (g.articulation_points(), g.connected_components()))
    t_nx, _ = _timed(lambda: (list(nx.articulation_points(G)), list(nx.connected_components(G))))
    rows["articulation points + components"] = (t_ig, t_nx, "")
    rng = np.random.default_rng(1)
    sources = rng.choice(n, size=analytics.BETWEENNESS_SAMPLES, replace=False)
    t_ig, _ = _timed(lambda: g.betweenness(directed=False, sources=sources.tolist()))
    t_few, _ = _timed(lambda: _nx_betweenness_from(nx, G, sources[:NX_SOURCES].tolist()))
    rows["betweenness (sampled sources)"] = (
        t_ig,
        t_few * len(sources) / NX_SOURCES,
        f"networkx: {NX_SOURCES} Quellen gemessen, auf {len(sources)} hochgerechnet",
    )
    t_ig, _ = _timed(lambda: g.neighborhood_size(order=2))
    some = rng.choice(n, size=NX_REACH_NODES, replace=False).tolist()
    t_few, _ = _timed(lambda: [len(nx.single_source_shortest_path_length(G, s, cutoff=2)) for s in some])
    rows["reach (2 steps)"] = (t_ig, t_few * n / NX_REACH_NODES, f"networkx: {NX_REACH_NODES} Akteure, hochgerechnet")
    t_ig, _ = _timed(lambda: g.community_leiden(objective_function="modularity", weights=w.tolist(), n_iterations=2))
    t_nx, _ = _timed(lambda: nx.community.louvain_communities(G, weight="weight", seed=1), budget=NX_BUDGET_S)
    rows["communities (igraph Leiden / networkx Louvain)"] = (
        t_ig,
        t_nx,
        "" if t_nx is not None else f"networkx nach {NX_BUDGET_S} s abgebrochen",
    )
    out = []
    for label, (a, b, note) in rows.items():
        out.append(
            {
                "metric": label,
                "igraph_s": round(a, 3),
                "networkx_s": round(b, 2) if b is not None else None,
                "speedup": round(b / a, 1) if b is not None and a else None,
                "note": note,
            }
        )
    known = [r for r in out if r["networkx_s"] is not None]
    return {
        "nodes": n,
        "edges": len(u),
        "rows": out,
        "total_igraph_s": round(sum(r["igraph_s"] for r in known), 2),
        "total_networkx_s": round(sum(r["networkx_s"] for r in known), 2),
        "peak_rss_mb": _rss_mb(),
    }


def _nx_graph(nx, n, u, v, w):
    G = nx.Graph()
    G.add_nodes_from(range(n))
    G.add_weighted_edges_from(zip(u.tolist(), v.tolist(), w.tolist(), strict=True))
    return G


def _nx_betweenness_from(nx, G, sources):
    """networkx's own sampled betweenness, for given sources (what betweenness_centrality(k=) runs)."""
    from networkx.algorithms.centrality.betweenness import _accumulate_basic, _single_source_shortest_path_basic

    betweenness = dict.fromkeys(G, 0.0)
    for s in sources:
        S, P, sigma, _ = _single_source_shortest_path_basic(G, s)
        betweenness, _ = _accumulate_basic(betweenness, S, P, sigma, s)
    return betweenness


def run(args, env: dict) -> dict:
    results = {}
    for scope in ("internal", "public"):
        print(f"== Netzwerkanalyse: Snapshot {scope} ==", flush=True)
        row = _child(["snapshot", scope], env)
        if "error" not in row:
            row["ok"] = row["seconds"] <= TARGET_S and row["peak_rss_mb"] <= TARGET_RSS_MB
            print(f"  {row['seconds']:.1f} s, Spitze {row['peak_rss_mb']:.0f} MB", flush=True)
        results[scope] = row
    if not getattr(args, "skip_networkx", False):
        print("== Netzwerkanalyse: igraph gegen networkx ==", flush=True)
        results["networkx"] = _child(["networkx"], env)
    results["target_s"], results["target_rss_mb"] = TARGET_S, TARGET_RSS_MB
    return results


def print_table(results: dict) -> None:
    print("\nNetzwerkanalyse")
    for scope in ("internal", "public"):
        row = results.get(scope, {})
        if "error" in row:
            print(f"  {scope}: Fehler\n{row['error']}")
            continue
        f = row["figures"]
        print(
            f"  {scope:<8} {row['seconds']:>7.1f} s  Spitze {row['peak_rss_mb']:>6.0f} MB  "
            f"{'ok' if row['ok'] else 'ZU LANGSAM/GROSS'}  ({f['node_count']:,} Akteure, {f['edge_count']:,} Kanten, "
            f"Vermittler-Fehler ±{f['betweenness_error'] * 100:.1f} % aus {f['betweenness_samples']} Quellen)"
        )
        print("           " + ", ".join(f"{k} {v}" for k, v in row["timings"].items()))
    nxr = results.get("networkx")
    if nxr and "rows" in nxr:
        print(f"  igraph gegen networkx ({nxr['nodes']:,} Knoten, {nxr['edges']:,} Kanten):")
        for r in nxr["rows"]:
            nx_s = f"{r['networkx_s']:.2f}" if r["networkx_s"] is not None else "—"
            speedup = f"{r['speedup']}×" if r["speedup"] else "—"
            print(f"    {r['metric']:<48} {r['igraph_s']:>8.2f} s {nx_s:>9} s {speedup:>8}  {r['note']}")
        print(f"    {'zusammen':<48} {nxr['total_igraph_s']:>8.2f} s {nxr['total_networkx_s']:>9.2f} s")
    elif nxr:
        print(f"  networkx: Fehler\n{nxr.get('error')}")


def main(argv: list[str]) -> int:
    import django

    django.setup()
    if argv[0] == "snapshot":
        result = child_snapshot(argv[1])
    elif argv[0] == "networkx":
        result = child_networkx()
    else:
        raise SystemExit(f"unknown: {argv}")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "knotenpunkt.settings")
    sys.exit(main(sys.argv[1:]))
