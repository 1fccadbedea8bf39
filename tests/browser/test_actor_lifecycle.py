"""A coordinator's way from a new, internal actor to a public profile, in a real browser."""

import re

import pytest
from playwright.sync_api import expect

from knotenpunkt.actors.models import Actor
from knotenpunkt.network.models import Tie

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

NAME = "Klimapartnerschaft Ludwigsburg–Kongoussi"


def field(scope, label):
    """The form field labelled `label`, with or without the required-field asterisk."""
    return scope.get_by_label(re.compile(rf"^{re.escape(label)}( \*)?$"))


def test_coordinator_creates_ties_and_publishes_an_actor_the_public_then_sees(
    new_page, coordinator, actor_a, screenshot, seeded_sdgs
):
    page = new_page(user=coordinator)
    page.goto("/akteure/neu/")
    field(page, "Name").fill(NAME)
    field(page, "Art").select_option(label="Netzwerk/Forum")
    field(page, "Ebene").select_option(label="international")
    field(page, "Beschreibung").fill(
        "Kommunale Klimapartnerschaft mit **Kongoussi** (Burkina Faso): Solarenergie, Wasser, Schulaustausch."
    )
    page.get_by_label("13 – Maßnahmen zum Klimaschutz").check()
    field(page, "Ort").fill("Ludwigsburg")
    field(page, "Interne Notizen").fill("Förderantrag bei der SKEW bis März.")
    expect(page.get_by_role("checkbox", name="Veröffentlicht")).not_to_be_checked()
    page.get_by_role("button", name="Speichern").click()

    actor = Actor.objects.get(name=NAME)
    expect(page).to_have_url(re.compile(rf"/akteure/{actor.slug}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(NAME)
    expect(page.locator(".messages")).to_contain_text(f"„{NAME}“ wurde angelegt.")
    expect(page.locator(".page-head")).to_contain_text("nicht veröffentlicht – nur intern sichtbar")
    assert not actor.published

    # The tie form re-renders only #ties-section: a marker on window survives.
    page.evaluate("window.kpNoReload = 'still here'")
    ties = page.locator("#ties-section")
    expect(ties).to_contain_text("Noch keine Beziehungen erfasst.")
    ties.get_by_text("Beziehung hinzufügen").click()
    field(ties, "Partner").fill(actor_a.slug)
    field(ties, "Art").select_option(label="Kooperation")
    field(ties, "Seit").fill("2021-05-01")
    ties.get_by_role("button", name="Beziehung speichern").click()
    expect(ties.get_by_role("link", name=actor_a.name)).to_be_visible()
    expect(ties).to_contain_text("seit 2021")
    expect(ties).not_to_contain_text("Noch keine Beziehungen erfasst.")
    assert page.evaluate("window.kpNoReload") == "still here"
    assert Tie.objects.filter(source=actor, target=actor_a).exists()

    # Not yet public: an anonymous visitor gets a 404.
    visitor = new_page()
    assert visitor.goto(actor.get_absolute_url()).status == 404

    page.get_by_role("button", name="Veröffentlichen", exact=True).click()
    expect(page.locator(".messages")).to_contain_text(f"„{NAME}“ ist jetzt öffentlich sichtbar.")
    expect(page.get_by_role("button", name="Veröffentlichung zurückziehen")).to_be_visible()
    expect(page.locator(".page-head")).not_to_contain_text("nicht veröffentlicht")
    actor.refresh_from_db()
    assert actor.published
    screenshot(page, "profile-coordinator")

    response = visitor.goto(actor.get_absolute_url())
    assert response.status == 200
    expect(visitor.get_by_role("heading", level=1)).to_have_text(NAME)
    expect(visitor.locator("#ties-section").get_by_role("link", name=actor_a.name)).to_be_visible()
    expect(visitor.locator("main")).not_to_contain_text("Förderantrag bei der SKEW")
    expect(visitor.get_by_role("button", name="Veröffentlichung zurückziehen")).to_have_count(0)
    screenshot(visitor, "profile")
