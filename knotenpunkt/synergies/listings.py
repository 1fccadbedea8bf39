"""Offers and needs: the state changes (one function each) and the reads behind the board and profiles.

Views, the admin and load_demo all go through these; each change is recorded (LISTING_*), and the
reactions refresh the page cache (public listings) and the actor's partner suggestions. Expiry needs
no job: every list reads `Listing.objects.current()`, so a listing past its `valid_until` simply
stops showing.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from knotenpunkt.accounts import roles
from knotenpunkt.changes import locking, values
from knotenpunkt.changes.kinds import ChangeKind
from knotenpunkt.changes.services import atomic, record, user_or_none
from knotenpunkt.lib.text import cleaned
from knotenpunkt.synergies import permissions
from knotenpunkt.synergies.models import Category, Direction, Listing

SCALAR_FIELDS = ("direction", "category", "title", "description", "country", "valid_from", "valid_until", "public")
M2M_FIELDS = ("themes", "sdgs")
ALL_FIELDS = (*SCALAR_FIELDS, *M2M_FIELDS)

# Bounds for the free-text filter: anything longer is cut, never rejected.
MAX_QUERY_WORDS = 8
MAX_WORD_CHARS = 40
# The owner's profile lists at most this many expired listings (the newest first) to renew.
PROFILE_EXPIRED_LIMIT = 20


# --- state changes ------------------------------------------------------------------------


def _apply(listing: Listing, data: dict) -> None:
    for name in SCALAR_FIELDS:
        if name in data:
            value = data[name]
            if name in ("title", "description"):
                value = cleaned(name, (value or "").strip(), {"title"})
            elif name == "country":
                value = value or ""
            setattr(listing, name, value)


def _save_checked(listing: Listing) -> None:
    """The form's checks again, so no caller can store what the database or the board would refuse."""
    errors = {}
    if not listing.title:
        errors["title"] = _("Bitte einen Titel angeben.")
    if listing.direction not in Direction.values:
        errors["direction"] = _("Bitte angeben, ob es ein Angebot oder ein Gesuch ist.")
    if listing.category not in Category.values:
        errors["category"] = _("Bitte eine Kategorie wählen.")
    if listing.valid_from is None:
        errors["valid_from"] = _("Bitte angeben, ab wann der Eintrag gilt.")
    elif listing.valid_until is not None and listing.valid_until < listing.valid_from:
        errors["valid_until"] = _("Das Ende der Gültigkeit liegt vor ihrem Beginn.")
    if errors:
        raise ValidationError(errors)
    listing.full_clean(exclude=["actor", "created_by", "themes", "sdgs"], validate_constraints=False)
    listing.save()


def _set_m2m(listing: Listing, data: dict) -> None:
    for name in M2M_FIELDS:
        if name in data:
            getattr(listing, name).set(list(data[name] or ()))


def _snapshot(listing: Listing) -> dict:
    return values.snapshot(listing, ALL_FIELDS)


def _is_public(listing: Listing, *snapshots: dict) -> bool:
    """Visitors see a listing that is public (before or after the change) of a published actor."""
    return listing.actor.published and any(snapshot.get("public") for snapshot in snapshots)


def _record(*, user, kind: str, listing: Listing, snapshots: tuple[dict, ...], **kwargs) -> None:
    # The actor's partner suggestions follow its offers and needs (reaction to LISTING_*).
    record(
        user=user,
        kind=kind,
        record=listing,
        actors=[listing.actor_id],
        public=_is_public(listing, *snapshots),
        **kwargs,
    )


@atomic
def listing_create(*, user, actor, data: dict) -> Listing:
    """Post an offer or a need of `actor`."""
    if user is not None and not permissions.can_manage_listings(user, actor):
        raise PermissionDenied
    listing = Listing(actor=actor, created_by=user_or_none(user))
    _apply(listing, data)
    _save_checked(listing)
    _set_m2m(listing, data)
    after = _snapshot(listing)
    _record(user=user, kind=ChangeKind.LISTING_CREATED, listing=listing, snapshots=(after,), values=after)
    return listing


@atomic
def listing_update(*, user, listing: Listing, data: dict, expected_version: int) -> Listing:
    """Save changes unless someone else saved since `expected_version` (then locking.EditConflict)."""
    if user is not None and not permissions.can_manage_listings(user, listing.actor):
        raise PermissionDenied
    current = locking.lock(Listing, listing.pk, expected_version)
    before = _snapshot(current)
    _apply(current, data)
    locking.bump(current)
    _save_checked(current)
    _set_m2m(current, data)
    after = _snapshot(current)
    _record(
        user=user,
        kind=ChangeKind.LISTING_UPDATED,
        listing=current,
        snapshots=(before, after),
        fields=values.diff(before, after),
    )
    return current


@atomic
def listing_end(*, user, listing: Listing, expected_version: int | None = None, today=None) -> Listing:
    """Withdraw a listing now: it ends yesterday, so no list shows it any more from this moment on.

    (Ending "today" would leave it on the board until midnight, since a listing is current up to and
    including its last day.) A listing that started today or later is moved to yesterday as a whole,
    keeping valid_from ≤ valid_until. An already expired listing keeps its earlier end.
    """
    if user is not None and not permissions.can_manage_listings(user, listing.actor):
        raise PermissionDenied
    today = today or timezone.localdate()
    yesterday = today - dt.timedelta(days=1)
    current = locking.lock(Listing, listing.pk, expected_version)
    if current.valid_until is not None and current.valid_until <= yesterday:
        return current
    before = _snapshot(current)
    current.valid_until = yesterday
    current.valid_from = min(current.valid_from, yesterday)
    locking.bump(current)
    current.save(update_fields=["valid_from", "valid_until", "version", "updated_at"])
    after = _snapshot(current)
    _record(
        user=user,
        kind=ChangeKind.LISTING_ENDED,
        listing=current,
        snapshots=(before, after),
        fields=values.diff(before, after),
    )
    return current


@atomic
def listing_delete(*, user, listing: Listing) -> None:
    """Remove a listing for good (the back office; owners end theirs with `listing_end`)."""
    if user is not None and not roles.can_use_admin(user):
        raise PermissionDenied
    current = Listing.objects.select_for_update(of=("self",)).select_related("actor").filter(pk=listing.pk).first()
    if current is None:  # deleted a moment ago by someone else
        return
    before = _snapshot(current)
    pk, label = current.pk, str(current)
    current.delete()
    _record(
        user=user,
        kind=ChangeKind.LISTING_DELETED,
        listing=current,
        snapshots=(before,),
        record_id=pk,
        label=label,
        values=before,
    )


# --- reads ------------------------------------------------------------------------------------


def query_words(text: str) -> list[str]:
    """The words of a free-text filter, bounded; NUL (which PostgreSQL refuses) is dropped."""
    words = (text or "").replace("\x00", " ").split()
    return [word[:MAX_WORD_CHARS] for word in words[:MAX_QUERY_WORDS]]


def filter_listings(qs: QuerySet, filters: dict) -> QuerySet:
    """Apply BoardFilterForm.filters() (validated values) through an explicit allow-list."""
    if "direction" in filters:
        qs = qs.filter(direction=filters["direction"])
    if "category" in filters:
        qs = qs.filter(category=filters["category"])
    if "theme" in filters:
        qs = qs.filter(themes=filters["theme"])
    if "sdg" in filters:
        qs = qs.filter(sdgs=filters["sdg"])
    if "country" in filters:
        qs = qs.filter(country=filters["country"])
    if "kind" in filters:
        qs = qs.filter(actor__kind=filters["kind"])
    for word in query_words(filters.get("q", "")):
        qs = qs.filter(Q(title__icontains=word) | Q(description__icontains=word) | Q(actor__name__icontains=word))
    return qs


def with_card_relations(qs: QuerySet) -> QuerySet:
    """What a card shows, in a fixed number of queries."""
    return qs.select_related("actor").prefetch_related("themes", "sdgs")


def board(*, user, filters: dict, today=None) -> QuerySet:
    """Current listings this user may see, filtered; newest first."""
    qs = permissions.visible_listings(user, Listing.objects.current(today))
    return with_card_relations(filter_listings(qs, filters)).order_by("-valid_from", "-id")


def listing_for_user(*, user, pk: int) -> Listing | None:
    """The listing if this user may see it at all (current or not: the caller decides)."""
    qs = permissions.visible_listings(user).select_related("actor", "created_by").prefetch_related("themes", "sdgs")
    return qs.filter(pk=pk).first()


def listing_state(listing: Listing, today=None) -> str:
    """ "current", "upcoming" (starts later) or "expired" – the same rule as `Listing.objects.current()`."""
    today = today or timezone.localdate()
    if listing.valid_from > today:
        return "upcoming"
    if listing.valid_until is not None and listing.valid_until < today:
        return "expired"
    return "current"


def is_current(listing: Listing, today=None) -> bool:
    return listing_state(listing, today) == "current"


def profile_listings(*, user, actor, today=None) -> dict:
    """An actor's listings for its profile: the current ones for everybody who may see them;
    for whoever manages them also those not yet valid and the expired ones (to renew)."""
    today = today or timezone.localdate()
    can_manage = permissions.can_manage_listings(user, actor)
    qs = permissions.visible_listings(user, Listing.objects.filter(actor=actor))
    if not can_manage:
        qs = qs.current(today)
    rows = list(qs.prefetch_related("themes").order_by("direction", "-valid_from", "-id"))
    current, upcoming, expired = [], [], []
    groups = {"current": current, "upcoming": upcoming, "expired": expired}
    for listing in rows:
        groups[listing_state(listing, today)].append(listing)
    expired.sort(key=lambda item: (item.valid_until, item.pk), reverse=True)
    return {
        "offers": [item for item in current if item.direction == Direction.OFFER],
        "needs": [item for item in current if item.direction == Direction.NEED],
        "upcoming": upcoming,
        "expired": expired[:PROFILE_EXPIRED_LIMIT],
        "can_manage": can_manage,
    }
