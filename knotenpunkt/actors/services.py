"""State changes of actors and themes. Views, admin, import and commands all call these.

Every service records what it changed (knotenpunkt.changes); the search index, tie counts, partner
suggestions and the page cache follow from those records (knotenpunkt/reactions.py).
Persons and memberships have their services in people.py.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import router
from django.db.models import ProtectedError, Q, RestrictedError
from django.db.models.deletion import Collector
from django.utils.text import slugify
from django.utils.translation import gettext as _

from knotenpunkt.accounts import roles
from knotenpunkt.actors import people, permissions
from knotenpunkt.actors.models import Actor, ActorCountry, Theme
from knotenpunkt.changes import locking, values
from knotenpunkt.changes.kinds import ChangeKind
from knotenpunkt.changes.services import atomic, record
from knotenpunkt.lib.text import cleaned

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
# Never shown to visitors: a change to these alone leaves the public pages as they are.
INTERNAL_FIELDS = frozenset({"internal_notes"})
# A tie as its history keeps it (network.Tie, reached through Actor.ties_out / ties_in).
TIE_VALUES = ("source", "target", "kind", "start_date", "end_date", "note", "public")
THEME_FIELDS = ("slug", "name_de", "name_en")
# Public fields of the survivor that a merge fills from the duplicate when they are empty.
MERGE_FILLS = (
    "description",
    "website",
    "contact_email",
    "contact_phone",
    "street",
    "postcode",
    "city",
    "latitude",
    "longitude",
)


def actor_values(actor: Actor) -> dict:
    """Every field a form can change, in the form the history stores (values.py)."""
    stored = values.snapshot(actor, (*SCALAR_FIELDS, *M2M_FIELDS))
    stored["countries"] = sorted(str(code) for code in actor.countries.values_list("country", flat=True))
    return stored


def stored_values(data: dict) -> dict:
    """Form or service data in the form the history stores, to compare with `actor_values`."""
    probe = Actor()
    stored = {}
    for name, value in data.items():
        if name == "countries":
            stored[name] = sorted({str(code) for code in value or ()})
        elif name in M2M_FIELDS:
            stored[name] = sorted(getattr(item, "pk", item) for item in value or ())
        else:
            setattr(probe, name, value)
            stored[name] = values.field_value(probe, name)
    return stored


def _is_public(was_published: bool, actor: Actor, fields) -> bool:
    """Visitors see the change: the actor is public before or after, and a public field changed."""
    return (was_published or actor.published) and bool(set(fields) - INTERNAL_FIELDS)


def _tie_change_is_public(*ends: Actor) -> bool:
    """A tie removed or moved changes what visitors see when one of its ends is published: tie counts
    order the public directory, and a public tie between published actors shows on their profiles
    (the same rule as network.services)."""
    return any(end.published for end in ends)


def _ties_of(actor: Actor):
    """The actor's ties in either direction, with both ends. Tie is reached through Actor's relations,
    so the actors app does not import the network app it sits below."""
    Tie = Actor.ties_out.rel.related_model
    return Tie._default_manager.filter(Q(source=actor) | Q(target=actor)).select_related("source", "target")


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


# Text fields that hold one line: control characters and line breaks never reach the database.
ONE_LINE_FIELDS = {"name", "contact_phone", "street", "postcode", "city"}


def _apply(actor: Actor, data: dict) -> None:
    for name in SCALAR_FIELDS:
        if name in data:
            setattr(actor, name, cleaned(name, data[name], ONE_LINE_FIELDS))


def _apply_relations(actor: Actor, data: dict, *, new: bool = False) -> None:
    if new:  # nothing to compare with or delete: the link rows are written directly
        for name, column in (("themes", "theme_id"), ("sdgs", "sdg_id")):
            pks = sorted({getattr(item, "pk", item) for item in data.get(name) or ()})
            if pks:
                through = getattr(Actor, name).through
                through.objects.bulk_create([through(actor_id=actor.pk, **{column: pk}) for pk in pks])
        codes = sorted({str(c) for c in data.get("countries") or ()})
        if codes:
            ActorCountry.objects.bulk_create([ActorCountry(actor=actor, country=c) for c in codes])
        return
    if "themes" in data:
        actor.themes.set(data["themes"])
    if "sdgs" in data:
        actor.sdgs.set(data["sdgs"])
    if "countries" in data:
        wanted = {str(c) for c in data["countries"]}
        actor.countries.exclude(country__in=wanted).delete()
        have = set(actor.countries.values_list("country", flat=True))
        ActorCountry.objects.bulk_create([ActorCountry(actor=actor, country=c) for c in sorted(wanted - have)])


@atomic
def actor_create(*, user, data: dict) -> Actor:
    """Create an actor from validated form data (scalar fields, themes, sdgs, countries)."""
    _check_fields_allowed(user, None, data)
    actor = Actor()
    _apply(actor, data)
    given_slug = bool(actor.slug)
    if not given_slug:
        actor.slug = unique_slug(actor.name)  # free, as unique_slug just asked the database
    _check_constraints(actor)
    actor.full_clean(exclude=["themes", "sdgs"], validate_unique=given_slug, validate_constraints=False)
    actor.save()
    _apply_relations(actor, data, new=True)
    stored = values.snapshot(actor, SCALAR_FIELDS)  # the new actor's relations are what `data` gave
    stored.update(stored_values({name: data.get(name) or [] for name in (*M2M_FIELDS, "countries")}))
    record(user=user, kind=ChangeKind.ACTOR_CREATED, record=actor, values=stored, public=actor.published)
    return actor


def _check_constraints(actor: Actor) -> None:
    """The table's check constraints, said in plain German at the field (the database keeps them as the
    last line; Django's own validation of them costs a query each, and a Kumu import creates thousands)."""
    errors = {}
    if not (actor.name or "").strip():
        errors["name"] = _("Bitte einen Namen angeben.")
    if actor.latitude is not None and not -90 <= Decimal(actor.latitude) <= 90:
        errors["latitude"] = _("Der Breitengrad liegt zwischen -90 und 90.")
    if actor.longitude is not None and not -180 <= Decimal(actor.longitude) <= 180:
        errors["longitude"] = _("Der Längengrad liegt zwischen -180 und 180.")
    if actor.pk is not None and actor.parent_id == actor.pk:
        errors["parent"] = _("Eine Einheit kann nicht unter sich selbst hängen.")
    if errors:
        raise ValidationError(errors)


@atomic
def actor_update(*, user, actor: Actor, data: dict, expected_version: int | None) -> Actor:
    """Save changes if nobody else saved since `expected_version`; otherwise raise locking.EditConflict.

    Only fields whose value differs are written and recorded in the history.
    """
    _check_fields_allowed(user, actor, data)
    if "slug" in data and not data["slug"]:
        data = {**data, "slug": unique_slug(data.get("name") or actor.name, exclude_pk=actor.pk)}
    current = locking.lock(Actor, actor.pk, expected_version)
    before = actor_values(current)
    fields = values.diff(before, stored_values(data))
    if not fields:
        return current
    changed = {name: value for name, value in data.items() if name in fields}
    _check_parent(current, changed.get("parent", current.parent))
    _apply(current, changed)
    locking.bump(current)
    current.full_clean(exclude=["themes", "sdgs"])
    current.save()
    _apply_relations(current, changed)
    kind = ChangeKind.ACTOR_UPDATED
    if set(fields) == {"published"}:
        kind = ChangeKind.ACTOR_PUBLISHED if current.published else ChangeKind.ACTOR_UNPUBLISHED
    record(
        user=user,
        kind=kind,
        record=current,
        fields=fields,
        public=_is_public(before["published"], current, fields),
    )
    return current


def actor_set_published(*, user, actor: Actor, published: bool, expected_version: int | None = None) -> Actor:
    if not permissions.can_publish_actor(user, actor):
        raise PermissionDenied(_("Nur die Koordination darf Akteure veröffentlichen."))
    version = actor.version if expected_version is None else expected_version
    return actor_update(user=user, actor=actor, data={"published": published}, expected_version=version)


@atomic
def actor_merge(*, user, survivor: Actor, duplicate: Actor) -> Actor:
    """Fold `duplicate` into `survivor`: ties, memberships, themes, editors move over; the duplicate goes.

    Ties that would become self-loops or duplicates of existing ties are dropped.
    Empty public fields of the survivor are filled from the duplicate. Each moved or dropped tie and
    membership, and each unit moved below the survivor, is recorded too, so their own histories tell it.
    """
    if not permissions.can_merge_actors(user):
        raise PermissionDenied(_("Nur die Koordination darf Dubletten zusammenführen."))
    if survivor.pk == duplicate.pk:
        raise ValidationError(_("Ein Akteur kann nicht mit sich selbst zusammengeführt werden."))
    survivor = Actor.objects.select_for_update().get(pk=survivor.pk)
    duplicate = Actor.objects.select_for_update().get(pk=duplicate.pk)
    before = actor_values(survivor)
    duplicate_values = actor_values(duplicate)
    moved = {"ties": 0, "dropped_ties": 0, "memberships": 0}
    # Everyone whose tie count may change: the survivor, the duplicate and every partner of the duplicate.
    touched = {survivor.pk, duplicate.pk}

    for tie in _ties_of(duplicate):
        touched.update((tie.source_id, tie.target_id))
        source = survivor if tie.source_id == duplicate.pk else tie.source
        target = survivor if tie.target_id == duplicate.pk else tie.target
        clash = type(tie)._default_manager.filter(source=source, target=target, kind=tie.kind).exclude(pk=tie.pk)
        if source.pk == target.pk or clash.exists():
            tie_pk, tie_values = tie.pk, values.snapshot(tie, TIE_VALUES)
            tie.delete()
            record(
                user=user,
                kind=ChangeKind.TIE_DELETED,
                record=tie,
                record_id=tie_pk,
                values=tie_values,
                actors=[tie.source_id, tie.target_id],
                public=_tie_change_is_public(tie.source, tie.target),
            )
            moved["dropped_ties"] += 1
            continue
        old = values.snapshot(tie, ("source", "target"))
        public = _tie_change_is_public(tie.source, tie.target, source, target)
        tie.source, tie.target = source, target
        locking.bump(tie)
        tie.save(update_fields=["source", "target", "version"])
        record(
            user=user,
            kind=ChangeKind.TIE_UPDATED,
            record=tie,
            fields=values.diff(old, values.snapshot(tie, ("source", "target"))),
            actors=[*old.values(), source.pk, target.pk],
            public=public,
        )
        moved["ties"] += 1

    for membership in duplicate.memberships.all():
        if survivor.memberships.filter(person_id=membership.person_id, function=membership.function).exists():
            people.membership_delete(user=user, membership=membership)
        else:
            people.membership_update(user=user, membership=membership, data={"actor": survivor})
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
    for child in Actor.objects.select_for_update().filter(parent=duplicate).exclude(pk=survivor.pk):
        _move_unit(user=user, unit=child, parent=survivor)
    _check_parent(survivor, survivor.parent)

    filled = []
    for name in MERGE_FILLS:
        if getattr(survivor, name) in ("", None) and getattr(duplicate, name) not in ("", None):
            setattr(survivor, name, getattr(duplicate, name))
            filled.append(name)
    if duplicate.internal_notes:
        survivor.internal_notes = "\n\n".join(
            filter(None, [survivor.internal_notes, f"[{duplicate.name}] {duplicate.internal_notes}"])
        )
    locking.bump(survivor)
    survivor.save()
    duplicate_data = {"id": duplicate.pk, "name": duplicate.name, "slug": duplicate.slug, "values": duplicate_values}
    _delete_actor_row(duplicate, _("Die Dublette ist noch anderweitig verknüpft und kann nicht entfernt werden."))
    record(
        user=user,
        kind=ChangeKind.ACTOR_MERGED,
        record=survivor,
        fields=values.diff(before, actor_values(survivor)),
        actors=touched,
        # Moved and dropped ties are public or not by their own rows.
        public=survivor.published or duplicate_values["published"],
        extra={"duplicate": duplicate_data, "moved": moved, "filled": filled},
    )
    return survivor


def _move_unit(*, user, unit: Actor, parent: Actor) -> None:
    """A unit below a merged duplicate moves below the survivor (a change of the unit's own)."""
    old = unit.parent_id
    unit.parent = parent
    locking.bump(unit)
    unit.save(update_fields=["parent", "version", "updated_at"])
    record(
        user=user,
        kind=ChangeKind.ACTOR_UPDATED,
        record=unit,
        fields={"parent": {"old": old, "new": parent.pk}},
        actors=[old, parent.pk],
        public=unit.published,
    )


# Records of other domains that go with a deleted actor (foreign keys with CASCADE) and have a
# history of their own: each gets its deletion row. Found through Django's deletion collector, so
# this module names no model of a higher app. Derived rows (suggestions, metrics, derived ties) need none.
CASCADE_KINDS = {
    "activities.participation": ChangeKind.ACTIVITY_PARTICIPANT_DELETED,
    "activities.calendarsource": ChangeKind.CALENDAR_SOURCE_DELETED,
    "synergies.listing": ChangeKind.LISTING_DELETED,
    "synergies.introduction": ChangeKind.INTRODUCTION_DELETED,
    "initiatives.stakeholder": ChangeKind.STAKEHOLDER_REMOVED,
}


def _record_cascaded(user, actor: Actor) -> None:
    collector = Collector(using=router.db_for_write(Actor), origin=actor)
    try:
        collector.collect([actor])
    except (ProtectedError, RestrictedError):
        return  # the deletion itself is refused next, with the names of what protects the actor
    found = [(model, list(instances)) for model, instances in collector.data.items()]
    found += [(qs.model, list(qs)) for qs in collector.fast_deletes if hasattr(qs, "model")]
    for model, instances in found:
        kind = CASCADE_KINDS.get(model._meta.label_lower)
        if kind is None:
            continue
        for obj in sorted(instances, key=lambda o: o.pk):
            if kind == ChangeKind.ACTIVITY_PARTICIPANT_DELETED:
                # The activity's participants change: a row in the activity's own history.
                record(
                    user=user,
                    kind=kind,
                    record=obj.activity,
                    label=str(obj.activity),
                    actors=[actor.pk],
                    extra={"actor": actor.name, "role": obj.role},
                )
                continue
            ends = [getattr(obj, name) for name in ("actor_id", "actor_a_id", "actor_b_id") if hasattr(obj, name)]
            label = f"{obj.actor_a.name} ↔ {obj.actor_b.name}" if hasattr(obj, "actor_a_id") else str(obj)
            record(user=user, kind=kind, record=obj, record_id=obj.pk, label=label, actors=ends)


def _delete_actor_row(actor: Actor, refusal: str) -> None:
    """Delete the row; relations that protect it (PROTECT, RESTRICT) refuse with `refusal` and their names."""
    try:
        actor.delete()
    except (ProtectedError, RestrictedError) as exc:
        blocking = exc.protected_objects if isinstance(exc, ProtectedError) else exc.restricted_objects
        names = sorted({f"{obj._meta.verbose_name}: {obj}" for obj in blocking})[:5]
        raise ValidationError(f"{refusal} ({'; '.join(names)})") from exc


@atomic
def actor_delete(*, user, actor: Actor) -> None:
    """Delete an actor with its ties and memberships, each recorded, so their history outlives them.

    Refused while units hang below it (they would lose their place in the hierarchy).
    The ACTOR_DELETED change keeps the actor's values and names every former partner, whose tie
    counts the reactions recount.
    """
    if not permissions.can_delete_actor(user, actor):
        raise PermissionDenied(_("Nur die Koordination darf Akteure löschen."))
    actor = Actor.objects.select_for_update().filter(pk=actor.pk).first()
    if actor is None:
        raise ValidationError(_("Diesen Akteur gibt es nicht mehr."))
    children = list(actor.children.order_by("name").values_list("name", flat=True)[:6])
    if children:
        raise ValidationError(
            _(
                "„%(name)s“ kann nicht gelöscht werden, solange Einheiten darunter hängen (%(children)s). "
                "Bitte ordnen Sie diese zuerst einer anderen Einheit zu oder löschen Sie sie."
            )
            % {"name": actor.name, "children": ", ".join(children[:5]) + (" …" if len(children) > 5 else "")}
        )
    actor_pk, label, snapshot = actor.pk, str(actor), actor_values(actor)
    partners = set()
    for tie in _ties_of(actor):
        partners.update((tie.source_id, tie.target_id))
        tie_pk, tie_values = tie.pk, values.snapshot(tie, TIE_VALUES)
        tie.delete()
        record(
            user=user,
            kind=ChangeKind.TIE_DELETED,
            record=tie,
            record_id=tie_pk,
            values=tie_values,
            actors=[tie.source_id, tie.target_id],
            public=_tie_change_is_public(tie.source, tie.target),
        )
    for membership in actor.memberships.all():
        people.membership_delete(user=user, membership=membership)
    _record_cascaded(user, actor)
    _delete_actor_row(actor, _("Der Akteur ist noch anderweitig verknüpft und kann nicht gelöscht werden."))
    partners.discard(actor_pk)
    record(
        user=user,
        kind=ChangeKind.ACTOR_DELETED,
        record=actor,
        record_id=actor_pk,
        label=label,
        values=snapshot,
        actors=partners,
        # Ties to published partners are public by their own rows.
        public=snapshot["published"],
    )


@atomic
def theme_save(*, user, theme: Theme) -> None:
    """Save a theme. Its actors are re-indexed by the reaction, since theme names are part of their
    search documents; themes are public (directory filter, profiles), so the page cache follows."""
    if not roles.is_coordinator(user):
        raise PermissionDenied(_("Nur die Koordination pflegt die Themen."))
    stored = Theme.objects.filter(pk=theme.pk).first() if theme.pk else None
    before = values.snapshot(stored, THEME_FIELDS) if stored else None
    theme.full_clean()
    theme.save()
    after = values.snapshot(theme, THEME_FIELDS)
    if before is None:
        record(user=user, kind=ChangeKind.THEME_SAVED, record=theme, values=after, public=True)
        return
    fields = values.diff(before, after)
    if fields:
        record(user=user, kind=ChangeKind.THEME_SAVED, record=theme, fields=fields, public=True)
