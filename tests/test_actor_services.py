"""Behaviour of the actor services: create, update with lost-update protection, publish, merge."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from knotenpunkt.actors import services
from knotenpunkt.actors.models import SDG, Actor, ActorEvent, ActorEventKind, Membership
from knotenpunkt.network.models import Tie, TieKind
from tests.factories import ActorFactory, MembershipFactory, PersonFactory, ThemeFactory, TieFactory

pytestmark = pytest.mark.django_db


def test_create_builds_a_unique_slug_and_records_history(coordinator):
    ActorFactory(name="Weltladen Ludwigsburg", slug="weltladen-ludwigsburg")
    actor = services.actor_create(
        user=coordinator, data={"name": "Weltladen Ludwigsburg", "kind": "fair_trade_shop", "level": "local"}
    )
    assert actor.slug == "weltladen-ludwigsburg-2"
    assert actor.events.get().kind == ActorEventKind.CREATED


def test_create_sets_themes_sdgs_and_countries(coordinator):
    theme = ThemeFactory(name_de="Klimaschutz", slug="klimaschutz")
    actor = services.actor_create(
        user=coordinator,
        data={
            "name": "Klimaschutzinitiative",
            "kind": "initiative",
            "level": "local",
            "themes": [theme],
            "sdgs": [SDG.objects.get(number=13)],
            "countries": ["BF", "EC"],
        },
    )
    assert list(actor.themes.all()) == [theme]
    assert [s.number for s in actor.sdgs.all()] == [13]
    assert sorted(c.country.code for c in actor.countries.all()) == ["BF", "EC"]


def test_only_coordinators_create_actors(city_staff, editor_a):
    for user in (city_staff, editor_a):
        with pytest.raises(PermissionDenied):
            services.actor_create(user=user, data={"name": "X", "kind": "other", "level": "local"})
    assert not Actor.objects.filter(name="X").exists()


def test_update_writes_only_changed_fields_and_raises_the_version(coordinator, actor_a):
    updated = services.actor_update(
        user=coordinator,
        actor=actor_a,
        data={"name": actor_a.name, "description": "Neu"},
        expected_version=actor_a.version,
    )
    assert updated.version == actor_a.version + 1
    event = updated.events.get(kind=ActorEventKind.UPDATED)
    assert set(event.data["changes"]) == {"description"}
    assert event.data["changes"]["description"] == {"old": "Ein Verein in Ludwigsburg.", "new": "Neu"}


def test_update_without_changes_keeps_the_version(coordinator, actor_a):
    same = services.actor_update(
        user=coordinator, actor=actor_a, data={"name": actor_a.name}, expected_version=actor_a.version
    )
    assert same.version == actor_a.version
    assert not ActorEvent.objects.filter(actor=actor_a).exists()


def test_second_save_on_a_stale_version_is_refused_with_what_changed(coordinator, city_staff, actor_a):
    stale = actor_a.version
    services.actor_update(user=coordinator, actor=actor_a, data={"description": "Erste"}, expected_version=stale)
    with pytest.raises(services.ActorConflict) as conflict:
        services.actor_update(user=coordinator, actor=actor_a, data={"description": "Zweite"}, expected_version=stale)
    assert conflict.value.events[0].data["changes"]["description"]["new"] == "Erste"
    actor_a.refresh_from_db()
    assert actor_a.description == "Erste"


def test_editor_cannot_publish_or_change_kind(editor_a, actor_a):
    for field, value in (("published", False), ("kind", "school"), ("parent", None), ("slug", "neu")):
        with pytest.raises(PermissionDenied):
            services.actor_update(user=editor_a, actor=actor_a, data={field: value}, expected_version=actor_a.version)
    actor_a.refresh_from_db()
    assert actor_a.published and actor_a.kind == "association"


def test_editor_edits_own_actor_but_not_others(editor_a, actor_a, actor_b):
    services.actor_update(user=editor_a, actor=actor_a, data={"description": "Unser Verein"}, expected_version=1)
    with pytest.raises(PermissionDenied):
        services.actor_update(user=editor_a, actor=actor_b, data={"description": "fremd"}, expected_version=1)


def test_city_staff_edit_their_department_and_units_below(city_staff, department, actor_a):
    unit = ActorFactory(name="Fachbereich Tiefbau", kind="city_department", parent=department)
    services.actor_update(user=city_staff, actor=unit, data={"description": "Straßen"}, expected_version=1)
    with pytest.raises(PermissionDenied):
        services.actor_update(user=city_staff, actor=actor_a, data={"description": "nein"}, expected_version=1)


def test_a_department_cannot_be_nested_below_itself(coordinator, department):
    unit = ActorFactory(name="Fachbereich", kind="city_department", parent=department)
    with pytest.raises(ValidationError):
        services.actor_update(user=coordinator, actor=department, data={"parent": unit}, expected_version=1)
    department.refresh_from_db()
    assert department.parent is None


def test_publish_records_a_publish_event(coordinator, actor_b):
    services.actor_set_published(user=coordinator, actor=actor_b, published=True)
    actor_b.refresh_from_db()
    assert actor_b.published
    assert actor_b.events.get().kind == ActorEventKind.PUBLISHED


def test_merge_moves_ties_and_memberships_to_the_survivor(coordinator):
    survivor = ActorFactory(name="Förderkreis Burkina Faso e.V.", website="")
    duplicate = ActorFactory(name="Foerderkreis Burkina Faso", website="https://fk.example.org")
    partner = ActorFactory(name="Kongoussi")
    other = ActorFactory(name="Weltladen")
    TieFactory(source=duplicate, target=partner, kind=TieKind.CLIMATE_PARTNERSHIP)
    TieFactory(source=other, target=duplicate, kind=TieKind.COOPERATION)
    TieFactory(source=survivor, target=other, kind=TieKind.COOPERATION)
    TieFactory(source=other, target=survivor, kind=TieKind.COOPERATION)  # duplicate after the move
    TieFactory(source=survivor, target=duplicate, kind=TieKind.OTHER)  # would become a self-loop
    person = PersonFactory()
    MembershipFactory(person=person, actor=duplicate, function="Vorsitz")
    MembershipFactory(person=PersonFactory(), actor=duplicate, function="Kasse")
    MembershipFactory(person=person, actor=survivor, function="Vorsitz")

    services.actor_merge(user=coordinator, survivor=survivor, duplicate=duplicate)

    assert not Actor.objects.filter(pk=duplicate.pk).exists()
    assert Tie.objects.filter(source=survivor, target=partner, kind=TieKind.CLIMATE_PARTNERSHIP).exists()
    assert Tie.objects.filter(source=other, target=survivor).count() == 1
    assert not Tie.objects.filter(source=survivor, target=survivor).exists()
    assert Membership.objects.filter(actor=survivor).count() == 2
    survivor.refresh_from_db()
    assert survivor.website == "https://fk.example.org"
    event = survivor.events.get(kind=ActorEventKind.MERGED)
    assert event.data["moved"] == {"ties": 1, "dropped_ties": 2, "memberships": 1}


def test_merge_is_all_or_nothing_and_coordinator_only(city_staff, actor_a):
    duplicate = ActorFactory()
    with pytest.raises(PermissionDenied):
        services.actor_merge(user=city_staff, survivor=actor_a, duplicate=duplicate)
    assert Actor.objects.filter(pk=duplicate.pk).exists()


def test_merging_an_actor_with_itself_is_refused(coordinator, actor_a):
    with pytest.raises(ValidationError):
        services.actor_merge(user=coordinator, survivor=actor_a, duplicate=actor_a)


def test_renaming_a_theme_reindexes_its_actors(coordinator):
    from knotenpunkt.actors import search

    theme = ThemeFactory(name_de="Fairer Handel", slug="fairer-handel")
    actor = ActorFactory(name="Laden am Markt")
    actor.themes.add(theme)
    search.index_actors([actor.pk])
    theme.name_de = "Solidarische Ökonomie"
    services.theme_save(user=coordinator, theme=theme)
    assert list(search.search_actors(Actor.objects.all(), "Solidarische")) == [actor]
