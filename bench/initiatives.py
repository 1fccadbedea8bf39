"""Initiatives benchmark (issue 13, "Speed"): stakeholder proposals and the „Wer fehlt?" check on the
bench network plus INITIATIVES synthetic initiatives with STAKEHOLDERS stakeholder rows.

    .venv/bin/python -m bench.run --only initiatives

* `proposals`: `proposals.proposals_for()` for SAMPLES random initiatives, each timed alone; target
  p95 ≤ TARGET_PROPOSALS_MS;
* `coverage`: `coverage.gaps_for_all()` over every initiative, the median of three runs; target
  ≤ TARGET_COVERAGE_S.

The initiative page and the annual report have no code yet; their targets are measured once they do.
"""

from __future__ import annotations

import random
import statistics
import time

INITIATIVES = 2000
STAKEHOLDERS = 50_000
SAMPLES = 50
TARGET_PROPOSALS_MS = 300
TARGET_COVERAGE_S = 5


def ensure_initiatives(seed: int = 1) -> dict:
    from knotenpunkt.demo import synthetic_initiatives
    from knotenpunkt.initiatives.models import Stakeholder

    present = synthetic_initiatives.synthetic_initiatives().count()
    rows = Stakeholder.objects.filter(initiative__in=synthetic_initiatives.synthetic_initiatives()).count()
    if present == INITIATIVES and rows == STAKEHOLDERS:
        return {"initiatives": present, "stakeholders": rows, "created": False}
    synthetic_initiatives.clear()
    started = time.perf_counter()
    out = synthetic_initiatives.load(initiatives=INITIATIVES, stakeholders=STAKEHOLDERS, seed=seed)
    return {**out, "created": True, "seconds": round(time.perf_counter() - started, 1)}


def time_proposals(seed: int = 1) -> dict:
    from knotenpunkt.demo import synthetic_initiatives
    from knotenpunkt.initiatives import proposals

    ids = list(synthetic_initiatives.synthetic_initiatives().values_list("pk", flat=True))
    sample = random.Random(seed).sample(ids, k=min(SAMPLES, len(ids)))
    proposals.proposals_for(synthetic_initiatives.synthetic_initiatives().get(pk=sample[0]))  # warm caches
    times = []
    for pk in sample:
        initiative = synthetic_initiatives.synthetic_initiatives().get(pk=pk)
        started = time.perf_counter()
        proposals.proposals_for(initiative)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    p95 = times[max(0, round(0.95 * len(times)) - 1)]
    return {
        "samples": len(times),
        "median_ms": round(statistics.median(times), 1),
        "p95_ms": round(p95, 1),
        "max_ms": round(times[-1], 1),
        "target_ms": TARGET_PROPOSALS_MS,
        "ok": p95 <= TARGET_PROPOSALS_MS,
    }


def time_coverage() -> dict:
    from knotenpunkt.initiatives import coverage

    runs = []
    for _ in range(3):
        started = time.perf_counter()
        gaps = coverage.gaps_for_all()
        runs.append(time.perf_counter() - started)
    median = statistics.median(runs)
    return {
        "initiatives": len(gaps),
        "gaps": sum(len(found) for found in gaps.values()),
        "runs_s": [round(r, 2) for r in runs],
        "median_s": round(median, 2),
        "target_s": TARGET_COVERAGE_S,
        "ok": median <= TARGET_COVERAGE_S,
    }


def run(args, env: dict) -> dict:
    print("== Vorhaben: synthetische Vorhaben und Beteiligte vorhanden? ==", flush=True)
    data = ensure_initiatives(seed=args.seed)
    print(f"  {data}", flush=True)
    print("== Vorhaben: Vorschläge für Beteiligte ==", flush=True)
    result = {"data": data, "proposals": time_proposals(seed=args.seed)}
    print("== Vorhaben: „Wer fehlt?“ für alle Vorhaben ==", flush=True)
    result["coverage"] = time_coverage()
    return result


def print_table(results: dict) -> None:
    p, c = results["proposals"], results["coverage"]
    print("\nVorhaben (Issue 13)")
    print(
        f"  Vorschläge je Vorhaben: Median {p['median_ms']} ms, p95 {p['p95_ms']} ms, max {p['max_ms']} ms "
        f"(Ziel p95 ≤ {p['target_ms']} ms) {'ok' if p['ok'] else 'VERFEHLT'}"
    )
    print(
        f"  „Wer fehlt?“ für {c['initiatives']} Vorhaben: {c['median_s']} s ({c['gaps']} Lücken; "
        f"Ziel ≤ {c['target_s']} s) {'ok' if c['ok'] else 'VERFEHLT'}"
    )
