"""Ego-network JSON speed on the bench database, in-process (Django test client, no HTTP server).

    KNOTENPUNKT_PAGE_CACHE=0 .venv/bin/python -m bench.network_map   # DATABASE_URL defaults to knotenpunkt_bench

Without KNOTENPUNKT_PAGE_CACHE=0 the visitors' figures are page-cache hits.

Prints p50/p95 for visitors and a coordinator, 1 and 2 steps, over the biggest hubs and actors
across the degree distribution (bench/dataset.profile_slugs).
"""

from __future__ import annotations

import os
import sys
import time

import django
import numpy as np

EGO_P95_MS = 50


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "knotenpunkt.settings")
    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/knotenpunkt_bench")
    django.setup()
    from django.test import Client
    from django.urls import reverse

    from bench import dataset
    from knotenpunkt.accounts.models import Role, User

    coordinator = User.objects.filter(role=Role.COORDINATOR, is_active=True).first()
    if coordinator is None:
        coordinator = User.objects.create(username="bench-map-koordination", role=Role.COORDINATOR)
    profiles = dataset.profile_slugs()
    chosen = profiles["hubs"] + profiles["mixed"]
    slugs = [slug for slug, _ in chosen]
    print(f"{len(slugs)} actors, degrees {[d for _, d in chosen]}")
    ok = True
    for who in ("visitor", "coordinator"):
        client = Client()
        if who == "coordinator":
            client.force_login(coordinator)
        for steps in (1, 2):
            samples, sizes = [], []
            for _ in range(2):  # warm-up
                for slug in slugs:
                    client.get(reverse("network:ego", args=[slug]), {"steps": steps})
            for _ in range(10):
                for slug in slugs:
                    t0 = time.perf_counter()
                    response = client.get(reverse("network:ego", args=[slug]), {"steps": steps})
                    samples.append((time.perf_counter() - t0) * 1000)
                    assert response.status_code == 200, response.status_code
                    data = response.json()
                    sizes.append((len(data["nodes"]), len(data["edges"])))
            p50, p95 = np.percentile(samples, 50), np.percentile(samples, 95)
            ok &= p95 <= EGO_P95_MS
            print(
                f"ego {who:11} steps={steps}: p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  max {max(samples):6.1f} ms  "
                f"nodes ≤ {max(n for n, _ in sizes)}  edges ≤ {max(e for _, e in sizes)}  (n={len(samples)})"
            )
    for who in ("visitor", "coordinator"):
        client = Client()
        if who == "coordinator":
            client.force_login(coordinator)
        for label, params in (("ohne Filter", {}), ("kind=association", {"kind": "association"}),
                              ("view=kinds", {"view": "kinds"})):  # fmt: skip
            samples = []
            for _ in range(3):
                t0 = time.perf_counter()
                response = client.get(reverse("network:graph"), params)
                samples.append((time.perf_counter() - t0) * 1000)
            data = response.json()
            print(
                f"graph {who:11} {label:17}: median {np.median(samples):7.0f} ms  nodes {len(data['nodes'])}  "
                f"edges {len(data['edges'])}  total {data.get('total')}"
            )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
