"""State changes of accounts: creating one and changing its details, role and rights, each recorded.

The back office (/admin/) is where coordinators manage accounts; it saves through these. Passwords
stay Django's business (its forms hash them; a password is never part of a change row). Who may
do what follows from the role, department and edited actors, so their history is readable by the
coordination only, and touches the department and the actors an account may edit (before and after).
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from knotenpunkt.accounts import roles
from knotenpunkt.accounts.models import PasswordResetRequest, User
from knotenpunkt.changes import values
from knotenpunkt.changes.kinds import Audience, ChangeKind
from knotenpunkt.changes.services import atomic, record
from knotenpunkt.lib.keyed_hash import keyed_hash

# What an account may do: a change to any of these is a USER_ROLE_CHANGED.
ACCESS_FIELDS = ("role", "department", "edited_actors", "is_active", "is_staff", "is_superuser")
# Django's groups and per-model permissions are unused (the permission modules decide), but an admin form
# may still carry them: saved and recorded like the rest, so nothing changes unrecorded.
UNUSED_ACCESS_FIELDS = ("groups", "user_permissions")
DETAIL_FIELDS = ("username", "first_name", "last_name", "email")
M2M_FIELDS = ("edited_actors", "groups", "user_permissions")
RECORDED_FIELDS = (*DETAIL_FIELDS, *ACCESS_FIELDS, *UNUSED_ACCESS_FIELDS)


def _require_admin(user) -> None:
    if user is not None and not roles.can_use_admin(user):
        raise PermissionDenied


def _apply(target: User, data: dict) -> None:
    for name, value in data.items():
        if name not in RECORDED_FIELDS:
            raise ValueError(f"Unknown account field: {name}")
        if name not in M2M_FIELDS:
            setattr(target, name, value)


def _set_m2m(target: User, data: dict) -> None:
    for name in M2M_FIELDS:
        if name in data:
            getattr(target, name).set(list(data[name] or ()))
    # accounts.roles and actors.permissions cache a user's edited actors and department units on the instance.
    for cached in ("_kp_edited_ids", "_kp_department_ids"):
        target.__dict__.pop(cached, None)


def _snapshot(target: User) -> dict:
    return values.snapshot(target, RECORDED_FIELDS)


def _touched_actors(*snapshots: dict) -> set[int]:
    """The department and the edited actors of every snapshot: whose editors or staff changed."""
    ids = set()
    for snapshot in snapshots:
        if snapshot.get("department"):
            ids.add(snapshot["department"])
        ids.update(snapshot.get("edited_actors") or ())
    return ids


@atomic
def user_create(*, user, target: User, data: dict | None = None) -> User:
    """Save the new account `target`, prepared by the caller with its username and password (Django's
    forms hash it), with `data` (names, role, department, edited actors, …). Records USER_CREATED."""
    _require_admin(user)
    if target.pk is not None:
        raise ValueError("user_create saves new accounts only; use user_update.")
    data = data or {}
    _apply(target, data)
    target.save()
    _set_m2m(target, data)
    after = _snapshot(target)
    record(
        user=user,
        kind=ChangeKind.USER_CREATED,
        record=target,
        values=after,
        actors=_touched_actors(after),
        audience=Audience.COORDINATION,
    )
    return target


@atomic
def user_update(*, user, target: User, data: dict) -> User:
    """Change an account's details and access. Records one change: USER_ROLE_CHANGED when its role,
    department, edited actors or flags (active, staff, superuser …) change, else USER_UPDATED; nothing
    when nothing changed."""
    _require_admin(user)
    current = User.objects.select_for_update().get(pk=target.pk)
    before = _snapshot(current)
    _apply(current, data)
    current.save()
    _set_m2m(current, data)
    after = _snapshot(current)
    fields = values.diff(before, after)
    if fields:
        access = any(name in ACCESS_FIELDS or name in UNUSED_ACCESS_FIELDS for name in fields)
        record(
            user=user,
            kind=ChangeKind.USER_ROLE_CHANGED if access else ChangeKind.USER_UPDATED,
            record=current,
            fields=fields,
            actors=_touched_actors(before, after),
            audience=Audience.COORDINATION,
        )
    return current


# "Passwort vergessen": at most this many reset mails to one address, and requests from one sender, per hour.
RESETS_PER_ADDRESS = 3
RESETS_PER_SENDER = 10


class TooManyResetRequests(Exception):
    """The sender asked for RESETS_PER_SENDER resets within the last hour."""


@atomic
def password_reset_allowed(*, email: str, sender: str) -> bool:
    """Note a reset request; False when the address had RESETS_PER_ADDRESS in the last hour (then no mail goes
    out, and the page says what it always says: nobody learns whether the address has an account).
    Raises TooManyResetRequests when the sender asked too often."""
    now = timezone.now()
    PasswordResetRequest.objects.filter(created_at__lt=now - dt.timedelta(days=1)).delete()
    address, sender = keyed_hash((email or "").strip().lower()), keyed_hash(sender or "")
    recent = PasswordResetRequest.objects.filter(created_at__gte=now - dt.timedelta(hours=1))
    if recent.filter(sender=sender).count() >= RESETS_PER_SENDER:
        raise TooManyResetRequests
    allowed = recent.filter(address=address).count() < RESETS_PER_ADDRESS
    PasswordResetRequest.objects.create(address=address, sender=sender)
    return allowed
