"""Change-record benchmark (issue 12, "Speed"): what one record of every change costs.

Part of `make bench`; alone with `python -m bench.run --only changes`. Needs the network and the
activities (loaded like the other parts if missing). Three parts (`--changes-parts`):

* `recording`: the real services `actors.services.actor_update`, `network.services.tie_create` and
  `activities.services.activity_update`, called as a coordinator (a real, saved user) on the bench
  database, each call committed — once recording its change as always, once inside
  `changes.recording_paused()`, which builds the same change and runs the same reactions but
  writes no Change/ChangeSubject row. Pairs on the same record, the order within a pair alternating
  (ABBA), the three services interleaved, `--changes-reps` pairs each after a few warm-up pairs.
  Every change is undone after its timing, untimed and in the same mode (description and title
  back, the tie deleted through `tie_delete`), so the data stays as generated; the history rows of
  the recorded calls stay (they are what a real edit leaves), the tasks the calls enqueued are
  deleted. Target: median with ≤ 1.10 × median without.
* `backup`: `manage.py backup --output <tmp>` on the bench database and `manage.py restore` of
  that archive into a new empty database, each a subprocess, wall time. Target ≤ 120 s each.
* `baseline`: the nightly suggestion run, the derived-relationship recompute and the generators,
  the code before issue 12 (`--baseline-commit`, a git worktree with the same virtual environment)
  against this code, interleaved. Each side works on its own databases, migrated by its own code
  (the schemas differ by the change-record migrations): per round both sides start from a copy of
  their empty migrated template (`CREATE DATABASE … TEMPLATE …`) and run, step by step and
  alternating which side goes first, `generate_network`, `generate_activities --no-derived`,
  `derived.rebuild_all()` into empty tables and again on the filled ones (the nightly run), the
  synthetic listings (untimed) and `suggestions.compute_all()` (after an untimed warm-up that loads
  the compiled kernels). The generators are seeded and get the same anchor day, so both sides hold
  the same data; each step runs in a fresh process started in that side's tree. Target: median of
  the new code ≤ 1.10 × median of the old one.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
OVERHEAD_TARGET = 1.10  # recording: with ≤ 1.10 × without
BASELINE_TARGET = 1.10  # new code ≤ 1.10 × the code before issue 12
BACKUP_TARGET_S = 120
WARMUP_PAIRS = 5
BENCH_USERNAME = "bench-changes"
PARTS = ("recording", "backup", "baseline")
_LOADED_RE = re.compile(r"geladen in ([\d.]+) s, insgesamt ([\d.]+) s")
_REPORTED_S_RE = re.compile(r"in ([\d.]+(?:,\d+)?) s\s*$", re.M)


def _stats(samples_ms) -> dict:
    a = np.asarray(samples_ms)
    return {
        "n": len(a),
        "p50_ms": round(float(np.percentile(a, 50)), 2),
        "p95_ms": round(float(np.percentile(a, 95)), 2),
        "mean_ms": round(float(a.mean()), 2),
        "max_ms": round(float(a.max()), 2),
    }


def _bootstrap_ratio(with_ms, without_ms, reps: int = 2000, seed: int = 7) -> list[float]:
    """95 % interval of median(with) / median(without), resampling the pairs."""
    a, b = np.asarray(with_ms), np.asarray(without_ms)
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(a), size=(reps, len(a)))
    ratios = np.median(a[idx], axis=1) / np.median(b[idx], axis=1)
    return [round(float(np.percentile(ratios, 2.5)), 3), round(float(np.percentile(ratios, 97.5)), 3)]


# --- data -----------------------------------------------------------------------------------------


def ensure_data(args, env: dict) -> dict:
    """The activities and their derived relationships, listings and suggestions: the bench database
    as the other parts leave it (what the backup then holds)."""
    from django.db import connection

    from bench import activities, synergies
    from knotenpunkt.network import derived
    from knotenpunkt.network.models import DerivedTie
    from knotenpunkt.synergies.models import Suggestion

    out = {"activities": activities.prepare(activities=args.activities, seed=args.seed, force=False)}
    if not DerivedTie.objects.exists():
        started = time.perf_counter()
        derived.rebuild_all()
        from knotenpunkt.demo.synthetic_activities import vacuum

        vacuum()
        out["derived_rebuilt_s"] = round(time.perf_counter() - started, 1)
    out["listings"] = synergies.ensure_listings()
    if not Suggestion.objects.exists():
        connection.close()
        out["suggestions"] = synergies._child(["all"], env)
    return out


def bench_user():
    from knotenpunkt.accounts.models import Role, User

    user, _ = User.objects.get_or_create(
        username=BENCH_USERNAME,
        defaults={"role": Role.COORDINATOR, "is_active": True, "first_name": "Bench", "last_name": "Koordination"},
    )
    return user


def _samples(count: int, seed: int) -> dict:
    """Records to change: published synthetic actors, synthetic activities, untied pairs of actors."""
    from django.db.models import Q

    from knotenpunkt.demo import synthetic_network as synthetic
    from knotenpunkt.demo.synthetic_activities import synthetic_activities
    from knotenpunkt.network.models import Tie

    rng = random.Random(seed)
    actor_ids = list(synthetic.synthetic_actors().filter(published=True).values_list("pk", flat=True))
    activity_ids = list(synthetic_activities().values_list("pk", flat=True))
    actors = rng.sample(actor_ids, count)
    activities = rng.sample(activity_ids, count)
    pairs = []
    while len(pairs) < count:
        a, b = rng.sample(actor_ids, 2)
        tied = Tie.objects.filter(Q(source_id=a, target_id=b) | Q(source_id=b, target_id=a)).exists()
        if not tied:
            pairs.append((a, b))
    return {"actors": actors, "activities": activities, "pairs": pairs}


# --- recording: with and without the change rows ---------------------------------------------------


def _op_actor_update(user, pk: int) -> float:
    from knotenpunkt.actors import services
    from knotenpunkt.actors.models import Actor

    actor = Actor.objects.get(pk=pk)
    original = actor.description
    started = time.perf_counter()
    changed = services.actor_update(
        user=user,
        actor=actor,
        data={"description": original + "\n\nNeu: Sprechstunde jeden ersten Dienstag im Monat."},
        expected_version=actor.version,
    )
    elapsed = time.perf_counter() - started
    services.actor_update(user=user, actor=changed, data={"description": original}, expected_version=changed.version)
    return elapsed * 1000


def _op_tie_create(user, pair: tuple[int, int]) -> float:
    from knotenpunkt.actors.models import Actor
    from knotenpunkt.network import services
    from knotenpunkt.network.models import TieKind

    source, target = (Actor.objects.get(pk=pk) for pk in pair)
    started = time.perf_counter()
    tie = services.tie_create(user=user, source=source, target=target, kind=TieKind.COOPERATION, note="Bench")
    elapsed = time.perf_counter() - started
    services.tie_delete(user=user, tie=tie)
    return elapsed * 1000


def _op_activity_update(user, pk: int) -> float:
    from knotenpunkt.activities import services
    from knotenpunkt.activities.models import Activity

    activity = Activity.objects.get(pk=pk)
    title, public = activity.title, activity.public
    started = time.perf_counter()
    changed = services.activity_update(
        user=user,
        activity=activity,
        data={"title": title[:180] + " (geändert)", "public": not public},
        expected_version=activity.version,
    )
    elapsed = time.perf_counter() - started
    services.activity_update(
        user=user, activity=changed, data={"title": title, "public": public}, expected_version=changed.version
    )
    return elapsed * 1000


SERVICES = {
    "actor_update": (_op_actor_update, "actors"),
    "tie_create": (_op_tie_create, "pairs"),
    "activity_update": (_op_activity_update, "activities"),
}


def _queries(op, user, sample, paused: bool) -> int:
    """Queries of the timed call and its undo together, once, in one mode."""
    from contextlib import nullcontext

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from knotenpunkt.changes.services import recording_paused

    with recording_paused() if paused else nullcontext(), CaptureQueriesContext(connection) as captured:
        op(user, sample)
    return len(captured.captured_queries)


def time_recording(reps: int, seed: int = 1) -> dict:
    from contextlib import nullcontext

    from django.db import connection
    from django_tasks_db.models import DBTaskResult

    from knotenpunkt.changes.models import Change
    from knotenpunkt.changes.services import recording_paused

    user = bench_user()
    samples = _samples(WARMUP_PAIRS + reps + 1, seed)
    started_at = dt.datetime.now(dt.UTC)
    changes_before = Change.objects.count()
    times = {name: {"with": [], "without": []} for name in SERVICES}
    print(f"  {reps} Paare je Dienst (+{WARMUP_PAIRS} zum Aufwärmen), mit/ohne im Wechsel …", flush=True)
    t0 = time.perf_counter()
    for i in range(WARMUP_PAIRS + reps):
        # ABBA: which mode goes first alternates, so neither profits from the other's warm caches.
        order = ("with", "without") if i % 2 == 0 else ("without", "with")
        for name, (op, key) in SERVICES.items():
            sample = samples[key][i]
            for mode in order:
                with recording_paused() if mode == "without" else nullcontext():
                    elapsed = op(user, sample)
                if i >= WARMUP_PAIRS:
                    times[name][mode].append(elapsed)
        if (i + 1) % 50 == 0:
            print(f"  {i + 1} Runden, {time.perf_counter() - t0:.0f} s", flush=True)
    out = {"pairs": reps, "warmup_pairs": WARMUP_PAIRS, "user": BENCH_USERNAME, "target_ratio": OVERHEAD_TARGET}
    for name, (op, key) in SERVICES.items():
        with_ms, without_ms = times[name]["with"], times[name]["without"]
        sample = samples[key][-1]  # one more record, for counting the queries
        row = {
            "with": _stats(with_ms),
            "without": _stats(without_ms),
            "queries_with": _queries(op, user, sample, paused=False),
            "queries_without": _queries(op, user, sample, paused=True),
        }
        row["ratio_p50"] = round(row["with"]["p50_ms"] / row["without"]["p50_ms"], 3)
        row["ratio_p95"] = round(row["with"]["p95_ms"] / row["without"]["p95_ms"], 3)
        row["ratio_mean"] = round(row["with"]["mean_ms"] / row["without"]["mean_ms"], 3)
        row["ratio_pairs_median"] = round(float(np.median(np.asarray(with_ms) / np.asarray(without_ms))), 3)
        row["ratio_p50_ci95"] = _bootstrap_ratio(with_ms, without_ms)
        row["added_p50_ms"] = round(row["with"]["p50_ms"] - row["without"]["p50_ms"], 2)
        row["ok"] = row["ratio_p50"] <= OVERHEAD_TARGET
        out[name] = row
    out["change_rows_written"] = Change.objects.count() - changes_before
    # The after-commit reactions enqueued suggestion refreshes; no worker runs here, drop them.
    out["tasks_deleted"] = DBTaskResult.objects.filter(enqueued_at__gte=started_at).delete()[0]
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return out


# --- backup and restore ------------------------------------------------------------------------------


def _manage(argv: list[str], env: dict, cwd: Path = ROOT) -> tuple[float, str]:
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "manage.py", *argv], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    elapsed = time.perf_counter() - started
    if proc.returncode:
        raise RuntimeError(f"manage.py {' '.join(argv)} in {cwd}: {proc.stderr[-3000:]}")
    return elapsed, proc.stdout


def _reported_seconds(text: str) -> float | None:
    match = _REPORTED_S_RE.search(text)
    return float(match.group(1).replace(",", ".")) if match else None


def _create_db(url: str, name: str, *, template: str | None = None) -> str:
    from psycopg import sql

    from bench import dataset

    conn, _ = dataset._admin_connection(url)
    with conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        if template:
            conn.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(template))
            )
        else:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return url.rsplit("/", 1)[0] + "/" + name


def _drop_db(url: str, name: str) -> None:
    from psycopg import sql

    from bench import dataset

    conn, _ = dataset._admin_connection(url)
    with conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def time_backup_restore(env: dict) -> dict:
    from django.db import connection

    url = env["DATABASE_URL"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database())")
        size = cursor.fetchone()[0]
        cursor.execute("SELECT relname, n_live_tup FROM pg_stat_user_tables ORDER BY n_live_tup DESC LIMIT 8")
        largest = dict(cursor.fetchall())
    connection.close()
    tmp = Path(tempfile.mkdtemp(prefix="kp-bench-backup-"))
    restore_db = url.rsplit("/", 1)[1] + "_restore"
    try:
        archive = tmp / "bench.zip"
        print("  manage.py backup …", flush=True)
        backup_s, backup_out = _manage(["backup", "--output", str(archive)], env)
        print(f"  {backup_s:.1f} s: {backup_out.strip()}", flush=True)
        restore_url = _create_db(url, restore_db)
        print("  manage.py restore (in eine leere Datenbank) …", flush=True)
        restore_s, restore_out = _manage(["restore", str(archive)], {**env, "DATABASE_URL": restore_url})
        print(f"  {restore_s:.1f} s: {restore_out.strip()}", flush=True)
        return {
            "database_mb": round(size / 1e6),
            "largest_tables_rows": largest,
            "archive_mb": round(archive.stat().st_size / 1e6, 1),
            "backup_s": round(backup_s, 1),
            "backup_reported_s": _reported_seconds(backup_out),
            "restore_s": round(restore_s, 1),
            "restore_reported_s": _reported_seconds(restore_out),
            "target_s": BACKUP_TARGET_S,
            "ok": backup_s <= BACKUP_TARGET_S and restore_s <= BACKUP_TARGET_S,
        }
    finally:
        _drop_db(url, restore_db)
        shutil.rmtree(tmp, ignore_errors=True)


# --- the code before issue 12, interleaved -----------------------------------------------------------

# Runs in a fresh process started in either tree (`python -c`, so the tree's own `knotenpunkt` and
# `bench` are imported: sys.path[0] is the working directory).
_CHILD = r"""
import json, sys, time
import django
django.setup()
import knotenpunkt
step = sys.argv[1]
out = {"code": knotenpunkt.__file__}
if step == "derived":
    from django.db import connection
    from knotenpunkt.network import derived
    from knotenpunkt.network.models import ActorContact, DerivedTie
    try:
        from knotenpunkt.demo.synthetic_activities import vacuum
    except ImportError:  # the tree before the generators moved into demo
        from knotenpunkt.activities.synthetic import vacuum
    tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in (DerivedTie, ActorContact))
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE " + tables)
    for label in ("derived_from_empty", "derived_nightly"):
        t = time.perf_counter()
        rows = derived.rebuild_all()
        out[label] = time.perf_counter() - t
        out[label + "_pairs"] = rows["pairs"]
    vacuum()
elif step == "listings":
    from django.db import connection
    from bench.synergies import ensure_listings
    out.update(ensure_listings())
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE synergies_listing")
print(json.dumps(out))
"""

STEPS = ("generate_network", "generate_activities", "derived", "listings", "suggestions_warmup", "suggestions_all")
TIMED = (
    "generate_network",
    "generate_network_loaded",
    "generate_activities",
    "generate_activities_loaded",
    "derived_from_empty",
    "derived_nightly",
    "suggestions_all",
)


def ensure_worktree(commit: str) -> Path:
    path = Path(tempfile.gettempdir()) / f"knotenpunkt-{commit}"
    if not (path / "manage.py").exists():
        subprocess.run(["git", "worktree", "add", "--detach", str(path), commit], cwd=ROOT, check=True)
    return path


def _run_step(step: str, tree: Path, env: dict, args, anchor: str) -> dict:
    if step == "generate_network":
        seconds, text = _manage(
            ["generate_network", "--actors", str(args.actors), "--ties", str(args.ties), "--seed", str(args.seed)],
            env,
            tree,
        )
        match = _LOADED_RE.search(text)
        return {"generate_network": seconds, "generate_network_loaded": float(match.group(1)) if match else None}
    if step == "generate_activities":
        seconds, text = _manage(
            ["generate_activities", "--activities", str(args.activities), "--seed", str(args.seed),
             "--anchor", anchor, "--no-derived"],
            env,
            tree,
        )  # fmt: skip
        match = _LOADED_RE.search(text)
        return {"generate_activities": seconds, "generate_activities_loaded": float(match.group(1)) if match else None}
    if step in ("suggestions_warmup", "suggestions_all"):
        argv = ["-m", "bench.synergies", step.split("_")[1]]
    else:
        argv = ["-c", _CHILD, step]
    proc = subprocess.run([sys.executable, *argv], cwd=tree, env=env, capture_output=True, text=True, check=False)
    if proc.returncode:
        raise RuntimeError(f"{step} in {tree}: {proc.stderr[-3000:]}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    if step == "suggestions_all":
        return {"suggestions_all": result["seconds"], "suggestions": result.get("suggestions")}
    if step == "suggestions_warmup":
        return {"warmup_s": result.get("seconds")}
    return result


def compare_with_baseline(args, env: dict) -> dict:
    url = env["DATABASE_URL"]
    trees = {"old": ensure_worktree(args.baseline_commit), "new": ROOT}
    anchor = dt.date.today().isoformat()
    print(f"  alter Stand: {args.baseline_commit} in {trees['old']}; Bezugstag der Termine {anchor}", flush=True)
    templates = {}
    for side, tree in trees.items():
        name = f"kp_cmp_{side}_empty"
        side_url = _create_db(url, name)
        _manage(["migrate", "--noinput", "--verbosity", "0"], {**env, "DATABASE_URL": side_url}, tree)
        templates[side] = name
    rounds = []
    try:
        for r in range(args.baseline_rounds):
            order = ("old", "new") if r % 2 == 0 else ("new", "old")
            urls = {side: _create_db(url, f"kp_cmp_{side}", template=templates[side]) for side in order}
            this = {side: {"order": order.index(side)} for side in order}
            for step in STEPS:
                for side in order:
                    started = time.perf_counter()
                    got = _run_step(step, trees[side], {**env, "DATABASE_URL": urls[side]}, args, anchor)
                    this[side].update(got)
                    shown = {k: round(v, 2) if isinstance(v, float) else v for k, v in got.items() if k != "code"}
                    print(
                        f"  Runde {r + 1} {side:<3} {step:<20} {time.perf_counter() - started:6.1f} s  {shown}",
                        flush=True,
                    )
                    if "code" in got and not got["code"].startswith(str(trees[side])):
                        raise RuntimeError(f"{side}: Code aus {got['code']}, erwartet {trees[side]}")
            rounds.append(this)
            for side in order:
                _drop_db(url, f"kp_cmp_{side}")
    finally:
        for side in trees:
            _drop_db(url, f"kp_cmp_{side}")
            _drop_db(url, templates.get(side, f"kp_cmp_{side}_empty"))
    summary = {}
    for key in TIMED:
        old = [r["old"][key] for r in rounds if r["old"].get(key) is not None]
        new = [r["new"][key] for r in rounds if r["new"].get(key) is not None]
        if not old or not new:
            continue
        ratio = float(np.median(new)) / float(np.median(old))
        summary[key] = {
            "old_s": [round(x, 2) for x in old],
            "new_s": [round(x, 2) for x in new],
            "old_median_s": round(float(np.median(old)), 2),
            "new_median_s": round(float(np.median(new)), 2),
            "ratio": round(ratio, 3),
            "round_ratios": [round(n / o, 3) for o, n in zip(old, new, strict=True)],
            "ok": ratio <= BASELINE_TARGET,
        }
    return {
        "commit": args.baseline_commit,
        "rounds": rounds,
        "summary": summary,
        "anchor": anchor,
        "target_ratio": BASELINE_TARGET,
    }


# --- parent -------------------------------------------------------------------------------------------


def run(args, env: dict) -> dict:
    parts = [p.strip() for p in args.changes_parts.split(",") if p.strip()]
    unknown = set(parts) - set(PARTS)
    if unknown:
        raise SystemExit(f"--changes-parts: unbekannt {sorted(unknown)}; möglich: {', '.join(PARTS)}")
    results = {"parts": parts}
    load = [os.getloadavg()]
    if "recording" in parts or "backup" in parts:
        print("== Änderungsprotokoll: Termine, Angebote, Vorschläge vorhanden? ==", flush=True)
        results["data"] = ensure_data(args, env)
    if "recording" in parts:
        print("== Änderungsprotokoll: Dienste mit und ohne Änderungszeilen ==", flush=True)
        results["recording"] = time_recording(args.changes_reps, seed=args.seed)
        load.append(os.getloadavg())
    if "backup" in parts:
        print("== Änderungsprotokoll: Sicherung und Wiederherstellung ==", flush=True)
        results["backup"] = time_backup_restore(env)
        load.append(os.getloadavg())
    if "baseline" in parts:
        print(f"== Änderungsprotokoll: gegen den Stand {args.baseline_commit}, im Wechsel ==", flush=True)
        from django.db import connection

        connection.close()
        results["baseline"] = compare_with_baseline(args, env)
        load.append(os.getloadavg())
    results["load_average"] = [[round(x, 2) for x in row] for row in load]
    return results


def print_table(results: dict) -> None:
    print("\nÄnderungsprotokoll (Issue 12)")
    rec = results.get("recording")
    if rec:
        print(
            f"  Dienste, {rec['pairs']} Paare je Dienst, Median/p95 in ms; Anteil = mit ÷ ohne "
            f"(Ziel Median ≤ {OVERHEAD_TARGET:.2f})"
        )
        for name in SERVICES:
            row = rec[name]
            w, wo, ci = row["with"], row["without"], row["ratio_p50_ci95"]
            print(
                f"  {name:<16} mit {w['p50_ms']:7.2f} / {w['p95_ms']:7.2f}   "
                f"ohne {wo['p50_ms']:7.2f} / {wo['p95_ms']:7.2f}"
                f"   Median ×{row['ratio_p50']:.3f} (95 %: {ci[0]:.3f}–{ci[1]:.3f})"
                f"  p95 ×{row['ratio_p95']:.3f}  Paare ×{row['ratio_pairs_median']:.3f}"
                f"  Abfragen {row['queries_with']}/{row['queries_without']}  {'ok' if row['ok'] else 'VERFEHLT'}"
            )
    bak = results.get("backup")
    if bak:
        print(
            f"  Sicherung {bak['backup_s']:.1f} s, Wiederherstellung {bak['restore_s']:.1f} s "
            f"(Ziel je ≤ {BACKUP_TARGET_S} s) {'ok' if bak['ok'] else 'VERFEHLT'}; "
            f"Datenbank {bak['database_mb']:,} MB, Archiv {bak['archive_mb']:,} MB"
        )
    base = results.get("baseline")
    if base:
        print(f"  gegen {base['commit']} (Median neu ÷ Median alt, Ziel ≤ {BASELINE_TARGET:.2f}):")
        for key, row in base["summary"].items():
            print(
                f"  {key:<28} alt {row['old_s']} neu {row['new_s']}  ×{row['ratio']:.3f} "
                f"(Runden {row['round_ratios']}) {'ok' if row['ok'] else 'VERFEHLT'}"
            )
    if results.get("load_average"):
        print("  Last (1/5/15 min): " + " → ".join(", ".join(f"{v:.2f}" for v in r) for r in results["load_average"]))
