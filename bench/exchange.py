"""Network exchange benchmark (issue 4): the whole network as Kumu workbook, next to GraphML.

    .venv/bin/python -m bench.exchange        # DATABASE_URL defaults to knotenpunkt_bench

Needs the network and, for the derived pairs, the activities loaded by `bench.run` first; reads
only. Each export runs in a fresh subprocess (so that the peak memory, VmHWM from bench/memory.py, is its own), as a
coordinator (an unsaved user with that role: the database is not written) and without filters,
the way `exchange_views.export` calls it: `network_for` and then the writer.

* Kumu workbook (`kumu_xlsx`): written to a temporary file like the view does, then deleted;
  target well under the request timeout: ≤ TARGET_S seconds.
* GraphML (`graphml`): the same network, the text chunks encoded as the streaming response does
  and counted, not stored; the baseline for reading the network from PostgreSQL.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from bench import memory

TARGET_S = 60
FORMATS = ("kumu-xlsx", "graphml")


def _child(fmt: str, env: dict) -> dict:
    proc = subprocess.run(
        [sys.executable, "-m", "bench.exchange", "child", fmt], env=env, capture_output=True, text=True, check=False
    )
    if proc.returncode:
        return {"error": proc.stderr[-3000:]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _coordinator():
    from knotenpunkt.accounts.models import Role, User

    return User(username="bench-exchange", role=Role.COORDINATOR, is_active=True)


def child_export(fmt: str) -> dict:
    from knotenpunkt.network import exchange

    writer = exchange.FORMATS[fmt][0]
    started, cpu = time.perf_counter(), time.process_time()
    network = exchange.network_for(_coordinator(), {})
    network_s = time.perf_counter() - started
    result = {"format": fmt, "nodes": len(network.nodes)}
    if fmt == "kumu-xlsx":
        path = writer(network)
        seconds = time.perf_counter() - started
        result["bytes"] = path.stat().st_size
        import zipfile

        with zipfile.ZipFile(path) as archive:
            result["unpacked_bytes"] = sum(member.file_size for member in archive.infolist())
            workbook = archive.read("xl/workbook.xml").decode()
        result["sheets"] = workbook.count("<sheet ")
        path.unlink()
    else:
        size = 0
        for chunk in writer(network):
            size += len(chunk.encode("utf-8"))
        seconds = time.perf_counter() - started
        result["bytes"] = size
    result["seconds"] = round(seconds, 2)
    result["cpu_s"] = round(time.process_time() - cpu, 2)  # this process only, without PostgreSQL's share
    result["network_s"] = round(network_s, 2)
    result["peak_rss_mb"] = memory.own_peak_mb()
    return result


def _edge_count() -> dict:
    from knotenpunkt.network.models import DerivedTie, Tie

    return {"ties": Tie.objects.count(), "derived": DerivedTie.objects.count()}


def run(args, env: dict) -> dict:
    results = {}
    for fmt in FORMATS:
        print(f"== Austausch: ganzes Netz als {fmt} (Koordination) ==", flush=True)
        row = _child(fmt, env)
        if "error" not in row:
            size, peak = row["bytes"] / 1e6, row["peak_rss_mb"]
            print(f"  {row['seconds']:.1f} s, {size:.0f} MB, Spitze {peak:.0f} MB", flush=True)
        results[fmt] = row
    xlsx, graphml = results["kumu-xlsx"], results["graphml"]
    if "error" not in xlsx:
        xlsx["ok"] = xlsx["seconds"] <= TARGET_S
        if "error" not in graphml:
            results["ratio"] = round(xlsx["seconds"] / graphml["seconds"], 2)
    results["edges"] = _edge_count()
    results["target_s"] = TARGET_S
    results["load_average"] = [round(x, 2) for x in os.getloadavg()]  # two cores: above 2, others ran too
    return results


def print_table(results: dict) -> None:
    edges = results.get("edges", {})
    print(
        f"\nNetzwerk-Austausch: ganzes Netz, Koordination "
        f"({edges.get('ties', 0):,} Beziehungen + {edges.get('derived', 0):,} abgeleitete Paare)"
    )
    for fmt in FORMATS:
        row = results.get(fmt, {})
        if "error" in row:
            print(f"  {fmt}: Fehler\n{row['error']}")
            continue
        extra = ""
        if fmt == "kumu-xlsx":
            verdict = "ok" if row["ok"] else "ZU LANGSAM"
            extra = (
                f"  {verdict} (Ziel ≤ {results['target_s']} s), {row['sheets']} Blätter, "
                f"entpackt {row['unpacked_bytes'] / 1e6:,.0f} MB"
            )
        print(
            f"  {fmt:<10} {row['seconds']:>7.1f} s  (CPU {row['cpu_s']:.1f} s, Akteure {row['network_s']:.1f} s)  "
            f"{row['bytes'] / 1e6:>7,.0f} MB  Spitze {row['peak_rss_mb']:>5.0f} MB{extra}"
        )
    if "ratio" in results:
        print(f"  Kumu-Arbeitsmappe / GraphML: {results['ratio']:.2f}")
    if "load_average" in results:
        print(f"  Last am Ende: {', '.join(str(x) for x in results['load_average'])} (2 Kerne)")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["child"]:
        import django

        django.setup()
        print(json.dumps(child_export(argv[1])))
        return 0
    from bench.run import DEFAULT_DATABASE_URL, configure_environment

    env = configure_environment(os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL)
    import django

    django.setup()
    results = run(None, env)
    print_table(results)
    return 0 if results.get("kumu-xlsx", {}).get("ok") else 1


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "knotenpunkt.settings")
    sys.exit(main())
