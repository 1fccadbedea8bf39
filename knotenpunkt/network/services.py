"""State changes of declared ties. Each records one change (knotenpunkt.changes); tie counts, the
page cache and partner suggestions follow from knotenpunkt/reactions.py."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.db.models import Count
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


def tie_counts_refresh(actor_ids) -> None:
    """Recount `Actor.tie_count` (ties in either direction) for these actors."""
    ids = set(actor_ids)
    counts = dict.fromkeys(ids, 0)
    for field in ("source_id", "target_id"):
        for actor_id, n in (
            Tie.objects.filter(**{f"{field}__in": ids}).values_list(field).annotate(n=Count("id")).order_by()
        ):
            counts[actor_id] += n
    for actor_id, n in counts.items():
        Actor.objects.filter(pk=actor_id).exclude(tie_count=n).update(tie_count=n)


def tie_counts_rebuild() -> None:
    """Recount `Actor.tie_count` for every actor in one statement (after bulk loads)."""
    actors = connection.ops.quote_name(Actor._meta.db_table)
    ties = connection.ops.quote_name(Tie._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {actors} SET tie_count = 0 WHERE tie_count <> 0")  # noqa: S608
        cursor.execute(
            f"UPDATE {actors} SET tie_count = c.n FROM ("  # noqa: S608
            f"SELECT e.actor_id, COUNT(*) AS n FROM (SELECT source_id AS actor_id FROM {ties} "
            f"UNION ALL SELECT target_id FROM {ties}) AS e GROUP BY e.actor_id) AS c "
            f"WHERE {actors}.id = c.actor_id"
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
