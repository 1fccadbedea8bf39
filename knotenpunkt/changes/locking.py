"""Optimistic locking, one implementation for every editable record.

A form carries the `version` the record had when it was loaded. The service locks the row,
compares, and raises `EditConflict` with the changes made since, so the page can show who
changed what meanwhile, keep what the user typed and let them decide. Every successful save
raises the version by one (`bump`).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext as _

from knotenpunkt.changes.models import Change


class EditConflict(Exception):
    """Someone else saved the record after the form was loaded."""

    def __init__(self, record: models.Model, changes: list[Change]):
        name = str(record._meta.verbose_name)
        super().__init__(
            _("%(what)s wurde inzwischen von jemand anderem geändert.") % {"what": name[:1].upper() + name[1:]}
        )
        self.record = record
        self.changes = changes

    @property
    def events(self) -> list[Change]:
        return self.changes


def changes_since(record: models.Model, version: int) -> list[Change]:
    return list(
        Change.objects.for_record(record._meta.label_lower, record.pk)
        .filter(version__gt=version)
        .select_related("user")
        .order_by("id")
    )


def lock(model: type[models.Model], pk, expected_version: int | None):
    """The row, locked for this transaction; EditConflict if its version is not `expected_version`.

    `expected_version=None` skips the comparison (a step that cannot clash, e.g. from a task).
    Call inside a transaction.
    """
    current = model._default_manager.select_for_update().get(pk=pk)
    if expected_version is not None and current.version != expected_version:
        raise EditConflict(current, changes_since(current, expected_version))
    return current


def bump(record: models.Model) -> None:
    """Raise the in-memory version by one; the caller saves the record."""
    record.version = (record.version or 0) + 1
