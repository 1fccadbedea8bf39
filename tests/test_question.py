"""The free-text question ranks exactly as counting every actor's matched parts would, for every reader.

The answer is found level by level (all parts, all but one, …) with queries cut at the number still
needed, or by one counting query where a level would take too many; both must give the ranking that
counting by hand gives: most parts matched, then most ties, then by name.
"""

import random

import pytest
from django.contrib.auth.models import AnonymousUser

from knotenpunkt.actors import search
from knotenpunkt.actors.models import Actor, ActorCountry, ActorKind
from knotenpunkt.synergies import question
from tests.factories import ActorFactory, ListingFactory, ThemeFactory

pytestmark = pytest.mark.django_db

WORDS = ["Solarenergie", "Schulpartnerschaft", "Trinkwasser", "Repair-Café", "Filmabend"]
COUNTRIES = ["BF", "GH", "PE"]
KINDS = [ActorKind.ASSOCIATION, ActorKind.SCHOOL, ActorKind.FAIR_TRADE_SHOP]


@pytest.fixture
def network(db):
    rng = random.Random(7)
    themes = [
        ThemeFactory(name_de="Klimaschutz", name_en="Climate protection", slug="klimaschutz"),
        ThemeFactory(name_de="Fairer Handel", name_en="Fair trade", slug="fairer-handel"),
        ThemeFactory(
            name_de="Bildung für nachhaltige Entwicklung",
            name_en="Education for sustainable development",
            slug="bildung-fur-nachhaltige-entwicklung",
        ),
        ThemeFactory(name_de="Migration und Entwicklung", name_en="Migration and development", slug="migration"),
    ]
    facts = {}
    for i in range(40):
        words = rng.sample(WORDS, rng.randint(0, 2))
        actor = ActorFactory(
            name=f"Akteur {i:02d}",
            kind=rng.choice(KINDS),
            published=rng.random() < 0.8,
            description=" ".join(["Wir arbeiten in Ludwigsburg", *words]),
        )
        Actor.objects.filter(pk=actor.pk).update(tie_count=rng.randint(0, 5))
        chosen = rng.sample(themes, rng.randint(0, 3))
        actor.themes.add(*chosen)
        countries = rng.sample(COUNTRIES, rng.randint(0, 2))
        for code in countries:
            ActorCountry.objects.create(actor=actor, country=code)
        rooms = []
        if rng.random() < 0.4:
            public = rng.random() < 0.6
            ListingFactory(actor=actor, direction="offer", category="rooms", title="Saal", public=public)
            rooms.append(public)
        facts[actor.pk] = {"themes": set(chosen), "countries": set(countries), "words": set(words), "rooms": rooms}
    return facts


def by_hand(reader_sees_internal: bool, parsed, facts) -> list[tuple[int, int]]:
    """(actor, parts matched) of the best MAX_RESULTS, counted actor by actor (the words by the
    directory's search, which has tests of its own)."""
    visible = Actor.objects.filter(pk__in=facts)
    if not reader_sees_internal:
        visible = visible.filter(published=True)
    found_by_words = set(search.search_actors(visible, " ".join(parsed.words)).values_list("pk", flat=True))
    rows = []
    for actor in visible:
        f = facts[actor.pk]
        matched = sum(theme in f["themes"] for theme in parsed.themes)
        matched += sum(code in f["countries"] for code, _name in parsed.countries)
        if parsed.kinds:
            matched += actor.kind in {kind for kind, _label in parsed.kinds}
        if parsed.categories:
            matched += any(public or reader_sees_internal for public in f["rooms"])
        if parsed.words:
            matched += actor.pk in found_by_words
        if matched:
            rows.append((-matched, -actor.tie_count, actor.name, actor.pk, matched))
    return [(pk, matched) for *_key, pk, matched in sorted(rows)[: question.MAX_RESULTS]]


QUESTIONS = [
    "Klimaschutz in Burkina Faso",
    "Welche Schulen arbeiten zu Fairer Handel in Ghana und Peru?",
    "Wer bietet Räume zu Klimaschutz in Peru?",
    "Vereine Klimaschutz Fairer Handel Migration Burkina Faso Ghana Peru",
    "Solarenergie Klimaschutz",
    "Weltläden Trinkwasser Ghana",
]


@pytest.mark.parametrize("q", QUESTIONS)
@pytest.mark.parametrize("max_subsets", [question.MAX_SUBSET_QUERIES, 0])
def test_the_ranking_is_the_one_counting_by_hand_gives(network, coordinator, q, max_subsets, monkeypatch):
    monkeypatch.setattr(question, "MAX_SUBSET_QUERIES", max_subsets)  # 0: always the counting query
    for user, internal in ((coordinator, True), (AnonymousUser(), False)):
        parsed, answers = question.ask(user=user, question=q)
        assert [(a.actor.pk, a.matched) for a in answers] == by_hand(internal, parsed, network), (q, user)
        for answer in answers:
            assert len(answer.reasons) == answer.matched


def test_a_visitor_is_never_answered_with_unpublished_actors_or_internal_listings(network):
    _parsed, answers = question.ask(user=AnonymousUser(), question="Wer bietet Räume?")
    assert answers
    for answer in answers:
        assert answer.actor.published
        assert any(network[answer.actor.pk]["rooms"]), answer.actor
        assert True in network[answer.actor.pk]["rooms"], "matched only through an internal listing"


def test_a_theme_is_read_whole_and_small_words_do_not_name_themes(network):
    parsed = question.parse("Bildung für nachhaltige Entwicklung in Peru")
    assert [t.slug for t in parsed.themes] == ["bildung-fur-nachhaltige-entwicklung"]
    parsed = question.parse("Wer bietet Räume für Veranstaltungen?")
    assert parsed.themes == []
    parsed = question.parse("Migration und Entwicklung")
    assert [t.slug for t in parsed.themes] == ["migration"]
