"""Ego-network and graph JSON speed on the bench database, in-process (Django test client, no HTTP server).

    .venv/bin/python -m bench.run --only map          # with the browser bench (bench/network_browser.py)
    .venv/bin/python -m bench.network_map             # this part alone; DATABASE_URL defaults to knotenpunkt_bench

The page cache is off in this process (bench.run.configure_environment): the visitors' figures are
computed answers, not page-cache hits.

Ego JSON: p50/p95 for visitors and a coordinator, 1 and 2 steps, over the biggest hubs and actors
across the degree distribution (bench/dataset.profile_slugs); target p95 ≤ 50 ms. Graph JSON
(filtered subgraph, view by kind): the median of a few calls, for orientation (no target here; the
browser bench measures the whole 2,000-node view).
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

EGO_P95_MS = 50
GRAPH_VIEWS = [("ohne Filter", {}), ("kind=association", {"kind": "association"}), ("view=kinds", {"view": "kinds"})]
BENCH_COORDINATOR = "bench-map-koordination"


def bench_coordinator():
    """An active coordinator of the bench database (one is created, without a password, if there is none)."""
    from knotenpunkt.accounts.models import Role, User

    user = User.objects.filter(role=Role.COORDINATOR, is_active=True).order_by("pk").first()
    if user is None:
        user = User.objects.create(username=BENCH_COORDINATOR, role=Role.COORDINATOR)
    return user


def _ms(samples) -> dict:
    return {
        "n": len(samples),
        "p50_ms": round(float(np.percentile(samples, 50)), 2),
        "p95_ms": round(float(np.percentile(samples, 95)), 2),
        "max_ms": round(float(max(samples)), 2),
    }


def run(args, env: dict) -> dict:
    """Ego JSON p50/p95 (visitor, coordinator × 1, 2 steps) and graph JSON medians, in this process."""
    from django.test import Client
    from django.urls import reverse

    from bench import dataset

    reps = getattr(args, "ego_reps", 10)
    coordinator = bench_coordinator()
    profiles = dataset.profile_slugs()
    chosen = profiles["hubs"] + profiles["mixed"]
    slugs = [slug for slug, _ in chosen]
    print(f"== Ego-Netzwerk JSON in-process: {len(slugs)} Akteure, Grade {[d for _, d in chosen]} ==", flush=True)
    results = {"target_p95_ms": EGO_P95_MS, "actors": len(slugs), "degrees": [d for _, d in chosen], "ego": []}
    if not slugs:
        results.update(ok=False, error="keine synthetischen Akteure in der Datenbank")
        return results
    for who in ("visitor", "coordinator"):
        client = Client()
        if who == "coordinator":
            client.force_login(coordinator)
        for steps in (1, 2):
            samples, nodes, edges = [], [], []
            for _ in range(2):  # warm-up
                for slug in slugs:
                    client.get(reverse("network:ego", args=[slug]), {"steps": steps})
            for _ in range(reps):
                for slug in slugs:
                    started = time.perf_counter()
                    response = client.get(reverse("network:ego", args=[slug]), {"steps": steps})
                    samples.append((time.perf_counter() - started) * 1000)
                    if response.status_code != 200:
                        raise RuntimeError(f"ego {slug} steps={steps} ({who}): HTTP {response.status_code}")
                    data = response.json()
                    nodes.append(len(data["nodes"]))
                    edges.append(len(data["edges"]))
            row = {"who": who, "steps": steps, **_ms(samples), "max_nodes": max(nodes), "max_edges": max(edges)}
            row["ok"] = row["p95_ms"] <= EGO_P95_MS
            results["ego"].append(row)
            print(f"  ego {who:11} steps={steps}: p50 {row['p50_ms']} ms, p95 {row['p95_ms']} ms", flush=True)
        client.logout()
    results["graph"] = []
    for who in ("visitor", "coordinator"):
        client = Client()
        if who == "coordinator":
            client.force_login(coordinator)
        for label, params in GRAPH_VIEWS:
            samples = []
            for _ in range(3):
                started = time.perf_counter()
                response = client.get(reverse("network:graph"), params)
                samples.append((time.perf_counter() - started) * 1000)
            data = response.json()
            results["graph"].append(
                {"who": who, "label": label, "params": params, "median_ms": round(float(np.median(samples)), 1),
                 "nodes": len(data["nodes"]), "edges": len(data["edges"]), "total": data.get("total")}
            )  # fmt: skip
        client.logout()
    results["ok"] = all(row["ok"] for row in results["ego"])
    return results


def print_table(results: dict) -> None:
    print("\nEgo-Netzwerk JSON (in-process, ohne Seiten-Cache)")
    if "error" in results:
        print(f"  Fehler: {results['error']}")
        return
    print(f"  {results['actors']} Akteure (Grade {results['degrees']}), Ziel p95 ≤ {results['target_p95_ms']} ms")
    for row in results["ego"]:
        print(
            f"  {row['who']:<11} {row['steps']} Schritt{'e' if row['steps'] == 2 else ' '}  "
            f"p50 {row['p50_ms']:6.1f} ms  "
            f"p95 {row['p95_ms']:6.1f} ms  max {row['max_ms']:6.1f} ms  (n={row['n']}, Knoten ≤ {row['max_nodes']}, "
            f"Kanten ≤ {row['max_edges']})  {'OK' if row['ok'] else 'VERFEHLT'}"
        )
    for row in results.get("graph", []):
        print(
            f"  graph.json {row['who']:<11} {row['label']:<17} Median {row['median_ms']:7.0f} ms  "
            f"Knoten {row['nodes']}, Kanten {row['edges']}, passend {row['total']}"
        )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.network_map", description=__doc__.splitlines()[0])
    parser.add_argument("--ego-reps", type=int, default=10, help="Runden über alle gewählten Akteure")
    args = parser.parse_args(argv)
    from bench.run import DEFAULT_DATABASE_URL, configure_environment

    env = configure_environment(os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL)
    import django

    django.setup()
    results = run(args, env)
    print_table(results)
    return 0 if results["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
