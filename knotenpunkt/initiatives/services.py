"""Initiatives and their stakeholders: one function per change, each recorded (INITIATIVE_*, STAKEHOLDER_*).

Every check a form makes is made here again, so the admin, an import or a later API store nothing a
form would refuse; a refused change raises ValidationError with German messages per field and
changes nothing.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django_countries import countries as all_countries

from knotenpunkt.activities.models import MET_ROLES, ParticipationStatus
from knotenpunkt.changes import locking, values
from knotenpunkt.changes.kinds import Audience, ChangeKind
from knotenpunkt.changes.services import atomic, record, user_or_none
from knotenpunkt.core.page_cache import bump_content_generation
from knotenpunkt.initiatives import permissions
from knotenpunkt.initiatives.models import (
    CoverageRule,
    Initiative,
    InitiativeCountry,
    InitiativeLink,
    Involvement,
    ParticipationRequest,
    Phase,
    RequestStatus,
    Stakeholder,
)
from knotenpunkt.interactions.models import Visibility
from knotenpunkt.lib.text import cleaned

SCALAR_FIELDS = (
    "title",
    "summary",
    "goals",
    "lead",
    "budget",
    "funding",
    "phase",
    "idea_from",
    "planning_from",
    "decision_from",
    "implementation_from",
    "evaluation_from",
    "decision_date",
    "council_paper",
    "public",
    "participation",
)
M2M_FIELDS = ("themes", "sdgs")
ALL_FIELDS = (*SCALAR_FIELDS, *M2M_FIELDS)
STAKEHOLDER_FIELDS = ("role", "influence", "interest", "planned", "reached", "first_involved", "first_involved_how")
# Phases before the council has decided: a decision date for these lies ahead.
BEFORE_DECISION = (Phase.IDEA, Phase.PLANNING, Phase.DECISION)


def _actors_of(initiative: Initiative) -> list[int]:
    return [initiative.lead_id] if initiative.lead_id else []


def _snapshot(initiative: Initiative) -> dict:
    """The recorded values: the fields, and the countries as sorted ISO codes."""
    snapshot = values.snapshot(initiative, ALL_FIELDS)
    snapshot["countries"] = sorted(initiative.countries.values_list("country", flat=True))
    return snapshot


def _check_countries(data: dict) -> None:
    unknown = sorted({str(code) for code in data.get("countries", ()) if code} - set(dict(all_countries)))
    if unknown:
        raise ValidationError({"countries": _("Unbekannter Ländercode: %(codes)s") % {"codes": ", ".join(unknown)}})


def _set_relations(initiative: Initiative, data: dict) -> None:
    for name in M2M_FIELDS:
        if name in data:
            getattr(initiative, name).set(data[name])
    if "countries" in data:
        codes = sorted({str(code) for code in data["countries"] if code})
        initiative.countries.exclude(country__in=codes).delete()
        present = set(initiative.countries.values_list("country", flat=True))
        InitiativeCountry.objects.bulk_create(
            [InitiativeCountry(initiative=initiative, country=code) for code in codes if code not in present]
        )


def _changes_anything(initiative: Initiative, before: dict, data: dict) -> bool:
    """Whether the applied `data` differs from `before` (the fields, the themes, SDGs and countries)."""
    if values.diff({name: before[name] for name in SCALAR_FIELDS}, values.snapshot(initiative, SCALAR_FIELDS)):
        return True
    wanted = {name: values.stored(list(data[name])) for name in M2M_FIELDS if name in data}
    if "countries" in data:
        wanted["countries"] = sorted({str(code) for code in data["countries"] if code})
    return any(before[name] != value for name, value in wanted.items())


def _apply(initiative: Initiative, data: dict) -> None:
    for name in SCALAR_FIELDS:
        if name in data:
            value = data[name]
            if isinstance(value, str):
                value = cleaned(name, value, {"title", "council_paper"}).strip()
            setattr(initiative, name, value)


def _check(initiative: Initiative, before: dict | None, today: dt.date) -> None:
    """The model's checks and constraints (German messages), and a decision date still ahead."""
    errors = {}
    try:
        initiative.full_clean(exclude=["created_by"])
    except ValidationError as exc:
        errors.update(exc.message_dict)
    changed = before is None or str(before.get("decision_date")) != str(initiative.decision_date)
    if (
        isinstance(initiative.decision_date, dt.date)  # not when the field itself was refused above
        and changed
        and initiative.phase in BEFORE_DECISION
        and initiative.decision_date < today
    ):
        errors.setdefault("decision_date", []).append(
            _("Der Beschlusstermin liegt in der Vergangenheit. Bitte einen künftigen Termin angeben.")
        )
    if errors:
        raise ValidationError(errors)


@atomic
def initiative_create(*, user, data: dict, today: dt.date | None = None) -> Initiative:
    permissions.check_can_manage(user)
    initiative = Initiative(created_by=user_or_none(user))
    _apply(initiative, data)
    _check(initiative, None, today or timezone.localdate())
    _check_countries(data)
    initiative.save()
    _set_relations(initiative, data)
    if initiative.public:
        bump_content_generation()  # the Vorhabenliste
    after = _snapshot(initiative)
    record(
        user=user,
        kind=ChangeKind.INITIATIVE_CREATED,
        record=initiative,
        values=after,
        actors=_actors_of(initiative),
        public=initiative.public,
    )
    return initiative


@atomic
def initiative_update(
    *, user, initiative: Initiative, data: dict, expected_version: int | None = None, today: dt.date | None = None
) -> Initiative:
    permissions.check_can_manage(user)
    current = locking.lock(Initiative, initiative.pk, expected_version)
    before = _snapshot(current)
    _apply(current, data)
    _check(current, before, today or timezone.localdate())
    _check_countries(data)
    if not _changes_anything(current, before, data):
        return current  # a repeated or empty submit: no new version, nothing recorded
    locking.bump(current)
    current.save()
    _set_relations(current, data)
    if before["public"] or current.public:
        bump_content_generation()  # the Vorhabenliste
    after = _snapshot(current)
    fields = values.diff(before, after)
    if fields:
        record(
            user=user,
            kind=ChangeKind.INITIATIVE_UPDATED,
            record=current,
            fields=fields,
            actors=sorted(set(_actors_of(current)) | ({before["lead"]} if before["lead"] else set())),
            public=bool(before["public"] or current.public),
        )
    return current


@atomic
def initiative_delete(*, user, initiative: Initiative) -> None:
    """Delete an initiative with its stakeholders, links, requests and council paper, recorded once:
    the change names every stakeholder's actor, so their histories keep it."""
    permissions.check_can_manage(user)
    current = locking.lock(Initiative, initiative.pk, None)
    snapshot = _snapshot(current)
    stakeholders = list(current.stakeholders.values_list("actor_id", flat=True))
    snapshot["stakeholders"] = sorted(stakeholders)
    pk, label, public = current.pk, str(current), current.public
    current.delete()
    if public:
        bump_content_generation()  # the Vorhabenliste
    record(
        user=user,
        kind=ChangeKind.INITIATIVE_DELETED,
        record=current,
        record_id=pk,
        label=label,
        values=snapshot,
        actors=sorted(set(stakeholders) | ({snapshot["lead"]} if snapshot["lead"] else set())),
        public=public,
    )


@atomic
def stakeholder_add(*, user, initiative: Initiative, actor, data: dict | None = None, source: str = "") -> Stakeholder:
    """Put `actor` on the initiative's list (a proposal accepted, or by hand). Twice is refused."""
    permissions.check_can_manage(user)
    Initiative.objects.select_for_update().get(pk=initiative.pk)  # one stakeholder list change at a time
    stakeholder = Stakeholder(initiative=initiative, actor=actor, source=source)
    _apply_stakeholder(stakeholder, data or {})
    _check_stakeholder(stakeholder)
    stakeholder.save()
    record(
        user=user,
        kind=ChangeKind.STAKEHOLDER_ADDED,
        record=stakeholder,
        label=f"{actor} – {initiative}",
        values={"initiative": initiative.pk, "actor": actor.pk, **values.snapshot(stakeholder, STAKEHOLDER_FIELDS)},
        actors=[actor.pk],
        public=initiative.public,
    )
    return stakeholder


@atomic
def stakeholder_update(*, user, stakeholder: Stakeholder, data: dict, expected_version: int | None = None):
    permissions.check_can_manage(user)
    current = locking.lock(Stakeholder, stakeholder.pk, expected_version)
    before = values.snapshot(current, STAKEHOLDER_FIELDS)
    _apply_stakeholder(current, data)
    _check_stakeholder(current)
    after = values.snapshot(current, STAKEHOLDER_FIELDS)
    fields = values.diff(before, after)
    if not fields:
        return current
    locking.bump(current)
    current.save()
    record(
        user=user,
        kind=ChangeKind.STAKEHOLDER_UPDATED,
        record=current,
        label=str(current),
        fields=fields,
        actors=[current.actor_id],
        public=current.initiative.public,
    )
    return current


@atomic
def stakeholder_remove(*, user, stakeholder: Stakeholder) -> None:
    permissions.check_can_manage(user)
    current = Stakeholder.objects.select_for_update().select_related("actor", "initiative").get(pk=stakeholder.pk)
    pk, label = current.pk, str(current)
    snapshot = {"initiative": current.initiative_id, "actor": current.actor_id}
    snapshot.update(values.snapshot(current, STAKEHOLDER_FIELDS))
    public = current.initiative.public
    current.delete()
    record(
        user=user,
        kind=ChangeKind.STAKEHOLDER_REMOVED,
        record=current,
        record_id=pk,
        label=label,
        values=snapshot,
        actors=[snapshot["actor"]],
        public=public,
    )


def _apply_stakeholder(stakeholder: Stakeholder, data: dict) -> None:
    for name in STAKEHOLDER_FIELDS:
        if name in data:
            value = data[name]
            setattr(stakeholder, name, value.strip() if isinstance(value, str) else value)
    if stakeholder.reached == Involvement.NONE:
        stakeholder.first_involved, stakeholder.first_involved_how = None, ""


def _check_stakeholder(stakeholder: Stakeholder) -> None:
    stakeholder.full_clean()  # fields, the grid and the constraints, with their German messages


@atomic
def coverage_rule_save(*, user, rule: CoverageRule, themes=None) -> CoverageRule:
    """Switch a „Wer fehlt?" check on or off, or set the themes it applies to (the back office)."""
    permissions.check_can_manage(user)
    current = CoverageRule.objects.select_for_update().get(pk=rule.pk)
    names = ("active", "themes")
    before = values.snapshot(current, names)
    current.active = rule.active
    current.save(update_fields=["active"])
    if themes is not None:
        current.themes.set(themes)
    fields = values.diff(before, values.snapshot(current, names))
    if fields:
        record(
            user=user,
            kind=ChangeKind.COVERAGE_RULE_SAVED,
            record=current,
            fields=fields,
            audience=Audience.COORDINATION,
        )
    return current


@atomic
def initiative_link(
    *, user, initiative: Initiative, activity=None, interaction=None, introduction=None, today: dt.date | None = None
) -> InitiativeLink:
    """Link an activity, a contact or an introduction to the initiative (its timeline).

    A past activity or contact involves the stakeholders among its actors: those not yet involved
    get the day and how, and at least "informieren"; an earlier day replaces a later one."""
    permissions.check_can_manage(user)
    Initiative.objects.select_for_update().get(pk=initiative.pk)
    link = InitiativeLink(initiative=initiative, activity=activity, interaction=interaction, introduction=introduction)
    link.full_clean()
    link.save()
    record(
        user=user,
        kind=ChangeKind.INITIATIVE_LINKED,
        record=initiative,
        actors=_actors_of(initiative),
        # A contact's content stays in the contact log: its history names only the day.
        audience=Audience.COORDINATION if interaction else Audience.INTERNAL,
        extra={
            "linked": _link_label(activity, interaction, introduction),
            "activity": activity.pk if activity else None,
            "interaction": interaction.pk if interaction else None,
            "introduction": introduction.pk if introduction else None,
        },
    )
    day, how, actor_ids = _involving(activity, interaction)
    if day is not None and day <= (today or timezone.localdate()):
        for stakeholder in initiative.stakeholders.select_for_update().filter(actor_id__in=actor_ids):
            _involve(user, stakeholder, day, how)
    return link


def _link_label(activity, interaction, introduction) -> str:
    if activity is not None:
        return _("Termin „%(title)s“") % {"title": activity.title}
    if interaction is not None:
        return _("Kontakt vom %(date)s") % {"date": interaction.date.strftime("%d.%m.%Y")}
    return _("Vermittlung: %(pair)s") % {"pair": f"{introduction.actor_a} ↔ {introduction.actor_b}"}


def _involving(activity, interaction) -> tuple[dt.date | None, str, set[int]]:
    """The day, the words and the actors of an activity or contact that involve stakeholders."""
    if activity is not None:
        # A participation the actor has not confirmed yet is no involvement.
        taking_part = activity.participations.filter(
            role__in=MET_ROLES, actor__isnull=False, status=ParticipationStatus.CONFIRMED
        )
        actors = set(taking_part.values_list("actor_id", flat=True))
        return timezone.localdate(activity.start), _("Termin „%(title)s“") % {"title": activity.title}, actors
    if interaction is not None:
        actors = set(interaction.actors.values_list("pk", flat=True))
        if interaction.visibility == Visibility.COORDINATION:
            # The stakeholder table is read by city staff too: of a contact only the office may see, it
            # names the day of the involvement and nothing of the contact (docs/decisions.md).
            return interaction.date, _("Kontakt der Koordination"), actors
        how = _("Kontakt (%(channel)s)") % {"channel": interaction.get_channel_display()}
        return interaction.date, how, actors
    return None, "", set()


def _involve(user, stakeholder: Stakeholder, day: dt.date, how: str) -> None:
    if stakeholder.first_involved is not None and stakeholder.first_involved <= day:
        return
    before = values.snapshot(stakeholder, STAKEHOLDER_FIELDS)
    stakeholder.first_involved, stakeholder.first_involved_how = day, how[:300]
    if stakeholder.reached == Involvement.NONE:
        stakeholder.reached = Involvement.INFORM
    locking.bump(stakeholder)
    stakeholder.save()
    record(
        user=user,
        kind=ChangeKind.STAKEHOLDER_UPDATED,
        record=stakeholder,
        label=str(stakeholder),
        fields=values.diff(before, values.snapshot(stakeholder, STAKEHOLDER_FIELDS)),
        actors=[stakeholder.actor_id],
        public=False,
    )


# --- „Wir möchten mitwirken" ---------------------------------------------------------------------


@atomic
def participation_request(*, user, initiative: Initiative, actor, message: str) -> ParticipationRequest:
    """An actor's editor offers their actor for a public initiative. One open request per actor."""
    if not permissions.can_request_participation(user, initiative, actor):
        raise PermissionDenied(_("Mitwirken anbieten kann nur, wer den Akteur bearbeitet, bei öffentlichen Vorhaben."))
    Initiative.objects.select_for_update().get(pk=initiative.pk)
    if initiative.stakeholders.filter(actor=actor).exists():
        raise ValidationError({"actor": _("%(actor)s ist schon an dem Vorhaben beteiligt.") % {"actor": actor}})
    request = ParticipationRequest(initiative=initiative, actor=actor, message=message.strip(), requested_by=user)
    request.full_clean(exclude=["requested_by", "answered_by"])
    request.save()
    record(
        user=user,
        kind=ChangeKind.PARTICIPATION_REQUESTED,
        record=request,
        label=str(request),
        values={"initiative": initiative.pk, "actor": actor.pk, "message": request.message},
        actors=[actor.pk],
    )
    return request


@atomic
def participation_answer(
    *, user, request: ParticipationRequest, accept: bool, answer: str = ""
) -> ParticipationRequest:
    """The office answers a request; accepting puts the actor on the list (planned: mitwirken).
    A request already answered is not answered again (a repeated submit changes nothing)."""
    permissions.check_can_manage(user)
    current = ParticipationRequest.objects.select_for_update().select_related("initiative", "actor").get(pk=request.pk)
    if current.status != RequestStatus.OPEN:
        raise ValidationError(_("Diese Anfrage ist schon beantwortet."))
    current.status = RequestStatus.ACCEPTED if accept else RequestStatus.DECLINED
    current.answer = answer.strip()
    current.answered_by = user_or_none(user)
    current.answered_at = timezone.now()
    current.full_clean(exclude=["requested_by", "answered_by"])
    current.save()
    record(
        user=user,
        kind=ChangeKind.PARTICIPATION_ANSWERED,
        record=current,
        label=str(current),
        values={"status": current.status, "answer": current.answer},
        actors=[current.actor_id],
    )
    if accept and not current.initiative.stakeholders.filter(actor=current.actor).exists():
        stakeholder_add(
            user=user,
            initiative=current.initiative,
            actor=current.actor,
            data={"planned": Involvement.COLLABORATE, "role": _("hat Mitwirkung angeboten")},
            source="request",
        )
    return current
