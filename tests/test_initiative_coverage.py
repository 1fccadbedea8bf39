"""„Wer fehlt?": the default checks, switched off by the office, for one and for all initiatives, and
the actors that would close a gap."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from knotenpunkt.actors.models import ActorCountry, ActorKind
from knotenpunkt.initiatives import coverage, services
from knotenpunkt.initiatives.models import CoverageKind, CoverageRule
from tests.factories import ActorFactory, ThemeFactory

pytestmark = pytest.mark.django_db


def _initiative(user, **data):
    return services.initiative_create(user=user, data={"title": "Vorhaben", **data})


def _add(user, initiative, *actors):
    for actor in actors:
        services.stakeholder_add(user=user, initiative=initiative, actor=actor)


def _kinds(gaps):
    return sorted(gap.kind for gap in gaps)


def test_an_empty_initiative_misses_the_defaults_that_need_no_topic(coordinator):
    initiative = _initiative(coordinator)
    assert _kinds(coverage.gaps_for(initiative)) == ["city_department", "diaspora", "state_federal"]


def test_each_stakeholder_of_the_right_kind_closes_its_gap(coordinator):
    education = ThemeFactory(name_de="Globales Lernen")
    CoverageRule.objects.get(kind=CoverageKind.SCHOOL).themes.add(education)
    initiative = _initiative(coordinator, themes=[education], countries=["BF"])
    assert "school" in _kinds(coverage.gaps_for(initiative))
    assert "partner_municipality" in _kinds(coverage.gaps_for(initiative))

    municipality = ActorFactory(kind=ActorKind.PARTNER_MUNICIPALITY, country="BF")
    _add(
        coordinator,
        initiative,
        ActorFactory(kind=ActorKind.DIASPORA),
        ActorFactory(kind=ActorKind.CITY_DEPARTMENT),
        ActorFactory(kind=ActorKind.STATE_BODY),
        ActorFactory(kind=ActorKind.SCHOOL),
        municipality,
    )
    assert coverage.gaps_for(initiative) == []


def test_a_partner_municipality_elsewhere_does_not_count_even_if_it_works_there(coordinator):
    initiative = _initiative(coordinator, countries=["BF"])
    elsewhere = ActorFactory(kind=ActorKind.PARTNER_MUNICIPALITY, country="FR")
    ActorCountry.objects.create(actor=elsewhere, country="BF")
    _add(coordinator, initiative, elsewhere)
    assert "partner_municipality" in _kinds(coverage.gaps_for(initiative))


def test_stakeholders_all_from_one_sector_are_a_gap_named_in_german(coordinator):
    initiative = _initiative(coordinator)
    _add(
        coordinator, initiative, ActorFactory(kind=ActorKind.ASSOCIATION), ActorFactory(kind=ActorKind.FAIR_TRADE_SHOP)
    )
    (gap,) = [g for g in coverage.gaps_for(initiative) if g.kind == "one_sector"]
    assert gap.message == "alle Beteiligten aus einem Bereich (Zivilgesellschaft)"


def test_a_check_the_office_switched_off_finds_nothing(coordinator):
    CoverageRule.objects.filter(kind=CoverageKind.DIASPORA).update(active=False)
    assert "diaspora" not in _kinds(coverage.gaps_for(_initiative(coordinator)))


def test_all_initiatives_are_checked_in_a_fixed_number_of_queries(coordinator):
    for number in range(3):
        _add(coordinator, _initiative(coordinator, title=f"V{number}", countries=["BF"]), ActorFactory())
    with CaptureQueriesContext(connection) as few:
        coverage.gaps_for_all()
    for number in range(3, 12):
        _add(coordinator, _initiative(coordinator, title=f"V{number}", countries=["BF"]), ActorFactory())
    with CaptureQueriesContext(connection) as many:
        result = coverage.gaps_for_all()
    assert len(result) == 12
    assert len(many) == len(few)


def test_closing_proposals_name_actors_of_the_missing_kind(coordinator):
    initiative = _initiative(coordinator, countries=["BF"])
    busy = ActorFactory(name="Amt für Bildung", kind=ActorKind.CITY_DEPARTMENT)
    busy.tie_count = 9
    busy.save()
    ActorFactory(name="Amt für Umwelt", kind=ActorKind.CITY_DEPARTMENT)
    ActorFactory(name="Verein", kind=ActorKind.ASSOCIATION)
    gap = next(g for g in coverage.gaps_for(initiative) if g.kind == "city_department")

    found = coverage.closing_proposals(initiative, gap)

    assert [p.actor.name for p in found] == ["Amt für Bildung", "Amt für Umwelt"]
    assert found[0].reasons == ["schließt die Lücke: keine städtische Dienststelle"]


def test_the_lead_counts_like_a_stakeholder(coordinator):
    initiative = _initiative(coordinator, lead=ActorFactory(kind=ActorKind.CITY_DEPARTMENT))
    assert "city_department" not in _kinds(coverage.gaps_for(initiative))
