"""Partner suggestions from the database: load the network into the engine, store the top partners with reasons.

`compute_all()` runs nightly (tasks.py) and after `make run` loads the demo; `compute_for(actor_ids)`
runs when an actor, a tie or a listing changed (enqueued by those services after commit). Both
read every actor, every current declared tie, every derived pair and every current listing —
the suggestions are computed once, with all the office knows; each reason says whether it rests
on public facts only (`public`), and readers who may not see internal data get only those
(see `reasons.py` and permissions.sees_internal_reasons).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

import numpy as np
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from scipy import sparse

from knotenpunkt.actors.models import Actor, ActorCountry
from knotenpunkt.network.models import DerivedTie, Tie
from knotenpunkt.synergies import engine, introductions, text
from knotenpunkt.synergies.models import (
    Category,
    Direction,
    Listing,
    Suggestion,
    SuggestionOptOut,
    SuggestionRun,
    SuggestionRunKind,
)
from knotenpunkt.synergies.sectors import sector_index

TOP = 10
TEXT_REASON_MIN = 0.12  # description similarity from which "ähnliche Arbeitsbeschreibung" is said
CATEGORIES = [c for c, _ in Category.choices]
FETCH_ROWS = 50_000
STORE_CHUNK = 20_000  # pairs whose reasons are built and written at a time (peak memory)


@dataclass
class Loaded:
    """The engine's inputs plus what the reasons need to name things."""

    inputs: engine.Inputs
    ids: np.ndarray  # node index → actor id
    published: np.ndarray  # (n,) bool
    public_adjacency: object  # n × n 0/1: public ties between published actors, public meetings
    feature_keys: list[tuple[str, object]]  # column → ("theme", id) | ("sdg", number) | ("country", code)
    feature_public: np.ndarray  # (n,) bool: the actor's themes etc. are public (published actor)
    vocabulary: text.Vocabulary | None
    listing_public: np.ndarray | None

    def index_of(self, actor_ids) -> np.ndarray:
        actor_ids = np.asarray(actor_ids, dtype=np.int64)
        pos = np.searchsorted(self.ids, actor_ids).clip(0, max(len(self.ids) - 1, 0))
        return pos[self.ids[pos] == actor_ids] if len(self.ids) else pos[:0]


def _pairs_to_index(ids: np.ndarray, a, b) -> tuple[np.ndarray, np.ndarray]:
    a, b = np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64)
    if not len(ids):
        return a[:0], b[:0]
    ia, ib = np.searchsorted(ids, a).clip(0, len(ids) - 1), np.searchsorted(ids, b).clip(0, len(ids) - 1)
    keep = (ids[ia] == a) & (ids[ib] == b)
    return ia[keep], ib[keep]


def _int_rows(query: str, params: tuple, width: int) -> np.ndarray:
    """(rows × width) int64 from a query of `width` integer columns without NULLs.

    On PostgreSQL as one binary string aggregated by the server, straight into numpy (a million
    ties in well under a second, without a Python object per value); elsewhere through fetchall.
    """
    if connection.vendor == "postgresql":
        import psycopg
        from psycopg import sql

        inner = sql.SQL(query.replace("%s", "{}")).format(*(sql.Literal(p) for p in params))
        names = [sql.Identifier(f"c{i}") for i in range(width)]
        # One bytea of big-endian int64s, aggregated on the server: no Python object per value.
        statement = sql.SQL("SELECT string_agg({}, ''::bytea) FROM ({}) AS q ({})").format(
            sql.SQL(" || ").join(sql.SQL("int8send(CAST({} AS BIGINT))").format(name) for name in names),
            inner,
            sql.SQL(", ").join(names),
        )
        connection.ensure_connection()
        with psycopg.Cursor(connection.connection) as cursor:  # Django's client-side cursor: text only
            cursor.execute(statement, binary=True)
            buffer = cursor.fetchone()[0] or b""
        return np.frombuffer(buffer, dtype=">i8").astype(np.int64).reshape(-1, width)
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        rows = cursor.fetchall()
    return np.array(rows, dtype=np.int64).reshape(-1, width)


def _text_rows(query: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(query)
        return cursor.fetchall()


def _known_pairs(ids: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Which pairs `_pairs_to_index` keeps (both ends known actors)."""
    if not len(ids):
        return np.zeros(len(a), dtype=bool)
    ia, ib = np.searchsorted(ids, a).clip(0, len(ids) - 1), np.searchsorted(ids, b).clip(0, len(ids) - 1)
    return (ids[ia] == a) & (ids[ib] == b)


def load(today=None) -> Loaded:
    """Everything the engine needs, read straight from the database into arrays.

    The large tables (actors, ties, derived pairs, features) are read with plain SQL into numpy,
    not through the ORM: 100,000 actors and 2.3 million pairs in a few seconds.
    """
    today = today or timezone.localdate()
    actor_table = Actor._meta.db_table
    base = _int_rows(f"SELECT id, CASE WHEN published THEN 1 ELSE 0 END FROM {actor_table} ORDER BY id", (), 2)  # noqa: S608
    ids = np.ascontiguousarray(base[:, 0])
    published = base[:, 1].astype(bool)
    n = len(ids)
    texts = _text_rows(f"SELECT kind, description FROM {actor_table} ORDER BY id")  # noqa: S608
    sector_of = {kind: sector_index(kind) for kind in {r[0] for r in texts}}
    sector = np.fromiter((sector_of[r[0]] for r in texts), dtype=np.int16, count=n)

    # Ties: current declared ties and every pair that met; public ones separately for the reasons.
    ties = _int_rows(
        f"SELECT source_id, target_id, CASE WHEN public THEN 1 ELSE 0 END FROM {Tie._meta.db_table}"  # noqa: S608
        " WHERE (end_date IS NULL OR end_date >= %s) AND (start_date IS NULL OR start_date <= %s)",
        (today, today),
        3,
    )
    met = _int_rows(
        f"SELECT actor_a_id, actor_b_id, CAST(public_count AS BIGINT) FROM {DerivedTie._meta.db_table}",  # noqa: S608
        (),
        3,
    )
    # A unit and the organisation it belongs to (a department and its city) are tied by structure.
    units = _int_rows(
        f"SELECT id, parent_id, 1 FROM {actor_table} WHERE parent_id IS NOT NULL",  # noqa: S608
        (),
        3,
    )
    # Node indices as int32, the id columns dropped as soon as they are mapped (peak memory).
    ea, eb, public = [], [], []
    for rows in (ties, met, units):
        a, b = _pairs_to_index(ids, rows[:, 0], rows[:, 1])
        public.append(rows[_known_pairs(ids, rows[:, 0], rows[:, 1]), 2] > 0)
        ea.append(a.astype(np.int32))
        eb.append(b.astype(np.int32))
    del ties, met, units, rows
    ea, eb, public = np.concatenate(ea), np.concatenate(eb), np.concatenate(public)
    adjacency = engine.adjacency_from_edges(n, np.stack([ea, eb], 1))
    pa, pb = ea[public], eb[public]
    del ea, eb, public
    keep = published[pa] & published[pb] if n else np.zeros(0, dtype=bool)
    public_adjacency = engine.adjacency_from_edges(n, np.stack([pa[keep], pb[keep]], 1))
    del pa, pb, keep

    # Features: themes, SDGs, countries.
    feature_keys: list[tuple[str, object]] = []
    owners, columns = [], []
    through = (("theme", Actor.themes.through, "theme_id"), ("sdg", Actor.sdgs.through, "sdg_id"))
    for kind, model, column in through:
        rows = _int_rows(f"SELECT actor_id, {column} FROM {model._meta.db_table}", (), 2)  # noqa: S608
        values, inverse = np.unique(rows[:, 1], return_inverse=True)
        owners.append(rows[:, 0])
        columns.append(inverse.ravel() + len(feature_keys))
        feature_keys.extend((kind, int(v)) for v in values)
    country_rows = _text_rows(f"SELECT actor_id, country FROM {ActorCountry._meta.db_table}")  # noqa: S608
    codes = sorted({r[1] for r in country_rows})
    code_column = {code: len(feature_keys) + i for i, code in enumerate(codes)}
    feature_keys.extend(("country", code) for code in codes)
    owners.append(np.fromiter((r[0] for r in country_rows), dtype=np.int64, count=len(country_rows)))
    columns.append(np.fromiter((code_column[r[1]] for r in country_rows), dtype=np.int64, count=len(country_rows)))
    owner, column = np.concatenate(owners), np.concatenate(columns)
    features = None
    if len(owner) and n:
        pos = np.searchsorted(ids, owner).clip(0, n - 1)
        mine = ids[pos] == owner
        features = engine.indicator(n, np.stack([pos[mine], column[mine]], 1), len(feature_keys))

    # Texts: descriptions and listings share one vocabulary.
    listings = list(
        Listing.objects.current(today)
        .order_by("pk")
        .values_list("pk", "actor_id", "direction", "category", "title", "description", "public")
    )
    descriptions = [r[1] or "" for r in texts]
    del texts
    listing_texts = [f"{r[4]}\n{r[5]}" for r in listings]
    vocabulary, text_matrix, listing_matrix = None, None, None
    if descriptions or listing_texts:
        vocabulary, matrix = text.fit_transform(descriptions + listing_texts)
        if vocabulary.index:
            text_matrix = sparse.csr_matrix(matrix[:n])
            listing_matrix = sparse.csr_matrix(matrix[n:])
        else:
            vocabulary = None
    del descriptions
    listing_data, listing_public = None, None
    if listings:
        owner = np.searchsorted(ids, np.array([r[1] for r in listings], dtype=np.int64))
        listing_data = engine.Listings(
            actor=owner,
            is_offer=np.array([r[2] == Direction.OFFER for r in listings]),
            category=np.array([CATEGORIES.index(r[3]) if r[3] in CATEGORIES else 0 for r in listings]),
            text=listing_matrix,
            ids=np.array([r[0] for r in listings], dtype=np.int64),
        )
        listing_public = np.array([bool(r[6]) for r in listings]) & published[owner]

    eligible = np.ones(n, dtype=bool)
    opted = np.array(list(SuggestionOptOut.objects.values_list("actor_id", flat=True)), dtype=np.int64)
    if len(opted) and n:
        pos = np.searchsorted(ids, opted).clip(0, n - 1)
        eligible[pos[ids[pos] == opted]] = False
    # Declined pairs are never suggested again; cooperating ones are tied anyway. Open introductions
    # stay: their suggestion shows how far the introduction got.
    introduced = list(introductions.excluded_pairs_queryset())
    ea, eb = _pairs_to_index(ids, [p[0] for p in introduced], [p[1] for p in introduced])
    excluded = engine.adjacency_from_edges(n, np.stack([ea, eb], 1)) if len(ea) else None

    inputs = engine.Inputs(
        n=n, adjacency=adjacency, features=features, text=text_matrix, listings=listing_data,
        sector=sector, eligible=eligible, excluded=excluded,
    )  # fmt: skip
    engine.prepare(inputs)
    return Loaded(inputs, ids, published, public_adjacency, feature_keys, published, vocabulary, listing_public)


# --- reasons ------------------------------------------------------------------------------------


def _grouped_lists(count: int, owner: np.ndarray, values: list) -> list[list]:
    """values split by owner (sorted, 0 … count-1) into one list per owner."""
    bounds = np.searchsorted(owner, np.arange(count + 1)).tolist()
    return [values[bounds[i] : bounds[i + 1]] for i in range(count)]


def _common(adjacency, degree, xs, ys, limit=3, names=None):
    """Per pair: (count, up to `limit` common partners as node indices — or as `names[node]` — the
    most specific first)."""
    product = adjacency[xs].multiply(adjacency[ys]).tocsr()
    product.eliminate_zeros()
    product.sort_indices()
    counts = np.diff(product.indptr)
    owner = np.repeat(np.arange(len(xs)), counts)
    partner = product.indices.astype(np.int64)
    # The `limit` partners of lowest degree per pair, equal degrees in index order.
    specific = float(degree.max()) + 1.0 if len(degree) else 1.0
    chosen = engine._top_per_row(owner, specific - degree[partner], limit)
    chosen = chosen[np.lexsort((degree[partner[chosen]], owner[chosen]))]
    partner = partner[chosen] if names is None else names[partner[chosen]]
    return counts, _grouped_lists(len(xs), owner[chosen], partner.tolist())


def _best_listings(loaded: Loaded, xs: np.ndarray, ys: np.ndarray) -> dict[int, tuple]:
    """Per pair index: the offer↔need match behind the offer part, (offer listing, need listing,
    offer is the partner's); the most similar texts, the first found among equals."""
    listings = loaded.inputs.listings
    offers_of: dict[int, list[int]] = {}
    needs_of: dict[int, list[int]] = {}
    for i, (actor, is_offer) in enumerate(zip(listings.actor.tolist(), listings.is_offer.tolist(), strict=True)):
        (offers_of if is_offer else needs_of).setdefault(actor, []).append(i)
    category = listings.category.tolist()
    pair, offer, need, partner = [], [], [], []
    for k, (x, y) in enumerate(zip(xs.tolist(), ys.tolist(), strict=True)):
        for giver, taker, partner_offers in ((x, y, False), (y, x, True)):
            for o in offers_of.get(giver, ()):
                for nd in needs_of.get(taker, ()):
                    if category[o] == category[nd]:
                        pair.append(k)
                        offer.append(o)
                        need.append(nd)
                        partner.append(partner_offers)
    if not pair:
        return {}
    pair, offer, need = np.array(pair), np.array(offer), np.array(need)
    if listings.text is not None:
        sim = np.asarray(listings.text[offer].multiply(listings.text[need]).sum(axis=1)).ravel()
    else:
        sim = np.zeros(len(pair))
    order = np.lexsort((np.arange(len(pair)), -sim, pair))
    first = order[np.r_[True, pair[order][1:] != pair[order][:-1]]]
    return {int(pair[i]): (int(offer[i]), int(need[i]), partner[i]) for i in first}


def _shared_words(loaded: Loaded, xs: np.ndarray, ys: np.ndarray, limit: int = 3) -> list[list[str]]:
    """Per pair: the readable words that contribute most to the text similarity."""
    matrix = loaded.inputs.text
    product = matrix[xs].multiply(matrix[ys]).tocsr()
    product.eliminate_zeros()
    product.sort_indices()
    owner = np.repeat(np.arange(len(xs)), np.diff(product.indptr))
    chosen = engine._top_per_row(owner, product.data, limit)
    chosen = chosen[np.lexsort((-product.data[chosen], owner[chosen]))]
    vocabulary = loaded.vocabulary
    surface = [vocabulary.surface[t] for t in vocabulary.terms]
    return _grouped_lists(len(xs), owner[chosen], [surface[c] for c in product.indices[chosen].tolist()])


def build_reasons(loaded: Loaded, parts: engine.Parts) -> list[list[dict]]:
    """The reasons for each suggested pair, strongest first, each marked public or not.

    The facts are computed for all pairs at once (sparse products, numpy); only the dictionaries
    are put together pair by pair.
    """
    inputs = loaded.inputs
    xs, ys = parts.xs, parts.ys
    ids = loaded.ids
    out: list[list[dict]] = []
    listing_ids = inputs.listings.ids.tolist() if inputs.listings is not None else []
    listing_public = loaded.listing_public.tolist() if loaded.listing_public is not None else []
    feature_kind = [key[0] for key in loaded.feature_keys]
    feature_value = [key[1] for key in loaded.feature_keys]
    chunk = 50_000
    for start in range(0, len(xs), chunk):
        cx, cy = xs[start : start + chunk], ys[start : start + chunk]
        size = len(cx)
        counts, examples = _common(inputs.adjacency, inputs.degree, cx, cy, names=ids)
        pcounts, pexamples = _common(loaded.public_adjacency, inputs.degree, cx, cy, names=ids)
        counts, pcounts = counts.tolist(), pcounts.tolist()
        shared: list[list[int]] = [[]] * size
        if inputs.features is not None:
            product = inputs.features[cx].multiply(inputs.features[cy]).tocsr()
            product.eliminate_zeros()
            product.sort_indices()
            owner = np.repeat(np.arange(size), np.diff(product.indptr))
            shared = _grouped_lists(size, owner, product.indices.tolist())
        offer_part = parts.offer[start : start + chunk]
        best = {}
        if inputs.listings is not None and (offer_part > 0).any():
            with_offer = np.flatnonzero(offer_part > 0)
            found = _best_listings(loaded, cx[with_offer], cy[with_offer])
            best = {int(with_offer[k]): v for k, v in found.items()}
        text_part = parts.text[start : start + chunk]
        words: dict[int, list[str]] = {}
        if loaded.vocabulary is not None and inputs.text is not None:
            similar = np.flatnonzero(text_part >= TEXT_REASON_MIN)
            if len(similar):
                words = dict(zip(similar.tolist(), _shared_words(loaded, cx[similar], cy[similar]), strict=True))
        both_public = (loaded.published[cx] & loaded.published[cy]).tolist()
        bridge = parts.bridge[start : start + chunk].tolist() if inputs.sector is not None else [False] * size
        sector_x = inputs.sector[cx].tolist() if inputs.sector is not None else None
        sector_y = inputs.sector[cy].tolist() if inputs.sector is not None else None
        for i in range(size):
            reasons = []
            if i in best:
                o, nd, partner_offers = best[i]
                reasons.append({
                    "code": "offer_need", "offer": listing_ids[o], "need": listing_ids[nd],
                    "partner_offers": partner_offers, "public": bool(listing_public[o] and listing_public[nd]),
                })  # fmt: skip
            if shared[i]:
                found = {"theme": [], "sdg": [], "country": []}
                for column in shared[i]:
                    found[feature_kind[column]].append(feature_value[column])
                reasons.append({
                    "code": "shared", "themes": sorted(found["theme"]), "sdgs": sorted(found["sdg"]),
                    "countries": sorted(found["country"]), "public": both_public[i],
                })  # fmt: skip
            if counts[i]:
                reasons.append({
                    "code": "common_partners", "count": counts[i], "examples": examples[i],
                    "public_count": pcounts[i], "public_examples": pexamples[i],
                    "public": bool(pcounts[i]),
                })  # fmt: skip
            if words.get(i):
                reasons.append({"code": "similar_text", "words": words[i], "public": both_public[i]})
            if bridge[i]:
                reasons.append({"code": "bridge", "sectors": [sector_x[i], sector_y[i]], "public": True})
            out.append(reasons)
    return out


# --- running and storing ------------------------------------------------------------------------


def _store(
    loaded: Loaded, result: engine.Suggestions, actor_nodes: np.ndarray, now, *, replace_all=False, timings=None
) -> int:
    """Replace the stored suggestions of `actor_nodes` (of everybody with `replace_all`) in one
    transaction. The reasons are built and written STORE_CHUNK pairs at a time (a million pairs'
    reasons as Python objects at once would take more than a gigabyte); on PostgreSQL with COPY."""
    parts = result.parts
    ids = loaded.ids
    stored = 0
    rank_of: dict[int, int] = {}  # ranks stay 1…k without gaps after pairs without reasons were dropped
    timings = {} if timings is None else timings
    timings.update(delete_s=0.0, reasons_s=0.0, write_s=0.0)
    with transaction.atomic():
        t = time.perf_counter()
        if replace_all:
            Suggestion.objects.all().delete()
        else:
            node_ids = [int(ids[x]) for x in actor_nodes]
            for start in range(0, len(node_ids), 5000):
                Suggestion.objects.filter(actor_id__in=node_ids[start : start + 5000]).delete()
        timings["delete_s"] += time.perf_counter() - t
        for start in range(0, len(parts.xs), STORE_CHUNK):
            t = time.perf_counter()
            chunk = engine._take(parts, slice(start, start + STORE_CHUNK))
            reasons = build_reasons(loaded, chunk)
            rows = []  # (actor, partner, rank, score, reasons); a pair with no reason to tell is not suggested
            for actor, partner, score, why in zip(
                ids[chunk.xs].tolist(), ids[chunk.ys].tolist(), chunk.score.tolist(), reasons, strict=True
            ):
                if why:
                    rank = rank_of[actor] = rank_of.get(actor, 0) + 1
                    rows.append((actor, partner, rank, score, why))
            del reasons
            timings["reasons_s"] += time.perf_counter() - t
            t = time.perf_counter()
            if connection.vendor == "postgresql":
                _copy_suggestions(rows, now)
            else:
                Suggestion.objects.bulk_create(
                    (
                        Suggestion(actor_id=a, partner_id=p, rank=r, score=sc, reasons=why, computed_at=now)
                        for a, p, r, sc, why in rows
                    ),
                    batch_size=5000,
                )
            stored += len(rows)
            timings["write_s"] += time.perf_counter() - t
        t = time.perf_counter()
    # The commit checks the deferred foreign keys of every row written.
    timings["commit_s"] = time.perf_counter() - t
    return stored


def _copy_suggestions(rows, now) -> None:
    """COPY in text format: JSON without raw tabs or newlines; backslashes doubled for COPY."""
    encode = json.JSONEncoder(separators=(",", ":")).encode
    stamp = now.isoformat()
    table = Suggestion._meta.db_table
    statement = f"COPY {table} (actor_id, partner_id, rank, score, reasons, computed_at) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        batch = []
        for actor, partner, rank, score, why in rows:
            reasons = encode(why).replace("\\", "\\\\")
            batch.append(f"{actor}\t{partner}\t{rank}\t{score!r}\t{reasons}\t{stamp}\n")
            if len(batch) >= 20_000:
                copy.write("".join(batch))
                batch = []
        if batch:
            copy.write("".join(batch))


def compute_all(*, today=None) -> SuggestionRun:
    """Every eligible actor's top partners, replacing all stored suggestions."""
    return _run(SuggestionRunKind.FULL, None, today=today)


def compute_for(actor_ids, *, today=None) -> SuggestionRun:
    """Fresh suggestions for some actors (after they, their ties or their listings changed)."""
    return _run(SuggestionRunKind.INCREMENTAL, list(actor_ids), today=today)


def _run(kind, actor_ids, *, today=None) -> SuggestionRun:
    started = timezone.now()
    t0 = time.perf_counter()
    loaded = load(today)
    load_s = time.perf_counter() - t0
    nodes = np.arange(loaded.inputs.n) if actor_ids is None else loaded.index_of(actor_ids)
    t = time.perf_counter()
    result = engine.suggest(loaded.inputs, top=TOP, actors=nodes)
    score_s = time.perf_counter() - t
    t = time.perf_counter()
    store_timings: dict[str, float] = {}
    stored = _store(loaded, result, nodes, started, replace_all=actor_ids is None, timings=store_timings)
    store_s = time.perf_counter() - t
    return SuggestionRun.objects.create(
        kind=kind,
        started_at=started,
        finished_at=timezone.now(),
        actor_count=len(nodes),
        suggestion_count=stored,
        duration_seconds=round(time.perf_counter() - t0, 3),
        details={
            "load_s": round(load_s, 3),
            "score_s": round(score_s, 3),
            "store_s": round(store_s, 3),
            **{k: round(v, 3) for k, v in store_timings.items()},
        },
    )


def latest_run() -> SuggestionRun | None:
    return SuggestionRun.objects.filter(finished_at__isnull=False).first()


def missing_information(actor: Actor) -> list[str]:
    """What an actor lacks for good suggestions (field keys; the page words them)."""
    missing = []
    if not actor.themes.exists() and not actor.sdgs.exists():
        missing.append("themes")
    if not ActorCountry.objects.filter(actor=actor).exists():
        missing.append("countries")
    if len((actor.description or "").split()) < 8:
        missing.append("description")
    if not Listing.objects.current().filter(actor=actor).exists():
        missing.append("listings")
    if not Tie.objects.filter(Q(source=actor) | Q(target=actor)).exists():
        missing.append("ties")
    return missing


# --- opting out and refreshing -------------------------------------------------------------------


def opt_out(*, user, actor: Actor) -> None:
    """The actor wants no suggestions: remove its own and those naming it, now."""
    from knotenpunkt.accounts import permissions

    if not permissions.can_manage_opt_out(user, actor):
        raise PermissionDenied
    with transaction.atomic():
        SuggestionOptOut.objects.get_or_create(actor=actor, defaults={"created_by": user})
        Suggestion.objects.filter(Q(actor=actor) | Q(partner=actor)).delete()


def opt_in(*, user, actor: Actor) -> None:
    """Suggestions again (computed in the background right after)."""
    from knotenpunkt.accounts import permissions

    if not permissions.can_manage_opt_out(user, actor):
        raise PermissionDenied
    with transaction.atomic():
        SuggestionOptOut.objects.filter(actor=actor).delete()
        refresh_later([actor.pk])


def refresh_later(actor_ids) -> None:
    """Recompute these actors' suggestions in the background once the current transaction commits.

    All calls within one transaction are collected into one task (a demo load or an import touching
    hundreds of actors enqueues one refresh, not hundreds). The collecting callback lives in
    Django's on-commit list, so a rollback discards it together with its ids.
    """
    ids = {int(pk) for pk in actor_ids if pk}
    if not ids:
        return
    for entry in connection.run_on_commit:
        collected = getattr(entry[1], "actor_ids", None)
        if collected is not None:
            collected.update(ids)
            return

    def enqueue():
        from knotenpunkt.synergies.tasks import refresh_suggestions

        refresh_suggestions.enqueue(sorted(enqueue.actor_ids))

    enqueue.actor_ids = ids
    transaction.on_commit(enqueue)
