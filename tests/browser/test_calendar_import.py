"""An actor's external feed is imported and refreshed without duplicates.

The feed comes from a local HTTP server; the background worker runs in the test thread
(`db_worker --batch`), as `manage.py worker` would in production.
"""

import datetime as dt
import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from playwright.sync_api import expect

from knotenpunkt.accounts.models import Role
from knotenpunkt.activities.models import Activity, CalendarSource
from tests.browser.conftest import axe_violations
from tests.factories import ActorFactory, UserFactory
from tests.feed_server import FeedServer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _event(uid, title, days, hour=19, extra=""):
    day = timezone.localdate() + dt.timedelta(days=days)
    return (
        f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20260101T000000Z\r\n"
        f"DTSTART;TZID=Europe/Berlin:{day:%Y%m%d}T{hour:02d}0000\r\n"
        f"DTEND;TZID=Europe/Berlin:{day:%Y%m%d}T{hour + 2:02d}0000\r\n"
        f"SUMMARY:{title}\r\nLOCATION:Weltladen\\, Seestraße 5\\, Ludwigsburg\r\n{extra}END:VEVENT\r\n"
    )


def _calendar(*events):
    return "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Weltladen//DE\r\n" + "".join(events) + "END:VCALENDAR\r\n"


FIRST = _calendar(
    _event("infoabend@weltladen", "Infoabend Fairer Handel", 4),
    _event("kaffee@weltladen", "Kaffeeverkostung", 9, hour=15),
    _event("lesung@weltladen", "Lesung: Reise nach Burkina Faso", 12),
)
# Upstream the tasting gets a new title, the reading is dropped, the evening stays as it was.
SECOND = _calendar(
    _event("infoabend@weltladen", "Infoabend Fairer Handel", 4),
    _event("kaffee@weltladen", "Kaffeeverkostung mit Röstvorführung", 9, hour=15),
)


def run_worker():
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)


@pytest.fixture
def feed(settings):
    settings.ICAL_IMPORT_ALLOW_PRIVATE_HOSTS = True
    with FeedServer() as server:
        server.serve("/weltladen.ics", FIRST)
        yield server


def test_an_actors_external_feed_is_imported_and_refreshed_without_duplicates(new_page, feed, screenshot):
    actor = ActorFactory(name="Weltladen Ludwigsburg e.V.", published=True)
    editor = UserFactory(username="weltladen", role=Role.ACTOR_EDITOR)
    editor.edited_actors.add(actor)
    page = new_page(user=editor)

    # The actor's editor registers the feed address.
    page.goto(f"/akteure/{actor.slug}/kalender/")
    expect(page.get_by_text("Noch kein Kalender eingetragen.")).to_be_visible()
    page.get_by_label(re.compile("^Adresse des Kalenders")).fill(feed.url("/weltladen.ics"))
    page.get_by_label("Bezeichnung (optional)").first.fill("Veranstaltungen im Weltladen")
    page.get_by_role("button", name="Kalender eintragen").click()
    sources = page.locator("#source-list")
    expect(sources).to_contain_text("Veranstaltungen im Weltladen")
    expect(sources).to_contain_text("Wartet auf den Hintergrunddienst")

    # The worker imports it; the page, polling, shows the result without a reload.
    run_worker()
    expect(sources).to_contain_text("3 neu · 0 geändert · 0 abgesagt · 0 unverändert", timeout=10_000)
    expect(sources).not_to_contain_text("Wartet auf den Hintergrunddienst")
    screenshot(page, "calendar-import-first")

    # The events are the actor's: on its profile and in the calendar.
    page.goto(f"/akteure/{actor.slug}/")
    profile = page.locator(".actor-activities")
    for title in ("Infoabend Fairer Handel", "Kaffeeverkostung", "Lesung: Reise nach Burkina Faso"):
        expect(profile.get_by_role("link", name=title, exact=True)).to_be_visible()

    # The feed changes upstream; someone asks for a refresh now.
    feed.serve("/weltladen.ics", SECOND)
    page.goto(f"/akteure/{actor.slug}/kalender/")
    page.get_by_role("button", name="Jetzt aktualisieren").click()
    expect(sources).to_contain_text("Wartet auf den Hintergrunddienst")
    run_worker()
    expect(sources).to_contain_text("0 neu · 1 geändert · 1 abgesagt · 1 unverändert", timeout=10_000)
    screenshot(page, "calendar-import-refreshed")

    # No duplicates, the change is visible, the dropped event is shown as cancelled.
    page.goto(f"/termine/?actor={actor.slug}&view=list")
    main = page.locator("main")
    expect(main.get_by_role("link", name="Kaffeeverkostung mit Röstvorführung")).to_have_count(1)
    expect(main.get_by_role("link", name="Infoabend Fairer Handel")).to_have_count(1)
    expect(main.get_by_role("link", name="Kaffeeverkostung", exact=True)).to_have_count(0)
    cancelled = main.locator(".is-cancelled").filter(has_text="Lesung: Reise nach Burkina Faso")
    expect(cancelled).to_have_count(1)
    screenshot(page, "calendar-import-calendar")

    source = CalendarSource.objects.get()
    assert Activity.objects.filter(source=source).count() == 3
    assert Activity.objects.get(source=source, source_uid="kaffee@weltladen").sequence == 1
    assert Activity.objects.get(source=source, source_uid="infoabend@weltladen").sequence == 0


def _big_calendar(count: int) -> bytes:
    start = timezone.now().replace(minute=0, second=0, microsecond=0) - dt.timedelta(days=30)
    events = []
    for n in range(count):
        begin = start + dt.timedelta(hours=3 * n)  # all within the import window
        rule = "RRULE:FREQ=WEEKLY;COUNT=8\r\n" if n % 20 == 0 else ""
        events.append(
            f"BEGIN:VEVENT\r\nUID:{n}@grossverein\r\nDTSTAMP:20260101T000000Z\r\n"
            f"DTSTART:{begin:%Y%m%dT%H%M%SZ}\r\nDTEND:{begin + dt.timedelta(hours=2):%Y%m%dT%H%M%SZ}\r\n"
            f"{rule}SUMMARY:Treffen {n}\r\nLOCATION:Bürgerhaus\r\nDESCRIPTION:{'Eine Beschreibung. ' * 10}\r\n"
            "END:VEVENT\r\n"
        )
    return _calendar(*events).encode()


@pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason=(
        "the test database on SQLite is in memory with a shared cache, whose table locks stop the worker "
        "thread while the page reads (the file database the app runs on uses WAL and has no such locks)"
    ),
)
def test_a_large_uploaded_file_is_imported_in_the_background_with_a_progress_bar(new_page, screenshot, tmp_path):
    """Issue 14: the upload answers at once; the page shows the import's progress and then its result."""
    import threading
    import time

    actor = ActorFactory(name="Großverein Ludwigsburg e.V.", published=True)
    editor = UserFactory(username="grossverein", role=Role.ACTOR_EDITOR)
    editor.edited_actors.add(actor)
    path = tmp_path / "grossverein.ics"
    path.write_bytes(_big_calendar(6000))
    page = new_page(user=editor)
    page.goto(f"/akteure/{actor.slug}/kalender/")

    page.get_by_label("Kalenderdatei (.ics)").set_input_files(str(path))
    started = time.monotonic()
    page.get_by_role("button", name="Datei übernehmen").click()
    expect(page.get_by_text("Die Datei ist angekommen")).to_be_visible()
    answered = time.monotonic() - started
    sources = page.locator("#source-list")
    expect(sources).to_contain_text("Wartet auf den Hintergrunddienst")
    assert not Activity.objects.exists()  # nothing was read in the request
    assert answered < 3, answered  # the whole round trip in the browser; the request itself: bench/

    # The worker in a thread of its own (db_worker's command wants the main thread for its signals).
    from django_tasks_db.management.commands.db_worker import Worker

    background = Worker(queue_names=["default"], interval=0, batch=True, backend_name="default", startup_delay=False,
                        max_tasks=None, worker_id="browser-test", excluded_queue_names=[])  # fmt: skip
    worker = threading.Thread(target=background.run)
    statuses = []
    page.on("response", lambda response: statuses.append(response.status) if "/kalender/" in response.url else None)
    worker.start()
    try:
        # The page polls; while the worker reads and saves, a progress bar says where it stands.
        expect(sources.locator("progress")).to_be_visible()
        expect(sources).to_contain_text(
            re.compile(r"Termine werden gelesen|Termine werden gespeichert"), timeout=20_000
        )
        screenshot(page, "calendar-upload-progress")
        assert axe_violations(page) == []  # with the progress bar
        expect(sources).to_contain_text("6000 neu · 0 geändert", timeout=90_000)
    finally:
        worker.join(timeout=120)
    expect(sources.locator("progress")).to_have_count(0)
    assert all(status < 500 for status in statuses), statuses  # the page kept answering while the import ran
    screenshot(page, "calendar-upload-done")
    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    expect(sources).to_contain_text("6000 neu")
    screenshot(page, "calendar-upload-done-phone")
    assert axe_violations(page) == []
    assert Activity.objects.filter(source__actor=actor).count() == 6000
