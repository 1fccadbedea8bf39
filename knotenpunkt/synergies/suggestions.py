"""Partner suggestions from the database: load the network into the engine, store the top partners with reasons.

`compute_all()` runs nightly (tasks.py) and after `make run` loads the demo; `compute_for(actor_ids)`
runs when an actor, a tie or a listing changed (enqueued after commit by the reaction to those changes,
knotenpunkt/reactions.py). Both
read every actor, every current declared tie, every derived pair and every current listing —
the suggestions are computed once, with all the office knows; each reason says whether it rests
on public facts only (`public`), and readers who may not see internal data get only those
(see `reasons.py` and permissions.sees_internal_reasons).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from scipy import sparse

from knotenpunkt.actors.models import Actor, ActorCountry
from knotenpunkt.changes.kinds import ChangeKind
from knotenpunkt.changes.services import atomic, record
from knotenpunkt.network.models import DerivedTie, Tie
from knotenpunkt.synergies import engine, introductions, permissions, text
from knotenpunkt.synergies.models import (
    Category,
    Direction,
    Listing,
    Suggestion,
    SuggestionOptOut,
    SuggestionRun,
    SuggestionRunKind,
    expand_reason,
)
from knotenpunkt.synergies.sectors import sector_index

TOP = 10
TEXT_REASON_MIN = 0.12  # description similarity from which "ähnliche Arbeitsbeschreibung" is said
CATEGORIES = [c for c, _ in Category.choices]
FETCH_ROWS = 50_000
NEXT_TABLE = "synergies_suggestion_next"  # the table a full run on PostgreSQL fills and swaps in


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
        pos = _positions(self.ids, actor_ids)
        return pos[pos >= 0]


def _positions(ids: np.ndarray, values) -> np.ndarray:
    """The node index of each actor id in `values` (ids: sorted), -1 where it is no known actor.

    Through a table indexed by id where the ids are dense enough (millions of tie ends looked up
    in one step each), else by binary search."""
    values = np.asarray(values, dtype=np.int64)
    if not len(ids) or not len(values):
        return np.full(len(values), -1, dtype=np.int64)
    low, top = int(ids[0]), int(ids[-1])
    if low >= 0 and top <= 4 * len(ids) + 1_000_000:
        table = np.full(top + 1, -1, dtype=np.int64)
        table[ids] = np.arange(len(ids))
        inside = (values >= 0) & (values <= top)
        found = np.full(len(values), -1, dtype=np.int64)
        found[inside] = table[values[inside]]
        return found
    pos = np.searchsorted(ids, values).clip(0, len(ids) - 1)
    return np.where(ids[pos] == values, pos, -1)


def _pairs_to_index(ids: np.ndarray, a, b) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Node indices of the pairs (a[i], b[i]) of actor ids whose both ends are known actors, and
    which pairs those are (a mask)."""
    ia, ib = _positions(ids, a), _positions(ids, b)
    keep = (ia >= 0) & (ib >= 0)
    return ia[keep], ib[keep], keep


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


def _fetch_network(today) -> dict:
    """The rows of ties, meetings, units, themes, SDGs and countries (`_build_network` reads them)."""
    actor_table = Actor._meta.db_table
    # Ties: current declared ties and every pair that met; public ones separately for the reasons.
    ties = _int_rows(
        f"SELECT source_id, target_id, CASE WHEN public THEN 1 ELSE 0 END FROM {Tie._meta.db_table}"  # noqa: S608
        " WHERE (end_date IS NULL OR end_date >= %s) AND (start_date IS NULL OR start_date <= %s)",
        (today, today),
        3,
    )
    # Pairs that met only in contacts for the coordination are left out: suggestions and their reasons
    # ("3 gemeinsame Partner: …") are read by city staff too, who must not learn of those meetings.
    met = _int_rows(
        f"SELECT actor_a_id, actor_b_id, CAST(public_count AS BIGINT) FROM {DerivedTie._meta.db_table}"  # noqa: S608
        " WHERE staff_count > 0",
        (),
        3,
    )
    # A unit and the organisation it belongs to (a department and its city) are tied by structure.
    units = _int_rows(
        f"SELECT id, parent_id, 1 FROM {actor_table} WHERE parent_id IS NOT NULL",  # noqa: S608
        (),
        3,
    )
    through = {
        kind: _int_rows(f"SELECT actor_id, {column} FROM {model._meta.db_table}", (), 2)  # noqa: S608
        for kind, model, column in (("theme", Actor.themes.through, "theme_id"), ("sdg", Actor.sdgs.through, "sdg_id"))
    }
    countries = _text_rows(f"SELECT actor_id, country FROM {ActorCountry._meta.db_table}")  # noqa: S608
    return {"ties": (ties, met, units), "through": through, "countries": countries}


def _build_network(ids: np.ndarray, published: np.ndarray, fetched: dict):
    """(adjacency, public adjacency, feature keys, features) of the actors `ids` from the rows
    `_fetch_network` read (it lets go of them as it goes: peak memory)."""
    n = len(ids)
    # Node indices as int32, the id columns dropped as soon as they are mapped.
    ea, eb, public = [], [], []
    pairs = fetched.pop("ties")
    for rows in pairs:
        a, b, known = _pairs_to_index(ids, rows[:, 0], rows[:, 1])
        public.append(rows[known, 2] > 0)
        ea.append(a.astype(np.int32))
        eb.append(b.astype(np.int32))
    del pairs, rows
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
    for kind, rows in fetched["through"].items():
        values, inverse = np.unique(rows[:, 1], return_inverse=True)
        owners.append(rows[:, 0])
        columns.append(inverse.ravel() + len(feature_keys))
        feature_keys.extend((kind, int(v)) for v in values)
    country_rows = fetched["countries"]
    codes = sorted({r[1] for r in country_rows})
    code_column = {code: len(feature_keys) + i for i, code in enumerate(codes)}
    feature_keys.extend(("country", code) for code in codes)
    owners.append(np.fromiter((r[0] for r in country_rows), dtype=np.int64, count=len(country_rows)))
    columns.append(np.fromiter((code_column[r[1]] for r in country_rows), dtype=np.int64, count=len(country_rows)))
    owner, column = np.concatenate(owners), np.concatenate(columns)
    features = None
    if len(owner) and n:
        pos = _positions(ids, owner)
        mine = pos >= 0
        features = engine.indicator(n, np.stack([pos[mine], column[mine]], 1), len(feature_keys))

    return adjacency, public_adjacency, feature_keys, features


def _read_network(ids: np.ndarray, published: np.ndarray, today):
    """`_build_network` of the rows `_fetch_network` reads."""
    return _build_network(ids, published, _fetch_network(today))


def _on_own_connection(function, *args):
    """function(*args) in a worker thread, which has a database connection of its own: closed after."""
    try:
        return function(*args)
    finally:
        connection.close()


def _current_listings(today) -> list[tuple]:
    return list(
        Listing.objects.current(today)
        .order_by("pk")
        .values_list("pk", "actor_id", "direction", "category", "title", "description", "public")
    )


def _start_texts(descriptions: list[str], listings: list[tuple]) -> text.PendingFit | None:
    """The descriptions and listings analysed into one vocabulary, begun now (many texts: half of
    them in a forked process, see text.start_fit_transform)."""
    listing_texts = [f"{r[4]}\n{r[5]}" for r in listings]
    if not descriptions and not listing_texts:
        return None
    return text.start_fit_transform(descriptions + listing_texts)


def _read_texts(pending: text.PendingFit | None, listings: list[tuple], ids: np.ndarray, published: np.ndarray):
    """(vocabulary, actors' TF-IDF rows, listings, which listings are public)."""
    n = len(ids)
    vocabulary, text_matrix, listing_matrix = None, None, None
    if pending is not None:
        vocabulary, matrix = pending.finish()
        if vocabulary.index:
            text_matrix = sparse.csr_matrix(matrix[:n])
            listing_matrix = sparse.csr_matrix(matrix[n:])
        else:
            vocabulary = None
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

    return vocabulary, text_matrix, listing_data, listing_public


def load(today=None) -> Loaded:
    """Everything the engine needs, read straight from the database into arrays.

    The large tables (actors, ties, derived pairs, features) are read with plain SQL into numpy,
    not through the ORM: 100,000 actors and 2.3 million pairs in a few seconds.
    """
    today = today or timezone.localdate()
    actor_table = Actor._meta.db_table
    base = _int_rows(
        f"SELECT id, CASE WHEN published THEN 1 ELSE 0 END, COALESCE(parent_id, 0) FROM {actor_table} ORDER BY id",  # noqa: S608
        (),
        3,
    )
    ids = np.ascontiguousarray(base[:, 0])
    published = base[:, 1].astype(bool)
    organisation = engine.organisations(_positions(ids, base[:, 2]))
    n = len(ids)
    with contextlib.ExitStack() as stack:
        reading = None
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            # The network is read on a second connection and built into arrays meanwhile (the
            # reading mostly waits for the server): a second or so less. Not inside a
            # transaction, whose uncommitted rows the second connection would not see.
            pool = stack.enter_context(ThreadPoolExecutor(max_workers=1))
            reading = pool.submit(_on_own_connection, _read_network, ids, published, today)
        texts = _text_rows(f"SELECT kind, description FROM {actor_table} ORDER BY id")  # noqa: S608
        sector_of = {kind: sector_index(kind) for kind in {r[0] for r in texts}}
        sector = np.fromiter((sector_of[r[0]] for r in texts), dtype=np.int16, count=n)
        descriptions = [r[1] or "" for r in texts]
        del texts
        listings = _current_listings(today)
        # Many texts: half of them are analysed in a forked copy of this process (which runs only
        # that analysis: the reading thread and its connection are not used there).
        pending = _start_texts(descriptions, listings)
        del descriptions
        texts_read = _read_texts(pending, listings, ids, published)
        del pending
        network = reading.result() if reading is not None else _read_network(ids, published, today)
    adjacency, public_adjacency, feature_keys, features = network
    vocabulary, text_matrix, listing_data, listing_public = texts_read

    eligible = np.ones(n, dtype=bool)
    opted = np.array(list(SuggestionOptOut.objects.values_list("actor_id", flat=True)), dtype=np.int64)
    pos = _positions(ids, opted)
    eligible[pos[pos >= 0]] = False
    # Declined pairs are never suggested again; cooperating ones are tied anyway. Open introductions
    # stay: their suggestion shows how far the introduction got.
    introduced = list(introductions.excluded_pairs_queryset())
    ea, eb, _known = _pairs_to_index(ids, [p[0] for p in introduced], [p[1] for p in introduced])
    excluded = engine.adjacency_from_edges(n, np.stack([ea, eb], 1)) if len(ea) else None

    inputs = engine.Inputs(
        n=n, adjacency=adjacency, features=features, text=text_matrix, listings=listing_data,
        sector=sector, eligible=eligible, excluded=excluded, organisation=organisation,
    )  # fmt: skip
    engine.prepare(inputs)
    return Loaded(inputs, ids, published, public_adjacency, feature_keys, published, vocabulary, listing_public)


# --- reasons ------------------------------------------------------------------------------------


def _listing_index(loaded: Loaded) -> tuple[dict, dict, list]:
    """(actor → its offers, actor → its needs, category per listing), built once per load."""
    cached = loaded.__dict__.get("_listing_index")
    if cached is None:
        listings = loaded.inputs.listings
        offers_of: dict[int, list[int]] = {}
        needs_of: dict[int, list[int]] = {}
        for i, (actor, is_offer) in enumerate(zip(listings.actor.tolist(), listings.is_offer.tolist(), strict=True)):
            (offers_of if is_offer else needs_of).setdefault(actor, []).append(i)
        cached = loaded.__dict__["_listing_index"] = (offers_of, needs_of, listings.category.tolist())
    return cached


def _best_listings(loaded: Loaded, xs: np.ndarray, ys: np.ndarray) -> dict[int, tuple]:
    """Per pair index: the offer↔need match behind the offer part, (offer listing, need listing,
    offer is the partner's); the most similar texts, the first found among equals."""
    listings = loaded.inputs.listings
    offers_of, needs_of, category = _listing_index(loaded)
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


def _surface_json(vocabulary: text.Vocabulary) -> list[str]:
    """Per vocabulary column, the readable word as a JSON string (computed once per vocabulary)."""
    cached = getattr(vocabulary, "_surface_json", None)
    if cached is None:
        cached = [json.dumps(vocabulary.surface[t], ensure_ascii=False) for t in vocabulary.terms]
        vocabulary._surface_json = cached
    return cached


def _feature_json(loaded: Loaded) -> tuple[np.ndarray, list[str]]:
    """Per feature column: its kind (0 theme, 1 SDG, 2 country) and its value as JSON text."""
    kinds = {"theme": 0, "sdg": 1, "country": 2}
    kind = np.array([kinds[k] for k, _v in loaded.feature_keys], dtype=np.int8)
    return kind, [json.dumps(v) for _k, v in loaded.feature_keys]


def _string_table(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """JSON texts as one UTF-8 byte array and the offsets of each (for kernels.reason_json)."""
    encoded = [t.encode() for t in texts]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(e) for e in encoded], out=offsets[1:])
    return np.frombuffer(b"".join(encoded), dtype=np.uint8).copy(), offsets


def _reason_tables(loaded: Loaded) -> dict:
    """What reason_texts needs besides the pairs, built once per load: the CSR arrays (indices
    sorted), the feature values and words as JSON texts, per listing its id and whether it is public."""
    cached = loaded.__dict__.get("_reason_tables")
    if cached is not None:
        return cached
    inputs = loaded.inputs
    empty_ptr, empty_idx = np.zeros(1, dtype=np.int64), np.zeros(0, dtype=np.int32)
    tables = {}
    for name, matrix in (("adj", inputs.adjacency), ("pub", loaded.public_adjacency)):
        matrix.sort_indices()
        tables[name] = (matrix.indptr, matrix.indices)
    if inputs.features is not None:
        inputs.features.sort_indices()
        kind, texts = _feature_json(loaded)
        tables["feat"] = (inputs.features.indptr, inputs.features.indices, kind, *_string_table(texts))
    else:
        tables["feat"] = (empty_ptr, empty_idx, np.zeros(0, dtype=np.int8), *_string_table([]))
    if loaded.vocabulary is not None and inputs.text is not None:
        text_matrix = inputs.text
        tables["text"] = (text_matrix.indptr, text_matrix.indices, text_matrix.data,
                          *_string_table(_surface_json(loaded.vocabulary)))  # fmt: skip
    else:
        tables["text"] = (empty_ptr, empty_idx, np.zeros(0), *_string_table([]))
    listings = inputs.listings
    if listings is not None:
        _listing_index(loaded)
    tables["listing_ids"] = listings.ids if listings is not None else np.zeros(0, dtype=np.int64)
    tables["listing_public"] = loaded.listing_public if loaded.listing_public is not None else np.zeros(0, bool)
    loaded.__dict__["_reason_tables"] = tables
    return tables


def _reason_json(loaded: Loaded, parts: engine.Parts) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The reasons of each suggested pair as JSON, strongest first, each marked public or not:
    (UTF-8 buffer, start and end of each pair's text in it).

    Written in the compact form of `models.ReasonsField` ("o" offer meets need, "s" shared themes,
    SDGs and countries, "c" common partners, "t" similar descriptions, "b" bridge between sectors)
    by the compiled `kernels.reason_json`, a million pairs every night: no dictionary, no JSON
    encoder and no string formatting per pair. Only the offer↔need match behind an offer part is
    looked up here (a few pairs). "[]" where there is nothing to tell.
    """
    from knotenpunkt.synergies import kernels  # numba: only where suggestions are computed

    inputs = loaded.inputs
    xs, ys = np.asarray(parts.xs, dtype=np.int64), np.asarray(parts.ys, dtype=np.int64)
    size = len(xs)
    if not size:
        return np.zeros(0, dtype=np.uint8), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    tables = _reason_tables(loaded)
    offer_o = np.full(size, -1, dtype=np.int64)
    offer_n, offer_partner, offer_public = (np.zeros(size, dtype=np.int64) for _ in range(3))
    with_offer = np.flatnonzero(parts.offer > 0)
    if inputs.listings is not None and len(with_offer):
        ids, public = tables["listing_ids"], tables["listing_public"]
        for k, (o, nd, partner_offers) in _best_listings(loaded, xs[with_offer], ys[with_offer]).items():
            i = with_offer[k]
            offer_o[i], offer_n[i], offer_partner[i] = ids[o], ids[nd], int(partner_offers)
            offer_public[i] = int(bool(public[o] and public[nd]))
    if inputs.sector is not None:
        bridge, sector_x, sector_y = parts.bridge, inputs.sector[xs], inputs.sector[ys]
    else:
        bridge, sector_x, sector_y = np.zeros(size, dtype=bool), np.zeros(size, np.int16), np.zeros(size, np.int16)
    buffer, ends = kernels.reason_json(
        xs, ys, (loaded.published[xs] & loaded.published[ys]).astype(np.int64), loaded.ids, inputs.degree,
        *tables["adj"], *tables["pub"], *tables["feat"], tables["text"][0], tables["text"][1], tables["text"][2],
        parts.text >= TEXT_REASON_MIN, tables["text"][3], tables["text"][4],
        offer_o, offer_n, offer_partner, offer_public, bridge, sector_x, sector_y, 3,
    )  # fmt: skip
    starts = np.r_[0, ends[:-1]].astype(np.int64)
    return buffer, starts, ends


def reason_texts(loaded: Loaded, parts: engine.Parts) -> list[str]:
    """The reasons of each suggested pair as JSON text (see `_reason_json`); "[]" where there is
    nothing to tell."""
    buffer, starts, ends = _reason_json(loaded, parts)
    return _decode(buffer, starts, ends)


def _decode(buffer: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> list[str]:
    data = buffer.tobytes()
    return [data[a:b].decode() for a, b in zip(starts.tolist(), ends.tolist(), strict=True)]


def build_reasons(loaded: Loaded, parts: engine.Parts) -> list[list[dict]]:
    """The reasons of each suggested pair as dictionaries ({"code": …, "public": …, …})."""
    return [[expand_reason(r) for r in json.loads(t)] for t in reason_texts(loaded, parts)]


# --- running and storing ------------------------------------------------------------------------


def _store(loaded: Loaded, actor_nodes: np.ndarray, now, *, replace_all=False, timings=None) -> int:
    """Score `actor_nodes` and replace their stored suggestions (everybody's with `replace_all`).

    The engine's threads score blocks of actors and build their reasons (`_suggestion_rows`);
    this thread writes the rows in actor order as they come — on PostgreSQL through one binary
    COPY, and a full replacement fills a new table and swaps it in (`_store_swapped`). Readers see
    the old rows or the new ones, never a mix."""
    # Before the engine's threads start: they read these tables, and the reasons may sort the
    # matrices' rows in place.
    _reason_tables(loaded)
    timings = {} if timings is None else timings
    timings.update(delete_s=0.0, scoring_wait_s=0.0, reasons_s=0.0, write_s=0.0)
    lock = threading.Lock()

    def rows_of(parts):
        t = time.perf_counter()
        rows = _suggestion_rows(loaded, parts)
        with lock:
            timings["reasons_s"] += time.perf_counter() - t  # summed over the threads
        return rows

    blocks = engine.suggest_blocks(loaded.inputs, top=TOP, actors=actor_nodes, then=rows_of)
    postgres = connection.vendor == "postgresql"
    if replace_all and postgres:
        return _store_swapped(blocks, now, timings)
    ids = loaded.ids
    table = Suggestion._meta.db_table
    with transaction.atomic():
        t = time.perf_counter()
        if replace_all:
            Suggestion.objects.all().delete()
        else:
            node_ids = [int(ids[x]) for x in actor_nodes]
            for start in range(0, len(node_ids), 5000):
                Suggestion.objects.filter(actor_id__in=node_ids[start : start + 5000]).delete()
        timings["delete_s"] += time.perf_counter() - t
        stored = _write_rows(blocks, _writer(postgres, now, table), timings)
        t = time.perf_counter()
    # The commit checks the deferred foreign keys of every row written.
    timings["commit_s"] = time.perf_counter() - t
    return stored


def _suggestion_rows(loaded: Loaded, parts: engine.Parts) -> tuple:
    """The rows to store for scored pairs of whole actors: (actor ids, partner ids, ranks, scores,
    UTF-8 buffer of the reasons' JSON, start and end of each row's reasons in it)."""
    buffer, starts, ends = _reason_json(loaded, parts)
    # A pair with no reason to tell ("[]") is not suggested; the ranks close up behind it.
    told = ends - starts > 2
    xs = parts.xs[told]
    return (loaded.ids[xs], loaded.ids[parts.ys[told]], engine._ranks(xs), parts.score[told], buffer, starts[told],
            ends[told])  # fmt: skip


def _write_rows(blocks, writer, timings: dict) -> int:
    """Write the blocks' rows (`_suggestion_rows`) as they come; the number written. Where writing
    fails, the engine's threads are stopped at once (closing the generator), not when it is freed."""
    stored = 0
    with contextlib.closing(blocks), writer as write:
        while True:
            t = time.perf_counter()
            rows = next(blocks, None)
            timings["scoring_wait_s"] += time.perf_counter() - t
            if rows is None:
                break
            t = time.perf_counter()
            write(*rows)
            stored += len(rows[0])
            timings["write_s"] += time.perf_counter() - t
        t = time.perf_counter()
    timings["write_s"] += time.perf_counter() - t  # the COPY's last rows
    return stored


def _store_swapped(blocks, now, timings: dict) -> int:
    """A full run on PostgreSQL: every row into NEXT_TABLE (one binary COPY), then its indexes, keys
    and the swap into the place of the suggestions table (`_swap_in`). Building each index once
    over a million rows is several times faster than keeping it up to date row by row, and readers
    keep the old table until the swap, which locks it for milliseconds.

    Outside a transaction (the nightly task) the filled table is committed first — nobody reads a
    table of that name — so that its indexes are built on INDEX_BUILDERS connections at once, and
    only the keys and the swap take a transaction of their own. Inside a transaction (a caller's
    atomic block, the tests) everything happens in it, one index after the other. Either way a
    failure leaves the suggestions as they were.
    """
    table = Suggestion._meta.db_table
    separate = not connection.in_atomic_block
    with contextlib.ExitStack() as stack:
        if separate:
            stack.enter_context(_full_run_lock())
            stack.callback(_drop_next_table)  # after a failure (after the swap the name is free)
        else:
            stack.enter_context(transaction.atomic())
        t = time.perf_counter()
        first_id = _create_next_table(table)
        timings["delete_s"] += time.perf_counter() - t
        with transaction.atomic():
            stored = _write_rows(blocks, _writer(True, now, NEXT_TABLE, first_id), timings)
            with connection.cursor() as cursor:  # rows added later are numbered after these
                cursor.execute(f"ALTER TABLE {NEXT_TABLE} ALTER COLUMN id RESTART WITH {first_id + stored}")
        plan = _swap_plan(table)
        t = time.perf_counter()
        _build_indexes([build for build, _rename in plan["indexes"]], parallel=separate)
        timings["indexes_s"] = time.perf_counter() - t
        with transaction.atomic():
            _swap_in(table, plan, timings)
            t = time.perf_counter()
        timings["commit_s"] = time.perf_counter() - t
    if separate:
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {table}")
    return stored


INDEX_BUILDERS = 2  # connections building the new table's indexes at once (one per core)
_FULL_RUN_LOCK = 7_246_613_005  # pg_advisory_lock key: one full run at a time fills NEXT_TABLE


@contextlib.contextmanager
def _full_run_lock():
    """Hold PostgreSQL's advisory lock of full runs: a second full run waits for the first."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [_FULL_RUN_LOCK])
    try:
        yield
    finally:
        # A lost connection has lost its lock too; the error that ended the run is the one to see.
        with contextlib.suppress(DatabaseError), connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [_FULL_RUN_LOCK])


def _drop_next_table() -> None:
    # Where this fails (a lost connection), the next run drops the table first.
    with contextlib.suppress(DatabaseError), connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {NEXT_TABLE}")


def _create_next_table(table: str) -> int:
    """An empty copy of `table` (columns, defaults, checks; no indexes or keys yet) to fill, in
    place of one a killed run left behind; the first id for its rows.

    Its ids continue after the old table's, so that an id seen before the swap never names
    another suggestion after it."""
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {NEXT_TABLE}")
        cursor.execute(
            f"CREATE TABLE {NEXT_TABLE} (LIKE {table} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING IDENTITY)"
        )
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [table])
        first_id = int(cursor.fetchone()[0]) + 1
        cursor.execute(f"ALTER TABLE {NEXT_TABLE} ALTER COLUMN id RESTART WITH {first_id}")
    return first_id


def _swap_plan(table: str) -> dict:
    """What NEXT_TABLE needs to take the place of `table`, read from the catalogue: its indexes
    under temporary names (index names are unique in the schema, and the old ones still exist),
    the primary and unique keys on them, the foreign keys, and the renames to the old names.

    {"indexes": [(CREATE INDEX …, rename)], "keys": [(ALTER TABLE … USING INDEX …, rename)],
    "foreign": [(ALTER TABLE … FOREIGN KEY …, rename)]}, the largest indexes first."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.relname, pg_get_indexdef(i.oid), c.conname, c.contype, pg_get_constraintdef(c.oid)"
            " FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid"
            " LEFT JOIN pg_constraint c ON c.conindid = x.indexrelid AND c.conrelid = x.indrelid"
            " WHERE x.indrelid = %s::regclass ORDER BY i.relname",
            [table],
        )
        indexes = cursor.fetchall()
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname",
            [table],
        )
        foreign = cursor.fetchall()
    plan = {"indexes": [], "keys": [], "foreign": []}
    # Most columns first: the longest builds start first on the builders' connections.
    indexes.sort(key=lambda row: -row[1].rpartition("(")[2].count(","))
    for i, (name, definition, constraint, kind, constraint_definition) in enumerate(indexes):
        head, _sep, rest = definition.partition(" USING ")
        unique = "UNIQUE " if head.startswith("CREATE UNIQUE") else ""
        temporary = f"next_index_{i}"
        build = f'CREATE {unique}INDEX "{temporary}" ON {NEXT_TABLE} USING {rest}'
        if kind in ("p", "u"):
            # The key takes over the index (and its name); renaming the key renames the index.
            deferrable = constraint_definition.rpartition(")")[2]  # "", " DEFERRABLE INITIALLY …"
            key = "PRIMARY KEY" if kind == "p" else "UNIQUE"
            plan["indexes"].append((build, None))
            plan["keys"].append(
                (
                    f'ALTER TABLE {NEXT_TABLE} ADD CONSTRAINT "next_key_{i}" {key} USING INDEX "{temporary}"'
                    + deferrable,
                    f'ALTER TABLE {table} RENAME CONSTRAINT "next_key_{i}" TO "{constraint}"',
                )
            )
        elif kind is None:
            plan["indexes"].append((build, f'ALTER INDEX "{temporary}" RENAME TO "{name}"'))
        else:  # an exclusion constraint (none so far): added whole, with its own index
            plan["keys"].append(
                (
                    f'ALTER TABLE {NEXT_TABLE} ADD CONSTRAINT "next_key_{i}" {constraint_definition}',
                    f'ALTER TABLE {table} RENAME CONSTRAINT "next_key_{i}" TO "{constraint}"',
                )
            )
    for i, (name, definition) in enumerate(foreign):
        plan["foreign"].append(
            (
                f'ALTER TABLE {NEXT_TABLE} ADD CONSTRAINT "next_fk_{i}" {definition}',
                f'ALTER TABLE {table} RENAME CONSTRAINT "next_fk_{i}" TO "{name}"',
            )
        )
    return plan


def _build_indexes(statements: list[str], *, parallel: bool) -> None:
    """Run the CREATE INDEX statements: on this connection one after the other, or (the table
    committed) on INDEX_BUILDERS connections of their own at once, each taking the next statement
    when it is done with one."""
    if not parallel:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
        return
    pending = list(reversed(statements))  # list.pop() is atomic: the builders share it

    def build():
        with connection.cursor() as cursor:
            while True:
                try:
                    statement = pending.pop()
                except IndexError:
                    return
                cursor.execute(statement)

    with ThreadPoolExecutor(max_workers=INDEX_BUILDERS) as pool:
        running = [pool.submit(_on_own_connection, build) for _ in range(INDEX_BUILDERS)]
        for future in running:
            future.result()


def _swap_in(table: str, plan: dict, timings: dict) -> None:
    """Give the filled and indexed NEXT_TABLE the keys and foreign keys of `table`, then put it in
    the place of `table`, under the same names — inside the current transaction.

    Adding the foreign keys checks every row in one query each and locks writes to the actors until
    the commit; a rollback leaves everything as it was.
    """
    t = time.perf_counter()
    with connection.cursor() as cursor:
        # Foreign-key checks still pending in this transaction would forbid dropping the table.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for statement, _rename in plan["keys"] + plan["foreign"]:
            cursor.execute(statement)
        timings["keys_s"] = time.perf_counter() - t
        t = time.perf_counter()
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
        sequence = cursor.fetchone()[0].rpartition(".")[2]
        cursor.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
        cursor.execute(f"DROP TABLE {table}")
        cursor.execute(f"ALTER TABLE {NEXT_TABLE} RENAME TO {table}")
        for _statement, rename in plan["indexes"] + plan["keys"] + plan["foreign"]:
            if rename:
                cursor.execute(rename)
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
        cursor.execute(f'ALTER SEQUENCE {cursor.fetchone()[0]} RENAME TO "{sequence}"')
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # Django's foreign keys are deferred
        timings["swap_s"] = time.perf_counter() - t


@contextlib.contextmanager
def _writer(postgres: bool, now, table: str, first_id: int | None = None):
    """A function that writes rows into the table: (actor ids, partner ids, ranks, scores, JSON
    buffer, starts, ends), the reasons of row i in buffer[starts[i]:ends[i]].

    On PostgreSQL one binary COPY for the whole run, the rows encoded by `kernels.copy_rows` and
    fed from a queue by psycopg's writer thread: the server parses and stores one chunk while the
    engine's threads build the next. With `first_id` the rows are numbered from it here (a million
    calls of the identity's nextval() cost the server half a second); else the column's default
    numbers them. Elsewhere bulk_create.
    """
    from knotenpunkt.synergies import kernels  # numba: only where suggestions are computed

    if not postgres:

        def create(actors, partners, ranks, scores, buffer, starts, ends):
            rows = zip(actors.tolist(), partners.tolist(), ranks.tolist(), scores.tolist(),
                       _decode(buffer, starts, ends), strict=True)  # fmt: skip
            Suggestion.objects.bulk_create(
                (
                    Suggestion(actor_id=a, partner_id=p, rank=r, score=sc, reasons=json.loads(why), computed_at=now)
                    for a, p, r, sc, why in rows
                ),
                batch_size=5000,
            )

        yield create
        return
    from psycopg.copy import QueuedLibpqWriter

    columns = "actor_id, partner_id, rank, score, reasons, computed_at"
    if first_id is not None:
        columns = "id, " + columns
    statement = f"COPY {table} ({columns}) FROM STDIN (FORMAT BINARY)"
    next_id = [first_id if first_id is not None else -1]
    epoch = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)  # PostgreSQL's timestamps count from here
    stamp = (now - epoch) // dt.timedelta(microseconds=1)
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(statement, writer=QueuedLibpqWriter(raw)) as copy:
            copy.write(kernels.COPY_SIGNATURE)

            def send(actors, partners, ranks, scores, buffer, starts, ends):
                scores = np.ascontiguousarray(scores, dtype=np.float64).view(np.int64)
                rows = kernels.copy_rows(actors, partners, ranks, scores, buffer, starts, ends, stamp, next_id[0])
                if next_id[0] >= 0:
                    next_id[0] += len(actors)
                copy.write(rows.tobytes())

            yield send
            copy.write(kernels.COPY_TRAILER)


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
    store_timings: dict[str, float] = {}
    stored = _store(loaded, nodes, started, replace_all=actor_ids is None, timings=store_timings)
    score_and_store_s = time.perf_counter() - t
    return SuggestionRun.objects.create(
        kind=kind,
        started_at=started,
        finished_at=timezone.now(),
        actor_count=len(nodes),
        suggestion_count=stored,
        duration_seconds=round(time.perf_counter() - t0, 3),
        details={
            "load_s": round(load_s, 3),
            "score_and_store_s": round(score_and_store_s, 3),
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


# --- opting out -----------------------------------------------------------------------------------


def _record_opt(*, user, kind: str, opt_out: SuggestionOptOut, actor: Actor) -> None:
    record(
        user=user,
        kind=kind,
        record=opt_out,
        record_id=actor.pk,
        label=actor.name,
        actors=[actor.pk],
    )


@atomic
def opt_out(*, user, actor: Actor) -> None:
    """The actor wants no suggestions: remove its own and those naming it, now."""
    if not permissions.can_manage_opt_out(user, actor):
        raise PermissionDenied
    opted_out, created = SuggestionOptOut.objects.get_or_create(
        actor=actor, defaults={"created_by": user if getattr(user, "is_authenticated", False) else None}
    )
    Suggestion.objects.filter(Q(actor=actor) | Q(partner=actor)).delete()
    if created:
        _record_opt(user=user, kind=ChangeKind.SUGGESTIONS_OPTED_OUT, opt_out=opted_out, actor=actor)


@atomic
def opt_in(*, user, actor: Actor) -> None:
    """Suggestions again (the reaction to SUGGESTIONS_OPTED_IN computes them in the background right after)."""
    if not permissions.can_manage_opt_out(user, actor):
        raise PermissionDenied
    opted_out = SuggestionOptOut.objects.select_for_update().filter(actor=actor).first()
    if opted_out is not None:
        opted_out.delete()
        _record_opt(user=user, kind=ChangeKind.SUGGESTIONS_OPTED_IN, opt_out=opted_out, actor=actor)
