"""Kumu import benchmark (issue 14, "Speed"): a workbook of 5,000 elements and 20,000 connections on the
bench database (100,000 actors, 1,000,000 ties).

    .venv/bin/python -m bench.run --only kumu

* `preview`: reading the file and planning the import (`parse_upload` + `plan_import`: every row matched
  against the database, nothing written), as the preview page does; target ≤ TARGET_PREVIEW_S. The
  workbook is written with openpyxl, as people's spreadsheet programs write xlsx.
* `import`: `run_import` of that plan (5,000 actors and 20,000 ties created through the services, with
  their history and the in-transaction reactions), inside a transaction that is rolled back afterwards so
  the bench database stays as it was; target ≤ TARGET_IMPORT_S.
* Baseline: reading the same workbook with openpyxl alone, for the ratio.
"""

from __future__ import annotations

import io
import random
import time

ELEMENTS = 5000
CONNECTIONS = 20_000
TARGET_PREVIEW_S = 5
TARGET_IMPORT_S = 30
KINDS = ("Verein", "Schule", "Weltladen", "Kirchengemeinde", "Stiftung")


class _Rollback(Exception):
    pass


def workbook(seed: int = 1) -> bytes:
    from openpyxl import Workbook

    rng = random.Random(seed)
    book = Workbook(write_only=True)
    elements = book.create_sheet("Elements")
    elements.append(["Label", "Type", "Description", "Tags"])
    for n in range(ELEMENTS):
        elements.append([f"Kumu-Bench Akteur {n}", KINDS[n % len(KINDS)], "Engagiert für die Eine Welt. " * 3,
                         "SDG 4|SDG 13"])  # fmt: skip
    connections = book.create_sheet("Connections")
    connections.append(["From", "To", "Type", "Start"])
    pairs = set()
    while len(pairs) < CONNECTIONS:
        a, b = rng.randrange(ELEMENTS), rng.randrange(ELEMENTS)
        if a != b:
            pairs.add((a, b))
    for a, b in sorted(pairs):
        connections.append([f"Kumu-Bench Akteur {a}", f"Kumu-Bench Akteur {b}", "Kooperation", "01.03.2024"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def run(args, env) -> dict:
    from django.db import transaction
    from openpyxl import load_workbook

    from knotenpunkt.accounts.models import Role, User
    from knotenpunkt.network import kumu_import

    data = workbook()
    print(f"== Kumu-Import: {ELEMENTS:,} Elemente, {CONNECTIONS:,} Verbindungen, {len(data) / 1024:.0f} KB ==")
    started = time.perf_counter()
    book = load_workbook(io.BytesIO(data), read_only=True)
    for sheet in book.worksheets:
        for _row in sheet.iter_rows(values_only=True):
            pass
    book.close()
    baseline = time.perf_counter() - started

    started = time.perf_counter()
    plan = kumu_import.plan_import(*kumu_import.parse_upload("bench.xlsx", data))
    preview = time.perf_counter() - started
    counts = plan.counts
    assert counts.get("elements_create") == ELEMENTS and counts.get("connections_create") == CONNECTIONS, counts

    user = User.objects.filter(role=Role.COORDINATOR, is_active=True).first() or User.objects.create_user(
        "kumu-bench", password=None, role=Role.COORDINATOR
    )
    started = time.perf_counter()
    try:
        with transaction.atomic():
            result = kumu_import.run_import(user=user, plan=plan)
            imported = time.perf_counter() - started
            raise _Rollback
    except _Rollback:
        pass
    assert result == {"created": ELEMENTS, "merged": 0, "ties": CONNECTIONS}, result
    out = {
        "elements": ELEMENTS,
        "connections": CONNECTIONS,
        "bytes": len(data),
        "openpyxl_read_s": round(baseline, 2),
        "preview_s": round(preview, 2),
        "preview_ratio_to_read": round(preview / baseline, 1),
        "preview_target_s": TARGET_PREVIEW_S,
        "preview_ok": preview <= TARGET_PREVIEW_S,
        "import_s": round(imported, 2),
        "import_target_s": TARGET_IMPORT_S,
        "import_ok": imported <= TARGET_IMPORT_S,
    }
    print_table(out)
    return out


def print_table(out: dict) -> None:
    def ok(flag):
        return "ok" if flag else "VERFEHLT"

    print(f"  Datei lesen (openpyxl)  {out['openpyxl_read_s']:>7.2f} s")
    print(
        f"  Vorschau                {out['preview_s']:>7.2f} s  (Ziel ≤ {out['preview_target_s']} s, "
        f"{out['preview_ratio_to_read']}× Lesen)  {ok(out['preview_ok'])}"
    )
    print(
        f"  Import                  {out['import_s']:>7.2f} s  (Ziel ≤ {out['import_target_s']} s)  "
        f"{ok(out['import_ok'])}"
    )
