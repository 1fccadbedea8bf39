"""Derived relationships: actors who met, from shared activities and the contact log.

Kept apart from declared ties (`Tie`): a `DerivedTie` is rebuilt from the records, never edited.

What counts as a meeting of two actors:

* every past, non-cancelled occurrence of an activity that is not cancelled, for every two actors
  taking part in it in one of `activities.models.MET_ROLES` ("invited" does not count): a committee
  with ten sessions gives its members ten meetings;
* except at activities with more than `settings.DERIVED_TIES_MAX_PARTICIPANTS` such actors: at a
  conference with 500 organisations not everybody met everybody, so large activities make no pairs
  (they still count as contact for the going-cold list);
* every logged interaction (`interactions.Interaction`) dated today or earlier, for every two actors
  it names: one meeting on its date. An interaction linked to an activity that already pairs the
  two (both took part in a met role, the activity is neither cancelled nor too large) is the record
  of that same meeting and is not counted again; the activity's occurrences count instead.

Per pair: `count`, `first_met`/`last_met` (days in Europe/Berlin), the recency weight (every
meeting counts 0.5 ** (age in days / 365), so a pair that met often long ago weighs less than one
that met last month; stored as a time-independent `weight_score`, see `DerivedTie`), and the same
figures over public activities only (`public_*`, and only where both participations are confirmed,
not waiting for an actor's consent): visitors see a pair only if it has such a public basis and both
actors are published. Interactions are never public. The same figures over what
city staff may see (`staff_*`: every meeting but contacts logged "nur Koordination") serve city staff,
so a coordination-only contact never shows through a pair, a date or a count.

`ActorContact` keeps per actor the day of the last contact: a past occurrence of an activity the
actor took part in (met role, any size, also alone) or a logged interaction naming it; and the same
without coordination-only contacts (`staff_last_contact`, `staff_last_interaction`).

`rebuild_all()` recomputes everything with one INSERT … SELECT into a temporary table and writes
only the differences (the nightly task `network.tasks.rebuild_derived_ties` runs it, so meetings
that have moved into the past since are counted); `refresh_pairs(actor_ids)` recomputes only the
pairs within a set of actors and those actors' last contact, inside the caller's transaction. The
reaction "derived relationships" (knotenpunkt/reactions.py) calls it with the old and new participants
of every activity and contact changed in a transaction.

Network sits above activities and interactions in the layers and reads their tables here; their
services never call into this module, the reaction list does.
"""

# SQL here is built from table and column names taken from model meta; every value is a parameter.
# ruff: noqa: S608

from __future__ import annotations

import datetime as dt
import math
import re

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from knotenpunkt.activities.models import MET_ROLES, Activity, ActivityOccurrence, Participation, ParticipationStatus
from knotenpunkt.core.page_cache import bump_content_generation
from knotenpunkt.interactions.models import Interaction, Visibility
from knotenpunkt.lib import bulk
from knotenpunkt.network.models import WEIGHT_EPOCH, WEIGHT_HALF_LIFE_DAYS, ActorContact, DerivedTie

# A meeting on day d adds exp(GROWTH * (d - WEIGHT_EPOCH)) = 2 ** ((d - WEIGHT_EPOCH) / half-life) to weight_score.
GROWTH = math.log(2) / WEIGHT_HALF_LIFE_DAYS
# A refresh for more actors than this recomputes everything instead (bounded statement size).
REFRESH_MAX_ACTORS = 5000

PAIR_FIELDS = (
    "actor_a_id",
    "actor_b_id",
    "count",
    "first_met",
    "last_met",
    "weight_score",
    "public_count",
    "public_first_met",
    "public_last_met",
    "staff_count",
    "staff_first_met",
    "staff_last_met",
    "staff_weight_score",
)
CONTACT_FIELDS = (
    "actor_id",
    "last_contact",
    "last_activity",
    "last_interaction",
    "staff_last_contact",
    "staff_last_interaction",
)


def _qn(name: str) -> str:
    return connection.ops.quote_name(name)


def _tables() -> dict[str, str]:
    """Quoted table and column names from the models (never from input)."""
    field = Interaction._meta.get_field("actors")
    return {
        "activity": _qn(Activity._meta.db_table),
        "occurrence": _qn(ActivityOccurrence._meta.db_table),
        "participation": _qn(Participation._meta.db_table),
        "derivedtie": _qn(DerivedTie._meta.db_table),
        "contact": _qn(ActorContact._meta.db_table),
        "interaction": _qn(Interaction._meta.db_table),
        "interaction_actors": _qn(field.remote_field.through._meta.db_table),
        "ia_interaction": _qn(field.m2m_column_name()),
        "ia_actor": _qn(field.m2m_reverse_name()),
        "i_date": _qn(Interaction._meta.get_field("date").column),
        "i_activity": _qn(Interaction._meta.get_field("activity").column),
        "i_visibility": _qn(Interaction._meta.get_field("visibility").column),
    }


def _local_day(column: str) -> str:
    """SQL for the Europe/Berlin calendar day of an aware datetime column."""
    tz = settings.TIME_ZONE
    if not re.fullmatch(r"[A-Za-z0-9_+\-/]+", tz):
        raise ValueError(f"unexpected TIME_ZONE {tz!r}")
    if connection.vendor == "postgresql":
        return f"(({column}) AT TIME ZONE '{tz}')::date"
    # Django registers this function on every SQLite connection (it backs TruncDate there).
    return f"django_datetime_cast_date({column}, '{tz}', 'UTC')"


def _score(day: str) -> str:
    """SQL for one meeting's contribution to weight_score on `day` (a date expression)."""
    if connection.vendor == "postgresql":
        return f"EXP(CAST(%(growth)s AS double precision) * (({day}) - CAST(%(epoch)s AS date)))"
    return f"EXP(%(growth)s * (julianday({day}) - julianday(%(epoch)s)))"


def _in(column: str, ids: list[int] | None, params: dict) -> str:
    """` AND column IN (...)` for a scope of actor ids (nothing for the full rebuild)."""
    if ids is None:
        return ""
    names = []
    for n, actor_id in enumerate(ids):
        params[f"s{n}"] = int(actor_id)
        names.append(f"%(s{n})s")
    return f" AND {column} IN ({', '.join(names)})"


def _base_params(now: dt.datetime) -> dict:
    params = {
        "now": connection.ops.adapt_datetimefield_value(now),
        "today": timezone.localdate(now).isoformat(),
        "growth": GROWTH,
        "epoch": WEIGHT_EPOCH.isoformat(),
        "max_participants": settings.DERIVED_TIES_MAX_PARTICIPANTS,
        "staff_visible": str(Visibility.STAFF),
        "confirmed": str(ParticipationStatus.CONFIRMED),
    }
    params.update({f"r{n}": str(role) for n, role in enumerate(MET_ROLES)})
    return params


def _roles(params: dict) -> str:
    return ", ".join(f"%({name})s" for name in sorted(params) if re.fullmatch(r"r\d+", name))


def _pairs_sql(ids: list[int] | None, now: dt.datetime) -> tuple[str, dict]:
    """SELECT of the rows of DerivedTie (columns as PAIR_FIELDS): all pairs, or those within `ids`."""
    t = _tables()
    params = _base_params(now)
    roles = _roles(params)
    # A participation still waiting for the actor's consent is not public (activities/participations.py).
    confirmed = "(CASE WHEN p1.status = %(confirmed)s AND p2.status = %(confirmed)s THEN 1 ELSE 0 END)"
    in_scope = ""
    if ids is not None:
        # Only activities where at least two of these actors met can pair them (a hub's thousand
        # other activities need not be looked at).
        in_scope = (
            f"AND p.activity_id IN (SELECT s.activity_id FROM {t['participation']} s "
            f"WHERE s.actor_id IS NOT NULL AND s.role IN ({roles}){_in('s.actor_id', ids, params)} "
            f"GROUP BY s.activity_id HAVING COUNT(*) >= 2)"
        )
    sql = f"""
        WITH sized AS (
            SELECT p.activity_id FROM {t["participation"]} p
            WHERE p.actor_id IS NOT NULL AND p.role IN ({roles}) {in_scope}
            GROUP BY p.activity_id
            HAVING COUNT(*) BETWEEN 2 AND %(max_participants)s
        ),
        act AS (
            SELECT m.activity_id, CAST(COUNT(*) AS integer) AS n, MIN(m.day) AS first_day, MAX(m.day) AS last_day,
                SUM({_score("m.day")}) AS w, MAX(m.pub) AS pub
            FROM (
                SELECT o.activity_id, {_local_day("o.start")} AS day, CASE WHEN o.public THEN 1 ELSE 0 END AS pub
                FROM {t["occurrence"]} o
                WHERE o.start < %(now)s AND NOT o.cancelled AND o.activity_id IN (SELECT activity_id FROM sized)
            ) m
            GROUP BY m.activity_id
        )
        SELECT a AS actor_a_id, b AS actor_b_id, CAST(SUM(n) AS integer) AS count, MIN(first_day) AS first_met,
            MAX(last_day) AS last_met, SUM(w) AS weight_score, CAST(SUM(pn) AS integer) AS public_count,
            MIN(pfirst) AS public_first_met, MAX(plast) AS public_last_met, CAST(SUM(sn) AS integer) AS staff_count,
            MIN(sfirst) AS staff_first_met, MAX(slast) AS staff_last_met, SUM(sw) AS staff_weight_score
        FROM (
            SELECT p1.actor_id AS a, p2.actor_id AS b, act.n, act.first_day, act.last_day, act.w,
                act.n * act.pub * {confirmed} AS pn,
                CASE WHEN act.pub * {confirmed} = 1 THEN act.first_day END AS pfirst,
                CASE WHEN act.pub * {confirmed} = 1 THEN act.last_day END AS plast,
                act.n AS sn, act.first_day AS sfirst, act.last_day AS slast, act.w AS sw
            FROM act
            JOIN {t["participation"]} p1 ON p1.activity_id = act.activity_id
            JOIN {t["participation"]} p2 ON p2.activity_id = act.activity_id AND p1.actor_id < p2.actor_id
            WHERE p1.role IN ({roles}) AND p2.role IN ({roles})
                {_in("p1.actor_id", ids, params)}{_in("p2.actor_id", ids, params)}
            {_interaction_pairs_sql(t, ids, params)}
        ) pair_rows
        GROUP BY a, b
    """
    return sql, params


def _interaction_pairs_sql(t: dict, ids: list[int] | None, params: dict) -> str:
    """`UNION ALL` rows of the pairs named together in a logged interaction."""
    ia, i_id, i_actor = t["interaction_actors"], t["ia_interaction"], t["ia_actor"]
    scope = _in(f"x.{i_actor}", ids, params) + _in(f"y.{i_actor}", ids, params)
    day, staff = f"i.{t['i_date']}", f"i.{t['i_visibility']} = %(staff_visible)s"
    return f"""
            UNION ALL
            SELECT x.{i_actor}, y.{i_actor}, 1, {day}, {day}, {_score(day)}, 0, NULL, NULL,
                CASE WHEN {staff} THEN 1 ELSE 0 END, CASE WHEN {staff} THEN {day} END,
                CASE WHEN {staff} THEN {day} END, CASE WHEN {staff} THEN {_score(day)} ELSE 0 END
            FROM {t["interaction"]} i
            JOIN {ia} x ON x.{i_id} = i.id
            JOIN {ia} y ON y.{i_id} = i.id AND x.{i_actor} < y.{i_actor}
            WHERE i.{t["i_date"]} <= %(today)s{scope}
                AND NOT EXISTS (
                    SELECT 1 FROM {t["participation"]} q1
                    JOIN {t["participation"]} q2 ON q2.activity_id = q1.activity_id
                    JOIN {t["activity"]} qa ON qa.id = q1.activity_id
                    WHERE q1.activity_id = i.{t["i_activity"]}
                        AND q1.actor_id = x.{i_actor} AND q2.actor_id = y.{i_actor}
                        AND q1.role IN ({_roles(params)}) AND q2.role IN ({_roles(params)})
                        AND NOT qa.cancelled
                        AND (SELECT COUNT(*) FROM {t["participation"]} q3
                             WHERE q3.activity_id = q1.activity_id AND q3.actor_id IS NOT NULL
                                AND q3.role IN ({_roles(params)})) <= %(max_participants)s
                )"""


def _contacts_sql(ids: list[int] | None, now: dt.datetime) -> tuple[str, dict]:
    """SELECT of the rows of ActorContact (columns as CONTACT_FIELDS): all actors, or those in `ids`."""
    t = _tables()
    params = _base_params(now)
    roles = _roles(params)
    scope = _in("p.actor_id", ids, params)
    day = _local_day("MAX(o.start)")
    activities = f"""
            SELECT p.actor_id, {day} AS day, {day} AS staff_day, 'a' AS via
            FROM {t["participation"]} p
            JOIN {t["occurrence"]} o ON o.activity_id = p.activity_id
            WHERE p.actor_id IS NOT NULL AND p.role IN ({roles}){scope}
                AND o.start < %(now)s AND NOT o.cancelled
            GROUP BY p.actor_id"""
    x = f"x.{t['ia_actor']}"
    interactions = f"""
            UNION ALL
            SELECT {x}, MAX(i.{t["i_date"]}),
                MAX(CASE WHEN i.{t["i_visibility"]} = %(staff_visible)s THEN i.{t["i_date"]} END), 'i'
            FROM {t["interaction_actors"]} x
            JOIN {t["interaction"]} i ON i.id = x.{t["ia_interaction"]}
            WHERE i.{t["i_date"]} <= %(today)s{_in(x, ids, params)}
            GROUP BY {x}"""
    sql = f"""
        SELECT actor_id AS actor_id, MAX(day) AS last_contact, MAX(CASE WHEN via = 'a' THEN day END) AS last_activity,
            MAX(CASE WHEN via = 'i' THEN day END) AS last_interaction, MAX(staff_day) AS staff_last_contact,
            MAX(CASE WHEN via = 'i' THEN staff_day END) AS staff_last_interaction
        FROM ({activities}{interactions}) AS c
        GROUP BY actor_id
    """
    return sql, params


def _as_date(value):
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def refresh_pairs(actor_ids: set[int]) -> None:
    """Recompute the derived relationships between these actors (all pairs among them) and their last contact.

    Runs in the caller's transaction; pairs with one actor outside the set are not touched.
    """
    ids = sorted({int(pk) for pk in actor_ids if pk is not None})
    if not ids:
        return
    if len(ids) > REFRESH_MAX_ACTORS:
        rebuild_all()
        return
    now = timezone.now()
    with transaction.atomic():
        pairs = []
        if len(ids) > 1:
            sql, params = _pairs_sql(ids, now)
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                pairs = cursor.fetchall()
            DerivedTie.objects.filter(actor_a_id__in=ids, actor_b_id__in=ids).delete()
            DerivedTie.objects.bulk_create(
                [_pair(row, now) for row in pairs],
                batch_size=2000,
                update_conflicts=True,
                unique_fields=["actor_a", "actor_b"],
                update_fields=[f.removesuffix("_id") for f in PAIR_FIELDS[2:]] + ["updated_at"],
            )
        sql, params = _contacts_sql(ids, now)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            contacts = cursor.fetchall()
        ActorContact.objects.filter(actor_id__in=ids).delete()
        ActorContact.objects.bulk_create(
            [_contact(row, now) for row in contacts],
            update_conflicts=True,
            unique_fields=["actor"],
            update_fields=[*CONTACT_FIELDS[1:], "updated_at"],
        )


def _pair(row, now) -> DerivedTie:
    a, b, count, first, last, score, public_count, public_first, public_last, *staff = row
    staff_count, staff_first, staff_last, staff_score = staff
    return DerivedTie(
        actor_a_id=a,
        actor_b_id=b,
        count=count,
        first_met=_as_date(first),
        last_met=_as_date(last),
        weight_score=score,
        public_count=public_count,
        public_first_met=_as_date(public_first),
        public_last_met=_as_date(public_last),
        staff_count=staff_count,
        staff_first_met=_as_date(staff_first),
        staff_last_met=_as_date(staff_last),
        staff_weight_score=staff_score,
        updated_at=now,
    )


def _contact(row, now) -> ActorContact:
    actor_id, last, last_activity, last_interaction, staff_last, staff_last_interaction = row
    return ActorContact(
        actor_id=actor_id,
        last_contact=_as_date(last),
        last_activity=_as_date(last_activity),
        last_interaction=_as_date(last_interaction),
        staff_last_contact=_as_date(staff_last),
        staff_last_interaction=_as_date(staff_last_interaction),
        updated_at=now,
    )


def rebuild_all() -> dict[str, int]:
    """Recompute every derived relationship and every actor's last contact; return the row counts.

    The new rows go to a temporary table first; only rows that differ are then written, so the
    nightly run rewrites the pairs that met again, not all of them (and readers are not blocked).
    One transaction: readers see the old rows until it commits.
    """
    now = timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The pair aggregation hashes and sorts a few million rows; 4 MB would spill to disk,
            # and compiling the statement (JIT) costs more than it saves here.
            cursor.execute("SET LOCAL work_mem = '256MB'")
            cursor.execute("SET LOCAL jit = off")
        pairs = _sync(cursor, DerivedTie, PAIR_FIELDS, 2, *_pairs_sql(None, now), now=now)
        contacts = _sync(cursor, ActorContact, CONTACT_FIELDS, 1, *_contacts_sql(None, now), now=now)
        bump_content_generation()
    return {"pairs": pairs, "contacts": contacts}


STAGING = "kp_derived_staging"


def _sync(cursor, model, fields: tuple[str, ...], n_key: int, sql: str, params: dict, *, now) -> int:
    """Make `model`'s table hold exactly the rows `sql` selects (columns `fields`, the first `n_key` the key).

    Rows are compared with the staged ones: missing ones deleted, changed ones updated (floats
    within a relative 1e-9 count as equal), new ones inserted. Into an empty table, on PostgreSQL,
    the rows are loaded with its foreign keys and secondary indexes set aside (built afterwards in
    one pass, like `generate_network` does).
    """
    table = _qn(model._meta.db_table)
    columns = [_qn(model._meta.get_field(f).column) for f in fields]
    keys, values = columns[:n_key], columns[n_key:]
    floats = {_qn(f.column) for f in model._meta.concrete_fields if f.get_internal_type() == "FloatField"}
    distinct = "IS DISTINCT FROM" if connection.vendor == "postgresql" else "IS NOT"
    staging = _qn(STAGING)
    params = {**params, "updated_at": connection.ops.adapt_datetimefield_value(now)}
    cursor.execute(f"DROP TABLE IF EXISTS {staging}")
    cursor.execute(f"CREATE TEMPORARY TABLE {staging} AS {sql}", params)
    total = cursor.rowcount
    if total < 0:  # SQLite reports no row count for CREATE TABLE … AS
        cursor.execute(f"SELECT COUNT(*) FROM {staging}")
        total = cursor.fetchone()[0]
    if connection.vendor == "postgresql":
        # Temporary tables get no statistics by themselves; the joins below need them.
        cursor.execute(f"ANALYZE {staging}")
    same_key = " AND ".join(f"n.{k} = {table}.{k}" for k in keys)
    insert = (
        f"INSERT INTO {table} ({', '.join(columns)}, {_qn('updated_at')}) "
        f"SELECT {', '.join(f'n.{c}' for c in columns)}, %(updated_at)s FROM {staging} n"
    )
    order = f" ORDER BY {', '.join(f'n.{k}' for k in keys)}"
    cursor.execute(f"SELECT 1 FROM {table} LIMIT 1")
    if cursor.fetchone() is None:
        with bulk.bulk_mode([model._meta.db_table]):
            cursor.execute(insert + order, params)
    else:
        cursor.execute(f"DELETE FROM {table} WHERE NOT EXISTS (SELECT 1 FROM {staging} n WHERE {same_key})")
        changed = " OR ".join(
            f"ABS({table}.{c} - n.{c}) > 1e-9 * ABS(n.{c})" if c in floats else f"{table}.{c} {distinct} n.{c}"
            for c in values
        )
        cursor.execute(
            f"UPDATE {table} SET {', '.join(f'{c} = n.{c}' for c in values)}, {_qn('updated_at')} = %(updated_at)s "
            f"FROM {staging} n WHERE {same_key} AND ({changed})",
            params,
        )
        missing = " AND ".join(f"t.{k} = n.{k}" for k in keys)
        cursor.execute(
            insert + f" WHERE NOT EXISTS (SELECT 1 FROM {table} t WHERE {missing})" + order,
            params,
        )
    cursor.execute(f"DROP TABLE {staging}")
    return total
