"""Synthetic activities for benchmarks (`manage.py generate_activities`), on the synthetic network.

Builds on the actors and ties of `manage.py generate_network` (slug prefix `syn-`):

* an activity has an organiser, drawn by its number of declared ties (hubs organise more), and
  2–8 actors taking part in all (power law: mostly two or three); the others come mostly from the
  organiser's declared partners, the rest from anywhere, again weighted by ties — so the derived
  relationships follow the declared network without copying it;
* kinds, public share, times of day, durations and places follow the kind: talks and meetings are
  short and mostly internal, events and workshops public, conferences span days, campaigns weeks,
  committees (Gremien) are series of 6–24 sessions every two or four weeks;
* themes and SDGs come from the organiser's themes; titles are German and built from word lists;
* dates spread from eight years before `anchor` to 18 months after it; 3 % are cancelled, and some
  committee sessions are cancelled one by one (an `ActivityException` each).

Everything follows from (seed, anchor, the synthetic actors). Synthetic activities carry UIDs
starting with `syn-`. Like the network generator, the loader writes rows in bulk (COPY on
PostgreSQL) and bypasses the services on purpose: occurrences are computed here with the same
rules as `services.occurrences_rebuild` (series in Berlin wall-clock time), and the derived
relationships are rebuilt once at the end (`network.derived.rebuild_all`).
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import numpy as np
from django.db import connection, transaction
from django.utils import timezone

from knotenpunkt.activities.models import (
    LONG_OCCURRENCE_DAYS,
    Activity,
    ActivityException,
    ActivityKind,
    ActivityOccurrence,
    ParticipantRole,
    Participation,
    id_list,
)
from knotenpunkt.activities.recurrence import spans_days
from knotenpunkt.actors.models import SDG, Actor, Theme
from knotenpunkt.demo import synthetic_network as network
from knotenpunkt.lib import bulk
from knotenpunkt.network.models import ActorContact, DerivedTie, Tie

UID_PREFIX = "syn-"
BERLIN = ZoneInfo("Europe/Berlin")
PAST_DAYS, FUTURE_DAYS = 8 * 365, 548
MAX_PARTICIPANTS = 8
SIZE_EXPONENT = 1.8  # P(k actors) ∝ k ** -1.8 for k = 2 … 8
FROM_PARTNERS = 0.7  # share of the other actors drawn from the organiser's declared partners
CANCELLED_SHARE = 0.03

# kind | share | public share | all day | duration: hours, or days for all-day kinds (min max) | title words
_KIND_TABLE = network.text_rows("""
    event      | 0.26 | 0.75 | 0 | 2 4   | Infoabend, Filmabend, Aktionstag, Lesung, Podiumsdiskussion, Benefizkonzert
    meeting    | 0.30 | 0.08 | 0 | 1 3   | Treffen, Abstimmung, Planungstreffen, Austausch, Jour fixe
    talk       | 0.15 | 0.05 | 0 | 1 2   | Gespräch, Fachgespräch, Beratung, Hintergrundgespräch
    committee  | 0.05 | 0.15 | 0 | 2 3   | Arbeitskreis, Beirat, Steuerungsgruppe, Fachgruppe, Runder Tisch
    conference | 0.03 | 0.85 | 1 | 1 3   | Fachtagung, Konferenz, Kongress, Netzwerktagung
    workshop   | 0.14 | 0.6  | 0 | 3 7   | Workshop, Seminar, Fortbildung, Projekttag, Schreibwerkstatt
    campaign   | 0.01 | 0.9  | 1 | 14 42 | Aktionswochen, Kampagne, Faire Woche, Spendenaktion
    milestone  | 0.06 | 0.3  | 1 | 1 1   | Projektstart, Zwischenbericht, Projektabschluss, Antragsfrist
""")
KINDS = [ActivityKind(row[0]) for row in _KIND_TABLE]
KIND_SHARES = np.array([float(row[1]) for row in _KIND_TABLE])
PUBLIC_SHARES = np.array([float(row[2]) for row in _KIND_TABLE])
ALL_DAY = np.array([row[3] == "1" for row in _KIND_TABLE])
DURATIONS = np.array([[int(x) for x in row[4].split()] for row in _KIND_TABLE])
TITLE_WORDS = [[w.strip() for w in row[5].split(",")] for row in _KIND_TABLE]
PLACES = network.cells(
    "Rathaus, Großer Sitzungssaal | Forum am Schlosspark | Gemeindehaus | Weltladen | Volkshochschule"
    " | Stadtbibliothek | Kulturzentrum | Jugendhaus | Bürgerhaus | Evangelisches Bildungswerk | Hochschule, Hörsaal 1"
)
# role of the organiser's companions: (role, share)
ROLES = [
    (ParticipantRole.PARTICIPANT, 0.62),
    (ParticipantRole.ATTENDED, 0.12),
    (ParticipantRole.SPEAKER, 0.12),
    (ParticipantRole.INVITED, 0.08),
    (ParticipantRole.ORGANISER, 0.06),
]


@dataclass
class Network:
    """The synthetic actors as arrays (index = position in `ids`) and their declared partners (CSR)."""

    ids: np.ndarray
    weights: np.ndarray
    cities: list[str]
    levels: list[str]
    latitudes: list[float | None]
    longitudes: list[float | None]
    partner_ptr: np.ndarray
    partners: np.ndarray
    theme_ptr: np.ndarray
    themes: np.ndarray  # theme ids
    theme_names: dict[int, str]
    theme_sdgs: dict[int, tuple[int, ...]]


@dataclass
class Dataset:
    """Generated rows as column arrays (activities by index; actors by network index)."""

    kind: np.ndarray
    start: list[dt.datetime]
    end: list[dt.datetime]
    all_day: np.ndarray
    rrule: list[str]
    public: np.ndarray
    cancelled: np.ndarray
    titles: list[str]
    descriptions: list[str]
    place_names: list[str]
    cities: list[str]
    latitudes: list[float | None]
    longitudes: list[float | None]
    online_urls: list[str]
    levels: list[str]
    part_activity: np.ndarray
    part_actor: np.ndarray
    part_role: list[str]
    theme_activity: np.ndarray
    theme_id: np.ndarray
    sdg_activity: np.ndarray
    sdg_number: np.ndarray
    occ_activity: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    occ_start: list[dt.datetime] = field(default_factory=list)
    occ_end: list[dt.datetime] = field(default_factory=list)
    occ_recurrence_id: list[dt.datetime | None] = field(default_factory=list)
    occ_cancelled: list[bool] = field(default_factory=list)
    exc_activity: list[int] = field(default_factory=list)
    exc_recurrence_id: list[dt.datetime] = field(default_factory=list)


def _rng(seed: int, *stream: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([seed, 77, *stream]))


def load_network() -> Network:
    """The synthetic actors with their declared partners and themes, read from the database."""
    rows = list(
        network.synthetic_actors()
        .order_by("pk")
        .values_list("pk", "tie_count", "city", "level", "latitude", "longitude")
    )
    if len(rows) < MAX_PARTICIPANTS:
        raise RuntimeError("Zu wenige synthetische Akteure: zuerst `manage.py generate_network` ausführen.")
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    index = {pk: i for i, pk in enumerate(ids.tolist())}
    weights = np.array([r[1] + 1 for r in rows], dtype=np.float64)

    def csr(pairs: list[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
        owner = np.array([p[0] for p in pairs], dtype=np.int64)
        item = np.array([p[1] for p in pairs], dtype=np.int64)
        order = np.argsort(owner, kind="stable")
        ptr = np.searchsorted(owner[order], np.arange(len(ids) + 1))
        return ptr, item[order]

    ends = []
    for source, target in Tie.objects.values_list("source_id", "target_id").iterator(chunk_size=50_000):
        s, t = index.get(source), index.get(target)
        if s is not None and t is not None:
            ends.append((s, t))
            ends.append((t, s))
    partner_ptr, partners = csr(ends)
    through = Actor.themes.through.objects.filter(actor_id__in=network.synthetic_actors().values("pk"))
    theme_ptr, themes = csr([(index[a], t) for a, t in through.values_list("actor_id", "theme_id").iterator(50_000)])
    if not len(themes):
        raise RuntimeError("Die synthetischen Akteure haben keine Themen.")
    theme_rows = list(Theme.objects.values_list("pk", "name_de"))
    sdgs_by_name = {name: sdgs for _slug, name, _en, _word, _phrase, sdgs in network.THEMES}
    return Network(
        ids=ids,
        weights=weights,
        cities=[r[2] for r in rows],
        levels=[r[3] for r in rows],
        latitudes=[None if r[4] is None else float(r[4]) for r in rows],
        longitudes=[None if r[5] is None else float(r[5]) for r in rows],
        partner_ptr=partner_ptr,
        partners=partners,
        theme_ptr=theme_ptr,
        themes=themes,
        theme_names=dict(theme_rows),
        theme_sdgs={pk: sdgs_by_name.get(name, ()) for pk, name in theme_rows},
    )


def _participants(net: Network, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(n, MAX_PARTICIPANTS) actor indices per activity (-1 = empty slot); column 0 is the organiser."""
    p = net.weights / net.weights.sum()
    cum = np.cumsum(p)

    def draw(size):
        return np.minimum(np.searchsorted(cum, rng.random(size) * cum[-1], side="right"), len(p) - 1)

    sizes = np.arange(2, MAX_PARTICIPANTS + 1)
    size_p = sizes**-SIZE_EXPONENT
    k = rng.choice(sizes, size=n, p=size_p / size_p.sum())
    slots = np.full((n, MAX_PARTICIPANTS), -1, dtype=np.int64)
    organiser = draw(n)
    slots[:, 0] = organiser
    degree = net.partner_ptr[organiser + 1] - net.partner_ptr[organiser]
    for j in range(1, MAX_PARTICIPANTS):
        partner = net.partners[
            np.minimum(net.partner_ptr[organiser] + (rng.random(n) * degree).astype(np.int64), len(net.partners) - 1)
        ]
        use_partner = (rng.random(n) < FROM_PARTNERS) & (degree > 0)
        slots[:, j] = np.where(j < k, np.where(use_partner, partner, draw(n)), -1)
    # Nobody twice in one activity: redraw duplicates a few times, then leave the slot empty.
    for _ in range(4):
        dup = _duplicates(slots)
        if not dup.any():
            break
        slots[dup] = draw(int(dup.sum()))
    slots[_duplicates(slots)] = -1
    return slots, k


def _duplicates(slots: np.ndarray) -> np.ndarray:
    """True where a slot repeats an actor already in an earlier slot of the same row."""
    dup = np.zeros(slots.shape, dtype=bool)
    for j in range(1, slots.shape[1]):
        dup[:, j] = (slots[:, j] >= 0) & (slots[:, :j] == slots[:, j : j + 1]).any(axis=1)
    return dup


def generate(net: Network, n: int, seed: int, anchor: dt.date) -> Dataset:
    """Activities, participations, themes and SDGs; deterministic in (net, n, seed, anchor)."""
    rng = _rng(seed, 1, n)
    kind = rng.choice(len(KINDS), size=n, p=KIND_SHARES / KIND_SHARES.sum())
    slots, _sizes = _participants(net, n, rng)
    organiser = slots[:, 0]
    public = rng.random(n) < PUBLIC_SHARES[kind]
    cancelled = rng.random(n) < CANCELLED_SHARE
    all_day = ALL_DAY[kind]
    # Start days: a little more activity in recent years.
    offset = np.floor((rng.random(n) ** 0.9) * (PAST_DAYS + FUTURE_DAYS)).astype(np.int64) - PAST_DAYS
    hour = rng.choice([9, 10, 14, 16, 17, 18, 19, 19, 20], size=n)
    minute = rng.choice([0, 0, 0, 30], size=n)
    lo, hi = DURATIONS[kind, 0], DURATIONS[kind, 1]
    length = lo + np.floor(rng.random(n) * (hi - lo + 1)).astype(np.int64)
    committee = kind == KINDS.index(ActivityKind.COMMITTEE)
    sessions = rng.integers(6, 25, size=n)
    interval = rng.choice([2, 4, 4], size=n)
    words = rng.integers(0, 1 << 30, size=(n, 4))
    online = rng.random(n) < 0.12

    # Themes: one or two of the organiser's themes (or any theme if it has none).
    theme_ids = np.array(sorted(net.theme_names), dtype=np.int64)
    n_themes = rng.choice([1, 1, 2], size=n)
    own = net.theme_ptr[organiser + 1] - net.theme_ptr[organiser]
    pick = net.theme_ptr[organiser][:, None] + (rng.random((n, 2)) * own[:, None]).astype(np.int64)
    chosen = np.where(
        own[:, None] > 0,
        net.themes[np.minimum(pick, len(net.themes) - 1)],
        theme_ids[rng.integers(0, len(theme_ids), size=(n, 2))],
    )
    chosen[:, 1] = np.where((n_themes > 1) & (chosen[:, 1] != chosen[:, 0]), chosen[:, 1], -1)

    data = Dataset(
        kind=kind,
        start=[],
        end=[],
        all_day=all_day,
        rrule=[],
        public=public,
        cancelled=cancelled,
        titles=[],
        descriptions=[],
        place_names=[],
        cities=[],
        latitudes=[],
        longitudes=[],
        online_urls=[],
        levels=[],
        part_activity=np.empty(0, dtype=np.int64),
        part_actor=np.empty(0, dtype=np.int64),
        part_role=[],
        theme_activity=np.empty(0, dtype=np.int64),
        theme_id=np.empty(0, dtype=np.int64),
        sdg_activity=np.empty(0, dtype=np.int64),
        sdg_number=np.empty(0, dtype=np.int64),
    )
    base = dt.datetime.combine(anchor, dt.time())
    for i in range(n):
        k_i = int(kind[i])
        day = base + dt.timedelta(days=int(offset[i]))
        if all_day[i]:
            start_local = day
            end_local = day + dt.timedelta(days=int(length[i]))
        else:
            start_local = day.replace(hour=int(hour[i]), minute=int(minute[i]))
            end_local = start_local + dt.timedelta(hours=int(length[i]))
        data.start.append(_aware(start_local))
        data.end.append(_aware(end_local))
        data.rrule.append(f"FREQ=WEEKLY;INTERVAL={interval[i]};COUNT={sessions[i]}" if committee[i] else "")
        o = int(organiser[i])
        city = (net.cities[o] or "").strip() or "Ludwigsburg"
        theme = net.theme_names.get(int(chosen[i, 0]), "nachhaltige Entwicklung")
        w = words[i]
        word = TITLE_WORDS[k_i][w[0] % len(TITLE_WORDS[k_i])]
        data.titles.append(f"{word} {theme} {city}"[:200])
        data.descriptions.append(
            f"{word} zum Thema {theme} in {city}. Mit {int((slots[i] >= 0).sum()) - 1} Partnern aus dem Netzwerk."
        )
        if online[i]:
            data.place_names.append("")
            data.online_urls.append(f"https://video.example.org/raum-{w[1] % 9000 + 1000}")
            data.cities.append("")
            data.latitudes.append(None)
            data.longitudes.append(None)
        else:
            data.place_names.append(PLACES[w[2] % len(PLACES)])
            data.online_urls.append("")
            data.cities.append(city[:100])
            data.latitudes.append(net.latitudes[o])
            data.longitudes.append(net.longitudes[o])
        data.levels.append(net.levels[o])

    # Participations: the organiser, then the others in their roles.
    rows, cols = np.nonzero(slots >= 0)
    data.part_activity = rows
    data.part_actor = slots[rows, cols]
    role_names = [r for r, _ in ROLES]
    role_p = np.array([p for _, p in ROLES])
    roles = rng.choice(len(ROLES), size=len(rows), p=role_p / role_p.sum())
    data.part_role = [ParticipantRole.ORGANISER if c == 0 else role_names[r] for c, r in zip(cols, roles, strict=True)]

    rows, cols = np.nonzero(chosen >= 0)
    data.theme_activity, data.theme_id = rows, chosen[rows, cols]
    sdg_rows = []
    for a, t in zip(data.theme_activity.tolist(), data.theme_id.tolist(), strict=True):
        for number in net.theme_sdgs.get(t, ())[:2]:
            sdg_rows.append((a, number))
    sdg = np.unique(np.array(sdg_rows or [(0, 0)], dtype=np.int64), axis=0)
    sdg = sdg[sdg[:, 1] > 0]
    data.sdg_activity, data.sdg_number = sdg[:, 0], sdg[:, 1]

    _expand(data, rng, sessions, interval, committee)
    return data


def _aware(naive_local: dt.datetime) -> dt.datetime:
    return naive_local.replace(tzinfo=BERLIN).astimezone(dt.UTC)


def _expand(data: Dataset, rng: np.random.Generator, sessions, interval, committee) -> None:
    """Occurrences as services.occurrences_rebuild makes them; some committee sessions cancelled."""
    occ_activity = []
    cancel_one = rng.random(len(committee)) < 0.2
    which = rng.integers(1, 6, size=len(committee))
    for i in range(len(committee)):
        start, end = data.start[i], data.end[i]
        if not committee[i]:
            occ_activity.append(i)
            data.occ_start.append(start)
            data.occ_end.append(end)
            data.occ_recurrence_id.append(None)
            data.occ_cancelled.append(bool(data.cancelled[i]))
            continue
        local_start = start.astimezone(BERLIN).replace(tzinfo=None)
        duration = end - start
        for j in range(int(sessions[i])):
            s_local = local_start + dt.timedelta(weeks=int(interval[i]) * j)
            s = _aware(s_local)
            skipped = bool(cancel_one[i] and j == which[i])
            occ_activity.append(i)
            data.occ_start.append(s)
            data.occ_end.append(_aware(s_local + duration))
            data.occ_recurrence_id.append(s)
            data.occ_cancelled.append(bool(data.cancelled[i]) or skipped)
            if skipped:
                data.exc_activity.append(i)
                data.exc_recurrence_id.append(s)
    data.occ_activity = np.array(occ_activity, dtype=np.int64)


# --- Writing -------------------------------------------------------------------------------------------------------


def _allocate(model, n: int) -> np.ndarray:
    """`n` fresh primary keys of `model`, taken from its sequence on PostgreSQL."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, n])
            return np.array([row[0] for row in cursor.fetchall()], dtype=np.int64)
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {connection.ops.quote_name(table)}")  # noqa: S608
        start = cursor.fetchone()[0] + 1
    return np.arange(start, start + n, dtype=np.int64)


def _dt(values: list) -> list:
    """Datetimes as the database driver takes them (SQLite: Django's naive UTC text, not sqlite3's default)."""
    if connection.vendor == "postgresql":
        return values
    return [connection.ops.adapt_datetimefield_value(v) for v in values]


def synthetic_activities():
    return Activity.objects.filter(uid__startswith=UID_PREFIX)


@transaction.atomic
def clear() -> int:
    """Delete the synthetic activities with their dates, participations, tags and exceptions."""
    ids = synthetic_activities().values("pk")
    count = synthetic_activities().count()
    for model in (ActivityOccurrence, ActivityException, Participation, Activity.themes.through, Activity.sdgs.through):
        model.objects.filter(activity__in=ids).delete()
    synthetic_activities().delete()
    return count


def vacuum() -> str | None:
    """Refresh PostgreSQL's statistics of the loaded tables (see demo.synthetic_network.vacuum)."""
    if connection.vendor != "postgresql":
        return None
    command = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
    models = (
        Activity,
        ActivityOccurrence,
        ActivityException,
        Participation,
        Activity.themes.through,
        Activity.sdgs.through,
        DerivedTie,
        ActorContact,
    )
    tables = [m._meta.db_table for m in models]
    with connection.cursor() as cursor:
        cursor.execute(f"{command} {', '.join(map(connection.ops.quote_name, tables))}")
    return command


Progress = Callable[[str, float], None]


@dataclass
class Report:
    activities: int = 0
    occurrences: int = 0
    participations: int = 0
    timings: dict[str, float] = field(default_factory=dict)


def load(
    *,
    activities: int,
    seed: int,
    anchor: dt.date | None = None,
    batch_size: int = 20_000,
    progress: Progress | None = None,
) -> Report:
    """Generate and insert the activities. Raises if synthetic activities already exist."""
    report = Report()
    say = progress or (lambda phase, seconds: None)
    anchor = anchor or timezone.localdate()

    def phase(name: str, started: float) -> float:
        report.timings[name] = time.perf_counter() - started
        say(name, report.timings[name])
        return time.perf_counter()

    t = time.perf_counter()
    net = load_network()
    t = phase("Netzwerk lesen", t)
    data = generate(net, activities, seed, anchor)
    t = phase("Termine erzeugen", t)

    with transaction.atomic():
        if synthetic_activities().exists():
            raise RuntimeError("Es gibt schon synthetische Termine (UID 'syn-…'); --clear verwenden.")
        if not SDG.objects.filter(number__in=range(1, 18)).count() == 17:
            raise RuntimeError("Die SDGs 1–17 fehlen (Migration actors.0002 ausführen).")
        now = timezone.now()
        ids = _allocate(Activity, activities)
        kinds = [KINDS[k].value for k in data.kind.tolist()]
        cols, rows = bulk.table_rows(
            Activity,
            {
                "id": ids.tolist(),
                "uid": [f"{UID_PREFIX}{seed}-{i + 1}@knotenpunkt" for i in range(activities)],
                "kind": kinds,
                "title": data.titles,
                "description": data.descriptions,
                "start": _dt(data.start),
                "end": _dt(data.end),
                "all_day": data.all_day.tolist(),
                "rrule": data.rrule,
                "place_name": data.place_names,
                "city": data.cities,
                "latitude": data.latitudes,
                "longitude": data.longitudes,
                "online_url": data.online_urls,
                "level": data.levels,
                "public": data.public.tolist(),
                "cancelled": data.cancelled.tolist(),
            },
            activities,
            now,
        )
        bulk.write_rows(Activity._meta.db_table, cols, rows, batch_size)
        t = phase("Termine schreiben", t)

        related = [
            m._meta.db_table
            for m in (
                ActivityOccurrence,
                ActivityException,
                Participation,
                Activity.themes.through,
                Activity.sdgs.through,
            )
        ]
        with bulk.bulk_mode(related):
            occ = data.occ_activity
            long_span = dt.timedelta(days=LONG_OCCURRENCE_DAYS)
            levels = [data.levels[i] for i in occ.tolist()]
            cols, rows = bulk.table_rows(
                ActivityOccurrence,
                {
                    "activity_id": ids[occ].tolist(),
                    "start": _dt(data.occ_start),
                    "end": _dt(data.occ_end),
                    "recurrence_id": _dt(data.occ_recurrence_id),
                    "cancelled": data.occ_cancelled,
                    "is_long": [(e - s) > long_span for s, e in zip(data.occ_start, data.occ_end, strict=True)],
                    "public": data.public[occ].tolist(),
                    "kind": [kinds[i] for i in occ.tolist()],
                    "level": levels,
                    "title": [data.titles[i] for i in occ.tolist()],
                    "multi_day": [spans_days(s, e) for s, e in zip(data.occ_start, data.occ_end, strict=True)],
                    "theme_ids": _id_lists(data.theme_activity, data.theme_id, occ),
                    "sdg_ids": _id_lists(data.sdg_activity, data.sdg_number, occ),
                },
                len(occ),
                now,
            )
            bulk.write_rows(ActivityOccurrence._meta.db_table, cols, rows, batch_size)
            exc = np.array(data.exc_activity, dtype=np.int64)
            cols, rows = bulk.table_rows(
                ActivityException,
                {
                    "activity_id": ids[exc].tolist(),
                    "recurrence_id": _dt(data.exc_recurrence_id),
                    "cancelled": [True] * len(exc),
                },
                len(exc),
                now,
            )
            bulk.write_rows(ActivityException._meta.db_table, cols, rows, batch_size)
            t = phase("Einzeltermine schreiben", t)

            cols, rows = bulk.table_rows(
                Participation,
                {
                    "activity_id": ids[data.part_activity].tolist(),
                    "actor_id": net.ids[data.part_actor].tolist(),
                    "role": data.part_role,
                },
                len(data.part_activity),
                now,
            )
            bulk.write_rows(Participation._meta.db_table, cols, rows, batch_size)
            t = phase("Beteiligungen schreiben", t)
            bulk.write_rows(
                Activity.themes.through._meta.db_table,
                ["activity_id", "theme_id"],
                zip(ids[data.theme_activity].tolist(), data.theme_id.tolist(), strict=True),
                batch_size,
            )
            bulk.write_rows(
                Activity.sdgs.through._meta.db_table,
                ["activity_id", "sdg_id"],
                zip(ids[data.sdg_activity].tolist(), data.sdg_number.tolist(), strict=True),
                batch_size,
            )
            t = phase("Themen und SDGs schreiben", t)
        t = phase("Indizes und Fremdschlüssel", t)
    phase("Commit", t)
    report.activities = activities
    report.occurrences = len(data.occ_activity)
    report.participations = len(data.part_activity)
    return report


def _id_lists(activity_index: np.ndarray, ids: np.ndarray, occ: np.ndarray) -> list[str]:
    """ActivityOccurrence.theme_ids / sdg_ids (",3,9,") for each occurrence of `occ`."""
    per_activity = defaultdict(list)
    for a, i in zip(activity_index.tolist(), ids.tolist(), strict=True):
        per_activity[a].append(i)
    lists = {a: id_list(values) for a, values in per_activity.items()}
    return [lists.get(a, "") for a in occ.tolist()]
