"""An actor's external feed is imported and refreshed without duplicates.

The feed comes from a local HTTP server; the background worker runs in the test thread
(`db_worker --batch`), as `manage.py worker` would in production.
"""

import datetime as dt
import re

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from knotenpunkt.accounts.models import Role
from knotenpunkt.activities.models import Activity, CalendarSource
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
    expect(sources).to_contain_text("wird aktualisiert")

    # The worker imports it; the page, polling, shows the result without a reload.
    run_worker()
    expect(sources).to_contain_text("3 neu · 0 geändert · 0 abgesagt · 0 unverändert", timeout=10_000)
    expect(sources).not_to_contain_text("wird aktualisiert")
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
    expect(sources).to_contain_text("wird aktualisiert")
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
