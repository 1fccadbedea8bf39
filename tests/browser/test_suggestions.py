"""Partner suggestions in a real browser (issue 5, "Done when"): a coordinator opens an actor's
suggestions from its profile, reads the reasons, proposes and sends an introduction, marks it met
(the contact appears on the profile) and cooperating (the tie appears on the profile)."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from knotenpunkt.actors.models import ActorCountry
from knotenpunkt.interactions.models import Interaction
from knotenpunkt.network.models import Tie
from knotenpunkt.synergies import emails, suggestions
from knotenpunkt.synergies.models import Introduction, IntroductionMail, IntroductionMailStatus
from tests.factories import ActorFactory, DepartmentFactory, ListingFactory, ThemeFactory, TieFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

CLIMATE_TEXT = (
    "Wir arbeiten zu Klimaschutz und Klimagerechtigkeit, fördern Solarenergie in Burkina Faso "
    "und bieten Bildungsarbeit zu fairem Handel für Schulen in Ludwigsburg."
)


def demo_network():
    """A small demo-like network: an association and a city department that should meet."""
    climate = ThemeFactory(name_de="Klimaschutz", name_en="Climate protection", slug="klimaschutz")
    verein = ActorFactory(name="Klimabündnis Burkina", description=CLIMATE_TEXT, contact_email="info@klima.example")
    amt = DepartmentFactory(name="Fachbereich Umwelt", description=CLIMATE_TEXT, contact_email="umwelt@stadt.example")
    for actor in (verein, amt):
        actor.themes.add(climate)
        ActorCountry.objects.create(actor=actor, country="BF")
    for name in ("Weltladen am Markt", "Evangelische Kirchengemeinde", "Volkshochschule"):
        partner = ActorFactory(name=name)
        TieFactory(source=verein, target=partner)
        TieFactory(source=amt, target=partner)
    ListingFactory(actor=verein, direction="offer", category="rooms", title="Gemeindesaal für 80 Personen")
    ListingFactory(actor=amt, direction="need", category="rooms", title="Raum für den Eine-Welt-Tag")
    for i in range(4):
        other = ActorFactory(name=f"Eine-Welt-Gruppe {i}", description=CLIMATE_TEXT)
        other.themes.add(climate)
    suggestions.compute_all()
    return verein, amt


def test_a_coordinator_turns_a_suggestion_into_a_cooperation(new_page, coordinator, screenshot):
    verein, amt = demo_network()
    page = new_page(user=coordinator)

    page.goto(verein.get_absolute_url())
    page.get_by_role("link", name="Partnervorschläge").click()
    expect(page).to_have_url(re.compile(rf"/akteure/{verein.slug}/vorschlaege/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Partnervorschläge für Klimabündnis Burkina")

    card = page.locator(f"#suggestion-{verein.pk}-{amt.pk}")
    reasons = card.get_by_role("list", name="Gründe")
    expect(reasons).to_contain_text("beide arbeiten zu Klimaschutz und Burkina Faso")
    expect(reasons).to_contain_text("3 gemeinsame Partner")
    expect(reasons).to_contain_text("verbindet Zivilgesellschaft und Verwaltung")
    screenshot(page, "suggestions-actor")

    card.get_by_text("Vermittlung vorschlagen").first.click()
    card.get_by_label("Anlass").fill("Der Gemeindesaal passt für den Eine-Welt-Tag.")
    card.get_by_role("button", name="Vermittlung vorschlagen").click()
    expect(page.locator(f"#introduction-{verein.pk}-{amt.pk}")).to_contain_text("Vermittlung: vorgeschlagen")
    introduction = Introduction.objects.get()
    assert introduction.note == "Der Gemeindesaal passt für den Eine-Welt-Tag."
    assert {r["code"] for r in introduction.reasons} >= {"shared", "common_partners", "bridge"}

    page.locator(f"#introduction-{verein.pk}-{amt.pk}").get_by_role("link", name="Zur Vermittlung").click()
    expect(page).to_have_url(re.compile(rf"/vermittlungen/{introduction.pk}/$"))
    page.get_by_role("button", name="Bekannt machen: E-Mails an beide senden").click()
    expect(page.locator("#introduction-status-badge")).to_have_text("Bekannt gemacht")
    assert set(IntroductionMail.objects.values_list("recipient", flat=True)) == {
        "info@klima.example",
        "umwelt@stadt.example",
    }
    # The worker's job, run here: the queued mails leave through the mail backend.
    assert emails.send_introduction_mails()["sent"] == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["info@klima.example", "umwelt@stadt.example"]
    assert all("3 gemeinsame Partner" in m.body for m in mail.outbox)
    assert not IntroductionMail.objects.exclude(status=IntroductionMailStatus.SENT).exists()

    page.get_by_label("Worum ging es?").fill("Erstes Treffen im Gemeindesaal, Eine-Welt-Tag geplant.")
    page.get_by_role("button", name="Treffen eintragen").click()
    expect(page.locator("#introduction-status-badge")).to_have_text("Getroffen")
    assert set(Interaction.objects.get().actors.all()) == {verein, amt}

    page.goto(verein.get_absolute_url())
    expect(page.locator(".actor-contacts")).to_contain_text("Erstes Treffen im Gemeindesaal")
    expect(page.locator(".ties")).not_to_contain_text("Fachbereich Umwelt")

    page.goto(f"/vermittlungen/{introduction.pk}/")
    page.get_by_role("button", name="Sie kooperieren").click()
    expect(page.locator("#introduction-status-badge")).to_have_text("Kooperieren")
    assert Tie.objects.filter(kind="cooperation", source__in=[verein, amt], target__in=[verein, amt]).count() == 1

    page.goto(verein.get_absolute_url())
    expect(page.locator(".ties")).to_contain_text("Fachbereich Umwelt")
    screenshot(page, "suggestions-profile-after-cooperation")
