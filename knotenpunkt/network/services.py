"""State changes of declared ties."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from knotenpunkt.accounts import permissions
from knotenpunkt.core.page_cache import bump_content_generation
from knotenpunkt.network.models import Tie

TIE_FIELDS = ("kind", "start_date", "end_date", "note", "public")


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
    return Tie.objects.create(
        source=source,
        target=target,
        kind=kind,
        start_date=start_date,
        end_date=end_date,
        note=note,
        public=public,
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )


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
    return tie


@transaction.atomic
def tie_delete(*, user, tie: Tie) -> None:
    if not permissions.can_manage_ties(user, tie.source):
        raise PermissionDenied(_("Sie dürfen diese Beziehung nicht löschen."))
    tie.delete()
    bump_content_generation()
