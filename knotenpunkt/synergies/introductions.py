"""Introductions (Vermittlung): one named function per step, and the reads the pages and the engine need.

An introduction moves proposed → introduced → met → cooperating, or is declined from any open
step. Every step is atomic, checks the order (INTRODUCTION_STEPS) and the version the page was
loaded with, and records one change (INTRODUCTION_*, touching both actors): the introduction's
history ("Verlauf") is those change rows. Sending queues one IntroductionMail per side in the same
transaction; the reaction to INTRODUCTION_SENT starts the task that sends them after commit.
Meeting and cooperating call the contact log's and the network's own services, which record their
changes in the same batch.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from knotenpunkt.actors import permissions as actor_permissions
from knotenpunkt.actors.models import Actor, Membership
from knotenpunkt.actors.selectors import same_organisation
from knotenpunkt.changes import locking, values
from knotenpunkt.changes.kinds import ChangeKind
from knotenpunkt.changes.services import atomic, record, user_or_none
from knotenpunkt.interactions.models import Channel, Visibility
from knotenpunkt.interactions.services import interaction_create
from knotenpunkt.network.models import Tie, TieKind
from knotenpunkt.network.services import tie_create
from knotenpunkt.synergies import emails, permissions
from knotenpunkt.synergies.models import (
    INTRODUCTION_STEPS,
    Introduction,
    IntroductionMail,
    IntroductionMailStatus,
    IntroductionStatus,
    Suggestion,
)

OPEN_STATES = (IntroductionStatus.PROPOSED, IntroductionStatus.INTRODUCED, IntroductionStatus.MET)
# What a change of an introduction stores (its reasons are the suggestion's, kept on the row itself).
RECORDED_FIELDS = (
    "actor_a",
    "actor_b",
    "status",
    "note",
    "requested_by",
    "introduced_at",
    "met_at",
    "cooperating_at",
    "declined_at",
    "interaction",
    "tie",
)
STEP_KINDS = {
    IntroductionStatus.INTRODUCED: ChangeKind.INTRODUCTION_SENT,
    IntroductionStatus.MET: ChangeKind.INTRODUCTION_MET,
    IntroductionStatus.COOPERATING: ChangeKind.INTRODUCTION_COOPERATING,
    IntroductionStatus.DECLINED: ChangeKind.INTRODUCTION_DECLINED,
}


def label(introduction: Introduction) -> str:
    """How the history names an introduction: the two actors."""
    return f"{introduction.actor_a.name} – {introduction.actor_b.name}"


def _record(*, user, kind: str, introduction: Introduction, **kwargs) -> None:
    record(
        user=user,
        kind=kind,
        record=introduction,
        label=label(introduction),
        actors=[introduction.actor_a_id, introduction.actor_b_id],
        **kwargs,
    )


def ordered_pair(actor, partner) -> tuple[int, int]:
    a, b = getattr(actor, "pk", actor), getattr(partner, "pk", partner)
    return (a, b) if a < b else (b, a)


# --- reads --------------------------------------------------------------------------------


def introduction_for_pair(actor, partner) -> Introduction | None:
    a, b = ordered_pair(actor, partner)
    return Introduction.objects.filter(actor_a_id=a, actor_b_id=b).first()


def introductions_by_pair(actor, partner_ids) -> dict[tuple[int, int], Introduction]:
    """The introductions of `actor` with each of `partner_ids`, keyed by ordered pair (one query)."""
    ids = [getattr(p, "pk", p) for p in partner_ids]
    qs = Introduction.objects.filter(
        Q(actor_a_id=actor.pk, actor_b_id__in=ids) | Q(actor_b_id=actor.pk, actor_a_id__in=ids)
    )
    return {(i.actor_a_id, i.actor_b_id): i for i in qs}


def excluded_pairs_queryset(actor_ids=None) -> QuerySet:
    """Pairs (actor_a_id, actor_b_id) the engine must not suggest: declined, or already cooperating.

    `actor_ids` limits it to pairs touching these actors (for an incremental run).
    """
    qs = Introduction.objects.filter(status__in=[IntroductionStatus.DECLINED, IntroductionStatus.COOPERATING])
    if actor_ids is not None:
        ids = list(actor_ids)
        qs = qs.filter(Q(actor_a_id__in=ids) | Q(actor_b_id__in=ids))
    return qs.values_list("actor_a_id", "actor_b_id").order_by()


def excluded_pairs(actor_ids=None) -> set[tuple[int, int]]:
    """The same as a set of ordered pairs (smaller id first); look up (min(x, y), max(x, y))."""
    return set(excluded_pairs_queryset(actor_ids))


def suggestion_reasons(actor, partner) -> list:
    """The reasons of the stored suggestion of this pair (either direction), or []."""
    suggestion = (
        Suggestion.objects.filter(Q(actor=actor, partner=partner) | Q(actor=partner, partner=actor))
        .order_by("rank")
        .only("reasons")
        .first()
    )
    return list(suggestion.reasons) if suggestion else []


def mail_address(actor: Actor) -> str:
    """Where an introduction to `actor` goes: its public address, else the first contact person's.

    A person whose processing is restricted (Art. 18 DSGVO) gets no mail.
    """
    if actor.contact_email:
        return actor.contact_email
    membership = (
        Membership.objects.filter(actor=actor, person__restricted=False, person__erased_at__isnull=True)
        .exclude(person__email="")
        .select_related("person")
        .order_by("pk")
        .first()
    )
    return membership.person.email if membership else ""


def open_counts() -> dict[str, int]:
    return dict(
        Introduction.objects.filter(status__in=OPEN_STATES).values_list("status").annotate(n=Count("id")).order_by()
    )


def conversion(queryset: QuerySet | None = None) -> list[dict]:
    """How many introductions reached each step (a later step counts for the earlier ones), and declined.

    Rows: {"status", "label", "count", "percent"} with percent of all proposed.
    """
    qs = Introduction.objects.all() if queryset is None else queryset
    by_status = dict(qs.values_list("status").annotate(n=Count("id")).order_by())
    reached = {}
    remaining = 0
    for step in reversed(INTRODUCTION_STEPS):
        remaining += by_status.get(step, 0)
        reached[step] = remaining
    # A declined introduction was proposed; whether it got further is in its timestamps.
    declined = qs.filter(status=IntroductionStatus.DECLINED)
    reached[IntroductionStatus.PROPOSED] += by_status.get(IntroductionStatus.DECLINED, 0)
    reached[IntroductionStatus.INTRODUCED] += declined.filter(introduced_at__isnull=False).count()
    reached[IntroductionStatus.MET] += declined.filter(met_at__isnull=False).count()
    total = reached[IntroductionStatus.PROPOSED]
    rows = []
    for step in [*INTRODUCTION_STEPS, IntroductionStatus.DECLINED]:
        count = reached.get(step, by_status.get(step, 0))
        rows.append(
            {
                "status": str(step),
                "label": str(IntroductionStatus(step).label),
                "count": count,
                "percent": round(100 * count / total) if total else 0,
            }
        )
    return rows


def next_steps(introduction: Introduction) -> list[str]:
    """The steps open to this introduction now (forward one, and declining while open)."""
    if not introduction.is_open:
        return []
    position = INTRODUCTION_STEPS.index(introduction.status)
    return [str(INTRODUCTION_STEPS[position + 1]), str(IntroductionStatus.DECLINED)]


# --- checks shared by the steps --------------------------------------------------------------


def _require_manager(user) -> None:
    if user is not None and not permissions.can_manage_introductions(user):
        raise PermissionDenied(_("Vermittlungen betreut die Koordinierungsstelle."))


def _locked(introduction: Introduction, expected_version: int | None) -> Introduction:
    return locking.lock(Introduction, introduction.pk, expected_version)


def _check_step(introduction: Introduction, target: str) -> None:
    if target in next_steps(introduction):
        return
    if not introduction.is_open:
        message = _("Die Vermittlung ist abgeschlossen (%(status)s) und lässt sich nicht mehr ändern.")
    else:
        message = _("Dieser Schritt passt nicht zum Stand „%(status)s“. Als Nächstes kommt „%(next)s“.")
    raise ValidationError(
        message
        % {
            "status": introduction.get_status_display(),
            "next": IntroductionStatus(next_steps(introduction)[0]).label if introduction.is_open else "",
        }
    )


def _advance(introduction: Introduction, status: str, *, user, extra: dict | None = None, **fields) -> Introduction:
    before = values.snapshot(introduction, RECORDED_FIELDS)
    introduction.status = status
    for name, value in fields.items():
        setattr(introduction, name, value)
    locking.bump(introduction)
    introduction.save(update_fields=["status", "version", *fields])
    _record(
        user=user,
        kind=STEP_KINDS[status],
        introduction=introduction,
        fields=values.diff(before, values.snapshot(introduction, RECORDED_FIELDS)),
        extra=extra,
    )
    return introduction


def _current_ties(a: int, b: int):
    today = timezone.localdate()
    return Tie.objects.filter(Q(source_id=a, target_id=b) | Q(source_id=b, target_id=a)).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=today)
    )


# --- steps ---------------------------------------------------------------------------------


def _propose(*, user, actor, partner, note, reasons, requested_by, kind) -> Introduction:
    if actor.pk == partner.pk:
        raise ValidationError({"partner": _("Ein Akteur lässt sich nicht mit sich selbst bekannt machen.")})
    a, b = ordered_pair(actor, partner)
    existing = Introduction.objects.filter(actor_a_id=a, actor_b_id=b).first()
    if existing is not None:
        raise ValidationError(
            _("Für „%(a)s“ und „%(b)s“ gibt es schon eine Vermittlung (Stand: %(status)s).")
            % {"a": actor.name, "b": partner.name, "status": existing.get_status_display()}
        )
    tie = _current_ties(a, b).first()
    if tie is not None:
        raise ValidationError(
            _("„%(a)s“ und „%(b)s“ sind schon verbunden (%(kind)s); eine Vermittlung ist nicht nötig.")
            % {"a": actor.name, "b": partner.name, "kind": tie.get_kind_display()}
        )
    organisation = same_organisation(actor, partner)
    if organisation is not None:
        raise ValidationError(
            _("„%(a)s“ und „%(b)s“ gehören beide zu „%(top)s“; eine Vermittlung ist nicht nötig.")
            % {"a": actor.name, "b": partner.name, "top": organisation.name}
        )
    if reasons is None:
        reasons = suggestion_reasons(actor, partner)
    try:
        with atomic():
            introduction = Introduction.objects.create(
                actor_a_id=a,
                actor_b_id=b,
                note=(note or "").strip(),
                reasons=reasons,
                requested_by=requested_by,
                created_by=user_or_none(user),
            )
    except IntegrityError:
        # Someone proposed the same pair a moment ago.
        existing = introduction_for_pair(a, b)
        raise ValidationError(
            _("Für „%(a)s“ und „%(b)s“ gibt es schon eine Vermittlung (Stand: %(status)s).")
            % {"a": actor.name, "b": partner.name, "status": existing.get_status_display() if existing else "?"}
        ) from None
    _record(
        user=user,
        kind=kind,
        introduction=introduction,
        values=values.snapshot(introduction, RECORDED_FIELDS),
    )
    return introduction


@atomic
def introduction_propose(*, user, actor, partner, note: str = "", reasons=None, requested_by=None) -> Introduction:
    """The office proposes to introduce `actor` and `partner` (reasons default to their stored suggestion).

    Refuses the actor itself, a pair that already has an introduction (naming its state), a pair
    already tied by a current declared tie and two units of one organisation's hierarchy.
    """
    _require_manager(user)
    return _propose(
        user=user,
        actor=actor,
        partner=partner,
        note=note,
        reasons=reasons,
        requested_by=requested_by,
        kind=ChangeKind.INTRODUCTION_PROPOSED,
    )


@atomic
def introduction_request(*, user, actor, partner, note: str = "") -> Introduction:
    """An editor of `actor` asks the office to introduce it to `partner`: a proposed introduction
    with `requested_by=actor`, waiting on the dashboard for the coordination."""
    if user is not None and not permissions.can_request_introduction(user, actor):
        raise PermissionDenied(_("Nur für die eigenen Akteure lässt sich eine Vermittlung anfragen."))
    if user is not None and not actor_permissions.visible_actors(user).filter(pk=partner.pk).exists():
        raise PermissionDenied
    return _propose(
        user=user,
        actor=actor,
        partner=partner,
        note=note,
        reasons=None,
        requested_by=actor,
        kind=ChangeKind.INTRODUCTION_REQUESTED,
    )


def _missing_address_error(missing: list[Actor]) -> ValidationError:
    if len(missing) == 1:
        names = _("„%(name)s“") % {"name": missing[0].name}
    else:
        names = _("„%(a)s“ und „%(b)s“") % {"a": missing[0].name, "b": missing[1].name}
    return ValidationError(
        _(
            "Für %(names)s ist keine E-Mail-Adresse hinterlegt. Bitte im Profil eine öffentliche E-Mail-Adresse "
            "oder bei einer Kontaktperson eine E-Mail-Adresse eintragen und dann erneut senden. "
            "Es wurde nichts verschickt."
        )
        % {"names": names}
    )


@atomic
def introduction_send(*, user, introduction: Introduction, expected_version: int | None = None) -> Introduction:
    """Introduce the two actors: status introduced, one mail per side queued, sent after commit
    (the reaction to INTRODUCTION_SENT starts the sending task).

    If a side has no e-mail address (public, or of a contact person) nothing changes and a
    ValidationError says which actor lacks one and what to do.
    """
    _require_manager(user)
    current = _locked(introduction, expected_version)
    _check_step(current, IntroductionStatus.INTRODUCED)
    sides = [current.actor_a, current.actor_b]
    addresses = {actor.pk: mail_address(actor) for actor in sides}
    missing = [actor for actor in sides if not addresses[actor.pk]]
    if missing:
        raise _missing_address_error(missing)
    _advance(current, IntroductionStatus.INTRODUCED, user=user, introduced_at=timezone.now())
    sender = user_or_none(user)
    for actor, other in ((current.actor_a, current.actor_b), (current.actor_b, current.actor_a)):
        subject, body = emails.introduction_text(current, actor=actor, other=other, sender=sender)
        IntroductionMail.objects.create(
            introduction=current,
            actor=actor,
            recipient=addresses[actor.pk],
            subject=subject,
            body=body,
            reply_to=getattr(sender, "email", "") or "",
        )
    return current


@atomic
def introduction_retry_mails(*, user, introduction: Introduction) -> int:
    """Queue the introduction's failed mails again and start a sending run; returns how many.

    The sending run is the reaction to INTRODUCTION_MAILS_RETRIED (after commit); the version stays,
    since the introduction itself does not change.
    """
    _require_manager(user)
    failed = introduction.mails.filter(status=IntroductionMailStatus.FAILED)
    count = failed.count()
    if count:
        current = Introduction.objects.select_related("actor_a", "actor_b").get(pk=introduction.pk)
        _record(
            user=user,
            kind=ChangeKind.INTRODUCTION_MAILS_RETRIED,
            introduction=current,
            extra={"count": count},
        )
    return count


@atomic
def introduction_mark_met(
    *, user, introduction: Introduction, date: dt.date, summary: str, expected_version: int | None = None
) -> Introduction:
    """The two met: logs a contact (Interaction) with both actors and links it."""
    _require_manager(user)
    current = _locked(introduction, expected_version)
    _check_step(current, IntroductionStatus.MET)
    summary = (summary or "").strip()
    if not summary:
        raise ValidationError({"summary": _("Bitte kurz festhalten, worum es beim Treffen ging.")})
    if date is None:
        raise ValidationError({"date": _("Bitte ein Datum angeben.")})
    if date > timezone.localdate():
        raise ValidationError({"date": _("Das Treffen liegt in der Zukunft; bitte erst danach eintragen.")})
    interaction = interaction_create(
        user=user,
        data={
            "date": date,
            "channel": Channel.MEETING,
            "summary": summary,
            "visibility": Visibility.COORDINATION,
            "actors": [current.actor_a_id, current.actor_b_id],
        },
    )
    return _advance(
        current,
        IntroductionStatus.MET,
        user=user,
        extra={"date": date.isoformat()},
        met_at=timezone.now(),
        interaction=interaction,
    )


@atomic
def introduction_mark_cooperating(*, user, introduction: Introduction, expected_version: int | None = None):
    """The two cooperate: a declared cooperation tie between them (an existing one is linked instead)."""
    _require_manager(user)
    current = _locked(introduction, expected_version)
    _check_step(current, IntroductionStatus.COOPERATING)
    a, b = current.actor_a_id, current.actor_b_id
    tie = (
        Tie.objects.filter(kind=TieKind.COOPERATION)
        .filter(Q(source_id=a, target_id=b) | Q(source_id=b, target_id=a))
        .order_by("pk")
        .first()
    )
    if tie is None:
        # Internal until the two agree to show it; the coordination can publish it on the profile.
        tie = tie_create(
            user=user,
            source=current.actor_a,
            target=current.actor_b,
            kind=TieKind.COOPERATION,
            start_date=timezone.localdate(),
            note=_("Aus einer Vermittlung der Koordinierungsstelle."),
            public=False,
        )
    return _advance(
        current,
        IntroductionStatus.COOPERATING,
        user=user,
        cooperating_at=timezone.now(),
        tie=tie,
    )


@atomic
def introduction_decline(*, user, introduction: Introduction, reason: str = "", expected_version: int | None = None):
    """Close the introduction as declined (from any open step); the pair is not suggested again."""
    _require_manager(user)
    current = _locked(introduction, expected_version)
    _check_step(current, IntroductionStatus.DECLINED)
    return _advance(
        current,
        IntroductionStatus.DECLINED,
        user=user,
        extra={"reason": (reason or "").strip()},
        declined_at=timezone.now(),
    )
