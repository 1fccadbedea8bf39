"""`manage.py generate_activities`: synthetic activities on the synthetic network, for benchmarks."""

import datetime as dt
import random
from collections import Counter
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from knotenpunkt.activities import services
from knotenpunkt.activities.models import Activity, ActivityException, ActivityOccurrence, Participation
from knotenpunkt.demo import synthetic_activities as synthetic
from knotenpunkt.network.models import DerivedTie, Tie
from tests.factories import ActorFactory

ACTIVITIES = 800
ANCHOR = dt.date(2026, 3, 1)


def generate(seed=1, **options):
    call_command("generate_activities", activities=ACTIVITIES, seed=seed, anchor=ANCHOR, stdout=StringIO(), **options)


@pytest.fixture
def network(db):
    call_command("generate_network", actors=300, ties=1500, seed=1, no_index=True, stdout=StringIO())


@pytest.fixture
def activities(network):
    generate()


def fingerprint():
    return sorted(
        (a.uid, a.kind, a.title, a.start, a.rrule, a.public, a.cancelled) for a in Activity.objects.all()
    ), sorted(Participation.objects.values_list("activity__uid", "actor__slug", "role"))


def test_it_creates_exactly_the_requested_activities_with_dates_participants_and_tags(activities):
    assert synthetic.synthetic_activities().count() == ACTIVITIES
    assert ActivityOccurrence.objects.count() > ACTIVITIES  # committees have several sessions
    assert Activity.themes.through.objects.count() >= ACTIVITIES
    assert Activity.sdgs.through.objects.exists()
    assert all(uid.startswith("syn-") for uid in Activity.objects.values_list("uid", flat=True))


def test_every_activity_has_two_to_eight_actors_mostly_few(activities):
    sizes = Counter(Participation.objects.values_list("activity_id", flat=True))
    assert len(sizes) == ACTIVITIES
    assert set(sizes.values()) <= set(range(1, 9))
    histogram = Counter(sizes.values())
    assert histogram[2] > histogram[4] > histogram[8] > 0
    assert sum(n for size, n in histogram.items() if size < 2) < ACTIVITIES * 0.01


def test_each_activity_has_one_organiser_first_and_nobody_twice(activities):
    organisers = Counter(Participation.objects.filter(role="organiser").values_list("activity_id", flat=True))
    assert len(organisers) == ACTIVITIES
    pairs = list(Participation.objects.values_list("activity_id", "actor_id"))
    assert len(pairs) == len(set(pairs))


def test_participants_are_often_declared_partners(activities):
    ties = {tuple(sorted(t)) for t in Tie.objects.values_list("source_id", "target_id")}
    by_activity = {}
    for activity_id, actor_id in Participation.objects.values_list("activity_id", "actor_id"):
        by_activity.setdefault(activity_id, []).append(actor_id)
    met = [tuple(sorted((a, b))) for ids in by_activity.values() for i, a in enumerate(ids) for b in ids[i + 1 :]]
    actors = list({a for ids in by_activity.values() for a in ids})
    rng = random.Random(0)
    random_pairs = [tuple(sorted(rng.sample(actors, 2))) for _ in range(len(met))]
    share_met = sum(p in ties for p in met) / len(met)
    share_random = sum(p in ties for p in random_pairs) / len(random_pairs)
    assert share_met > share_random + 0.2


def test_kinds_public_share_and_time_span_look_like_a_calendar(activities):
    kinds = Counter(Activity.objects.values_list("kind", flat=True))
    assert kinds["meeting"] > kinds["conference"] > 0
    public = Activity.objects.filter(public=True).count() / ACTIVITIES
    assert 0.25 < public < 0.6
    assert (
        Activity.objects.filter(kind="event", public=True).count()
        > Activity.objects.filter(kind="event", public=False).count()
    )
    starts = list(Activity.objects.values_list("start", flat=True))
    anchor = dt.datetime.combine(ANCHOR, dt.time(), tzinfo=dt.UTC)
    assert min(starts) < anchor - dt.timedelta(days=5 * 365)
    assert max(starts) > anchor + dt.timedelta(days=200)
    assert 0 < Activity.objects.filter(cancelled=True).count() < ACTIVITIES * 0.1


def test_stored_dates_are_what_the_services_would_compute(activities):
    recurring = list(Activity.objects.exclude(rrule="").order_by("pk")[:15])
    recurring += [e.activity for e in ActivityException.objects.select_related("activity")[:5]]
    single = list(Activity.objects.filter(rrule="").order_by("pk")[:10])
    assert recurring and single
    for activity in recurring + single:
        stored = list(activity.occurrences.order_by("start").values_list("start", "end", "cancelled", "is_long"))
        services.occurrences_rebuild(activity)
        rebuilt = list(activity.occurrences.order_by("start").values_list("start", "end", "cancelled", "is_long"))
        assert stored == rebuilt, activity.rrule


def test_it_builds_the_derived_relationships(activities):
    assert DerivedTie.objects.exists()
    before = set(DerivedTie.objects.values_list("actor_a_id", "actor_b_id", "count", "public_count"))
    from knotenpunkt.network import derived

    derived.rebuild_all()
    assert set(DerivedTie.objects.values_list("actor_a_id", "actor_b_id", "count", "public_count")) == before


def test_the_same_seed_and_anchor_give_the_same_activities(activities):
    first = fingerprint()
    generate(clear=True)
    assert fingerprint() == first
    generate(seed=2, clear=True)
    assert fingerprint() != first


def test_clear_removes_only_synthetic_activities(activities):
    real = services.activity_create(
        user=None,
        data={"title": "Eine-Welt-Forum", "start": dt.datetime(2026, 1, 14, 18, tzinfo=dt.UTC),
              "end": dt.datetime(2026, 1, 14, 20, tzinfo=dt.UTC)},
    )  # fmt: skip
    synthetic.clear()
    assert list(Activity.objects.all()) == [real]
    assert ActivityOccurrence.objects.filter(activity=real).count() == 1
    assert not Participation.objects.exists()


def test_it_refuses_a_second_set_and_an_empty_network(activities):
    with pytest.raises(CommandError):
        generate()
    assert Activity.objects.count() == ACTIVITIES


def test_it_needs_the_synthetic_network_first(db):
    ActorFactory()
    with pytest.raises(CommandError, match="generate_network"):
        generate()
    assert not Activity.objects.exists()
