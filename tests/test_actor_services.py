"""Behaviour of the actor services: create, update with lost-update protection, publish, merge, delete.

Each service records its change (kind, fields in stored form, actors touched, public flag); the
reactions keep the search index, tie counts and the page-cache generation in step.
"""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from knotenpunkt.actors import search, services
from knotenpunkt.actors.models import SDG, Actor, Membership
from knotenpunkt.changes.kinds import Audience, ChangeKind
from knotenpunkt.changes.locking import EditConflict
from knotenpunkt.changes.models import Change
from knotenpunkt.core.models import ContentGeneration
from knotenpunkt.network.models import Tie, TieKind
from tests.factories import (
    ActorFactory,
    DepartmentFactory,
    MembershipFactory,
    PersonFactory,
    ThemeFactory,
    TieFactory,
)

pytestmark = pytest.mark.django_db


def own_changes(actor_pk: int):
    """The changes of one actor row, oldest first."""
    return list(Change.objects.for_record("actors.actor", actor_pk).order_by("id"))


def subjects(change: Change) -> set[int]:
    return set(change.subjects.filter(kind="actor").values_list("subject_id", flat=True))


def generation() -> int:
    return ContentGeneration.objects.filter(pk=1).values_list("value", flat=True).first() or 0


def found(query: str) -> list[Actor]:
    return list(search.search_actors(Actor.objects.all(), query))


# --- create ------------------------------------------------------------------------------


def test_create_builds_a_unique_slug_and_records_history(coordinator):
    ActorFactory(name="Weltladen Ludwigsburg", slug="weltladen-ludwigsburg")
    actor = services.actor_create(
        user=coordinator, data={"name": "Weltladen Ludwigsburg", "kind": "fair_trade_shop", "level": "local"}
    )
    assert actor.slug == "weltladen-ludwigsburg-2"
    [change] = own_changes(actor.pk)
    assert (change.kind, change.user, change.version) == (ChangeKind.ACTOR_CREATED, coordinator, 1)
    assert change.data["values"]["name"] == "Weltladen Ludwigsburg"
    assert change.audience == Audience.INTERNAL


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
    stored = own_changes(actor.pk)[0].data["values"]
    assert (stored["themes"], stored["sdgs"], stored["countries"]) == ([theme.pk], [13], ["BF", "EC"])


def test_a_created_actor_is_searchable_at_once(coordinator):
    services.actor_create(user=coordinator, data={"name": "Klimaschutzinitiative", "kind": "initiative"})
    assert [a.name for a in found("Klimaschutz")] == ["Klimaschutzinitiative"]


@pytest.mark.parametrize(("published", "public"), [(True, True), (False, False)])
def test_creating_is_public_only_for_a_published_actor(coordinator, published, public):
    before = generation()
    actor = services.actor_create(
        user=coordinator, data={"name": "Neu", "kind": "other", "level": "local", "published": published}
    )
    assert own_changes(actor.pk)[0].public is public
    assert generation() == before + int(public)


def test_only_coordinators_create_actors(city_staff, editor_a):
    for user in (city_staff, editor_a):
        with pytest.raises(PermissionDenied):
            services.actor_create(user=user, data={"name": "X", "kind": "other", "level": "local"})
    assert not Actor.objects.filter(name="X").exists()
    assert not Change.objects.exists()


# --- update ------------------------------------------------------------------------------


def test_update_writes_only_changed_fields_and_raises_the_version(coordinator, actor_a):
    updated = services.actor_update(
        user=coordinator,
        actor=actor_a,
        data={"name": actor_a.name, "description": "Neu"},
        expected_version=actor_a.version,
    )
    assert updated.version == actor_a.version + 1
    [change] = own_changes(actor_a.pk)
    assert change.kind == ChangeKind.ACTOR_UPDATED
    assert change.fields == {"description": {"old": "Ein Verein in Ludwigsburg.", "new": "Neu"}}
    assert change.version == updated.version


def test_update_stores_keys_not_names(coordinator, department, actor_a):
    theme = ThemeFactory(name_de="Fairer Handel", slug="fairer-handel")
    services.actor_update(
        user=coordinator,
        actor=actor_a,
        data={"parent": department, "themes": [theme], "latitude": "48.8975", "countries": ["BF"]},
        expected_version=actor_a.version,
    )
    fields = own_changes(actor_a.pk)[0].fields
    assert fields["parent"] == {"old": None, "new": department.pk}
    assert fields["themes"] == {"old": [], "new": [theme.pk]}
    assert fields["latitude"] == {"old": None, "new": "48.897500"}
    assert fields["countries"] == {"old": [], "new": ["BF"]}


def test_a_decimal_read_back_at_full_precision_is_no_change(coordinator, actor_a):
    Actor.objects.filter(pk=actor_a.pk).update(latitude="48.8975")
    services.actor_update(user=coordinator, actor=actor_a, data={"latitude": "48.897500"}, expected_version=1)
    assert own_changes(actor_a.pk) == []


def test_update_without_changes_keeps_the_version(coordinator, actor_a):
    same = services.actor_update(
        user=coordinator, actor=actor_a, data={"name": actor_a.name}, expected_version=actor_a.version
    )
    assert same.version == actor_a.version
    assert not Change.objects.exists()


@pytest.mark.parametrize(
    ("published", "data", "public"),
    [
        (True, {"description": "Neu"}, True),
        (True, {"internal_notes": "nur intern"}, False),
        (False, {"description": "Neu"}, False),
        (False, {"published": True}, True),
        (True, {"published": False}, True),
    ],
)
def test_an_update_is_public_where_visitors_see_it(coordinator, published, data, public):
    actor = ActorFactory(published=published)
    before = generation()
    services.actor_update(user=coordinator, actor=actor, data=data, expected_version=actor.version)
    assert own_changes(actor.pk)[0].public is public
    assert generation() == before + int(public)


def test_a_renamed_actor_is_found_by_its_new_name(coordinator, actor_a):
    services.actor_update(user=coordinator, actor=actor_a, data={"name": "Baumpflanzverein"}, expected_version=1)
    assert found("Baumpflanz") == [actor_a]


def test_second_save_on_a_stale_version_is_refused_with_what_changed(coordinator, city_staff, actor_a):
    stale = actor_a.version
    services.actor_update(user=coordinator, actor=actor_a, data={"description": "Erste"}, expected_version=stale)
    with pytest.raises(EditConflict) as conflict:
        services.actor_update(user=coordinator, actor=actor_a, data={"description": "Zweite"}, expected_version=stale)
    assert conflict.value.record.pk == actor_a.pk
    assert conflict.value.changes[0].fields["description"]["new"] == "Erste"
    actor_a.refresh_from_db()
    assert actor_a.description == "Erste"
    assert len(own_changes(actor_a.pk)) == 1


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
    assert own_changes(actor_a.pk)[0].user == editor_a


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
    assert not Change.objects.exists()


def test_publish_records_a_publish_change(coordinator, actor_b):
    services.actor_set_published(user=coordinator, actor=actor_b, published=True)
    actor_b.refresh_from_db()
    assert actor_b.published
    [change] = own_changes(actor_b.pk)
    assert (change.kind, change.public) == (ChangeKind.ACTOR_PUBLISHED, True)
    assert change.fields == {"published": {"old": False, "new": True}}


def test_unpublish_records_an_unpublish_change(coordinator, actor_a):
    services.actor_set_published(user=coordinator, actor=actor_a, published=False)
    assert own_changes(actor_a.pk)[0].kind == ChangeKind.ACTOR_UNPUBLISHED


# --- merge -------------------------------------------------------------------------------


@pytest.fixture
def merge_world():
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
    search.index_actors([survivor.pk, duplicate.pk, partner.pk, other.pk])
    return survivor, duplicate, partner, other


def test_merge_moves_ties_and_memberships_to_the_survivor(coordinator, merge_world):
    survivor, duplicate, partner, other = merge_world

    services.actor_merge(user=coordinator, survivor=survivor, duplicate=duplicate)

    assert not Actor.objects.filter(pk=duplicate.pk).exists()
    assert Tie.objects.filter(source=survivor, target=partner, kind=TieKind.CLIMATE_PARTNERSHIP).exists()
    assert Tie.objects.filter(source=other, target=survivor).count() == 1
    assert not Tie.objects.filter(source=survivor, target=survivor).exists()
    assert Membership.objects.filter(actor=survivor).count() == 2
    survivor.refresh_from_db()
    assert survivor.website == "https://fk.example.org"
    change = Change.objects.get(kind=ChangeKind.ACTOR_MERGED)
    assert (change.record_id, change.version) == (survivor.pk, survivor.version)
    assert change.data["moved"] == {"ties": 1, "dropped_ties": 2, "memberships": 1}
    assert change.data["duplicate"]["id"] == duplicate.pk
    assert change.data["duplicate"]["values"]["website"] == "https://fk.example.org"
    assert change.fields["website"] == {"old": "", "new": "https://fk.example.org"}


def test_merge_names_everyone_whose_tie_count_may_change_and_recounts_them(coordinator, merge_world):
    survivor, duplicate, partner, other = merge_world

    services.actor_merge(user=coordinator, survivor=survivor, duplicate=duplicate)

    change = Change.objects.get(kind=ChangeKind.ACTOR_MERGED)
    assert subjects(change) == {survivor.pk, duplicate.pk, partner.pk, other.pk}
    for actor in (survivor, partner, other):
        actor.refresh_from_db()
        assert actor.tie_count == Tie.objects.filter(source=actor).count() + Tie.objects.filter(target=actor).count()
    assert (survivor.tie_count, partner.tie_count, other.tie_count) == (3, 1, 2)


def test_merge_records_each_moved_and_dropped_tie_and_membership(coordinator, merge_world):
    survivor, duplicate, partner, _ = merge_world

    services.actor_merge(user=coordinator, survivor=survivor, duplicate=duplicate)

    kinds = sorted(Change.objects.exclude(kind=ChangeKind.ACTOR_MERGED).values_list("kind", flat=True))
    ties = [ChangeKind.TIE_UPDATED, ChangeKind.TIE_DELETED, ChangeKind.TIE_DELETED]
    assert kinds == sorted([*ties, ChangeKind.MEMBERSHIP_UPDATED, ChangeKind.MEMBERSHIP_DELETED])
    moved = Change.objects.get(kind=ChangeKind.TIE_UPDATED)
    assert moved.fields == {"source": {"old": duplicate.pk, "new": survivor.pk}}
    assert subjects(moved) == {duplicate.pk, survivor.pk, partner.pk}
    membership = Change.objects.get(kind=ChangeKind.MEMBERSHIP_UPDATED)
    assert membership.fields == {"actor": {"old": duplicate.pk, "new": survivor.pk}}
    assert membership.subjects.filter(kind="person").exists()


def test_after_a_merge_the_search_finds_the_survivor_only(coordinator, merge_world):
    survivor, duplicate, *_ = merge_world
    services.actor_merge(user=coordinator, survivor=survivor, duplicate=duplicate)
    assert found("Burkina") == [survivor]


def test_the_duplicates_history_survives_the_merge(coordinator, merge_world):
    survivor, duplicate, *_ = merge_world
    services.actor_update(user=coordinator, actor=duplicate, data={"city": "Tübingen"}, expected_version=1)

    services.actor_merge(user=coordinator, survivor=survivor, duplicate=duplicate)

    assert [c.kind for c in own_changes(duplicate.pk)] == [ChangeKind.ACTOR_UPDATED]
    assert ChangeKind.ACTOR_MERGED in Change.objects.touching("actor", duplicate.pk).values_list("kind", flat=True)


def test_units_below_the_duplicate_move_below_the_survivor_with_their_own_change(coordinator):
    survivor, duplicate = DepartmentFactory(), DepartmentFactory()
    unit = DepartmentFactory(parent=duplicate)

    services.actor_merge(user=coordinator, survivor=survivor, duplicate=duplicate)

    unit.refresh_from_db()
    assert (unit.parent, unit.version) == (survivor, 2)
    [change] = own_changes(unit.pk)
    assert change.fields == {"parent": {"old": duplicate.pk, "new": survivor.pk}}


def test_merge_is_all_or_nothing_and_coordinator_only(city_staff, actor_a):
    duplicate = ActorFactory()
    with pytest.raises(PermissionDenied):
        services.actor_merge(user=city_staff, survivor=actor_a, duplicate=duplicate)
    assert Actor.objects.filter(pk=duplicate.pk).exists()
    assert not Change.objects.exists()


def test_merging_an_actor_with_itself_is_refused(coordinator, actor_a):
    with pytest.raises(ValidationError):
        services.actor_merge(user=coordinator, survivor=actor_a, duplicate=actor_a)


# --- delete ------------------------------------------------------------------------------


@pytest.fixture
def doomed():
    """A published actor with two ties and a membership."""
    actor = ActorFactory(name="Klimaschutzinitiative Aufgelöst")
    partner, other = ActorFactory(name="Weltladen am Markt"), ActorFactory(name="Agenda-Büro", published=False)
    TieFactory(source=actor, target=partner)
    TieFactory(source=other, target=actor, kind=TieKind.FUNDING, public=False)
    TieFactory(source=partner, target=other)
    MembershipFactory(actor=actor)
    Actor.objects.filter(pk__in=[actor.pk, partner.pk, other.pk]).update(tie_count=2)
    search.index_actors([actor.pk, partner.pk])
    return actor, partner, other


def test_delete_records_each_tie_and_the_actor_with_its_values(coordinator, doomed):
    actor, partner, other = doomed
    ties = {tie.pk: {tie.source_id, tie.target_id} for tie in Tie.objects.exclude(source=partner, target=other)}

    services.actor_delete(user=coordinator, actor=actor)

    assert not Actor.objects.filter(pk=actor.pk).exists()
    tie_changes = Change.objects.filter(kind=ChangeKind.TIE_DELETED)
    assert {c.record_id: subjects(c) for c in tie_changes} == ties
    assert all(c.data["values"]["source"] in (actor.pk, other.pk) for c in tie_changes)
    deleted = Change.objects.get(kind=ChangeKind.ACTOR_DELETED)
    assert (deleted.record_id, deleted.record_label, deleted.user) == (actor.pk, actor.name, coordinator)
    assert deleted.data["values"]["name"] == actor.name
    assert subjects(deleted) == {actor.pk, partner.pk, other.pk}
    assert deleted.public is True
    assert Change.objects.filter(kind=ChangeKind.MEMBERSHIP_DELETED).count() == 1


def test_delete_recounts_the_partners_ties(coordinator, doomed):
    actor, partner, other = doomed
    services.actor_delete(user=coordinator, actor=actor)
    partner.refresh_from_db()
    other.refresh_from_db()
    assert (partner.tie_count, other.tie_count) == (1, 1)


def test_a_deleted_actor_leaves_the_search_and_the_public_pages_at_once(coordinator, doomed):
    actor, *_ = doomed
    before = generation()
    services.actor_delete(user=coordinator, actor=actor)
    assert found("Klimaschutz") == []
    assert generation() == before + 1


def test_the_history_of_a_deleted_actor_survives(coordinator, doomed):
    actor, *_ = doomed
    services.actor_update(user=coordinator, actor=actor, data={"city": "Tübingen"}, expected_version=1)
    services.actor_delete(user=coordinator, actor=actor)
    assert [c.kind for c in own_changes(actor.pk)] == [ChangeKind.ACTOR_UPDATED, ChangeKind.ACTOR_DELETED]


def test_deleting_an_actor_with_units_below_is_refused_with_a_reason(coordinator, department):
    DepartmentFactory(name="Fachbereich Tiefbau", parent=department)
    with pytest.raises(ValidationError) as refused:
        services.actor_delete(user=coordinator, actor=department)
    assert "Fachbereich Tiefbau" in refused.value.messages[0]
    assert "Einheiten" in refused.value.messages[0]
    assert Actor.objects.filter(pk=department.pk).exists()
    assert not Change.objects.exists()


@pytest.mark.parametrize("persona", ["city_staff", "editor_a"])
def test_only_coordinators_delete_actors(request, persona, actor_a):
    with pytest.raises(PermissionDenied):
        services.actor_delete(user=request.getfixturevalue(persona), actor=actor_a)
    assert Actor.objects.filter(pk=actor_a.pk).exists()


def test_deleting_an_unpublished_actor_without_ties_leaves_the_public_pages(coordinator, actor_b):
    before = generation()
    services.actor_delete(user=coordinator, actor=actor_b)
    assert Change.objects.get(kind=ChangeKind.ACTOR_DELETED).public is False
    assert generation() == before


# --- themes ------------------------------------------------------------------------------


def test_renaming_a_theme_reindexes_its_actors(coordinator):
    theme = ThemeFactory(name_de="Fairer Handel", slug="fairer-handel")
    actor = ActorFactory(name="Laden am Markt")
    actor.themes.add(theme)
    search.index_actors([actor.pk])
    theme.name_de = "Solidarische Ökonomie"
    services.theme_save(user=coordinator, theme=theme)
    assert found("Solidarische") == [actor]
    change = Change.objects.get(kind=ChangeKind.THEME_SAVED)
    assert change.fields == {"name_de": {"old": "Fairer Handel", "new": "Solidarische Ökonomie"}}
    assert change.public is True


def test_deleting_an_actor_records_what_goes_with_it(coordinator):
    """Participations, listings, introductions and calendar sources cascade with an actor; each gets its row."""
    import datetime as dt

    from django.utils import timezone

    from knotenpunkt.activities.models import CalendarSource
    from knotenpunkt.activities.services import ParticipantSpec, activity_create
    from knotenpunkt.synergies import introductions, listings

    doomed, partner = ActorFactory(name="Geht"), ActorFactory(name="Bleibt")
    start = timezone.now() + dt.timedelta(days=3)
    activity = activity_create(
        user=coordinator,
        data={"title": "Forum", "start": start, "end": start + dt.timedelta(hours=1)},
        participants=[ParticipantSpec(role="participant", actor_id=doomed.pk)],
    )
    listing = listings.listing_create(
        user=coordinator, actor=doomed, data={"direction": "offer", "category": "rooms", "title": "Saal"}
    )
    intro = introductions.introduction_propose(user=coordinator, actor=doomed, partner=partner)
    source = CalendarSource.objects.create(actor=doomed, url="https://example.org/geht.ics")

    services.actor_delete(user=coordinator, actor=doomed)

    rows = {(c.kind, c.record_type, c.record_id) for c in Change.objects.filter(kind__endswith="deleted")}
    assert (ChangeKind.ACTIVITY_PARTICIPANT_DELETED, "activities.activity", activity.pk) in rows
    assert (ChangeKind.LISTING_DELETED, "synergies.listing", listing.pk) in rows
    assert (ChangeKind.INTRODUCTION_DELETED, "synergies.introduction", intro.pk) in rows
    assert (ChangeKind.CALENDAR_SOURCE_DELETED, "activities.calendarsource", source.pk) in rows
    gone = Change.objects.get(kind=ChangeKind.INTRODUCTION_DELETED)
    assert gone.record_label == "Bleibt ↔ Geht" or gone.record_label == "Geht ↔ Bleibt"
    assert set(Change.objects.touching("actor", partner.pk).values_list("kind", flat=True)) >= {
        ChangeKind.INTRODUCTION_DELETED
    }
