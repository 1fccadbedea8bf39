"""The record of every change, used as a coordinator would: read an actor's Verlauf and restore a
field; delete an actor in the admin and find the partner's profile and the public directory right at once."""

import pytest
from django.core.cache import caches
from playwright.sync_api import expect

from knotenpunkt.actors.models import Actor
from knotenpunkt.actors.services import actor_update
from knotenpunkt.changes.models import Change
from knotenpunkt.network.models import TieKind
from knotenpunkt.network.services import tie_create
from tests.browser.conftest import DESKTOP
from tests.factories import ActorFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = {"width": 390, "height": 844}
FIRST = "Der Weltladen verkauft fair gehandelte Waren und macht Bildungsarbeit an Schulen."
BROKEN = "asdf"


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_coordinator_reads_an_actors_history_and_restores_a_field(new_page, coordinator, screenshot, viewport):
    actor = ActorFactory(name="Weltladen am Markt", description=FIRST, published=True)
    actor_update(user=coordinator, actor=actor, data={"description": BROKEN}, expected_version=actor.version)
    page = new_page(user=coordinator, viewport=viewport)
    page.goto(actor.get_absolute_url())
    page.get_by_role("link", name="Ganzer Verlauf").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Verlauf: Weltladen am Markt")
    entry = page.locator(".history-entry").filter(has_text="hat die Beschreibung geändert")
    expect(entry).to_contain_text(BROKEN)
    screenshot(page, f"history-actor-{'phone' if viewport is PHONE else 'desktop'}")

    entry.get_by_role("button", name="Beschreibung auf „Der Weltladen verkauft").click()
    expect(page.locator(".messages")).to_contain_text("„Beschreibung“ hat wieder den Wert")
    expect(page.locator(".history-entry").first).to_contain_text("hat die Beschreibung wiederhergestellt")
    actor.refresh_from_db()
    assert actor.description == FIRST
    assert Change.objects.filter(record_id=actor.pk, data__restored_from__isnull=False).count() == 1


def test_the_change_feed_filters_by_kind(new_page, coordinator, screenshot):
    source = ActorFactory(name="Förderkreis Burkina Faso", published=True)
    target = ActorFactory(name="Stadt Kongoussi", published=True)
    tie_create(user=coordinator, source=source, target=target, kind=TieKind.COOPERATION)
    actor_update(user=coordinator, actor=source, data={"city": "Freiberg am Neckar"}, expected_version=source.version)
    page = new_page(user=coordinator)
    page.goto("/")
    page.get_by_role("link", name="Änderungen").click()
    expect(page.locator(".history-entry")).to_have_count(2)
    page.get_by_label("Art der Änderung").select_option(label="eine Beziehung angelegt")
    expect(page.locator(".history-entry")).to_have_count(1)
    expect(page.locator(".history-entry")).to_contain_text("hat eine Beziehung angelegt")
    screenshot(page, "history-feed")


def test_deleting_an_actor_in_the_admin_is_right_at_once_for_partner_and_public(
    new_page, coordinator, settings, screenshot
):
    # The real page cache, as in production: a stale cached page would show the deleted actor.
    settings.CACHES = {**settings.CACHES, "pages": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    caches["pages"].clear()
    doomed = ActorFactory(name="Initiative Zum Löschen", published=True)
    partner = ActorFactory(name="Partnerverein Bleibt", published=True)
    tie_create(user=coordinator, source=doomed, target=partner, kind=TieKind.COOPERATION, public=True)
    assert Actor.objects.get(pk=partner.pk).tie_count == 1

    visitor = new_page()
    visitor.goto("/akteure/")
    expect(visitor.get_by_role("link", name="Initiative Zum Löschen")).to_be_visible()
    visitor.goto(partner.get_absolute_url())
    expect(visitor.locator("main")).to_contain_text("Initiative Zum Löschen")

    admin = new_page(user=coordinator)
    admin.goto(f"/admin/actors/actor/{doomed.pk}/delete/")
    admin.get_by_role("button", name="Ja, ich bin sicher").click()
    expect(admin.locator(".messagelist, .messages")).to_contain_text("gelöscht")

    assert Actor.objects.get(pk=partner.pk).tie_count == 0
    visitor.goto("/akteure/")
    expect(visitor.get_by_role("link", name="Partnerverein Bleibt")).to_be_visible()
    expect(visitor.get_by_role("link", name="Initiative Zum Löschen")).to_have_count(0)
    visitor.goto(partner.get_absolute_url())
    expect(visitor.locator("main")).not_to_contain_text("Initiative Zum Löschen")
    screenshot(visitor, "history-partner-after-delete")

    # The deleted actor's history stays, for the coordination's change feed.
    admin.goto("/aenderungen/")
    expect(admin.locator(".history-entry").first).to_contain_text("hat den Akteur gelöscht: Initiative Zum Löschen")
