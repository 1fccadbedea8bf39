"""`manage.py generate_network`: a synthetic, realistic network for benchmarks."""

import random
import statistics
from collections import Counter, defaultdict
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from knotenpunkt.actors.models import Actor, ActorCountry
from knotenpunkt.demo import synthetic_network as synthetic
from knotenpunkt.network.models import Tie
from tests.factories import ActorFactory

ACTORS, TIES = 300, 1500


def generate(seed=1, **options):
    call_command("generate_network", actors=ACTORS, ties=TIES, seed=seed, stdout=StringIO(), **options)


def edge_set():
    return set(Tie.objects.values_list("source__slug", "target__slug", "kind"))


@pytest.fixture
def network(db):
    generate()


def test_it_creates_exactly_the_requested_actors_and_ties(network):
    assert synthetic.synthetic_actors().count() == ACTORS
    assert Tie.objects.count() == TIES
    assert Actor.themes.through.objects.count() >= ACTORS
    assert Actor.sdgs.through.objects.count() >= ACTORS
    assert ActorCountry.objects.exists()


def test_it_creates_no_self_loops_and_at_most_one_tie_per_pair(network):
    pairs = [tuple(sorted(pair)) for pair in Tie.objects.values_list("source_id", "target_id")]
    assert all(a != b for a, b in pairs)
    assert len(set(pairs)) == len(pairs)


def test_most_but_not_all_actors_are_published(network):
    share = synthetic.synthetic_actors().filter(published=True).count() / ACTORS
    assert 0.75 < share < 0.95


def test_names_and_descriptions_use_german_topic_words(network):
    actors = synthetic.synthetic_actors()
    assert actors.filter(description__icontains="klima").exists()
    assert actors.filter(name__icontains="Weltladen").exists()
    assert all(slug.startswith("syn-") for slug in actors.values_list("slug", flat=True))


def test_the_same_seed_gives_the_same_network(network):
    first = edge_set()
    generate(clear=True)
    assert edge_set() == first
    generate(seed=2, clear=True)
    assert edge_set() != first


def test_the_generator_is_deterministic_without_a_database():
    a = synthetic.generate_actors(ACTORS, 7)
    b = synthetic.generate_actors(ACTORS, 7)
    synthetic.generate_ties(a, TIES, 7)
    synthetic.generate_ties(b, TIES, 7)
    assert a.names == b.names
    assert (a.tie_source == b.tie_source).all()
    assert (a.tie_target == b.tie_target).all()
    assert a.tie_kind == b.tie_kind


def test_degrees_are_heavy_tailed(network):
    degree = Counter()
    for source, target in Tie.objects.values_list("source_id", "target_id"):
        degree[source] += 1
        degree[target] += 1
    degrees = [degree[pk] for pk in synthetic.synthetic_actors().values_list("pk", flat=True)]
    assert max(degrees) >= 4 * statistics.median(degrees)


def test_ties_join_actors_with_shared_themes_more_often_than_random_pairs(network):
    themes = defaultdict(set)
    for actor_id, theme_id in Actor.themes.through.objects.values_list("actor_id", "theme_id"):
        themes[actor_id].add(theme_id)
    ties = list(Tie.objects.values_list("source_id", "target_id"))
    ids = list(themes)
    rng = random.Random(0)
    pairs = [tuple(rng.sample(ids, 2)) for _ in range(5000)]

    def shared(pairs):
        return sum(bool(themes[a] & themes[b]) for a, b in pairs) / len(pairs)

    assert shared(ties) > shared(pairs) + 0.2


def test_clear_removes_only_synthetic_actors(network):
    real = ActorFactory(name="Weltladen Ludwigsburg")
    synthetic.clear()
    assert list(Actor.objects.all()) == [real]
    assert not Tie.objects.exists()


def test_it_refuses_to_add_a_second_synthetic_network(network):
    with pytest.raises(CommandError):
        generate()
    assert Tie.objects.count() == TIES
