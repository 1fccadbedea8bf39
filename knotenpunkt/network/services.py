"""State changes of declared ties. Each records one change (knotenpunkt.changes); tie counts, the
page cache and partner suggestions follow from knotenpunkt/reactions.py."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from knotenpunkt.actors.models import Actor
from knotenpunkt.changes import locking, values
from knotenpunkt.changes.kinds import ChangeKind
from knotenpunkt.changes.services import atomic, in_all_or_nothing, record
from knotenpunkt.network import permissions
from knotenpunkt.network.models import Tie

TIE_FIELDS = ("kind", "start_date", "end_date", "note", "public")
# What the history keeps of a tie created or deleted.
RECORDED_FIELDS = ("source", "target", *TIE_FIELDS)


PUBLIC_TIE = Q(public=True, source__published=True, target__published=True)


def tie_counts_refresh(actor_ids) -> None:
    """Recount `Actor.tie_count` (ties in either direction) and `Actor.public_tie_count` (of those, the
    public ties between two published actors: a visitor's count) for these actors; writes only what changed."""
    ids = set(actor_ids)
    if not ids:
        return
    counts = {pk: [0, 0] for pk in ids}
    for field in ("source_id", "target_id"):
        rows = (
            Tie.objects.filter(**{f"{field}__in": ids})
            .values_list(field)
            .annotate(n=Count("id"), public=Count("id", filter=PUBLIC_TIE))
            .order_by()
        )
        for actor_id, n, public in rows:
            counts[actor_id][0] += n
            counts[actor_id][1] += public
    stale = [
        Actor(pk=pk, tie_count=counts[pk][0], public_tie_count=counts[pk][1])
        for pk, kept, kept_public in Actor.objects.filter(pk__in=ids).values_list("pk", "tie_count", "public_tie_count")
        if (kept, kept_public) != tuple(counts[pk])
    ]
    Actor.objects.bulk_update(stale, ["tie_count", "public_tie_count"], batch_size=500)


def tie_neighbour_ids(actor_ids) -> set[int]:
    """The actors at the other end of these actors' ties (their public counts follow a publication change)."""
    ids = set(actor_ids)
    out = Tie.objects.filter(source_id__in=ids).order_by().values_list("target_id", flat=True)
    into = Tie.objects.filter(target_id__in=ids).order_by().values_list("source_id", flat=True)
    return set(out.union(into)) - ids


def tie_counts_rebuild() -> None:
    """Recount `Actor.tie_count` and `Actor.public_tie_count` for every actor in one statement (after bulk loads)."""
    actors = connection.ops.quote_name(Actor._meta.db_table)
    ties = connection.ops.quote_name(Tie._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {actors} SET tie_count = 0, public_tie_count = 0 "  # noqa: S608
            "WHERE tie_count <> 0 OR public_tie_count <> 0"
        )
        # Each tie once, with whether a visitor sees it (public, both ends published), then once per end.
        cursor.execute(
            f"WITH e AS (SELECT t.source_id, t.target_id, "  # noqa: S608
            "CASE WHEN t.public AND s.published AND o.published THEN 1 ELSE 0 END AS p "
            f"FROM {ties} t JOIN {actors} s ON s.id = t.source_id JOIN {actors} o ON o.id = t.target_id) "
            f"UPDATE {actors} SET tie_count = c.n, public_tie_count = c.p FROM ("
            "SELECT ends.actor_id, COUNT(*) AS n, SUM(ends.p) AS p FROM ("
            "SELECT source_id AS actor_id, p FROM e UNION ALL SELECT target_id, p FROM e"
            f") AS ends GROUP BY ends.actor_id) AS c WHERE {actors}.id = c.actor_id"
        )


def _validate(source, target, kind, start_date, end_date, exclude_pk=None) -> None:
    errors = {}
    if source.pk == target.pk:
        errors["target"] = _("Ein Akteur kann keine Beziehung zu sich selbst haben.")
    if start_date and end_date and end_date < start_date:
        errors["end_date"] = _("Das Ende liegt vor dem Beginn.")
    # In an all-or-nothing import the unique constraint answers instead (one query less per tie).
    if "target" not in errors and not in_all_or_nothing():
        clash = Tie.objects.filter(source=source, target=target, kind=kind)
        if exclude_pk:
            clash = clash.exclude(pk=exclude_pk)
        if clash.exists():
            errors["target"] = _("Diese Beziehung gibt es schon.")
    if errors:
        raise ValidationError(errors)


def _count_is_public(tie: Tie) -> bool:
    """A tie added or removed changes what visitors see when either end is published: its
    `tie_count` orders the public directory, and a public tie between two published actors
    shows on both profiles."""
    return tie.source.published or tie.target.published


@atomic
def tie_create(*, user, source, target, kind, start_date=None, end_date=None, note="", public=True) -> Tie:
    spec = {"source": source, "target": target, "kind": kind, "start_date": start_date, "end_date": end_date,
            "note": note, "public": public}  # fmt: skip
    return ties_create(user=user, specs=[spec])[0]


@atomic
def ties_create(*, user, specs: list[dict]) -> list[Tie]:
    """Create many ties at once (an import): each spec has source, target and kind, optionally
    start_date, end_date, note and public. The same checks and one recorded change per tie as
    `tie_create`, with the rows written in batches."""
    ties = []
    for spec in specs:
        source, target = spec["source"], spec["target"]
        if not (permissions.can_manage_ties(user, source) or permissions.can_manage_ties(user, target)):
            raise PermissionDenied(_("Sie dürfen keine Beziehungen anlegen."))
        _validate(source, target, spec["kind"], spec.get("start_date"), spec.get("end_date"))
        ties.append(
            Tie(
                source=source,
                target=target,
                kind=spec["kind"],
                start_date=spec.get("start_date"),
                end_date=spec.get("end_date"),
                note=spec.get("note", ""),
                public=spec.get("public", True),
                created_by=user if getattr(user, "is_authenticated", False) else None,
            )
        )
    Tie.objects.bulk_create(ties, batch_size=2000)  # the primary keys come back (PostgreSQL, SQLite 3.35+)
    for tie in ties:
        record(
            user=user,
            kind=ChangeKind.TIE_CREATED,
            record=tie,
            values=values.snapshot(tie, RECORDED_FIELDS),
            actors=[tie.source_id, tie.target_id],
            public=_count_is_public(tie),
        )
    return ties


@atomic
def tie_update(*, user, tie: Tie, data: dict, expected_version: int | None = None) -> Tie:
    """Change kind, dates, note or visibility; the two ends stay (another pair is another tie).

    `expected_version` is the version the form was loaded with: if someone saved the tie since,
    `locking.EditConflict` is raised and nothing changes. None skips the check.
    """
    if not permissions.can_manage_ties(user, tie.source):
        raise PermissionDenied(_("Sie dürfen diese Beziehung nicht ändern."))
    current = locking.lock(Tie, tie.pk, expected_version)
    # The ends never change: reuse the caller's actors instead of loading them again.
    current.source, current.target = tie.source, tie.target
    before = values.snapshot(current, TIE_FIELDS)
    wanted = {name: data.get(name, getattr(current, name)) for name in TIE_FIELDS}
    _validate(current.source, current.target, wanted["kind"], wanted["start_date"], wanted["end_date"], current.pk)
    for name, value in wanted.items():
        setattr(current, name, value)
    locking.bump(current)
    current.save()
    record(
        user=user,
        kind=ChangeKind.TIE_UPDATED,
        record=current,
        fields=values.diff(before, values.snapshot(current, TIE_FIELDS)),
        actors=[current.source_id, current.target_id],
        # Visitors see a tie when it is public and both ends are published (before or after).
        public=(before["public"] or current.public) and current.source.published and current.target.published,
    )
    return current


@atomic
def tie_delete(*, user, tie: Tie) -> None:
    if not permissions.can_manage_ties(user, tie.source):
        raise PermissionDenied(_("Sie dürfen diese Beziehung nicht löschen."))
    pk, label, snapshot = tie.pk, str(tie), values.snapshot(tie, RECORDED_FIELDS)
    tie.delete()
    record(
        user=user,
        kind=ChangeKind.TIE_DELETED,
        record=tie,
        record_id=pk,
        label=label,
        values=snapshot,
        actors=[tie.source_id, tie.target_id],
        public=_count_is_public(tie),
    )
