"""Stored partner suggestions: computed from the database, every reason true of its pair, refreshed
when actors, ties or listings change."""

import datetime as dt
import json

import numpy as np
import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from knotenpunkt.actors.models import Actor, ActorCountry
from knotenpunkt.changes.services import atomic
from knotenpunkt.network.models import DerivedTie, Tie
from knotenpunkt.network.services import tie_create
from knotenpunkt.synergies import engine, listings, suggestions
from knotenpunkt.synergies.models import (
    Introduction,
    IntroductionStatus,
    Listing,
    Suggestion,
    SuggestionOptOut,
    SuggestionRunKind,
)
from knotenpunkt.synergies.sectors import SECTOR_OF_KIND, SECTOR_ORDER
from knotenpunkt.synergies.text import fit_transform, terms
from tests.factories import ActorFactory, ListingFactory, TieFactory, UserFactory

pytestmark = pytest.mark.django_db


def neighbours(actor_id: int) -> set[int]:
    today = dt.date.today()
    current = (Q(end_date__isnull=True) | Q(end_date__gte=today)) & (
        Q(start_date__isnull=True) | Q(start_date__lte=today)
    )
    out = set()
    for a, b in (
        Tie.objects.filter(current)
        .filter(Q(source_id=actor_id) | Q(target_id=actor_id))
        .values_list("source_id", "target_id")
    ):
        out.add(b if a == actor_id else a)
    # Pairs that met only in contacts for the coordination are unknown to the engine (city staff read the
    # suggestions and their reasons); such a pair may be proposed.
    met = DerivedTie.objects.filter(Q(actor_a_id=actor_id) | Q(actor_b_id=actor_id), staff_count__gt=0)
    for a, b in met.values_list("actor_a_id", "actor_b_id"):
        out.add(b if a == actor_id else a)
    # A unit and its parent organisation count as tied.
    out.update(Actor.objects.filter(parent_id=actor_id).values_list("pk", flat=True))
    out.update(Actor.objects.filter(pk=actor_id, parent__isnull=False).values_list("parent_id", flat=True))
    return out


def features(actor: Actor) -> dict:
    return {
        "themes": set(actor.themes.values_list("pk", flat=True)),
        "sdgs": set(actor.sdgs.values_list("number", flat=True)),
        "countries": set(ActorCountry.objects.filter(actor=actor).values_list("country", flat=True)),
    }


def assert_reason_true(suggestion: Suggestion, reason: dict) -> None:
    actor, partner = suggestion.actor, suggestion.partner
    code = reason["code"]
    if code == "shared":
        mine, theirs = features(actor), features(partner)
        for key in ("themes", "sdgs", "countries"):
            assert set(reason[key]) == mine[key] & theirs[key], (suggestion, reason)
        assert reason["themes"] or reason["sdgs"] or reason["countries"]
        assert reason["public"] == (actor.published and partner.published)
    elif code == "common_partners":
        common = neighbours(actor.pk) & neighbours(partner.pk)
        assert reason["count"] == len(common) > 0
        assert set(reason["examples"]) <= common
    elif code == "offer_need":
        offer, need = Listing.objects.get(pk=reason["offer"]), Listing.objects.get(pk=reason["need"])
        assert offer.direction == "offer" and need.direction == "need"
        assert offer.category == need.category
        assert {offer.actor_id, need.actor_id} == {actor.pk, partner.pk}
        assert reason["partner_offers"] == (offer.actor_id == partner.pk)
        assert Listing.objects.current().filter(pk__in=[offer.pk, need.pk]).count() == 2
    elif code == "similar_text":
        for word in reason["words"]:
            stem = terms(word)[0]
            assert stem in terms(actor.description) and stem in terms(partner.description), (suggestion, word)
    elif code == "bridge":
        sectors = [SECTOR_ORDER.index(SECTOR_OF_KIND.get(a.kind, "civil_society")) for a in (actor, partner)]
        assert reason["sectors"] == sectors and sectors[0] != sectors[1]
    else:
        pytest.fail(f"unknown reason {code}")


def test_every_reason_of_every_demo_suggestion_is_true_of_its_pair(seeded_sdgs):
    call_command("load_demo", quiet=True)
    run = suggestions.compute_all()
    stored = list(Suggestion.objects.select_related("actor", "partner"))
    assert run.suggestion_count == len(stored) > 50
    codes = set()
    for suggestion in stored:
        assert suggestion.reasons, suggestion
        assert suggestion.partner_id not in neighbours(suggestion.actor_id)
        for reason in suggestion.reasons:
            codes.add(reason["code"])
            assert_reason_true(suggestion, reason)
    assert codes == {"shared", "common_partners", "offer_need", "similar_text", "bridge"}


def test_the_stored_rows_are_exactly_what_the_engine_computed(seeded_sdgs):
    """Scores to the last bit, the reasons as built, the time of the run: what the bulk writer (a
    binary COPY on PostgreSQL) encodes is what the database reads back."""
    call_command("load_demo", quiet=True)
    run = suggestions.compute_all()
    loaded = suggestions.load()
    result = engine.suggest(loaded.inputs, top=suggestions.TOP)
    reasons = suggestions.build_reasons(loaded, result.parts)
    ids = loaded.ids
    expected = {
        (int(ids[x]), int(ids[y])): (score, why)
        for x, y, score, why in zip(result.parts.xs, result.parts.ys, result.parts.score.tolist(), reasons, strict=True)
        if why
    }
    stored = {(s.actor_id, s.partner_id): (s.score, s.reasons) for s in Suggestion.objects.all()}
    assert len(stored) > 50
    assert stored == expected
    assert set(Suggestion.objects.values_list("computed_at", flat=True)) == {run.started_at}


def test_ranks_run_from_one_without_gaps_and_scores_fall():
    hub = ActorFactory()
    actors = [ActorFactory() for _ in range(5)]
    for actor in actors:
        TieFactory(source=hub, target=actor)
    suggestions.compute_all()
    for actor in actors:
        rows = list(Suggestion.objects.filter(actor=actor).order_by("rank"))
        assert [r.rank for r in rows] == list(range(1, 5))
        assert [r.score for r in rows] == sorted((r.score for r in rows), reverse=True)


def _table_shape() -> dict:
    """Every constraint and index of the suggestions table, as the database describes them."""
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, Suggestion._meta.db_table)
    return {
        name: (tuple(c["columns"]), c["primary_key"], c["unique"], c["foreign_key"], c["index"], c["check"])
        for name, c in found.items()
    }


def test_a_full_run_replaces_every_row_and_keeps_every_constraint_and_index():
    hub = ActorFactory()
    actors = [ActorFactory() for _ in range(6)]
    for actor in actors:
        TieFactory(source=hub, target=actor)
    before = _table_shape()
    suggestions.compute_all()
    first = set(Suggestion.objects.values_list("pk", flat=True))
    suggestions.compute_all()
    assert _table_shape() == before
    rows = list(Suggestion.objects.all())
    assert len(rows) == len(first) == 30 and not first & {r.pk for r in rows}
    # Ids keep rising (an id seen before a run never names another suggestion after it) …
    assert min(r.pk for r in rows) > max(first)
    created = Suggestion.objects.create(
        actor=actors[0], partner=hub, rank=99, score=0.1, reasons=[], computed_at=timezone.now()
    )
    assert created.pk > max(r.pk for r in rows)
    created.delete()
    # … and the database still refuses what the constraints forbid.
    with pytest.raises(IntegrityError), transaction.atomic():
        Suggestion.objects.create(
            actor=actors[0], partner=actors[0], rank=9, score=0.1, reasons=[], computed_at=rows[0].computed_at
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Suggestion.objects.create(
            actor=rows[0].actor, partner=rows[0].partner, rank=99, score=0.1, reasons=[], computed_at=timezone.now()
        )


def test_a_full_run_that_fails_halfway_leaves_the_previous_suggestions(monkeypatch):
    hub = ActorFactory()
    actors = [ActorFactory() for _ in range(6)]
    for actor in actors:
        TieFactory(source=hub, target=actor)
    suggestions.compute_all()
    before = sorted(Suggestion.objects.values_list("pk", "actor_id", "partner_id", "rank", "reasons"))
    shape = _table_shape()
    TieFactory(source=actors[0], target=actors[1])

    def broken(loaded, parts):
        raise RuntimeError("Platte voll")

    monkeypatch.setattr(suggestions, "_reason_json", broken)
    with pytest.raises(RuntimeError):
        suggestions.compute_all()
    assert sorted(Suggestion.objects.values_list("pk", "actor_id", "partner_id", "rank", "reasons")) == before
    assert _table_shape() == shape


def _star() -> tuple:
    hub = ActorFactory()
    actors = [ActorFactory() for _ in range(6)]
    for actor in actors:
        TieFactory(source=hub, target=actor)
    return hub, actors


def _next_table_exists() -> bool:
    with connection.cursor() as cursor:
        return suggestions.NEXT_TABLE in connection.introspection.table_names(cursor)


postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="the table swap is PostgreSQL's")


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_new_table_is_committed_indexed_on_two_connections_and_swapped_in(
    monkeypatch,
):
    _hub, actors = _star()
    before = _table_shape()
    first_run = suggestions.compute_all()
    first = set(Suggestion.objects.values_list("pk", flat=True))
    builds = []
    build_indexes = suggestions._build_indexes

    def recording(statements, *, parallel):
        builds.append((len(statements), parallel))
        build_indexes(statements, parallel=parallel)

    monkeypatch.setattr(suggestions, "_build_indexes", recording)
    run = suggestions.compute_all()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_index WHERE indrelid = %s::regclass", [Suggestion._meta.db_table])
        assert builds == [(cursor.fetchone()[0], True)]  # every index (keys' too), at once
    assert _table_shape() == before
    assert not _next_table_exists()
    rows = list(Suggestion.objects.all())
    assert len(rows) == len(first) == run.suggestion_count == first_run.suggestion_count == 30
    assert min(r.pk for r in rows) > max(first)
    assert {"indexes_s", "keys_s", "swap_s"} <= set(run.details)
    with pytest.raises(IntegrityError), transaction.atomic():
        Suggestion.objects.create(
            actor=actors[0], partner=actors[0], rank=9, score=0.1, reasons=[], computed_at=rows[0].computed_at
        )


@postgres_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("failing", ["_reason_json", "_build_indexes", "_swap_in"])
def test_outside_a_transaction_a_failed_run_leaves_the_previous_suggestions_and_no_new_table(monkeypatch, failing):
    _hub, actors = _star()
    suggestions.compute_all()
    before = sorted(Suggestion.objects.values_list("pk", "actor_id", "partner_id", "rank", "reasons"))
    shape = _table_shape()
    TieFactory(source=actors[0], target=actors[1])

    def broken(*args, **kwargs):
        raise RuntimeError("Platte voll")

    monkeypatch.setattr(suggestions, failing, broken)
    with pytest.raises(RuntimeError):
        suggestions.compute_all()
    assert sorted(Suggestion.objects.values_list("pk", "actor_id", "partner_id", "rank", "reasons")) == before
    assert _table_shape() == shape
    assert not _next_table_exists()
    monkeypatch.undo()
    suggestions.compute_all()  # the lock is free again
    assert Suggestion.objects.filter(actor=actors[0], partner=actors[1]).count() == 0


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_table_left_behind_by_a_killed_run_does_not_stop_the_next_one():
    _star()
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {suggestions.NEXT_TABLE} (leftover integer)")
    run = suggestions.compute_all()
    assert run.suggestion_count == Suggestion.objects.count() == 30
    assert not _next_table_exists()


def test_reasons_are_stored_compactly_and_read_back_as_written():
    reasons = [
        {"code": "offer_need", "offer": 3, "need": 4, "partner_offers": True, "public": False},
        {"code": "shared", "themes": [2], "sdgs": [13], "countries": ["BF"], "public": True},
        {"code": "common_partners", "count": 4, "examples": [7, 8], "public_count": 1, "public_examples": [8],
         "public": True},
        {"code": "common_partners", "count": 2, "examples": [7, 8], "public_count": 2, "public_examples": [7, 8],
         "public": True},
        {"code": "similar_text", "words": ["klimaschutz"], "public": False},
        {"code": "bridge", "sectors": [0, 3], "public": True},
        {"code": "something_new", "detail": "kept as it is", "public": True},
    ]  # fmt: skip
    a, b = ActorFactory(), ActorFactory()
    row = Suggestion.objects.create(actor=a, partner=b, rank=1, score=0.5, reasons=reasons, computed_at=timezone.now())
    assert Suggestion.objects.get(pk=row.pk).reasons == reasons
    with connection.cursor() as cursor:
        cursor.execute("SELECT reasons FROM synergies_suggestion WHERE id = %s", [row.pk])
        stored = cursor.fetchone()[0]
    stored = json.loads(stored) if isinstance(stored, str) else stored
    tags = [r[0] if isinstance(r, list) else r["code"] for r in stored]
    assert tags == ["o", "s", "c", "c", "t", "b", "something_new"]


def test_a_declined_pair_is_not_suggested_again_but_an_open_introduction_is():
    hub = ActorFactory()
    a, b, c = ActorFactory(), ActorFactory(), ActorFactory()
    for actor in (a, b, c):
        TieFactory(source=hub, target=actor)
    low, high = sorted((a, b), key=lambda x: x.pk)
    Introduction.objects.create(actor_a=low, actor_b=high, status=IntroductionStatus.DECLINED)
    low, high = sorted((a, c), key=lambda x: x.pk)
    Introduction.objects.create(actor_a=low, actor_b=high, status=IntroductionStatus.INTRODUCED)
    suggestions.compute_all()
    partners = set(Suggestion.objects.filter(actor=a).values_list("partner_id", flat=True))
    assert b.pk not in partners
    assert c.pk in partners


def test_an_actor_that_opted_out_is_neither_given_nor_named_in_suggestions():
    hub = ActorFactory()
    a, b, c = ActorFactory(), ActorFactory(), ActorFactory()
    for actor in (a, b, c):
        TieFactory(source=hub, target=actor)
    SuggestionOptOut.objects.create(actor=b)
    suggestions.compute_all()
    assert not Suggestion.objects.filter(Q(actor=b) | Q(partner=b)).exists()
    assert Suggestion.objects.filter(actor=a, partner=c).exists()


def test_an_offer_meets_a_need_across_the_network():
    giver, taker = ActorFactory(name="Gemeindehaus Ost"), ActorFactory(name="Initiative Kaffee")
    offer = ListingFactory(actor=giver, direction="offer", category="rooms", title="Saal für 80 Personen")
    need = ListingFactory(actor=taker, direction="need", category="rooms", title="Ort für eine Lesung")
    ListingFactory(actor=taker, direction="need", category="rooms", valid_until=dt.date.today() - dt.timedelta(days=1),
                   valid_from=dt.date.today() - dt.timedelta(days=9))  # fmt: skip
    suggestions.compute_all()
    row = Suggestion.objects.get(actor=taker, partner=giver)
    reason = next(r for r in row.reasons if r["code"] == "offer_need")
    assert (reason["offer"], reason["need"], reason["partner_offers"]) == (offer.pk, need.pk, True)


def test_compute_for_replaces_only_the_given_actors_suggestions():
    hub = ActorFactory()
    a, b, c = ActorFactory(), ActorFactory(), ActorFactory()
    for actor in (a, b, c):
        TieFactory(source=hub, target=actor)
    suggestions.compute_all()
    before_b = list(Suggestion.objects.filter(actor=b).values_list("partner_id", "computed_at"))
    TieFactory(source=a, target=c)
    run = suggestions.compute_for([a.pk])
    assert run.kind == SuggestionRunKind.INCREMENTAL and run.actor_count == 1
    assert c.pk not in set(Suggestion.objects.filter(actor=a).values_list("partner_id", flat=True))
    assert list(Suggestion.objects.filter(actor=b).values_list("partner_id", "computed_at")) == before_b


def queued_refreshes() -> list[list[int]]:
    return [
        row.args_kwargs["args"][0]
        for row in DBTaskResult.objects.filter(task_path="knotenpunkt.synergies.tasks.refresh_suggestions")
    ]


def _listing(actor):
    return listings.listing_create(
        user=None, actor=actor, data={"direction": "offer", "category": "rooms", "title": "Saal", "public": True}
    )


@pytest.mark.django_db(transaction=True)
def test_changes_in_one_transaction_queue_one_refresh_after_commit():
    a, b, c = ActorFactory(), ActorFactory(), ActorFactory()
    with atomic():
        _listing(a)
        _listing(b)
        _listing(c)
        assert queued_refreshes() == []
    assert queued_refreshes() == [sorted([a.pk, b.pk, c.pk])]


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_change_queues_nothing():
    a = ActorFactory()
    with pytest.raises(RuntimeError), atomic():
        _listing(a)
        raise RuntimeError
    assert queued_refreshes() == []


@pytest.mark.django_db(transaction=True)
def test_a_new_tie_queues_a_refresh_for_both_ends():
    coordinator = UserFactory(role="coordinator")
    a, b = ActorFactory(), ActorFactory()
    DBTaskResult.objects.all().delete()
    tie_create(user=coordinator, source=a, target=b, kind="cooperation")
    assert queued_refreshes() == [sorted([a.pk, b.pk])]


def test_a_department_is_not_suggested_to_its_own_city():
    city = ActorFactory(kind="city_department")
    department = ActorFactory(kind="city_department", parent=city)
    hub = ActorFactory()
    for actor in (city, department):
        TieFactory(source=hub, target=actor)
    suggestions.compute_all()
    assert not Suggestion.objects.filter(actor=department, partner=city).exists()
    assert not Suggestion.objects.filter(actor=city, partner=department).exists()


def test_missing_information_names_what_an_actor_lacks():
    bare = ActorFactory(description="")
    assert suggestions.missing_information(bare) == ["themes", "countries", "description", "listings", "ties"]


def test_the_loaded_network_indexes_actors_in_id_order():
    actors = [ActorFactory() for _ in range(3)]
    loaded = suggestions.load()
    assert loaded.ids.tolist() == sorted(a.pk for a in actors)
    assert loaded.index_of([actors[2].pk, 999_999]).tolist() == [int(np.searchsorted(loaded.ids, actors[2].pk))]


@pytest.mark.parametrize(
    "ids",
    [[3, 5, 9], [2, 10**9, 10**12]],  # dense ids (looked up in a table) and sparse ones (binary search)
    ids=["dense", "sparse"],
)
def test_actor_ids_map_to_node_indices_and_unknown_ones_to_minus_one(ids):
    ids = np.array(ids, dtype=np.int64)
    values = [ids[2], ids[0], 4, -7, 10**13, ids[1]]
    assert suggestions._positions(ids, values).tolist() == [2, 0, -1, -1, -1, 1]
    a, b, known = suggestions._pairs_to_index(ids, [ids[0], 4, ids[2]], [ids[1], ids[0], ids[0]])
    assert (a.tolist(), b.tolist(), known.tolist()) == ([0, 2], [1, 0], [True, False, True])


class EveryReasonIsTrue(HypothesisTestCase):
    """Random small networks in the database: every stored reason is true of its pair."""

    @settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        kinds=st.lists(st.sampled_from(["association", "school", "city_department", "partner_municipality"]),
                       min_size=2, max_size=9),
        ties=st.lists(st.tuples(st.integers(0, 8), st.integers(0, 8)), max_size=14),
        countries=st.lists(st.tuples(st.integers(0, 8), st.sampled_from(["BF", "EC", "TZ"])), max_size=8),
        words=st.lists(st.tuples(st.integers(0, 8), st.sampled_from(["Solaranlagen", "Schulgarten", "Kaffee"])),
                       max_size=10),
        listings=st.lists(st.tuples(st.integers(0, 8), st.sampled_from(["offer", "need"]),
                                    st.sampled_from(["rooms", "speakers"])), max_size=5),
        published=st.lists(st.booleans(), min_size=9, max_size=9),
    )  # fmt: skip
    def test_reasons(self, kinds, ties, countries, words, listings, published):
        actors = [ActorFactory(kind=kind, published=published[i], description="") for i, kind in enumerate(kinds)]
        n = len(actors)
        for a, b in ties:
            if a % n != b % n and not Tie.objects.filter(source=actors[a % n], target=actors[b % n]).exists():
                TieFactory(source=actors[a % n], target=actors[b % n], public=(a + b) % 2 == 0)
        for i, code in countries:
            ActorCountry.objects.get_or_create(actor=actors[i % n], country=code)
        texts = {}
        for i, word in words:
            texts.setdefault(i % n, []).append(f"Wir arbeiten an {word} und {word}projekten.")
        for i, text in texts.items():
            Actor.objects.filter(pk=actors[i].pk).update(description=" ".join(text))
        for i, direction, category in listings:
            ListingFactory(actor=actors[i % n], direction=direction, category=category)
        suggestions.compute_all()
        for suggestion in Suggestion.objects.select_related("actor", "partner"):
            assert suggestion.reasons
            assert suggestion.partner_id not in neighbours(suggestion.actor_id)
            for reason in suggestion.reasons:
                assert_reason_true(suggestion, reason)


def test_a_question_for_gendered_speakers_is_read_as_the_category():
    from knotenpunkt.synergies import question

    parsed = question.parse("Wer sucht Referent:innen?")
    assert parsed.categories == [("speakers", "Referent:innen")]
    assert parsed.direction == "need"
    assert parsed.words == []


@pytest.mark.django_db(transaction=True)
def test_the_network_read_on_a_second_connection_is_the_network_read_in_one(seeded_sdgs):
    """Outside a transaction PostgreSQL reads the network on a second connection while the texts
    are analysed; inside one everything is read in turn. Both give the same inputs."""
    call_command("load_demo", quiet=True)
    parallel = suggestions.load()
    with transaction.atomic():
        sequential = suggestions.load()
    for loaded in (parallel, sequential):
        assert loaded.inputs.adjacency.nnz > 100 and loaded.inputs.features.nnz > 100
    assert parallel.ids.tolist() == sequential.ids.tolist()
    assert parallel.feature_keys == sequential.feature_keys
    for name in ("adjacency", "features", "text"):
        assert (getattr(parallel.inputs, name) != getattr(sequential.inputs, name)).nnz == 0, name
    assert (parallel.public_adjacency != sequential.public_adjacency).nnz == 0
    assert parallel.inputs.listings.ids.tolist() == sequential.inputs.listings.ids.tolist()
    assert parallel.vocabulary.index == sequential.vocabulary.index


def test_shared_words_are_named_as_written_not_folded():
    """The reason "ähnliche Arbeitsbeschreibung (…)" names words as the descriptions spell them."""
    vocabulary, _matrix = fit_transform(
        [
            "Der Verein unterstützt die Bürgerinitiative in Cuenca.",
            "Die Bürgerinitiative unterstützt Projekte in Cuenca.",
            "Ein Verein ohne gemeinsame Wörter.",
            "Noch ein Text über etwas anderes.",
        ]
    )
    spelled = {vocabulary.surface[term] for term in vocabulary.terms}
    # Nouns capitalised, a verb in lower case where a text has it so, umlauts kept.
    assert {"Bürgerinitiative", "Cuenca", "unterstützt"} <= spelled
    assert not spelled & {"burgerinitiative", "Burgerinitiative", "cunca", "Cunca", "unterstutzt"}


def test_units_of_one_organisation_are_never_suggested_to_each_other():
    """Three levels: the city, its departments, a unit below one of them; all alike and tied to one
    partner. Only the Verein outside is suggested to them (and they to it)."""
    from knotenpunkt.actors.models import ActorKind
    from tests.factories import ThemeFactory

    theme = ThemeFactory()
    city = ActorFactory(name="Stadt", kind=ActorKind.CITY_DEPARTMENT)
    department = ActorFactory(name="Fachbereich", kind=ActorKind.CITY_DEPARTMENT, parent=city)
    unit = ActorFactory(name="Referat", kind=ActorKind.CITY_DEPARTMENT, parent=department)
    sibling = ActorFactory(name="Zweiter Fachbereich", kind=ActorKind.CITY_DEPARTMENT, parent=city)
    verein = ActorFactory(name="Verein")
    partner = ActorFactory(name="Partner")
    hierarchy = {city.pk, department.pk, unit.pk, sibling.pk}
    for actor in (city, department, unit, sibling, verein):
        actor.themes.add(theme)
        ActorCountry.objects.create(actor=actor, country="BF")
        TieFactory(source=actor, target=partner)

    suggestions.compute_all()

    pairs = set(Suggestion.objects.values_list("actor_id", "partner_id"))
    assert not {(a, b) for a, b in pairs if a in hierarchy and b in hierarchy}
    assert {(verein.pk, unit.pk), (unit.pk, verein.pk), (sibling.pk, verein.pk)} <= pairs
