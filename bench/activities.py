"""Activities benchmarks (issue 3): 500,000 synthetic activities on the synthetic network.

Part of `make bench`; alone with `python -m bench.run --only activities`. Measures:

* the generator (`manage.py generate_activities`), once per parameter set (kept as the comment of
  the activities table, like the network's parameters on the database);
* derived relationships: the full recompute (`network.derived.rebuild_all`) from empty tables and
  again on filled ones (what the nightly task does), and the incremental refresh after one activity
  changes (`refresh_pairs` with its actors; also the whole `activity_update` service), sampled over
  many activities, each in a transaction that is rolled back;
* HTTP through gunicorn in the same server run as `/robots.txt` (the baseline for ratios): the
  month view `/termine/?view=month&date=…` under wrk, and the public feed `/termine.ics` filtered to
  about 10,000 events, downloaded completely several times.

Slow SQL is shown with its EXPLAIN ANALYZE in the JSON (`in_process.explain`).
"""

from __future__ import annotations

import datetime as dt
import random
import re
import time
import urllib.request
from urllib.parse import urlencode

import numpy as np

GENERATOR_ACTIVITIES = 500_000
MONTH_P95_MS = 50
ICS_TARGET_S = 1.0
ICS_EVENTS = 10_000
FULL_RECOMPUTE_TARGET_S = 60
INCREMENTAL_P95_MS = 100
MONTH_OFFSETS = (0, -1, -3, -6, -12, 2)  # months from the anchor, requested in rotation


def _percentiles(samples) -> dict:
    return {
        "p50_ms": round(float(np.percentile(samples, 50)), 2),
        "p95_ms": round(float(np.percentile(samples, 95)), 2),
        "p99_ms": round(float(np.percentile(samples, 99)), 2),
        "max_ms": round(float(max(samples)), 2),
    }


# --- data ------------------------------------------------------------------------------------------


def _marker(activities: int, seed: int, anchor: dt.date, network: str | None) -> str:
    return f"knotenpunkt-bench activities={activities} seed={seed} anchor={anchor.isoformat()} on [{network}]"


def _table_comment() -> str | None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT obj_description('activities_activity'::regclass, 'pg_class')")
        return cursor.fetchone()[0]


def _set_table_comment(text: str) -> None:
    from django.db import connection
    from psycopg import sql

    with connection.cursor() as cursor:
        cursor.execute(sql.SQL("COMMENT ON TABLE activities_activity IS {}").format(sql.Literal(text)).as_string())


def anchor_of(marker: str | None) -> dt.date | None:
    match = re.search(r"anchor=(\d{4}-\d\d-\d\d)", marker or "")
    return dt.date.fromisoformat(match.group(1)) if match else None


def prepare(*, activities: int, seed: int, force: bool) -> dict:
    """Generate the activities unless the same set is there already; return what happened and the timings."""
    from django.core.management import call_command
    from django.utils import timezone

    from bench import dataset
    from knotenpunkt.demo import synthetic_activities as synthetic

    network = dataset._current_marker()
    current = _table_comment() or ""
    if (
        not force
        and current.startswith(f"knotenpunkt-bench activities={activities} seed={seed} ")
        and current.endswith(f"on [{network}]")
        and synthetic.synthetic_activities().count() == activities
    ):
        return {
            "generated": False,
            "anchor": str(anchor_of(current)),
            "note": "Termine mit denselben Parametern vorhanden",
        }

    out = dataset._Tee()
    if synthetic.synthetic_activities().exists():
        t = time.perf_counter()
        cleared = synthetic.clear()
        print(f"  {cleared:,} alte synthetische Termine gelöscht in {time.perf_counter() - t:.1f} s", flush=True)
    anchor = timezone.localdate()
    _set_table_comment("")
    started = time.perf_counter()
    call_command("generate_activities", activities=activities, seed=seed, anchor=anchor, no_derived=True, stdout=out)
    wall = time.perf_counter() - started
    _set_table_comment(_marker(activities, seed, anchor, network))
    phases = {}
    for line in out.getvalue().splitlines():
        if match := dataset._PHASE_RE.match(line):
            phases[match.group(1).strip()] = float(match.group(2))
    return {"generated": True, "anchor": anchor.isoformat(), "seconds_total": round(wall, 2), "phases": phases}


def counts() -> dict:
    from knotenpunkt.activities.models import ActivityOccurrence, Participation
    from knotenpunkt.demo.synthetic_activities import synthetic_activities
    from knotenpunkt.network.models import ActorContact, DerivedTie

    return {
        "activities": synthetic_activities().count(),
        "occurrences": ActivityOccurrence.objects.count(),
        "participations": Participation.objects.count(),
        "derived_pairs": DerivedTie.objects.count(),
        "actor_contacts": ActorContact.objects.count(),
    }


# --- derived relationships ----------------------------------------------------------------------------


def time_full_recompute() -> dict:
    """rebuild_all() from empty tables (everything written) and then again (the nightly run: nothing changed)."""
    from django.db import connection

    from knotenpunkt.network import derived
    from knotenpunkt.network.models import ActorContact, DerivedTie

    with connection.cursor() as cursor:
        tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in (DerivedTie, ActorContact))
        cursor.execute(f"TRUNCATE {tables}")
    result = {"target_s": FULL_RECOMPUTE_TARGET_S}
    for label in ("from_empty", "nightly"):
        started = time.perf_counter()
        rows = derived.rebuild_all()
        result[label] = {"seconds": round(time.perf_counter() - started, 2), **rows}
        print(f"  rebuild_all ({label}): {result[label]['seconds']:.1f} s, {rows['pairs']:,} Paare", flush=True)
    from knotenpunkt.demo.synthetic_activities import vacuum

    vacuum()
    result["ok"] = all(result[k]["seconds"] <= FULL_RECOMPUTE_TARGET_S for k in ("from_empty", "nightly"))
    return result


def time_incremental(samples: int, seed: int = 1) -> dict:
    """After one activity changes: refresh_pairs(its actors), and the whole activity_update, over sampled activities."""
    from django.db import connection, transaction

    from knotenpunkt.activities import services
    from knotenpunkt.activities.models import Activity, Participation
    from knotenpunkt.demo.synthetic_activities import synthetic_activities
    from knotenpunkt.network import derived

    with connection.cursor() as cursor:
        cursor.execute("SELECT MIN(id), MAX(id) FROM activities_activity WHERE uid LIKE %s", ["syn-%"])
        low, high = cursor.fetchone()
    rng = random.Random(seed)
    ids = sorted({rng.randint(low, high) for _ in range(samples * 2)})
    chosen = list(synthetic_activities().filter(pk__in=ids).values_list("pk", flat=True))[:samples]
    refresh, update, sizes = [], [], []
    for n, pk in enumerate(chosen):
        actors = set(
            Participation.objects.filter(activity_id=pk, actor__isnull=False).values_list("actor_id", flat=True)
        )
        sizes.append(len(actors))
        with transaction.atomic():
            started = time.perf_counter()
            derived.refresh_pairs(actors)
            elapsed = (time.perf_counter() - started) * 1000
            transaction.set_rollback(True)
        if n >= 3:  # the first few warm up connections and caches
            refresh.append(elapsed)
        activity = Activity.objects.get(pk=pk)
        with transaction.atomic():
            started = time.perf_counter()
            services.activity_update(
                user=None,
                activity=activity,
                data={"title": activity.title[:180] + " (geändert)", "public": not activity.public},
                expected_version=activity.version,
            )
            elapsed = (time.perf_counter() - started) * 1000
            transaction.set_rollback(True)
        if n >= 3:
            update.append(elapsed)
    return {
        "samples": len(refresh),
        "actors_per_activity_mean": round(float(np.mean(sizes)), 2),
        "refresh_pairs": _percentiles(refresh),
        "activity_update": _percentiles(update),
        "target_p95_ms": INCREMENTAL_P95_MS,
        "ok": float(np.percentile(refresh, 95)) <= INCREMENTAL_P95_MS,
    }


# --- HTTP ------------------------------------------------------------------------------------------------


def _shift(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def month_groups(anchor: dt.date) -> list[tuple[str, list[str]]]:
    from knotenpunkt.actors.models import Theme

    theme = Theme.objects.filter(name_de="Klimaschutz").values_list("slug", flat=True).first() or "klimaschutz"
    months = [_shift(anchor, k) for k in MONTH_OFFSETS]
    plain = [f"/termine/?{urlencode({'view': 'month', 'date': m.isoformat()})}" for m in months]
    themed = [f"/termine/?{urlencode({'view': 'month', 'date': m.isoformat(), 'theme': theme})}" for m in months]
    return [
        (f"Monatsansicht, {len(months)} Monate im Wechsel", plain),
        (f"Monatsansicht theme={theme}, {len(months)} Monate", themed),
    ]


def ics_candidates() -> list[str]:
    """Query strings for /termine.ics, of which the one nearest ICS_EVENTS events is measured."""
    from knotenpunkt.activities.models import ActivityKind
    from knotenpunkt.actors.models import Level, Theme

    candidates = [urlencode({"kind": k}) for k in ActivityKind.values]
    candidates += [urlencode({"level": level}) for level in Level.values]
    themes = Theme.objects.order_by("slug").values_list("slug", flat=True)[:6]
    candidates += [urlencode({"theme": t}) for t in themes]
    return candidates


def _download(url: str) -> tuple[float, int, int]:
    """Seconds until the last byte, bytes, VEVENTs."""
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=60) as response:
        body = response.read()
    return time.perf_counter() - started, len(body), body.count(b"BEGIN:VEVENT")


def choose_ics(base: str) -> tuple[str, int]:
    counted = []
    for query in ics_candidates():
        _seconds, _size, events = _download(f"{base}/termine.ics?{query}")
        counted.append((abs(events - ICS_EVENTS), query, events))
    counted.sort()
    _, query, events = counted[0]
    return query, events


def time_ics(base: str, query: str, reps: int) -> dict:
    url = f"{base}/termine.ics?{query}"
    _download(url)  # warm-up
    seconds, sizes, events = [], 0, 0
    for _ in range(reps):
        s, sizes, events = _download(url)
        seconds.append(s * 1000)
    result = {"query": query, "events": events, "bytes": sizes, "downloads": reps, **_percentiles(seconds)}
    result["target_s"] = ICS_TARGET_S
    result["ok"] = result["p95_ms"] <= ICS_TARGET_S * 1000
    return result


def explain_slowest(path: str, user=None) -> dict:
    """One request in-process: total, SQL, number of queries, and EXPLAIN ANALYZE of the slowest query."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    if user is not None:
        client.force_login(user)

    def get():
        response = client.get(path)
        if getattr(response, "streaming", False):
            b"".join(response.streaming_content)
        return response

    get()
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        status = get().status_code
        total = (time.perf_counter() - started) * 1000
    times = [float(q["time"]) * 1000 for q in queries.captured_queries]
    result = {"status": status, "ms": round(total, 1), "queries": len(times), "sql_ms": round(sum(times), 1)}
    if times:
        slowest = max(range(len(times)), key=times.__getitem__)
        sql = queries.captured_queries[slowest]["sql"]
        result.update(slowest_sql_ms=round(times[slowest], 1), slowest_sql=sql[:2000])
        # A server-side cursor (QuerySet.iterator()) shows up as DECLARE … FOR SELECT.
        sql = re.sub(r"^\s*DECLARE .*? CURSOR (WITH(OUT)? HOLD )?FOR ", "", sql, flags=re.IGNORECASE | re.DOTALL)
        if sql.lstrip().upper().startswith("SELECT"):
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)  # no parameters: % is not special
                result["explain"] = "\n".join(row[0] for row in cursor.fetchall())
    return result


def run_http(args, env: dict, anchor: dt.date) -> dict:
    """Month view (wrk) and the filtered feed (full downloads), with /robots.txt as baseline, cached and uncached."""
    import subprocess
    import sys

    from bench import server
    from bench.run import RESULTS, ROOT
    from knotenpunkt.accounts.models import Role, User

    RESULTS.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"], cwd=ROOT, env=env, check=True
    )
    groups = [("trivial", "GET /robots.txt", ["/robots.txt"])]
    groups += [("month", label, paths) for label, paths in month_groups(anchor)]
    port = args.port or server.free_port()
    rows, feed = [], {}
    for mode, cache_setting in (("cached", "1"), ("uncached", "0")):
        print(f"  -- Seiten-Cache: {mode} --", flush=True)
        mode_env = {**env, "KNOTENPUNKT_PAGE_CACHE": cache_setting}
        with server.gunicorn(
            root=ROOT,
            env=mode_env,
            port=port,
            workers=args.workers,
            log_path=RESULTS / f"gunicorn-activities-{mode}.log",
        ) as base:
            statuses = {path: server.fetch(base + path, timeout=60) for _, _, paths in groups for path in paths}
            ok_paths = [p for p, (status, _) in statuses.items() if status == 200]
            if ok_paths:
                server.wrk(base, ok_paths, duration=3, connections=args.connections, threads=args.threads)
            for kind, label, paths in groups:
                row = {"mode": mode, "kind": kind, "label": label, "paths": paths}
                bad = {p: statuses[p][0] for p in paths if statuses[p][0] != 200}
                if bad:
                    row["error"] = f"HTTP-Status {bad}"
                    print(f"  {label}: übersprungen, {row['error']}", flush=True)
                else:
                    result = server.wrk(
                        base, paths, duration=args.duration, connections=args.connections, threads=args.threads
                    )
                    row.update(vars(result))
                    row["bytes"] = statuses[paths[0]][1]
                    print(f"  {label}: {result.rps} req/s, p95 {result.p95_ms} ms", flush=True)
                rows.append(row)
            if mode == "uncached":
                # The feed is never served from the page cache; measured once, with the server otherwise idle.
                query, events = choose_ics(base)
                print(f"  /termine.ics?{query}: {events:,} Termine", flush=True)
                feed = time_ics(base, query, args.ics_reps)
                print(f"  /termine.ics: p50 {feed['p50_ms']:.0f} ms, p95 {feed['p95_ms']:.0f} ms", flush=True)
    for row in rows:
        baseline = next((r.get("rps") for r in rows if r["kind"] == "trivial" and r["mode"] == row["mode"]), None)
        if "rps" in row:
            row["ratio"] = round(row["rps"] / baseline, 3) if baseline else None
            row["ok"] = row["kind"] == "trivial" or (row["p95_ms"] <= MONTH_P95_MS and not sum(row["errors"].values()))
        else:
            row["ok"] = False
    staff = User.objects.filter(role=Role.COORDINATOR).first() or User.objects.create(
        username="bench-koordination", role=Role.COORDINATOR
    )
    for row in rows:
        if row["kind"] == "month" and row["mode"] == "uncached":
            row["in_process"] = explain_slowest(row["paths"][0])
            row["in_process_staff"] = explain_slowest(row["paths"][0], staff)
    if feed:
        feed["in_process"] = explain_slowest(f"/termine.ics?{feed['query']}")
    return {"rows": rows, "feed": feed}


# --- all of it ----------------------------------------------------------------------------------------------


def run(args, env: dict) -> dict:
    print(f"== Termine: {args.activities:,} synthetische Termine ==", flush=True)
    results = {"generator": prepare(activities=args.activities, seed=args.seed, force=args.regenerate)}
    gen = results["generator"]
    if gen.get("generated"):
        print(f"  erzeugt in {gen['seconds_total']:.1f} s", flush=True)
    results["counts_before_recompute"] = counts()
    print("== Abgeleitete Beziehungen: vollständige Neuberechnung ==", flush=True)
    results["full_recompute"] = time_full_recompute()
    results["counts"] = counts()
    print("== Abgeleitete Beziehungen: nach Änderung eines Termins ==", flush=True)
    results["incremental"] = time_incremental(args.incremental_samples, args.seed)
    inc = results["incremental"]
    print(
        f"  refresh_pairs p50 {inc['refresh_pairs']['p50_ms']} ms, p95 {inc['refresh_pairs']['p95_ms']} ms; "
        f"activity_update p95 {inc['activity_update']['p95_ms']} ms",
        flush=True,
    )
    if not args.skip_http:
        print("== HTTP Termine (gunicorn + wrk) ==", flush=True)
        anchor = anchor_of(_table_comment()) or dt.date.today()
        results["http"] = run_http(args, env, anchor)
    return results


def print_table(results: dict) -> None:
    print("\n== Ergebnisse Termine ==")
    gen = results["generator"]
    if gen.get("generated"):
        print(f"Generator: {gen['seconds_total']:.1f} s für {results['counts']['activities']:,} Termine")
    else:
        print(f"Generator: {gen['note']} (Bezugstag {gen.get('anchor')})")
    c = results["counts"]
    print(
        f"Daten: {c['activities']:,} Termine, {c['occurrences']:,} Einzeltermine, {c['participations']:,} "
        f"Beteiligungen, {c['derived_pairs']:,} abgeleitete Paare, {c['actor_contacts']:,} Akteure mit Kontakt"
    )
    full = results["full_recompute"]
    print(
        f"Neuberechnung gesamt: leer {full['from_empty']['seconds']:.1f} s, "
        f"nächtlich {full['nightly']['seconds']:.1f} s "
        f"(Ziel ≤ {FULL_RECOMPUTE_TARGET_S} s) {'OK' if full['ok'] else 'VERFEHLT'}"
    )
    inc = results["incremental"]
    print(
        f"Nach Änderung eines Termins ({inc['samples']} Stichproben): "
        f"refresh_pairs p50 {inc['refresh_pairs']['p50_ms']} ms, p95 {inc['refresh_pairs']['p95_ms']} ms "
        f"(Ziel ≤ {INCREMENTAL_P95_MS} ms) {'OK' if inc['ok'] else 'VERFEHLT'};"
        f" ganzer activity_update p95 {inc['activity_update']['p95_ms']} ms"
    )
    http = results.get("http")
    if not http:
        return
    header = (
        f"{'Cache':<9} {'Anfrage':<48} {'req/s':>8} {'p50':>7} {'p95':>7} {'Anteil':>7}  {'Ziel':<10} "
        "in-process anonym / Koordination"
    )
    print(header + "\n" + "-" * len(header))
    for row in http["rows"]:
        if "rps" not in row:
            print(f"{row['mode']:<9} {row['label'][:48]:<48} {row.get('error', '')}")
            continue
        verdict = "–" if row["kind"] == "trivial" else ("OK" if row["ok"] else "VERFEHLT")
        extra = ""
        if "in_process" in row:
            a, s = row["in_process"], row["in_process_staff"]
            extra = f"{a['ms']:.0f} ms ({a['queries']} Abfr.) / {s['ms']:.0f} ms ({s['queries']} Abfr.)"
        print(
            f"{row['mode']:<9} {row['label'][:48]:<48} {row['rps']:>8.1f} {row['p50_ms']:>7.1f} {row['p95_ms']:>7.1f} "
            f"{row['ratio'] or 0:>7.3f}  {verdict:<10} {extra}"
        )
    feed = http.get("feed")
    if feed:
        print(
            f"/termine.ics?{feed['query']}: {feed['events']:,} Termine, {feed['bytes'] / 1e6:.1f} MB, "
            "vollständig geladen "
            f"p50 {feed['p50_ms']:.0f} ms, p95 {feed['p95_ms']:.0f} ms (Ziel ≤ {ICS_TARGET_S * 1000:.0f} ms) "
            f"{'OK' if feed['ok'] else 'VERFEHLT'}"
        )
