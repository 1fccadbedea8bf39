"""The calendar in a real browser: browsing months, downloading an event, filters, phones, the form."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from django.utils.formats import date_format
from playwright.sync_api import expect

from knotenpunkt.activities import services
from knotenpunkt.activities.models import Activity
from knotenpunkt.activities.recurrence import BERLIN
from tests.factories import ActorFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _next_month(day: dt.date) -> dt.date:
    return (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, 0, tzinfo=BERLIN)


@pytest.fixture
def calendar_world(db):
    """A public talk evening next month, an internal meeting the same day, and a campaign."""
    organiser = ActorFactory(name="Weltladen Ludwigsburg", published=True)
    day = _next_month(timezone.localdate()).replace(day=15)

    def create(**data):
        return services.activity_create(
            user=None,
            data={"kind": "event", "level": "local", "public": True, **data},
            participants=[services.ParticipantSpec(role="organiser", actor_id=organiser.pk)],
        )

    return {
        "day": day,
        "evening": create(title="Filmabend „Das Wasser des Sahel“", start=_at(day, 19), end=_at(day, 21),
                          place_name="Scala", city="Ludwigsburg"),
        "internal": create(title="Interne Vorbesprechung Partnerschaft", start=_at(day, 10), end=_at(day, 11),
                           kind="meeting", public=False),
        "campaign": create(title="Aktionswochen Fairer Handel", kind="campaign", all_day=True,
                           start=_at(day, 0), end=_at(day + dt.timedelta(days=3), 0)),
    }  # fmt: skip


def test_a_visitor_browses_the_calendar_and_downloads_an_event(page, calendar_world, screenshot):
    day = calendar_world["day"]
    evening = calendar_world["evening"]
    calendar = page.locator("#calendar")

    page.goto("/termine/")
    expect(page.get_by_role("heading", level=2, name=date_format(timezone.localdate(), "F Y"))).to_be_visible()
    page.evaluate("window.kpNoReload = 'still here'")

    page.get_by_role("link", name="Nächster Monat").click()
    expect(page.locator("#calendar-heading")).to_have_text(date_format(day, "F Y"))
    page.wait_for_url(re.compile(rf"date={day.replace(day=1).isoformat()}"))
    assert page.evaluate("window.kpNoReload") == "still here"  # htmx swapped the calendar only
    expect(calendar).to_contain_text("Filmabend „Das Wasser des Sahel“")
    expect(calendar).to_contain_text("Aktionswochen Fairer Handel")
    expect(calendar).not_to_contain_text("Interne Vorbesprechung")
    screenshot(page, "calendar-month")

    calendar.get_by_role("link", name=re.compile("Filmabend")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Filmabend „Das Wasser des Sahel“")
    expect(page.locator("main")).to_contain_text("19:00–21:00 Uhr")
    expect(page.locator("main")).to_contain_text("Weltladen Ludwigsburg")
    screenshot(page, "calendar-detail")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="In meinen Kalender (.ics)").click()
    download = download_info.value
    content = download.path().read_text(encoding="utf-8")
    assert content.startswith("BEGIN:VCALENDAR")
    assert "Filmabend" in content and evening.uid in content.replace("\r\n ", "")


def test_filters_rerender_the_calendar_with_a_shareable_address(page, new_page, calendar_world):
    day = calendar_world["day"]
    page.goto(f"/termine/?date={day.isoformat()}")
    calendar = page.locator("#calendar")
    expect(calendar).to_contain_text("Filmabend")
    page.evaluate("window.kpNoReload = 'still here'")

    page.get_by_label("Art", exact=True).select_option("campaign")
    page.wait_for_url(re.compile(r"[?&]kind=campaign(&|$)"))
    expect(calendar).to_contain_text("Aktionswochen Fairer Handel")
    expect(calendar).not_to_contain_text("Filmabend")
    assert page.evaluate("window.kpNoReload") == "still here"
    expect(page.get_by_role("link", name="Termine abonnieren (iCal)")).to_have_attribute(
        "href", "/termine.ics?kind=campaign"
    )

    page.get_by_role("link", name="Liste").click()
    page.wait_for_url(re.compile(r"view=list"))
    expect(calendar).to_contain_text("Aktionswochen Fairer Handel")

    shared = new_page()
    shared.goto(page.url)
    expect(shared.get_by_label("Art", exact=True)).to_have_value("campaign")
    expect(shared.locator("#calendar")).to_contain_text("Aktionswochen Fairer Handel")
    expect(shared.locator("#calendar")).not_to_contain_text("Filmabend")


def test_on_a_phone_the_month_becomes_a_list_of_days(new_page, calendar_world, screenshot):
    viewport = {"width": 390, "height": 844}
    page = new_page(viewport=viewport)
    day = calendar_world["day"]
    page.goto(f"/termine/?date={day.isoformat()}")
    heading = page.get_by_role("link", name=re.compile(date_format(day, "l, j. F Y")))
    expect(heading).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("Filmabend"))).to_be_visible()
    # Days without activities are left out on a phone.
    empty = date_format(day + dt.timedelta(days=5), "l, j. F Y")
    expect(page.get_by_role("link", name=re.compile(f"^{empty}"))).to_be_hidden()
    screenshot(page, "calendar-month-mobile")
    scroll_width = page.evaluate("document.scrollingElement.scrollWidth")
    assert scroll_width <= viewport["width"], f"Seite ist {scroll_width}px breit, Viewport {viewport['width']}px"

    page.get_by_role("link", name=re.compile("Filmabend")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Filmabend")
    assert page.evaluate("document.scrollingElement.scrollWidth") <= viewport["width"]


def test_a_coordinator_records_a_monthly_series_with_participants(new_page, coordinator, calendar_world, screenshot):
    ActorFactory(name="Eine-Welt-Forum Ludwigsburg", published=True)
    page = new_page(user=coordinator)
    page.goto("/termine/neu/")
    page.get_by_label("Titel").fill("Offenes Treffen der Eine-Welt-Gruppen")
    page.locator("#id_kind").select_option("meeting")
    page.get_by_label("Beginn (Datum)").fill("2031-01-08")
    page.get_by_label("Beginn (Uhrzeit)").fill("19:00")
    page.get_by_label("Ende (Uhrzeit)").fill("21:00")

    # All-day hides the times; unticking shows them again.
    page.get_by_label("ganztägig").check()
    expect(page.get_by_label("Beginn (Uhrzeit)")).to_be_hidden()
    page.get_by_label("ganztägig").uncheck()
    expect(page.get_by_label("Beginn (Uhrzeit)")).to_be_visible()

    expect(page.get_by_label("Anzahl Termine", exact=True)).to_be_hidden()
    page.get_by_label("Wiederholung", exact=True).select_option("monthly_weekday")
    page.get_by_label("Anzahl Termine", exact=True).fill("12")

    # Participants: add a row by htmx, find the actor through the suggestions.
    page.get_by_role("button", name="+ Beteiligte hinzufügen").click()
    row = page.locator(".participant-row").first
    expect(row).to_be_visible()
    actor_input = row.get_by_label("Akteur")
    expect(actor_input).to_be_focused()
    actor_input.press_sequentially("Eine-Welt", delay=30)
    expect(page.locator("#participant-actor-options option")).to_have_count(1)
    actor_input.fill("eine-welt-forum-ludwigsburg")
    row.get_by_label("Rolle").select_option("organiser")
    screenshot(page, "calendar-form")
    page.get_by_role("button", name="Speichern").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Offenes Treffen der Eine-Welt-Gruppen")
    expect(page.locator("main")).to_contain_text("monatlich am zweiten Mittwoch, 12 Termine")
    activity = Activity.objects.get(title="Offenes Treffen der Eine-Welt-Gruppen")
    assert activity.rrule == "FREQ=MONTHLY;BYDAY=2WE;COUNT=12"
    assert activity.participations.get().actor.slug == "eine-welt-forum-ludwigsburg"
