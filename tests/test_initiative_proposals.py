"""Stakeholder proposals: from themes, SDGs, countries, departments, partner municipalities and the
lead's suggested partners, each with its reasons in German; actors already involved are left out."""

import pytest
from django.core.exceptions import ValidationError

from knotenpunkt.actors.models import SDG, ActorCountry, ActorKind
from knotenpunkt.initiatives import proposals, services
from knotenpunkt.synergies.models import Suggestion
from tests.factories import ActorFactory, ThemeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def network(seeded_sdgs):
    climate = ThemeFactory(name_de="Klimaschutz")
    trade = ThemeFactory(name_de="Fairer Handel")
    school = ThemeFactory(name_de="Globales Lernen")
    actors = {
        "kongoussi": ActorFactory(name="Kommune Kongoussi", kind=ActorKind.PARTNER_MUNICIPALITY, country="BF"),
        # A partner town elsewhere that works with Burkina Faso: engaged there, not a municipality of it.
        "montbeliard": ActorFactory(name="Montbéliard", kind=ActorKind.PARTNER_MUNICIPALITY, country="FR"),
        "amt": ActorFactory(name="Referat Nachhaltigkeit", kind=ActorKind.CITY_DEPARTMENT),
        "verein": ActorFactory(name="Burkina-Verein", kind=ActorKind.ASSOCIATION),
        "weltladen": ActorFactory(name="Weltladen", kind=ActorKind.FAIR_TRADE_SHOP),
        "schule": ActorFactory(name="Goethe-Gymnasium", kind=ActorKind.SCHOOL),
        "lead": ActorFactory(name="Klimabüro", kind=ActorKind.CITY_DEPARTMENT),
        "suggested": ActorFactory(name="Solarverein", kind=ActorKind.ASSOCIATION),
    }
    ActorCountry.objects.create(actor=actors["kongoussi"], country="BF")
    ActorCountry.objects.create(actor=actors["montbeliard"], country="BF")
    ActorCountry.objects.create(actor=actors["verein"], country="BF")
    actors["amt"].themes.add(climate)
    actors["verein"].themes.add(climate, trade)
    actors["weltladen"].themes.add(trade)
    actors["schule"].themes.add(school)
    actors["weltladen"].sdgs.add(SDG.objects.get(number=13))
    Suggestion.objects.create(
        actor=actors["lead"], partner=actors["suggested"], rank=0, score=0.8, computed_at="2026-12-01T00:00Z"
    )
    return actors, {"climate": climate, "trade": trade}


def _initiative(coordinator, actors, themes, **data):
    return services.initiative_create(
        user=coordinator,
        data={
            "title": "Klimapartnerschaft Kongoussi",
            "lead": actors["lead"],
            "themes": [themes["climate"], themes["trade"]],
            "sdgs": [13],
            "countries": ["BF"],
            **data,
        },
    )


def test_proposals_come_with_their_reasons_strongest_first(coordinator, network):
    actors, themes = network
    initiative = _initiative(coordinator, actors, themes)

    found = {p.actor.name: p for p in proposals.proposals_for(initiative)}

    assert next(iter(found)) == "Kommune Kongoussi"
    assert found["Kommune Kongoussi"].reasons == ["Partnerkommune in Burkina Faso"]
    assert found["Kommune Kongoussi"].source == "municipality"
    assert found["Burkina-Verein"].reasons == [
        "arbeitet zu Fairer Handel und Klimaschutz",
        "engagiert sich in Burkina Faso",
    ]
    assert found["Referat Nachhaltigkeit"].reasons == ["Städtische Dienststelle für Klimaschutz"]
    assert found["Weltladen"].reasons == [
        "arbeitet zu Fairer Handel",
        "teilt ein Nachhaltigkeitsziel des Vorhabens",
    ]
    assert found["Solarverein"].reasons == ["vorgeschlagener Partner der Federführung (Klimabüro)"]
    assert found["Montbéliard"].reasons == ["engagiert sich in Burkina Faso"]
    assert "Goethe-Gymnasium" not in found  # nothing in common
    assert "Klimabüro" not in found  # the lead itself


def test_actors_already_involved_are_not_proposed_again(coordinator, network):
    actors, themes = network
    initiative = _initiative(coordinator, actors, themes)
    services.stakeholder_add(user=coordinator, initiative=initiative, actor=actors["kongoussi"], source="municipality")

    names = [p.actor.name for p in proposals.proposals_for(initiative)]

    assert "Kommune Kongoussi" not in names
    assert "Burkina-Verein" in names


def test_an_initiative_without_themes_countries_or_lead_has_no_proposals(coordinator, network):
    initiative = services.initiative_create(user=coordinator, data={"title": "Noch leer"})
    assert proposals.proposals_for(initiative) == []


def test_an_unknown_country_code_is_refused_in_german(coordinator):
    with pytest.raises(ValidationError, match="Unbekannter Ländercode: XX"):
        services.initiative_create(user=coordinator, data={"title": "Irgendwo", "countries": ["XX"]})
