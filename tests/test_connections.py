"""One definition of an actor's connections (network.selectors.direct_tie_counts): its declared ties in either
direction that the reader may see. The directory card, the profile and the map say the same number."""

import re

import pytest
from django.urls import reverse

from knotenpunkt.accounts.models import Role
from knotenpunkt.actors import services as actor_services
from knotenpunkt.actors.models import Actor
from knotenpunkt.network import selectors, services
from knotenpunkt.network.models import DerivedTie, Tie, TieKind
from knotenpunkt.network.services import tie_counts_refresh
from tests.factories import ActorFactory, TieFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def hub(db):
    """A Weltladen with 3 public ties to published actors (two of them to the same partner), one internal tie,
    one tie to an unpublished actor, and a relationship derived from shared activities."""
    hub = ActorFactory(name="Weltladen Ludwigsburg")
    forum, school, third = ActorFactory.create_batch(3)
    TieFactory(source=hub, target=forum, kind=TieKind.MEMBERSHIP)
    TieFactory(source=forum, target=hub, kind=TieKind.FUNDING)  # the other direction counts too
    TieFactory(source=school, target=hub, kind=TieKind.COOPERATION)
    TieFactory(source=hub, target=third, kind=TieKind.COOPERATION, public=False)
    TieFactory(source=hub, target=ActorFactory(published=False), kind=TieKind.COOPERATION)
    # What the tie services' reaction does after each change (reactions.recount_ties); factories skip it.
    tie_counts_refresh(Actor.objects.values_list("pk", flat=True))
    a, b = sorted([hub, ActorFactory()], key=lambda actor: actor.pk)
    DerivedTie.objects.create(
        actor_a=a, actor_b=b, count=4, first_met="2025-01-10", last_met="2026-03-01", weight_score=4.0,
        public_count=2, public_first_met="2025-01-10", public_last_met="2026-03-01",
    )  # fmt: skip
    return hub


def visitor():
    from django.contrib.auth.models import AnonymousUser

    return AnonymousUser()


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (None, 3),  # public ties between published actors
        (Role.ACTOR_EDITOR, 3),  # an editor of another actor
        (Role.CITY_STAFF, 5),  # internal readers: every tie
        (Role.COORDINATOR, 5),
    ],
)
def test_the_count_is_the_ties_the_reader_may_see_in_either_direction(hub, role, expected):
    user = visitor() if role is None else UserFactory(role=role)
    assert selectors.direct_tie_count(user=user, actor=hub) == expected


def _editor_of_another_actor():
    """An actor editor's counts are counted live (they also see their own actors' internal ties)."""
    editor = UserFactory(role=Role.ACTOR_EDITOR)
    editor.edited_actors.add(ActorFactory())
    return editor


def test_counts_for_many_actors_come_from_one_pass_and_agree_with_single_counts(hub):
    editor = _editor_of_another_actor()
    others = list(Actor.objects.exclude(pk=hub.pk))
    many = selectors.direct_tie_counts(user=editor, actor_ids=[hub.pk, *(a.pk for a in others)])
    for actor in [hub, *others]:
        assert many[actor.pk] == selectors.direct_tie_count(user=editor, actor=actor)
    assert many[hub.pk] == 3


def test_above_the_id_limit_the_counts_are_the_same(hub, monkeypatch):
    editor = _editor_of_another_actor()
    ids = list(Actor.objects.values_list("pk", flat=True))
    by_id = selectors.direct_tie_counts(user=editor, actor_ids=ids)
    monkeypatch.setattr(selectors, "_COUNT_BY_ID_LIMIT", 1)
    assert selectors.direct_tie_counts(user=editor, actor_ids=ids) == by_id
    # A visitor's kept counts are the same numbers: nothing of the editor's own is among these ties.
    assert selectors.direct_tie_counts(user=visitor(), actor_ids=ids) == by_id


def _card_count(html, name):
    card = html[html.index(f">{name}</a>") :]
    card = card[: card.index("</article>")]
    match = re.search(r'class="direct-ties">(\d+) direkte Beziehung', card)
    return int(match.group(1)) if match else 0


def _profile_count(html):
    return int(re.search(r'class="muted direct-ties">\((\d+) direkte Beziehung', html).group(1))


def _map_count(client, actor):
    nodes = client.get(reverse("network:graph")).json()["nodes"]
    return next(node["direct_ties"] for node in nodes if node["id"] == actor.pk)


@pytest.mark.parametrize(("role", "expected"), [(None, 3), (Role.COORDINATOR, 5)])
def test_directory_card_profile_and_map_agree(client, hub, role, expected):
    if role is not None:
        client.force_login(UserFactory(role=role))
    card = _card_count(client.get(reverse("actors:directory")).content.decode(), hub.name)
    profile = _profile_count(client.get(hub.get_absolute_url()).content.decode())
    on_map = _map_count(client, hub)
    assert card == profile == on_map == expected


def test_the_profile_labels_derived_relationships_apart(client, hub):
    html = client.get(hub.get_absolute_url()).content.decode()
    assert "(3 direkte Beziehungen)" in html
    assert re.search(r"Begegnungen.*?\(1\)", html, re.DOTALL)


def test_internal_readers_get_the_kept_count_which_is_the_live_one(hub):
    """Coordinators and city staff see every tie: their count is read from Actor.tie_count, not counted."""
    from django.db.models import Q

    coordinator = UserFactory(role="coordinator")
    actors = list(Actor.objects.all())
    kept = selectors.direct_tie_counts(user=coordinator, actor_ids=[a.pk for a in actors])
    live = {a.pk: Tie.objects.filter(Q(source=a) | Q(target=a)).count() for a in actors}
    assert kept == live and kept[hub.pk] == 5


def _live_public_counts():
    return {actor.pk: selectors._counted_ties(visitor(), [actor.pk])[actor.pk] for actor in Actor.objects.all()}


def _kept_public_counts():
    return dict(Actor.objects.values_list("pk", "public_tie_count"))


def _step_publish_partner(hub, coordinator):
    partner = Tie.objects.filter(target__published=False).get().target
    actor_services.actor_set_published(user=coordinator, actor=partner, published=True)


def _step_unpublish_hub(hub, coordinator):
    actor_services.actor_set_published(user=coordinator, actor=Actor.objects.get(pk=hub.pk), published=False)


def _step_edit_with_publication(hub, coordinator):
    hub = Actor.objects.get(pk=hub.pk)
    actor_services.actor_update(
        user=coordinator, actor=hub, data={"published": False, "city": "Asperg"}, expected_version=hub.version
    )


def _step_make_tie_internal(hub, coordinator):
    tie = Tie.objects.filter(public=True).select_related("source", "target").first()
    services.tie_update(user=coordinator, tie=tie, data={"public": False})


def _step_make_tie_public(hub, coordinator):
    tie = Tie.objects.filter(public=False).select_related("source", "target").get()
    services.tie_update(user=coordinator, tie=tie, data={"public": True})


def _step_add_tie(hub, coordinator):
    services.tie_create(user=coordinator, source=hub, target=ActorFactory(), kind=TieKind.COOPERATION)


def _step_delete_tie(hub, coordinator):
    services.tie_delete(user=coordinator, tie=Tie.objects.filter(public=True).first())


def _step_delete_partner(hub, coordinator):
    partner = Tie.objects.filter(source=hub, public=True).select_related("target").first().target
    actor_services.actor_delete(user=coordinator, actor=partner)


@pytest.mark.parametrize(
    "step",
    [
        _step_publish_partner,
        _step_unpublish_hub,
        _step_edit_with_publication,
        _step_make_tie_internal,
        _step_make_tie_public,
        _step_add_tie,
        _step_delete_tie,
        _step_delete_partner,
    ],
)
def test_a_visitors_kept_count_is_the_live_count_after_every_kind_of_change(hub, step):
    """Visitors' cards read Actor.public_tie_count; every service that changes what they may see keeps it."""
    coordinator = UserFactory(role=Role.COORDINATOR)
    assert _kept_public_counts() == _live_public_counts()
    before = _kept_public_counts()
    step(hub, coordinator)
    assert _kept_public_counts() == _live_public_counts()
    assert _kept_public_counts() != before  # the step changed something a visitor sees


def test_the_bulk_recount_agrees_with_the_live_counts(hub):
    Actor.objects.update(tie_count=0, public_tie_count=99)
    services.tie_counts_rebuild()
    assert _kept_public_counts() == _live_public_counts()
    assert dict(Actor.objects.values_list("pk", "tie_count")) == {
        actor.pk: Tie.objects.filter(source=actor).count() + Tie.objects.filter(target=actor).count()
        for actor in Actor.objects.all()
    }
