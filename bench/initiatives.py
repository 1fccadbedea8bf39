"""Initiatives benchmark (issue 13, "Speed"): stakeholder proposals and the „Wer fehlt?" check on the
bench network plus INITIATIVES synthetic initiatives with STAKEHOLDERS stakeholder rows.

    .venv/bin/python -m bench.run --only initiatives

* `proposals`: `proposals.proposals_for()` for SAMPLES random initiatives, each timed alone; target
  p95 ≤ TARGET_PROPOSALS_MS;
* `coverage`: `coverage.gaps_for_all()` over every initiative, the median of three runs; target
  ≤ TARGET_COVERAGE_S;
* `page`: GET /vorhaben/<id>/ as a coordinator (in-process test client, production settings, the
  proposals loaded by their own request as in the browser) for SAMPLES initiatives, each PAGE_REPS
  times; target p95 ≤ TARGET_PAGE_MS; the proposals request is timed alongside (its target is the
  proposals' own);
* `report`: the annual report of the current year over the whole bench database (synthetic
  activities loaded if missing), as HTML and as PDF, each the median of REPORT_REPS; targets
  ≤ TARGET_REPORT_HTML_S and ≤ TARGET_REPORT_PDF_S; and the demo's report on a fresh SQLite database
  with the Ludwigsburg demo (bench/demo_report.py, a subprocess), target ≤ TARGET_REPORT_DEMO_S.
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
TARGET_PAGE_MS = 50
PAGE_REPS = 5
TARGET_REPORT_HTML_S = 10
TARGET_REPORT_PDF_S = 30
TARGET_REPORT_DEMO_S = 3
REPORT_REPS = 3


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


def _coordinator():
    from knotenpunkt.accounts.models import Role, User

    user, _created = User.objects.get_or_create(username="bench-koordination", defaults={"role": Role.COORDINATOR})
    return user


def time_page(seed: int = 1) -> dict:
    from django.test import Client

    from knotenpunkt.demo import synthetic_initiatives

    client = Client()
    client.force_login(_coordinator())
    ids = list(synthetic_initiatives.synthetic_initiatives().values_list("pk", flat=True))
    sample = random.Random(seed + 1).sample(ids, k=min(SAMPLES, len(ids)))
    client.get(f"/vorhaben/{sample[0]}/")  # warm caches
    page, partial, statuses = [], [], set()
    for pk in sample:
        for _ in range(PAGE_REPS):
            started = time.perf_counter()
            statuses.add(client.get(f"/vorhaben/{pk}/").status_code)
            page.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        statuses.add(client.get(f"/vorhaben/{pk}/vorschlaege/", headers={"HX-Request": "true"}).status_code)
        partial.append((time.perf_counter() - started) * 1000)
    page.sort()
    partial.sort()
    p95 = page[max(0, round(0.95 * len(page)) - 1)]
    return {
        "requests": len(page),
        "statuses": sorted(statuses),
        "median_ms": round(statistics.median(page), 1),
        "p95_ms": round(p95, 1),
        "max_ms": round(page[-1], 1),
        "proposals_request_p95_ms": round(partial[max(0, round(0.95 * len(partial)) - 1)], 1),
        "target_ms": TARGET_PAGE_MS,
        "ok": p95 <= TARGET_PAGE_MS and statuses == {200},
    }


def time_report(args) -> dict:
    from django.test import Client
    from django.utils import timezone

    from bench import activities

    ensured = activities.prepare(activities=args.activities, seed=args.seed, force=False)
    client = Client()
    client.force_login(_coordinator())
    year = timezone.localdate().year
    out = {"activities": ensured, "year": year}
    for label, url, target in (
        ("html", f"/berichte/jahresbericht/?jahr={year}", TARGET_REPORT_HTML_S),
        ("pdf", f"/berichte/jahresbericht.pdf?jahr={year}", TARGET_REPORT_PDF_S),
    ):
        runs, size = [], 0
        for _ in range(REPORT_REPS):
            started = time.perf_counter()
            response = client.get(url)
            runs.append(time.perf_counter() - started)
            assert response.status_code == 200, (url, response.status_code)
            size = len(response.content)
        median = statistics.median(runs)
        out[label] = {
            "runs_s": [round(r, 2) for r in runs],
            "median_s": round(median, 2),
            "bytes": size,
            "target_s": target,
            "ok": median <= target,
        }
    return out


def time_demo_report() -> dict:
    """The demo's report, in a subprocess on a fresh SQLite database (bench/demo_report.py)."""
    import json
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "bench.demo_report"], capture_output=True, text=True, check=True, timeout=900
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["target_s"] = TARGET_REPORT_DEMO_S
    result["ok"] = max(result["html_median_s"], result["pdf_median_s"]) <= TARGET_REPORT_DEMO_S
    return result


def run(args, env: dict) -> dict:
    print("== Vorhaben: synthetische Vorhaben und Beteiligte vorhanden? ==", flush=True)
    data = ensure_initiatives(seed=args.seed)
    print(f"  {data}", flush=True)
    print("== Vorhaben: Vorschläge für Beteiligte ==", flush=True)
    result = {"data": data, "proposals": time_proposals(seed=args.seed)}
    print("== Vorhaben: „Wer fehlt?“ für alle Vorhaben ==", flush=True)
    result["coverage"] = time_coverage()
    print("== Vorhaben: Seite eines Vorhabens ==", flush=True)
    result["page"] = time_page(seed=args.seed)
    print("== Jahresbericht: HTML und PDF über die Bench-Datenbank ==", flush=True)
    result["report"] = time_report(args)
    print("== Jahresbericht der Demo (SQLite) ==", flush=True)
    result["demo_report"] = time_demo_report()
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
    g = results["page"]
    print(
        f"  Seite eines Vorhabens: Median {g['median_ms']} ms, p95 {g['p95_ms']} ms, max {g['max_ms']} ms "
        f"(Ziel p95 ≤ {g['target_ms']} ms) {'ok' if g['ok'] else 'VERFEHLT'}; "
        f"Vorschläge-Anfrage p95 {g['proposals_request_p95_ms']} ms"
    )
    r = results["report"]
    for label in ("html", "pdf"):
        print(
            f"  Jahresbericht {r['year']} als {label.upper()}: {r[label]['median_s']} s "
            f"(Läufe {r[label]['runs_s']}; Ziel ≤ {r[label]['target_s']} s) {'ok' if r[label]['ok'] else 'VERFEHLT'}"
        )
    d = results["demo_report"]
    print(
        f"  Jahresbericht der Demo: HTML {d['html_median_s']} s, PDF {d['pdf_median_s']} s "
        f"(Ziel ≤ {d['target_s']} s) {'ok' if d['ok'] else 'VERFEHLT'}"
    )
