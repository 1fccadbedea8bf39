"""The access log: who read which person's private contact data, and where (Art. 5 (2), 32 DSGVO)."""

from __future__ import annotations

from collections.abc import Iterable

from knotenpunkt.changes.models import PersonalDataAccess


def log_access(user, person_ids: Iterable[int], where: str) -> None:
    """Record that `user` was shown the private contact data of these persons (one row each)."""
    ids = sorted({int(pk) for pk in person_ids if pk is not None})
    if not ids or user is None or not getattr(user, "is_authenticated", False):
        return
    PersonalDataAccess.objects.bulk_create(
        [PersonalDataAccess(user=user, person_id=pk, where=where[:200]) for pk in ids]
    )
