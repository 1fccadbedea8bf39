"""Introductions in a real browser: the coordinator takes a proposed introduction through its steps on
the detail page (htmx swaps the status section), and the dashboard charts the conversion."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from knotenpunkt.interactions.models import Interaction
from knotenpunkt.network.models import Tie
from knotenpunkt.synergies import introductions as services
from knotenpunkt.synergies.models import IntroductionMail
from tests.factories import ActorFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_coordinator_introduces_two_actors_who_meet_and_cooperate(new_page, coordinator, screenshot):
    shop = ActorFactory(name="Weltladen Ludwigsburg", contact_email="info@weltladen.example", published=True)
    silent = ActorFactory(name="Förderkreis Burkina Faso e.V.", contact_email="", published=True)
    introduction = services.introduction_propose(
        user=coordinator, actor=shop, partner=silent, note="Kaffee aus Kongoussi im Weltladen."
    )
    page = new_page(user=coordinator)

    page.goto("/vermittlungen/")
    page.get_by_role("link", name=re.compile("↔")).first.click()
    expect(page).to_have_url(re.compile(rf"/vermittlungen/{introduction.pk}/$"))

    # No address for the association: the page says what is missing, nothing is queued.
    page.get_by_role("button", name="Bekannt machen: E-Mails an beide senden").click()
    expect(page.get_by_role("alert")).to_contain_text("Für „Förderkreis Burkina Faso e.V.“ ist keine E-Mail-Adresse")
    assert not IntroductionMail.objects.exists()

    silent.contact_email = "kontakt@foerderkreis.example"
    silent.save()
    page.get_by_role("button", name="Bekannt machen: E-Mails an beide senden").click()
    expect(page.locator("#introduction-status-badge")).to_have_text("Bekannt gemacht")
    expect(page.locator(".introduction-mails")).to_contain_text("kontakt@foerderkreis.example")

    page.get_by_label("Worum ging es?").fill("Erstes Treffen im Weltladen, Verkostung geplant.")
    page.get_by_role("button", name="Treffen eintragen").click()
    expect(page.locator("#introduction-status-badge")).to_have_text("Getroffen")
    interaction = Interaction.objects.get()
    assert set(interaction.actors.all()) == {shop, silent}
    assert interaction.date == timezone.localdate()

    page.get_by_role("button", name="Sie kooperieren").click()
    expect(page.locator("#introduction-status-badge")).to_have_text("Kooperieren")
    assert Tie.objects.filter(kind="cooperation").count() == 1
    screenshot(page, "introduction-detail")

    page.goto("/vermittlungen/")
    expect(page.locator("#funnel-cooperating td").first).to_have_text("1")
    page.wait_for_function("() => Chart.getChart(document.getElementById('chart-conversion')) !== undefined")
    screenshot(page, "introductions-dashboard")
