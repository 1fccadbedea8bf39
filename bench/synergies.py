"""Partner-suggestion benchmark (issue 5, "Speed"): the synergy engine on the synthetic network.

Part of `make bench`; alone with `python -m bench.run --only synergies` (needs the network and the
activities loaded by the other parts first; creates synthetic listings if missing). Each
measurement runs in a fresh subprocess, so that the peak memory (VmHWM, bench/memory.py) is its own:

* `warmup` (untimed): one actor's suggestions, so that the engine's compiled kernels are in
  numba's cache (compiling them takes ~13 s once after an install; the nightly run finds them);
* `all`: `suggestions.compute_all()` end to end — reading actors, ties, derived pairs, features,
  descriptions and listings from PostgreSQL, scoring, the reasons and storing the top 10 of every
  actor; target ≤ TARGET_ALL_S seconds and ≤ TARGET_RSS_MB peak RSS;
* `one`: suggestions with reasons for one actor on demand on inputs already loaded, p95 over
  ONE_SAMPLES random actors; target ≤ TARGET_ONE_MS;
* `question`: `question.ask` for a list of realistic questions, p95; target ≤ TARGET_QUESTION_MS;
* `networkx`: for ONE_SAMPLES sampled actors, the candidate pairs the engine scores, networkx's
  `adamic_adar_index` over them against the engine's graph part for the same pairs, the median of
  NETWORKX_REPS runs each; building networkx's Graph and the engine's pruned adjacency (and
  loading its kernel) is not timed (both reported); target ≥ TARGET_RATIO × faster per pair.

Synthetic listings: LISTING_SHARE of the synthetic actors get one or two offers or needs across
the categories, German titles from the generator's word lists; created once (idempotent: the
listings of synthetic actors carry LISTING_MARK in their description and are recreated only when
their number differs).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import numpy as np

from bench import memory

TARGET_ALL_S = 15
TARGET_RSS_MB = 600
TARGET_ONE_MS = 20
TARGET_QUESTION_MS = 50
TARGET_RATIO = 20
ONE_SAMPLES = 200
NETWORKX_REPS = 5  # median of this many timings per side
LISTING_SHARE = 0.10
LISTING_SEED = 5
LISTING_MARK = "(synthetisch)"

QUESTIONS = [
    "Wer arbeitet zu Klimaschutz in Burkina Faso?",
    "Welche Schulen machen Globales Lernen?",
    "Wer bietet Räume für Veranstaltungen?",
    "Wer sucht Referent:innen zum Fairen Handel?",
    "SDG 13 Ghana",
    "Weltläden mit Bildungsangeboten",
    "Wer braucht Ehrenamtliche für eine Aktionswoche?",
    "Kommunalpartnerschaften mit Tansania",
    "Wer kennt sich mit Fördermitteln aus?",
    "Ziel 4 Bildung für nachhaltige Entwicklung in Peru",
    "Migration und Entwicklung Kommune",
    "Wer hat Kontakte nach Nicaragua?",
    "Menschenrechte Lieferketten Workshop",
    "Solarstrom Energie Uganda",
    "Wer arbeitet mit Jugendlichen zu Frieden?",
    "Kirchengemeinden Partnerschaft Indien",
    "Öffentlichkeitsarbeit Filmabend",
    "Trinkwasser Sanitärversorgung Äthiopien",
    "faire Beschaffung Stadtverwaltung",
    "Vereine Biodiversität Waldschutz Brasilien",
]


def _rss_mb() -> float:
    return memory.own_peak_mb()


def _child(argv: list[str], env: dict) -> dict:
    proc = subprocess.run(
        [sys.executable, "-m", "bench.synergies", *argv], env=env, capture_output=True, text=True, check=False
    )
    if proc.returncode:
        return {"error": proc.stderr[-3000:]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _percentiles(samples_s: list[float]) -> dict:
    ms = np.asarray(samples_s) * 1000
    return {
        "p50_ms": round(float(np.percentile(ms, 50)), 2),
        "p95_ms": round(float(np.percentile(ms, 95)), 2),
        "max_ms": round(float(ms.max()), 2),
        "n": len(ms),
    }


# --- synthetic listings -------------------------------------------------------------------------


def ensure_listings() -> dict:
    """One or two listings for LISTING_SHARE of the synthetic actors (kept if already there)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from knotenpunkt.demo import synthetic_network as synthetic
    from knotenpunkt.synergies.models import Category, Direction, Listing

    actor_ids = np.array(sorted(synthetic.synthetic_actors().values_list("pk", flat=True)), dtype=np.int64)
    rng = np.random.default_rng(LISTING_SEED)
    owners = np.sort(rng.choice(actor_ids, size=int(LISTING_SHARE * len(actor_ids)), replace=False))
    per_owner = rng.integers(1, 3, size=len(owners))
    owner = np.repeat(owners, per_owner)
    wanted = len(owner)
    mine = Listing.objects.filter(description__endswith=LISTING_MARK)
    have = mine.count()
    if have == wanted:
        return {"listings": wanted, "created": False}
    started = time.perf_counter()
    categories = [c for c, _ in Category.choices if c != Category.OTHER]
    labels = dict(Category.choices)
    themes = [t[1] for t in synthetic.THEMES]
    phrases = [t[4] for t in synthetic.THEMES]
    countries = [c[1] if isinstance(c, tuple) else c for c in synthetic.COUNTRIES]
    today = timezone.localdate()
    now = timezone.now()
    rows = []
    for actor_id in owner.tolist():
        offer = rng.random() < 0.55
        category = categories[int(rng.integers(len(categories)))]
        theme = int(rng.integers(len(themes)))
        what = synthetic.OFFERS[int(rng.integers(len(synthetic.OFFERS)))]
        country = countries[int(rng.integers(len(countries)))]
        label = str(labels[category])
        if offer:
            title = f"{label}: {what} zu {themes[theme]}"
            text = f"Wir bieten {what} rund um {phrases[theme]}, gern auch mit Bezug zu {country}."
        else:
            title = f"Gesucht: {label} für {themes[theme]}"
            text = f"Für unsere Arbeit zu {phrases[theme]} suchen wir Unterstützung: {what}."
        rows.append((
            actor_id, Direction.OFFER if offer else Direction.NEED, category, title[:160],
            f"{text} {LISTING_MARK}", "", today, None, bool(rng.random() < 0.7), now, now, 1,
        ))  # fmt: skip
    with transaction.atomic():
        mine.delete()
        with connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO synergies_listing (actor_id, direction, category, title, description, country,"
                " valid_from, valid_until, public, created_at, updated_at, version)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                rows,
            )
    return {"listings": wanted, "created": True, "seconds": round(time.perf_counter() - started, 2)}


# --- children -----------------------------------------------------------------------------------


def child_warmup() -> dict:
    """One actor's suggestions, so that the compiled kernels are in numba's cache before the timed
    children start: compiling them takes ~13 s and ~100 MB once after an install or a change of
    kernels.py; the nightly run finds them compiled. In a process of its own, so that neither
    counts in the full run's time or peak memory."""
    from knotenpunkt.actors.models import Actor
    from knotenpunkt.synergies import suggestions

    started = time.perf_counter()
    suggestions.compute_for([Actor.objects.order_by("pk").values_list("pk", flat=True).first()])
    return {"seconds": round(time.perf_counter() - started, 2), "peak_rss_mb": _rss_mb()}


def child_all() -> dict:
    from knotenpunkt.synergies import suggestions

    with memory.TreeSampler() as tree:
        started = time.perf_counter()
        run = suggestions.compute_all()
        seconds = time.perf_counter() - started
    return {
        "seconds": round(seconds, 2),
        # The larger of this process's own peak and the sampled peak of it and the forked process
        # that reads half of the texts (their PSS together: shared pages once).
        "peak_rss_mb": max(_rss_mb(), tree.peak_mb),
        "own_peak_rss_mb": _rss_mb(),
        "tree_peak_pss_mb": tree.peak_mb,
        "actors": run.actor_count,
        "suggestions": run.suggestion_count,
        "timings": run.details,
    }


def child_one() -> dict:
    from knotenpunkt.synergies import engine, suggestions

    t = time.perf_counter()
    loaded = suggestions.load()
    load_s = time.perf_counter() - t
    rng = np.random.default_rng(1)
    nodes = rng.choice(loaded.inputs.n, size=min(ONE_SAMPLES, loaded.inputs.n), replace=False)
    for node in nodes[:5]:  # warm-up
        result = engine.suggest(loaded.inputs, top=suggestions.TOP, actors=[node])
        suggestions.build_reasons(loaded, result.parts)
    samples = []
    for node in nodes:
        t = time.perf_counter()
        result = engine.suggest(loaded.inputs, top=suggestions.TOP, actors=[node])
        suggestions.build_reasons(loaded, result.parts)
        samples.append(time.perf_counter() - t)
    return {"load_s": round(load_s, 2), **_percentiles(samples), "peak_rss_mb": _rss_mb()}


def child_question() -> dict:
    from django.contrib.auth.models import AnonymousUser

    from knotenpunkt.accounts.models import Role, User
    from knotenpunkt.synergies import question

    users = {"Koordination": User(username="bench-q", role=Role.COORDINATOR, is_active=True), "Gast": AnonymousUser()}
    out = {}
    for label, user in users.items():
        for q in QUESTIONS[:3]:  # warm-up: caches, connection
            question.ask(user=user, question=q)
        samples, slowest = [], (0.0, "")
        for _ in range(3):
            for q in QUESTIONS:
                t = time.perf_counter()
                question.ask(user=user, question=q)
                dt = time.perf_counter() - t
                samples.append(dt)
                slowest = max(slowest, (dt, q))
        out[label] = {**_percentiles(samples), "slowest": slowest[1]}
    return out


def child_networkx() -> dict:
    import networkx as nx

    from knotenpunkt.synergies import engine, suggestions

    loaded = suggestions.load()
    inputs = loaded.inputs
    rng = np.random.default_rng(2)
    nodes = np.sort(rng.choice(inputs.n, size=min(ONE_SAMPLES, inputs.n), replace=False))
    # The candidate pairs the engine scores for these actors.
    xs, ys, _gv = engine._candidate_block(inputs, nodes, inputs.n <= engine.FULL_SCORING_MAX)
    pairs = list(zip(xs.tolist(), ys.tolist(), strict=True))
    # Building each side's structure is not timed, but reported: networkx's Graph, the engine's
    # pruned sparse adjacency (engine._pruned_adjacency, built once per load like the graph) and
    # the loading of its compiled kernel from numba's cache.
    t = time.perf_counter()
    engine._pruned_adjacency(inputs)
    engine.graph_part(inputs, xs[:10], ys[:10])  # loads the compiled kernel (once per process)
    ours_build_s = time.perf_counter() - t
    ours_runs = []
    for _ in range(NETWORKX_REPS):
        t = time.perf_counter()
        ours = engine.graph_part(inputs, xs, ys)
        ours_runs.append(time.perf_counter() - t)
    ours_s = float(np.median(ours_runs))
    t = time.perf_counter()
    coo = sparse_upper(inputs.adjacency)
    G = nx.Graph()
    G.add_nodes_from(range(inputs.n))
    G.add_edges_from(zip(coo[0].tolist(), coo[1].tolist(), strict=True))
    nx_build_s = time.perf_counter() - t
    nx_runs = []
    for _ in range(NETWORKX_REPS):
        t = time.perf_counter()
        theirs = list(nx.adamic_adar_index(G, pairs))
        nx_runs.append(time.perf_counter() - t)
    nx_s = float(np.median(nx_runs))
    # Same pairs, same sums where no hub is left out (the engine skips hubs as intermediaries).
    reference = np.array([p for _u, _v, p in theirs])
    agree = float(np.mean(np.isclose(reference, ours) | (ours <= reference)))
    return {
        "actors": len(nodes),
        "pairs": len(pairs),
        "repetitions": NETWORKX_REPS,
        "engine_s": round(ours_s, 4),
        "networkx_s": round(nx_s, 3),
        "engine_build_s": round(ours_build_s, 3),
        "networkx_build_s": round(nx_build_s, 3),
        "engine_us_per_pair": round(ours_s / max(len(pairs), 1) * 1e6, 3),
        "networkx_us_per_pair": round(nx_s / max(len(pairs), 1) * 1e6, 3),
        "ratio": round(nx_s / ours_s, 1) if ours_s else None,
        "agree": round(agree, 4),
    }


def sparse_upper(adjacency):
    from scipy import sparse

    upper = sparse.triu(adjacency, k=1).tocoo()
    return upper.row, upper.col


# --- parent -------------------------------------------------------------------------------------


def run(args, env: dict) -> dict:
    import django
    from django.db import connection

    django.setup()
    print("== Partnervorschläge: synthetische Angebote und Gesuche ==", flush=True)
    results = {"listings": ensure_listings()}
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE synergies_listing")
    connection.close()
    for name in ("warmup", "all", "one", "question", "networkx"):
        print(f"== Partnervorschläge: {name} ==", flush=True)
        results[name] = _child([name], env)
        print("  " + json.dumps(results[name])[:300], flush=True)
    a, o, q, x = (results.get(k, {}) for k in ("all", "one", "question", "networkx"))
    results["ok"] = {
        "all": "error" not in a and a["seconds"] <= TARGET_ALL_S and a["peak_rss_mb"] <= TARGET_RSS_MB,
        "one": "error" not in o and o["p95_ms"] <= TARGET_ONE_MS,
        "question": "error" not in q and all(v["p95_ms"] <= TARGET_QUESTION_MS for v in q.values()),
        "networkx": "error" not in x and (x.get("ratio") or 0) >= TARGET_RATIO,
    }
    results["load_average"] = os.getloadavg()
    results["targets"] = {
        "all_s": TARGET_ALL_S, "rss_mb": TARGET_RSS_MB, "one_ms": TARGET_ONE_MS,
        "question_ms": TARGET_QUESTION_MS, "ratio": TARGET_RATIO,
    }  # fmt: skip
    return results


def print_table(results: dict) -> None:
    def verdict(key):
        return "ok" if results.get("ok", {}).get(key) else "VERFEHLT"

    print("\nPartnervorschläge (Issue 5)")
    listings = results.get("listings", {})
    created = " (neu angelegt)" if listings.get("created") else ""
    print(f"  synthetische Angebote/Gesuche: {listings.get('listings', 0):,}{created}")
    a = results.get("all", {})
    if "error" in a:
        print(f"  alle Akteure: Fehler\n{a['error']}")
    elif a:
        w = results.get("warmup", {})
        if "seconds" in w:
            print(f"  Aufwärmen (Kernel kompilieren oder aus dem Cache laden, ungezählt): {w['seconds']:.1f} s")
        print(
            f"  alle Akteure      {a['seconds']:>8.1f} s  Spitze {a['peak_rss_mb']:>6.0f} MB  "
            f"(Ziel ≤ {TARGET_ALL_S} s, ≤ {TARGET_RSS_MB} MB) {verdict('all')}  "
            f"{a['actors']:,} Akteure, {a['suggestions']:,} Vorschläge"
        )
        print("                    " + ", ".join(f"{k} {v}" for k, v in a.get("timings", {}).items()))
    o = results.get("one", {})
    if "error" in o:
        print(f"  ein Akteur: Fehler\n{o['error']}")
    elif o:
        print(
            f"  ein Akteur        p50 {o['p50_ms']:.1f} ms, p95 {o['p95_ms']:.1f} ms, max {o['max_ms']:.1f} ms "
            f"über {o['n']} Akteure (Ziel p95 ≤ {TARGET_ONE_MS} ms) {verdict('one')}"
        )
    q = results.get("question", {})
    if "error" in q:
        print(f"  Frage: Fehler\n{q['error']}")
    for label, row in q.items() if "error" not in q else ():
        print(
            f"  Frage ({label:<12}) p50 {row['p50_ms']:.1f} ms, p95 {row['p95_ms']:.1f} ms, max {row['max_ms']:.1f} ms "
            f"über {row['n']} Fragen (Ziel p95 ≤ {TARGET_QUESTION_MS} ms), langsamste: {row['slowest']!r}"
        )
    if q and "error" not in q:
        print(f"                    {verdict('question')}")
    x = results.get("networkx", {})
    if "error" in x:
        print(f"  networkx: Fehler\n{x['error']}")
    elif x:
        print(
            f"  gegen networkx    {x['pairs']:,} Kandidatenpaare von {x['actors']} Akteuren: "
            f"Engine {x['engine_s']:.3f} s, "
            f"adamic_adar_index {x['networkx_s']:.2f} s → {x['ratio']}× (Ziel ≥ {TARGET_RATIO}×) {verdict('networkx')}"
        )
    if "load_average" in results:
        print("  Last (1/5/15 min) nach dem Lauf: " + ", ".join(f"{v:.2f}" for v in results["load_average"]))


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    children = {
        "warmup": child_warmup, "all": child_all, "one": child_one, "question": child_question,
        "networkx": child_networkx,
    }  # fmt: skip
    if argv and argv[0] in children:
        import django

        django.setup()
        fn = children[argv[0]]
        print(json.dumps(fn()))
        return 0
    from bench.run import configure_environment

    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/knotenpunkt_bench")
    env = configure_environment(url)
    os.environ.update(env)
    results = run(None, env)
    print_table(results)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "knotenpunkt.settings")
    sys.exit(main())
