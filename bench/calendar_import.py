"""Calendar import benchmark (issue 14, "Speed"): a 5,000-event feed of about 1.6 MB on the bench database.

    .venv/bin/python -m bench.run --only calendars

* `upload`: POST of the file to an actor's calendar page as a coordinator (in-process test client,
  production settings), the median of UPLOAD_REPS; target ≤ TARGET_UPLOAD_MS. The request only
  checks that the file is a calendar and queues the import. Baseline: GET /robots.txt in the same
  client, for the ratio.
* `first_import`: the background import of that upload (`importer.refresh`, what the worker runs):
  reading, expanding and saving 5,000 events with their dates, history and reactions; target
  ≤ TARGET_IMPORT_S.
* `unchanged_import`: the same file imported again (read, compared, nothing written); target
  ≤ TARGET_UNCHANGED_S.

Everything the run creates (the actor's sources, activities and their change records) is removed
afterwards; the actor stays as the bench's own "Kalender-Bench" actor.
"""

from __future__ import annotations

import datetime as dt
import statistics
import time

EVENTS = 5000
SERIES_EVERY = 10  # every tenth event is a weekly series of 12 dates
UPLOAD_REPS = 5
TARGET_UPLOAD_MS = 300
TARGET_IMPORT_S = 10
TARGET_UNCHANGED_S = 3


def feed(events: int = EVENTS) -> bytes:
    """A feed like a busy association's: single events and weekly series over two years, in Berlin time."""
    start = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0) - dt.timedelta(days=60)
    out = ["BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Knotenpunkt//Bench//DE\r\nX-WR-CALNAME:Bench-Kalender\r\n"]
    berlin = dt.timezone(dt.timedelta(hours=1))
    for n in range(events):
        begin = (start + dt.timedelta(hours=3 * n)).astimezone(berlin)
        rule = "RRULE:FREQ=WEEKLY;COUNT=12\r\n" if n % SERIES_EVERY == 0 else ""
        out.append(
            f"BEGIN:VEVENT\r\nUID:{n}@bench.knotenpunkt\r\nDTSTAMP:20260101T000000Z\r\n"
            f"DTSTART;TZID=Europe/Berlin:{begin:%Y%m%dT%H%M%S}\r\n"
            f"DTEND;TZID=Europe/Berlin:{begin + dt.timedelta(hours=2):%Y%m%dT%H%M%S}\r\n{rule}"
            f"SUMMARY:Treffen {n} im Weltladen\r\nLOCATION:Bürgerhaus Ludwigsburg\\, Saal {n % 7}\r\n"
            f"DESCRIPTION:{'Gemeinsam planen und handeln. ' * 5}\r\nEND:VEVENT\r\n"
        )
    out.append("END:VCALENDAR\r\n")
    return "".join(out).encode()


def _actor():
    from knotenpunkt.actors.models import Actor

    actor = Actor.objects.filter(name="Kalender-Bench").first()
    if actor is None:
        actor = Actor.objects.create(name="Kalender-Bench", slug="kalender-bench", published=True)
    return actor


def _clean_up(actor) -> None:
    from knotenpunkt.activities.models import Activity, CalendarSource
    from knotenpunkt.changes.models import Change

    ids = list(Activity.objects.filter(source__actor=actor).values_list("pk", flat=True))
    Change.objects.filter(record_type="activities.activity", record_id__in=ids).delete()
    Activity.objects.filter(pk__in=ids).delete()
    sources = list(CalendarSource.objects.filter(actor=actor).values_list("pk", flat=True))
    Change.objects.filter(record_type="activities.calendarsource", record_id__in=sources).delete()
    CalendarSource.objects.filter(pk__in=sources).delete()


def run(args, env) -> dict:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client
    from django.urls import reverse

    from knotenpunkt.accounts.models import Role, User
    from knotenpunkt.activities import importer
    from knotenpunkt.activities.models import CalendarSource

    raw = feed()
    actor = _actor()
    _clean_up(actor)
    user = User.objects.filter(role=Role.COORDINATOR, is_active=True).first() or User.objects.create_user(
        "kalender-bench", password=None, role=Role.COORDINATOR
    )
    client = Client()
    client.force_login(user)
    url = reverse("activities:sources", args=[actor.slug])
    print(f"== Kalenderimport: {EVENTS:,} Termine, {len(raw) / 1024 / 1024:.2f} MB ==", flush=True)

    baseline, upload = [], []
    client.get("/robots.txt")
    for _rep in range(UPLOAD_REPS):
        started = time.perf_counter()
        client.get("/robots.txt")
        baseline.append((time.perf_counter() - started) * 1000)
        file = SimpleUploadedFile("bench.ics", raw, content_type="text/calendar")
        started = time.perf_counter()
        response = client.post(url, {"kind": "upload", "file": file, "public": "on"})
        upload.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 302, response.status_code
    sources = list(CalendarSource.objects.filter(actor=actor).order_by("pk"))
    for extra in sources[1:]:
        extra.delete()
    source = sources[0]

    started = time.perf_counter()
    summary = importer.refresh(source.pk)
    first = time.perf_counter() - started
    assert summary is not None and summary["new"] == EVENTS, summary
    started = time.perf_counter()
    again = importer.refresh(source.pk)
    unchanged = time.perf_counter() - started
    assert again is not None and again["unchanged"] == EVENTS, again
    dates = source.activities.filter(dates__isnull=False).count()
    _clean_up(actor)

    upload_ms = statistics.median(upload)
    baseline_ms = statistics.median(baseline)
    result = {
        "events": EVENTS,
        "series": dates,
        "bytes": len(raw),
        "upload_ms": round(upload_ms, 1),
        "baseline_robots_ms": round(baseline_ms, 2),
        "upload_ratio": round(upload_ms / baseline_ms, 1),
        "upload_target_ms": TARGET_UPLOAD_MS,
        "upload_ok": upload_ms <= TARGET_UPLOAD_MS,
        "first_import_s": round(first, 2),
        "first_import_target_s": TARGET_IMPORT_S,
        "first_import_ok": first <= TARGET_IMPORT_S,
        "unchanged_import_s": round(unchanged, 2),
        "unchanged_import_target_s": TARGET_UNCHANGED_S,
        "unchanged_import_ok": unchanged <= TARGET_UNCHANGED_S,
        "import_ratio_to_upload": round(first * 1000 / upload_ms, 1),
    }
    print_table(result)
    return result


def print_table(result: dict) -> None:
    def ok(flag):
        return "ok" if flag else "VERFEHLT"

    print(
        f"  Upload-Anfrage      {result['upload_ms']:>8.1f} ms  (Ziel ≤ {result['upload_target_ms']} ms, "
        f"{result['upload_ratio']}× /robots.txt)  {ok(result['upload_ok'])}"
    )
    print(
        f"  erster Import       {result['first_import_s']:>8.2f} s   (Ziel ≤ {result['first_import_target_s']} s)  "
        f"{ok(result['first_import_ok'])}"
    )
    print(
        f"  unveränderter Import {result['unchanged_import_s']:>7.2f} s   (Ziel ≤ "
        f"{result['unchanged_import_target_s']} s)  {ok(result['unchanged_import_ok'])}"
    )
