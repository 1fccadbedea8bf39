"""State changes of the contact log. Views, the demo loader and tests all call these; every one is atomic
and records one change (knotenpunkt.changes) per contact or follow-up it changes.

Contacts with several actors feed the derived relationships of the network: the reaction to
INTERACTION_* changes refreshes the pairs among the actors recorded with them (before and after).
History rows of the contact log are readable by those who may read the contact: the coordination
only for coordination-only contacts, all city staff for the others.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from knotenpunkt.accounts import roles
from knotenpunkt.accounts.models import User
from knotenpunkt.activities import permissions as activity_permissions
from knotenpunkt.changes import locking, values
from knotenpunkt.changes.kinds import Audience, ChangeKind
from knotenpunkt.changes.services import atomic, record, user_or_none
from knotenpunkt.interactions import permissions
from knotenpunkt.interactions.models import Channel, FollowUp, Interaction, Visibility
from knotenpunkt.lib.text import multi_line

SCALAR_FIELDS = ("date", "channel", "summary", "visibility", "activity")
M2M_FIELDS = ("actors", "persons", "staff")
ALL_FIELDS = (*SCALAR_FIELDS, *M2M_FIELDS)
FOLLOWUP_FIELDS = ("title", "due_date", "assignee", "interaction", "activity", "done_at", "done_by")


def _ids(values: Iterable) -> list[int]:
    return [getattr(v, "pk", v) for v in values or ()]


def _audience(*visibilities) -> str:
    """Who may read a change of a contact: city staff only if the contact was and is visible to them."""
    if all(v == Visibility.STAFF for v in visibilities):
        return Audience.STAFF
    return Audience.COORDINATION


def _check_visibility(user, visibility: str) -> None:
    if visibility not in Visibility.values:
        raise ValidationError({"visibility": _("Bitte wählen Sie, wer den Kontakt sehen darf.")})
    if user is not None and visibility not in permissions.interaction_visibility_choices(user):
        raise ValidationError(
            {"visibility": _("Nur die Koordination kann Kontakte auf „nur Koordination“ beschränken.")}
        )


def _check_m2m(data: dict) -> None:
    for name in M2M_FIELDS:
        ids = _ids(data.get(name, ()))
        if len(ids) != len(set(ids)):
            raise ValidationError({name: _("Jeder Eintrag zählt nur einmal.")})
    staff = data.get("staff")
    if staff:
        users = User.objects.filter(pk__in=_ids(staff))
        outsiders = [u for u in users if not roles.is_internal_reader(u)]
        if outsiders or users.count() != len(_ids(staff)):
            raise ValidationError(
                {"staff": _("Als Mitarbeitende lassen sich nur Koordination und Stadtverwaltung eintragen.")}
            )


def _check_assignable(interaction: Interaction | None, assignee, *, field: str = "assignee") -> None:
    """The assignee must be able to read what the follow-up is about."""
    if assignee is None:
        raise ValidationError({field: _("Bitte eine zuständige Person wählen.")})
    if not permissions.can_be_assigned_followup(assignee, interaction):
        if not roles.is_internal_reader(assignee):
            message = _(
                "%(name)s hat keinen Zugang zum Kontaktprotokoll und kann deshalb keine Wiedervorlage übernehmen."
            )
        else:
            message = _(
                "%(name)s darf diesen Kontakt nicht sehen (sichtbar nur für die Koordination) und kann deshalb "
                "keine Wiedervorlage dazu übernehmen. Bitte jemand anderen wählen oder den Kontakt für alle "
                "Mitarbeitenden der Stadt freigeben."
            )
        raise ValidationError({field: message % {"name": assignee}})


def _apply(interaction: Interaction, data: dict) -> None:
    for name in SCALAR_FIELDS:
        if name in data:
            value = data[name]
            if name == "summary":
                value = multi_line(value or "").strip()  # no control characters (a NUL breaks PostgreSQL)
            setattr(interaction, name, value)


def _save_checked(interaction: Interaction) -> None:
    if not interaction.summary:
        raise ValidationError({"summary": _("Bitte kurz festhalten, worum es ging.")})
    if interaction.channel not in Channel.values:
        raise ValidationError({"channel": _("Unbekannte Art des Kontakts.")})
    if interaction.date is None:
        raise ValidationError({"date": _("Bitte ein Datum angeben.")})
    interaction.full_clean(exclude=["actors", "persons", "staff", "activity", "created_by"])
    interaction.save()


def _set_m2m(interaction: Interaction, data: dict) -> None:
    for name in M2M_FIELDS:
        if name in data:
            getattr(interaction, name).set(_ids(data[name]))


def _snapshot(interaction: Interaction) -> dict:
    return values.snapshot(interaction, ALL_FIELDS)


@atomic
def interaction_create(*, user, data: dict, followup: dict | None = None) -> Interaction:
    """Record a contact; `followup` (title, due_date, assignee) adds a first follow-up in the same step."""
    if user is not None and not permissions.can_create_interaction(user):
        raise PermissionDenied
    _check_visibility(user, data.get("visibility", Visibility.COORDINATION))
    _check_m2m(data)
    interaction = Interaction(created_by=user_or_none(user))
    _apply(interaction, data)
    _save_checked(interaction)
    _set_m2m(interaction, data)
    after = _snapshot(interaction)
    record(
        user=user,
        kind=ChangeKind.INTERACTION_CREATED,
        record=interaction,
        values=after,
        actors=after["actors"],
        persons=after["persons"],
        audience=_audience(interaction.visibility),
    )
    if followup:
        _followup_create(user=user, interaction=interaction, data=followup, field_prefix="followup_")
    return interaction


@atomic
def interaction_update(*, user, interaction: Interaction, data: dict, expected_version: int) -> Interaction:
    """Save changes unless someone else saved since `expected_version` (then locking.EditConflict).

    Restricting a contact to the coordination fails while open follow-ups on it belong to
    someone who would then lose sight of it.
    """
    if user is not None and not permissions.can_edit_interaction(user, interaction):
        raise PermissionDenied
    current = locking.lock(Interaction, interaction.pk, expected_version)
    if "visibility" in data and data["visibility"] != current.visibility:
        _check_visibility(user, data["visibility"])
    _check_m2m(data)
    before = _snapshot(current)
    _apply(current, data)
    locking.bump(current)
    _save_checked(current)
    _set_m2m(current, data)
    for followup in current.followups.filter(done_at__isnull=True).select_related("assignee"):
        try:
            _check_assignable(current, followup.assignee)
        except ValidationError:
            raise ValidationError(
                {
                    "visibility": _(
                        "Die offene Wiedervorlage „%(title)s“ ist %(name)s zugewiesen, der/die den Kontakt dann "
                        "nicht mehr sehen dürfte. Bitte zuerst die Wiedervorlage erledigen oder neu zuweisen."
                    )
                    % {"title": followup.title, "name": followup.assignee}
                }
            ) from None
    after = _snapshot(current)
    record(
        user=user,
        kind=ChangeKind.INTERACTION_UPDATED,
        record=current,
        fields=values.diff(before, after),
        actors={*before["actors"], *after["actors"]},
        persons={*before["persons"], *after["persons"]},
        audience=_audience(before["visibility"], after["visibility"]),
    )
    return current


@atomic
def interaction_delete(*, user, interaction: Interaction) -> None:
    """Delete a contact and its follow-ups (each deletion recorded)."""
    if user is not None and not permissions.can_edit_interaction(user, interaction):
        raise PermissionDenied
    current = Interaction.objects.select_for_update().filter(pk=interaction.pk).first()
    if current is None:  # deleted a moment ago by someone else
        return
    for followup in current.followups.all():
        _followup_delete(user=user, followup=followup)
    before = _snapshot(current)
    pk, label = current.pk, str(current)
    current.delete()
    record(
        user=user,
        kind=ChangeKind.INTERACTION_DELETED,
        record=current,
        record_id=pk,
        label=label,
        values=before,
        actors=before["actors"],
        persons=before["persons"],
        audience=_audience(before["visibility"]),
    )


# --- follow-ups ---------------------------------------------------------------------------------


def _followup_context(followup: FollowUp) -> dict:
    """Audience, actors and persons of a follow-up's change: those of its contact or its activity."""
    if followup.interaction_id is not None:
        interaction = followup.interaction
        return {
            "audience": _audience(interaction.visibility),
            "actors": list(interaction.actors.values_list("pk", flat=True)),
            "persons": list(interaction.persons.values_list("pk", flat=True)),
        }
    # A follow-up on an activity or on its own is read by city staff (its assignee and creator).
    context = {"audience": Audience.STAFF, "actors": (), "persons": ()}
    if followup.activity_id is not None:
        participants = list(followup.activity.participations.values_list("actor_id", "person_id"))
        context["actors"] = [actor for actor, _person in participants if actor]
        context["persons"] = [person for _actor, person in participants if person]
    return context


def _record_followup(*, user, kind: str, followup: FollowUp, **kwargs) -> None:
    record(user=user, kind=kind, record=followup, **_followup_context(followup), **kwargs)


def _followup_create(*, user, interaction, data: dict, activity=None, field_prefix: str = "") -> FollowUp:
    title = (data.get("title") or "").strip()
    if not title:
        raise ValidationError({f"{field_prefix}title": _("Bitte angeben, was zu tun ist.")})
    if not data.get("due_date"):
        raise ValidationError({f"{field_prefix}due_date": _("Bitte ein Fälligkeitsdatum angeben.")})
    _check_assignable(interaction, data.get("assignee"), field=f"{field_prefix}assignee")
    followup = FollowUp(
        interaction=interaction,
        activity=activity,
        title=title,
        due_date=data["due_date"],
        assignee=data["assignee"],
        created_by=user_or_none(user),
    )
    followup.full_clean(exclude=["interaction", "activity", "assignee", "created_by", "done_by"])
    followup.save()
    _record_followup(
        user=user,
        kind=ChangeKind.FOLLOWUP_CREATED,
        followup=followup,
        values=values.snapshot(followup, FOLLOWUP_FIELDS),
    )
    return followup


@atomic
def followup_create(*, user, title: str, due_date, assignee, interaction=None, activity=None) -> FollowUp:
    """A follow-up on a contact, on an activity, or on its own. The assignee must be able to read it."""
    if interaction is not None and activity is not None:
        raise ValidationError(_("Eine Wiedervorlage gehört zu einem Kontakt oder zu einem Termin, nicht zu beiden."))
    if user is not None and not permissions.can_create_followup(user, interaction):
        raise PermissionDenied
    if activity is not None and user is not None and not activity_permissions.can_view_activity(user, activity):
        raise PermissionDenied
    return _followup_create(
        user=user,
        interaction=interaction,
        activity=activity,
        data={"title": title, "due_date": due_date, "assignee": assignee},
    )


def _locked_followup(followup: FollowUp) -> FollowUp:
    return (
        FollowUp.objects.select_for_update(of=("self",))
        .select_related("interaction", "activity", "assignee")
        .get(pk=followup.pk)
    )


@atomic
def followup_complete(*, user, followup: FollowUp) -> FollowUp:
    """Mark a follow-up done (doing it twice keeps the first date and records nothing)."""
    if user is not None and not permissions.can_change_followup(user, followup):
        raise PermissionDenied
    current = _locked_followup(followup)
    if current.done_at is None:
        before = values.snapshot(current, ("done_at", "done_by"))
        current.done_at = timezone.now()
        current.done_by = user_or_none(user)
        current.save(update_fields=["done_at", "done_by"])
        fields = values.diff(before, values.snapshot(current, ("done_at", "done_by")))
        _record_followup(user=user, kind=ChangeKind.FOLLOWUP_COMPLETED, followup=current, fields=fields)
    return current


@atomic
def followup_reopen(*, user, followup: FollowUp) -> FollowUp:
    """Open a done follow-up again; its assignee must still be able to read it."""
    if user is not None and not permissions.can_change_followup(user, followup):
        raise PermissionDenied
    current = _locked_followup(followup)
    if current.done_at is not None:
        _check_assignable(current.interaction, current.assignee)
        before = values.snapshot(current, ("done_at", "done_by"))
        current.done_at = None
        current.done_by = None
        current.save(update_fields=["done_at", "done_by"])
        fields = values.diff(before, values.snapshot(current, ("done_at", "done_by")))
        _record_followup(user=user, kind=ChangeKind.FOLLOWUP_REOPENED, followup=current, fields=fields)
    return current


def _followup_delete(*, user, followup: FollowUp) -> None:
    context = _followup_context(followup)
    before = values.snapshot(followup, FOLLOWUP_FIELDS)
    pk, label = followup.pk, str(followup)
    followup.delete()
    record(
        user=user,
        kind=ChangeKind.FOLLOWUP_DELETED,
        record=followup,
        record_id=pk,
        label=label,
        values=before,
        **context,
    )


@atomic
def followup_delete(*, user, followup: FollowUp) -> None:
    if user is not None and not permissions.can_delete_followup(user, followup):
        raise PermissionDenied
    current = FollowUp.objects.select_for_update(of=("self",)).filter(pk=followup.pk).first()
    if current is not None:  # else deleted a moment ago by someone else
        _followup_delete(user=user, followup=current)
