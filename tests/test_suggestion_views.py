"""The suggestion pages as a table of behaviours: what a coordinator and an actor editor read,
opting out and in, the honest empty states, the overview and the free-text question.

The world is small but computed for real (`suggestions.compute_all()`): an association working on
climate protection in Burkina Faso, a city department sharing that and three partners with it and
looking for a room the association offers; a second association tied to the first only through a
partner whose tie to it is internal; an unpublished initiative; an actor with nothing filled in.
"""

import re
from html import unescape
from types import SimpleNamespace

import pytest
from django.db import transaction
from django.test.client import Client
from django.urls import reverse
from django_tasks_db.models import DBTaskResult
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from knotenpunkt.accounts.models import Role
from knotenpunkt.actors.models import ActorCountry, ActorKind
from knotenpunkt.changes.kinds import Audience, ChangeKind
from knotenpunkt.changes.models import Change
from knotenpunkt.synergies import suggestions
from knotenpunkt.synergies.models import Suggestion, SuggestionOptOut
from knotenpunkt.synergies.views import suggestions as suggestion_views
from tests.factories import ActorFactory, DepartmentFactory, ListingFactory, ThemeFactory, TieFactory, UserFactory

pytestmark = pytest.mark.django_db

CLIMATE_TEXT = (
    "Wir arbeiten zu Klimaschutz und Klimagerechtigkeit, fördern Solarenergie in Burkina Faso "
    "und bieten Bildungsarbeit zu fairem Handel für Schulen in Ludwigsburg."
)


def text(response) -> str:
    """The page as a reader sees it: tags removed, entities decoded, whitespace collapsed."""
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", response.content.decode())))


@pytest.fixture
def world(db, coordinator):
    climate = ThemeFactory(name_de="Klimaschutz", name_en="Climate protection", slug="klimaschutz")
    fair = ThemeFactory(name_de="Fairer Handel", name_en="Fair trade", slug="fairer-handel")
    verein = ActorFactory(name="Klimabündnis Burkina", description=CLIMATE_TEXT)
    amt = DepartmentFactory(name="Fachbereich Umwelt", description=CLIMATE_TEXT)
    for actor in (verein, amt):
        actor.themes.add(climate)
        ActorCountry.objects.create(actor=actor, country="BF")
    partners = [ActorFactory(name=f"Gemeinsamer Partner {i}") for i in range(1, 4)]
    for partner in partners:
        TieFactory(source=verein, target=partner)
        TieFactory(source=amt, target=partner)
    ListingFactory(actor=verein, direction="offer", category="rooms", title="Gemeindesaal für 80 Personen")
    ListingFactory(actor=amt, direction="need", category="rooms", title="Raum für den Eine-Welt-Tag")
    # Shares fair trade with the association; their one common partner is tied to it internally.
    laden = ActorFactory(name="Weltladen am Markt", kind=ActorKind.FAIR_TRADE_SHOP)
    laden.themes.add(fair)
    verein.themes.add(fair)
    vertraulich = ActorFactory(name="Vertraulicher Partner")
    TieFactory(source=verein, target=vertraulich)
    TieFactory(source=laden, target=vertraulich, public=False)
    geheim = ActorFactory(name="Unveröffentlichte Initiative", published=False, description=CLIMATE_TEXT)
    geheim.themes.add(climate)
    leer = ActorFactory(name="Leerer Verein", description="")
    editor = UserFactory(username="redaktion-klima", role=Role.ACTOR_EDITOR)
    editor.edited_actors.add(verein)
    return SimpleNamespace(
        verein=verein, amt=amt, laden=laden, geheim=geheim, leer=leer, editor=editor, coordinator=coordinator
    )


def get_page(client, user, actor):
    client.force_login(user)
    response = client.get(reverse("synergies:actor_suggestions", args=[actor.slug]))
    assert response.status_code == 200
    return response


def page_for(client, user, actor) -> str:
    return text(get_page(client, user, actor))


def reasons_of(response, actor, partner) -> list[str]:
    """The reasons on the card suggesting `partner` to `actor`, as the reader reads them."""
    html = response.content.decode()
    pattern = rf'id="suggestion-{actor.pk}-{partner.pk}".*?<ul class="suggestion-reasons"[^>]*>(.*?)</ul>'
    card = re.search(pattern, html, re.S)
    assert card, f"no suggestion of {partner} for {actor}"
    items = re.findall(r"<li[^>]*>(.*?)</li>", card.group(1), re.S)
    return [re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", i))).strip() for i in items]


def has_reason(reasons: list[str], sentence: str) -> bool:
    return any(sentence in r for r in reasons)


# --- what the coordinator reads ------------------------------------------------------------------


@pytest.mark.parametrize(
    "sentence",
    [
        pytest.param("beide arbeiten zu Klimaschutz und Burkina Faso", id="shared-theme-and-country"),
        pytest.param("3 gemeinsame Partner", id="common-partners"),
        pytest.param(
            "Klimabündnis Burkina bietet „Gemeindesaal für 80 Personen“, "
            "Fachbereich Umwelt sucht „Raum für den Eine-Welt-Tag“",
            id="offer-meets-need",
        ),
        pytest.param("verbindet Zivilgesellschaft und Verwaltung", id="bridge"),
    ],
)
def test_a_computed_suggestion_appears_with_its_german_reason(client, world, sentence):
    suggestions.compute_all()
    response = get_page(client, world.coordinator, world.verein)
    assert has_reason(reasons_of(response, world.verein, world.amt), sentence)
    assert "Berechnet am" in text(response)


def test_the_coordinator_sees_unpublished_partners_and_internal_reasons(client, world):
    suggestions.compute_all()
    response = get_page(client, world.coordinator, world.verein)
    assert "Unveröffentlichte Initiative" in text(response)
    reasons = reasons_of(response, world.verein, world.laden)
    assert has_reason(reasons, "1 gemeinsamer Partner (z. B. Vertraulicher Partner)")


def test_an_actor_editor_sees_only_published_partners_and_public_reasons(client, world):
    suggestions.compute_all()
    response = get_page(client, world.editor, world.verein)
    assert "Unveröffentlichte Initiative" not in text(response)
    assert has_reason(reasons_of(response, world.verein, world.amt), "3 gemeinsame Partner")
    reasons = reasons_of(response, world.verein, world.laden)
    assert has_reason(reasons, "beide arbeiten zu Fairer Handel")
    assert not has_reason(reasons, "gemeinsame")
    assert "Vertraulicher Partner" not in text(response)


def test_an_actor_editor_is_refused_another_actors_suggestions(client, world):
    client.force_login(world.editor)
    response = client.get(reverse("synergies:actor_suggestions", args=[world.amt.slug]))
    assert response.status_code == 403


# --- opting out and in ---------------------------------------------------------------------------


def test_opting_out_removes_the_suggestions_both_ways_and_the_page_says_so(client, world):
    suggestions.compute_all()
    assert Suggestion.objects.filter(partner=world.verein).exists()
    client.force_login(world.editor)
    response = client.post(reverse("synergies:opt_out", args=[world.verein.slug]), {"opt_out": "1"}, follow=True)
    page = text(response)
    assert not Suggestion.objects.filter(actor=world.verein).exists()
    assert not Suggestion.objects.filter(partner=world.verein).exists()
    assert "bekommt keine Vorschläge mehr" in page
    assert "Dieser Akteur möchte keine Vorschläge" in page
    assert "Vorschläge wieder zulassen" in page
    # The next full run leaves it out too.
    suggestions.compute_all()
    assert not Suggestion.objects.filter(actor=world.verein).exists()
    assert "Klimabündnis Burkina" not in page_for(client, world.coordinator, world.amt)


def test_opting_in_again_enqueues_a_refresh_for_the_actor(client, world, django_capture_on_commit_callbacks):
    SuggestionOptOut.objects.create(actor=world.verein, created_by=world.editor)
    DBTaskResult.objects.all().delete()
    client.force_login(world.editor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("synergies:opt_out", args=[world.verein.slug]), {"opt_out": "0"}, follow=True)
    assert not SuggestionOptOut.objects.filter(actor=world.verein).exists()
    queued = DBTaskResult.objects.filter(task_path="knotenpunkt.synergies.tasks.refresh_suggestions")
    assert [row.args_kwargs["args"][0] for row in queued] == [[world.verein.pk]]
    assert "werden jetzt berechnet" in text(response)
    opted_in = Change.objects.get(kind=ChangeKind.SUGGESTIONS_OPTED_IN)
    assert (opted_in.record_id, opted_in.user, opted_in.audience) == (world.verein.pk, world.editor, Audience.INTERNAL)
    assert set(opted_in.subjects.values_list("kind", "subject_id")) == {("actor", world.verein.pk)}


def test_opting_out_is_recorded_once_and_starts_no_refresh(client, world, django_capture_on_commit_callbacks):
    DBTaskResult.objects.all().delete()
    client.force_login(world.editor)
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(2):
            client.post(reverse("synergies:opt_out", args=[world.verein.slug]), {"opt_out": "1"})
    opted_out = Change.objects.get(kind=ChangeKind.SUGGESTIONS_OPTED_OUT)
    assert (opted_out.record_id, opted_out.user, opted_out.record_label) == (
        world.verein.pk,
        world.editor,
        world.verein.name,
    )
    assert not DBTaskResult.objects.exists()


def test_opting_in_an_actor_that_never_opted_out_records_nothing(client, world):
    client.force_login(world.editor)
    client.post(reverse("synergies:opt_out", args=[world.verein.slug]), {"opt_out": "0"})
    assert not Change.objects.exists()


# --- honest empty states -------------------------------------------------------------------------


def test_an_actor_with_nothing_filled_in_is_told_what_is_missing(client, world):
    suggestions.compute_all()
    page = page_for(client, world.coordinator, world.leer)
    assert "Noch zu wenig Angaben" in page
    for missing in (
        "Themen oder Nachhaltigkeitsziele",
        "Länder, in denen oder mit denen er arbeitet",
        "eine Beschreibung der Arbeit",
        "Angebote oder Gesuche",
        "Beziehungen zu anderen Akteuren",
    ):
        assert missing in page


@pytest.mark.parametrize("url_name", ["synergies:actor_suggestions", "synergies:overview"])
def test_before_any_run_the_page_says_the_first_computation_is_pending(client, world, url_name):
    client.force_login(world.coordinator)
    args = [world.verein.slug] if url_name == "synergies:actor_suggestions" else []
    page = text(client.get(reverse(url_name, args=args)))
    assert "die erste Berechnung steht noch aus" in page
    assert "Berechnet am" not in page


def test_before_any_run_an_actor_with_nothing_filled_in_gets_both_notes(client, world):
    page = page_for(client, world.coordinator, world.leer)
    assert "die erste Berechnung steht noch aus" in page
    assert "Noch zu wenig Angaben" in page


# --- the overview --------------------------------------------------------------------------------


def test_the_overview_lists_each_pair_once(client, world):
    suggestions.compute_all()
    client.force_login(world.coordinator)
    response = client.get(reverse("synergies:overview"))
    html = response.content.decode()
    cards = re.findall(r'id="suggestion-(\d+)-(\d+)"', html)
    pairs = [frozenset(map(int, card)) for card in cards]
    assert pairs, "no suggestions in the overview"
    assert len(pairs) == len(set(pairs))
    assert frozenset([world.verein.pk, world.amt.pk]) in pairs
    assert "verbindet Zivilgesellschaft und Verwaltung" in text(response)


def test_the_overview_keeps_a_pair_stored_in_one_direction_only(client, world):
    """A pair can be among one actor's top partners but not among the other's: it still shows, once."""
    suggestions.compute_all()
    lo, hi = sorted([world.verein, world.amt], key=lambda a: a.pk)
    Suggestion.objects.filter(actor=lo, partner=hi).delete()
    client.force_login(world.coordinator)
    html = client.get(reverse("synergies:overview")).content.decode()
    pairs = [frozenset(map(int, card)) for card in re.findall(r'id="suggestion-(\d+)-(\d+)"', html)]
    assert pairs.count(frozenset([lo.pk, hi.pk])) == 1
    assert f'id="suggestion-{hi.pk}-{lo.pk}"' in html


def test_the_overview_lists_only_the_strongest_pairs_strongest_first(client, world, monkeypatch):
    suggestions.compute_all()
    monkeypatch.setattr(suggestion_views, "OVERVIEW_MAX_PAIRS", 3)
    monkeypatch.setattr(suggestion_views, "OVERVIEW_PAGE_SIZE", 2)
    client.force_login(world.coordinator)
    shown = []
    for number in (1, 2):  # 3 pairs in pages of 2
        html = client.get(reverse("synergies:overview"), {"page": number}).content.decode()
        assert f"Seite {number} von 2" in html
        shown += [tuple(map(int, card)) for card in re.findall(r'id="suggestion-(\d+)-(\d+)"', html)]
    assert len(shown) == 3
    scores = [Suggestion.objects.get(actor_id=a, partner_id=p).score for a, p in shown]
    assert scores == sorted(scores, reverse=True)
    strongest = max(Suggestion.objects.values_list("score", flat=True))
    assert scores[0] == strongest


def test_an_actor_editors_overview_lists_only_their_actors(client, world):
    client.force_login(world.editor)
    page = text(client.get(reverse("synergies:overview")))
    assert "Klimabündnis Burkina" in page
    assert "Fachbereich Umwelt" not in page


# --- the question --------------------------------------------------------------------------------


def ask(client, user, q, **headers):
    client.force_login(user)
    return client.get(reverse("synergies:question"), {"q": q}, **headers)


def test_the_question_finds_the_matching_actors_first_with_their_reasons(client, world):
    response = ask(client, world.coordinator, "Wer arbeitet zu Klimaschutz in Burkina Faso?")
    assert response.status_code == 200
    answers = response.context["answers"]
    names = [a.actor.name for a in answers]
    assert set(names[:2]) == {"Klimabündnis Burkina", "Fachbereich Umwelt"}
    assert "Unveröffentlichte Initiative" in names[2:]  # matches the theme only
    page = text(response)
    assert "arbeitet zu Klimaschutz" in page
    assert "engagiert in Burkina Faso" in page


def test_the_question_shows_an_editor_only_published_actors(client, world):
    names = [a.actor.name for a in ask(client, world.editor, "Klimaschutz").context["answers"]]
    assert "Klimabündnis Burkina" in names
    assert "Unveröffentlichte Initiative" not in names


def test_htmx_gets_only_the_results_fragment(client, world):
    response = ask(client, world.coordinator, "Klimaschutz", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "Klimabündnis Burkina" in html
    assert "<html" not in html and 'id="question-q"' not in html


@pytest.mark.parametrize("q", ["Wer, was, wo?", "???", "!!! ...", "   "])
def test_a_question_with_nothing_recognisable_gets_a_german_hint(client, world, q):
    response = ask(client, world.coordinator, q)
    assert response.status_code == 200
    page = text(response)
    assert response.context["answers"] == []
    if q.strip():
        assert "Die Frage enthält nichts, wonach sich suchen lässt" in page


FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
_CHARS = st.characters(exclude_categories=("Cs",))
QUESTION = st.one_of(
    st.text(_CHARS, max_size=60),
    st.lists(st.text(_CHARS, max_size=8), min_size=2, max_size=3).map("\x00".join),
    st.sampled_from(["SDG 99", "Ziel 0", "sdg13", "% _ \\", "' OR 1=1 --", "x" * 5000, "Burkina Faso Burkina Faso"]),
)


@FUZZ
@given(q=QUESTION)
@example(q="\x00")
@example(q="SDG 13 Klimaschutz Schulen Räume sucht")
def test_no_question_gives_a_500(world, shared_handler, q):
    client = Client(raise_request_exception=True)
    client.handler = shared_handler
    client.force_login(world.editor)
    with transaction.atomic():
        response = client.get(reverse("synergies:question"), {"q": q})
        assert response.status_code == 200
        transaction.set_rollback(True)
