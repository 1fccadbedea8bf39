"""State changes of actors. Views, admin, import and commands all call these."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.text import slugify
from django.utils.translation import gettext as _

from knotenpunkt.accounts import permissions
from knotenpunkt.actors import search
from knotenpunkt.actors.models import Actor, ActorCountry, ActorEvent, ActorEventKind, Membership
from knotenpunkt.core.page_cache import bump_content_generation

# Fields a form may set directly on the Actor row.
SCALAR_FIELDS = (
    "name",
    "slug",
    "kind",
    "level",
    "parent",
    "description",
    "website",
    "contact_email",
    "contact_phone",
    "street",
    "postcode",
    "city",
    "country",
    "latitude",
    "longitude",
    "published",
    "internal_notes",
)
M2M_FIELDS = ("themes", "sdgs")
ALL_FIELDS = (*SCALAR_FIELDS, *M2M_FIELDS, "countries")


class ActorConflict(Exception):
    """Someone else saved the actor after the form was loaded."""

    def __init__(self, actor: Actor, events: list[ActorEvent]):
        super().__init__(_("Der Akteur wurde inzwischen von jemand anderem geändert."))
        self.actor = actor
        self.events = events


def _display(value):
    """A JSON-friendly, human-readable form of a field value for the history."""
    if value is None:
        return ""
    if isinstance(value, Actor):
        return value.name
    if isinstance(value, (Decimal, dt.date)):
        return str(value)
    if isinstance(value, (list, tuple, set)) or hasattr(value, "all"):
        items = value.all() if hasattr(value, "all") else value
        return sorted(str(getattr(item, "code", item)) for item in items)
    if hasattr(value, "code"):  # django-countries Country
        return value.code or ""
    return value


def _current_values(actor: Actor) -> dict:
    values = {name: _display(getattr(actor, name)) for name in SCALAR_FIELDS}
    values["themes"] = sorted(str(t) for t in actor.themes.all())
    values["sdgs"] = sorted(str(s.number) for s in actor.sdgs.all())
    values["countries"] = sorted(c.country.code for c in actor.countries.all())
    return values


def comparable_values(data: dict) -> dict:
    """Form data in the shape the history stores (for comparing with ActorEvent changes)."""
    values = {}
    for name, value in data.items():
        if name == "themes":
            values[name] = sorted(str(t) for t in value)
        elif name == "sdgs":
            values[name] = sorted(str(getattr(s, "number", s)) for s in value)
        elif name == "countries":
            values[name] = sorted(str(c) for c in value)
        else:
            values[name] = _display(value)
    return values


def unique_slug(name: str, *, exclude_pk: int | None = None) -> str:
    base = slugify(name)[:200] or "akteur"
    slug, n = base, 2
    taken = Actor.objects.exclude(pk=exclude_pk) if exclude_pk else Actor.objects.all()
    while taken.filter(slug=slug).exists():
        slug = f"{base}-{n}"
        n += 1
    return slug


def _check_parent(actor: Actor | None, parent: Actor | None) -> None:
    if parent is None or actor is None or actor.pk is None:
        return
    node, seen = parent, set()
    while node is not None and node.pk not in seen:
        if node.pk == actor.pk:
            raise ValidationError(
                {"parent": _("Eine Einheit kann nicht unter sich selbst oder ihren Untereinheiten hängen.")}
            )
        seen.add(node.pk)
        node = node.parent


def _is_ancestor(candidate: Actor, actor: Actor) -> bool:
    node, seen = actor.parent, set()
    while node is not None and node.pk not in seen:
        if node.pk == candidate.pk:
            return True
        seen.add(node.pk)
        node = node.parent
    return False


def _check_fields_allowed(user, actor: Actor | None, data: dict) -> None:
    if actor is None:
        if not permissions.can_create_actor(user):
            raise PermissionDenied(_("Sie dürfen keine Akteure anlegen."))
        return
    allowed = set(permissions.editable_actor_fields(user, actor, ALL_FIELDS))
    forbidden = set(data) - allowed
    if forbidden:
        raise PermissionDenied(_("Sie dürfen diese Felder nicht ändern: %s") % ", ".join(sorted(forbidden)))


def _apply(actor: Actor, data: dict) -> None:
    for name in SCALAR_FIELDS:
        if name in data:
            setattr(actor, name, data[name])


def _apply_relations(actor: Actor, data: dict) -> None:
    if "themes" in data:
        actor.themes.set(data["themes"])
    if "sdgs" in data:
        actor.sdgs.set(data["sdgs"])
    if "countries" in data:
        wanted = {str(c) for c in data["countries"]}
        actor.countries.exclude(country__in=wanted).delete()
        have = set(actor.countries.values_list("country", flat=True))
        ActorCountry.objects.bulk_create([ActorCountry(actor=actor, country=c) for c in sorted(wanted - have)])


@transaction.atomic
def actor_create(*, user, data: dict) -> Actor:
    """Create an actor from validated form data (scalar fields, themes, sdgs, countries)."""
    _check_fields_allowed(user, None, data)
    actor = Actor()
    _apply(actor, data)
    if not actor.slug:
        actor.slug = unique_slug(actor.name)
    actor.full_clean(exclude=["themes", "sdgs"], validate_unique=True)
    actor.save()
    _apply_relations(actor, data)
    ActorEvent.objects.create(
        actor=actor,
        kind=ActorEventKind.CREATED,
        user=_user_or_none(user),
        version=actor.version,
        data={"values": _current_values(actor)},
    )
    search.index_actors([actor.pk])
    bump_content_generation()
    _refresh_suggestions(actor.pk)
    return actor


def actor_update(*, user, actor: Actor, data: dict, expected_version: int) -> Actor:
    """Save changes if nobody else saved since `expected_version`; otherwise raise ActorConflict.

    Only fields whose value differs are written and recorded in the history.
    """
    _check_fields_allowed(user, actor, data)
    if "slug" in data and not data["slug"]:
        data = {**data, "slug": unique_slug(data.get("name") or actor.name, exclude_pk=actor.pk)}
    with transaction.atomic():
        current = Actor.objects.select_for_update().get(pk=actor.pk)
        if current.version != expected_version:
            events = list(
                current.events.filter(version__gt=expected_version).select_related("user").order_by("version")
            )
            raise ActorConflict(current, events)
        before = _current_values(current)
        after = comparable_values(data)
        changes = {
            name: {"old": before.get(name), "new": new} for name, new in after.items() if before.get(name) != new
        }
        if not changes:
            return current
        _check_parent(current, data.get("parent", current.parent))
        _apply(current, {k: v for k, v in data.items() if k in changes})
        current.version = expected_version + 1
        current.full_clean(exclude=["themes", "sdgs"])
        current.save()
        _apply_relations(current, {k: v for k, v in data.items() if k in changes})
        kind = ActorEventKind.UPDATED
        if set(changes) == {"published"}:
            kind = ActorEventKind.PUBLISHED if current.published else ActorEventKind.UNPUBLISHED
        ActorEvent.objects.create(
            actor=current, kind=kind, user=_user_or_none(user), version=current.version, data={"changes": changes}
        )
        search.index_actors([current.pk])
        bump_content_generation()
        _refresh_suggestions(current.pk)
    return current


def _refresh_suggestions(actor_id: int) -> None:
    """Fresh partner suggestions for the actor after commit (themes, countries, description may have changed)."""
    from knotenpunkt.synergies.suggestions import refresh_later

    refresh_later([actor_id])


def actor_set_published(*, user, actor: Actor, published: bool, expected_version: int | None = None) -> Actor:
    if not permissions.can_publish_actor(user, actor):
        raise PermissionDenied(_("Nur die Koordination darf Akteure veröffentlichen."))
    version = actor.version if expected_version is None else expected_version
    return actor_update(user=user, actor=actor, data={"published": published}, expected_version=version)


@transaction.atomic
def actor_merge(*, user, survivor: Actor, duplicate: Actor) -> Actor:
    """Fold `duplicate` into `survivor`: ties, memberships, themes, editors move over; the duplicate goes.

    Ties that would become self-loops or duplicates of existing ties are dropped.
    Empty public fields of the survivor are filled from the duplicate.
    """
    from knotenpunkt.network.models import Tie
    from knotenpunkt.network.services import tie_counts_refresh

    if not permissions.can_merge_actors(user):
        raise PermissionDenied(_("Nur die Koordination darf Dubletten zusammenführen."))
    if survivor.pk == duplicate.pk:
        raise ValidationError(_("Ein Akteur kann nicht mit sich selbst zusammengeführt werden."))
    survivor = Actor.objects.select_for_update().get(pk=survivor.pk)
    duplicate = Actor.objects.select_for_update().get(pk=duplicate.pk)
    moved = {"ties": 0, "dropped_ties": 0, "memberships": 0}
    touched = {survivor.pk}

    for tie in Tie.objects.filter(Q(source=duplicate) | Q(target=duplicate)):
        touched.update((tie.source_id, tie.target_id))
        source_id = survivor.pk if tie.source_id == duplicate.pk else tie.source_id
        target_id = survivor.pk if tie.target_id == duplicate.pk else tie.target_id
        clash = Tie.objects.filter(source_id=source_id, target_id=target_id, kind=tie.kind).exclude(pk=tie.pk)
        if source_id == target_id or clash.exists():
            tie.delete()
            moved["dropped_ties"] += 1
            continue
        Tie.objects.filter(pk=tie.pk).update(source_id=source_id, target_id=target_id)
        moved["ties"] += 1

    for membership in duplicate.memberships.all():
        exists = survivor.memberships.filter(person_id=membership.person_id, function=membership.function).exists()
        if exists:
            membership.delete()
        else:
            Membership.objects.filter(pk=membership.pk).update(actor=survivor)
            moved["memberships"] += 1

    survivor.themes.add(*duplicate.themes.all())
    survivor.sdgs.add(*duplicate.sdgs.all())
    have = set(survivor.countries.values_list("country", flat=True))
    for ac in duplicate.countries.all():
        if ac.country.code not in have:
            ActorCountry.objects.create(actor=survivor, country=ac.country)
    for editor in duplicate.editors.all():
        editor.edited_actors.add(survivor)
    duplicate.staff_users.update(department=survivor)
    if _is_ancestor(duplicate, survivor):
        # The survivor hangs (directly or further down) below the duplicate: it takes the duplicate's place.
        survivor.parent = duplicate.parent if duplicate.parent_id != survivor.pk else None
        survivor.save(update_fields=["parent"])
    Actor.objects.filter(parent=duplicate).exclude(pk=survivor.pk).update(parent=survivor)
    survivor.refresh_from_db(fields=["parent"])
    _check_parent(survivor, survivor.parent)

    filled = []
    for name in (
        "description",
        "website",
        "contact_email",
        "contact_phone",
        "street",
        "postcode",
        "city",
        "latitude",
        "longitude",
    ):
        if getattr(survivor, name) in ("", None) and getattr(duplicate, name) not in ("", None):
            setattr(survivor, name, getattr(duplicate, name))
            filled.append(name)
    if duplicate.internal_notes:
        survivor.internal_notes = "\n\n".join(
            filter(None, [survivor.internal_notes, f"[{duplicate.name}] {duplicate.internal_notes}"])
        )
    survivor.version += 1
    survivor.save()
    ActorEvent.objects.create(
        actor=survivor,
        kind=ActorEventKind.MERGED,
        user=_user_or_none(user),
        version=survivor.version,
        data={
            "duplicate": {"id": duplicate.pk, "name": duplicate.name, "slug": duplicate.slug},
            "moved": moved,
            "filled": filled,
        },
    )
    duplicate_pk = duplicate.pk
    try:
        duplicate.delete()
        tie_counts_refresh(touched - {duplicate_pk})
    except IntegrityError as exc:  # pragma: no cover - PROTECT on unexpected relations
        raise ValidationError(_("Die Dublette ist noch anderweitig verknüpft und kann nicht entfernt werden.")) from exc
    search.remove_actors([duplicate_pk])
    search.index_actors([survivor.pk])
    bump_content_generation()
    return survivor


def _user_or_none(user):
    return user if user is not None and getattr(user, "is_authenticated", False) else None


@transaction.atomic
def theme_save(*, user, theme) -> None:
    """Save a theme; its actors are re-indexed, since theme names are part of their search documents."""
    if not permissions.is_coordinator(user):
        raise PermissionDenied(_("Nur die Koordination pflegt die Themen."))
    theme.full_clean()
    theme.save()
    search.index_actors(list(theme.actors.values_list("pk", flat=True)))
    bump_content_generation()
