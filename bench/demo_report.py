"""The demo's annual report timed on a fresh SQLite database with the Ludwigsburg demo.

    .venv/bin/python -m bench.demo_report      # prints one JSON line last

Run by bench/initiatives.py in a subprocess (its own settings: SQLite in a temporary directory).
"""

from __future__ import annotations

import json
import os
import statistics
import tempfile
import time
from pathlib import Path

REPS = 3


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="knotenpunkt-demo-report-"))
    os.environ["DATABASE_URL"] = f"sqlite:///{folder / 'demo.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "knotenpunkt.settings")
    os.environ["KNOTENPUNKT_PAGE_CACHE"] = "0"
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client
    from django.utils import timezone

    from knotenpunkt.accounts.models import User

    call_command("migrate", verbosity=0)
    call_command("load_demo", verbosity=0)
    client = Client()
    client.force_login(User.objects.get(username="koordination"))
    year = timezone.localdate().year
    out = {"year": year}
    for label, url in (
        ("html", f"/berichte/jahresbericht/?jahr={year}"),
        ("pdf", f"/berichte/jahresbericht.pdf?jahr={year}"),
    ):
        client.get(url)  # the first request loads the code (WeasyPrint and its fonts for the PDF)
        runs = []
        for _ in range(REPS):
            started = time.perf_counter()
            response = client.get(url)
            runs.append(time.perf_counter() - started)
            assert response.status_code == 200
        out[f"{label}_runs_s"] = [round(r, 2) for r in runs]
        out[f"{label}_median_s"] = round(statistics.median(runs), 2)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
