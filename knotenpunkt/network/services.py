"""State changes of declared ties."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from knotenpunkt.accounts import permissions
from knotenpunkt.core.page_cache import bump_content_generation
from knotenpunkt.network.models import Tie

TIE_FIELDS = ("kind", "start_date", "end_date", "note", "public")


def tie_counts_refresh(actor_ids) -> None:
    """Recount `Actor.tie_count` (ties in either direction) for these actors."""
    from knotenpunkt.actors.models import Actor

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
    from knotenpunkt.actors.models import Actor

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
    clash = Tie.objects.filter(source=source, target=target, kind=kind)
    if exclude_pk:
        clash = clash.exclude(pk=exclude_pk)
    if "target" not in errors and clash.exists():
        errors["target"] = _("Diese Beziehung gibt es schon.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def tie_create(*, user, source, target, kind, start_date=None, end_date=None, note="", public=True) -> Tie:
    if not (permissions.can_manage_ties(user, source) or permissions.can_manage_ties(user, target)):
        raise PermissionDenied(_("Sie dürfen keine Beziehungen anlegen."))
    _validate(source, target, kind, start_date, end_date)
    bump_content_generation()
    tie = Tie.objects.create(
        source=source,
        target=target,
        kind=kind,
        start_date=start_date,
        end_date=end_date,
        note=note,
        public=public,
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )
    tie_counts_refresh([source.pk, target.pk])
    _refresh_suggestions([source.pk, target.pk])
    return tie


@transaction.atomic
def tie_update(*, user, tie: Tie, data: dict) -> Tie:
    if not permissions.can_manage_ties(user, tie.source):
        raise PermissionDenied(_("Sie dürfen diese Beziehung nicht ändern."))
    values = {name: data.get(name, getattr(tie, name)) for name in TIE_FIELDS}
    _validate(tie.source, tie.target, values["kind"], values["start_date"], values["end_date"], exclude_pk=tie.pk)
    for name, value in values.items():
        setattr(tie, name, value)
    tie.save()
    bump_content_generation()
    _refresh_suggestions([tie.source_id, tie.target_id])
    return tie


@transaction.atomic
def tie_delete(*, user, tie: Tie) -> None:
    if not permissions.can_manage_ties(user, tie.source):
        raise PermissionDenied(_("Sie dürfen diese Beziehung nicht löschen."))
    ends = [tie.source_id, tie.target_id]
    tie.delete()
    tie_counts_refresh(ends)
    bump_content_generation()
    _refresh_suggestions(ends)


def _refresh_suggestions(actor_ids) -> None:
    """The two ends get fresh partner suggestions after commit (their neighbours' follow nightly)."""
    from knotenpunkt.synergies.suggestions import refresh_later

    refresh_later(actor_ids)
