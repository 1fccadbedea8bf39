"""Retention: rules the office configures are checked nightly; what they find waits for a decision.

Nothing is deleted by the check. It lists findings (`RetentionCandidate`); a coordinator confirms
each (the person is erased, the contact deleted with its content) or keeps it (recorded, and not
proposed again by the same rule for a year; a person past their review date gets a new one).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from knotenpunkt.accounts import roles
from knotenpunkt.actors import people
from knotenpunkt.actors.models import Person
from knotenpunkt.changes.kinds import ChangeKind
from knotenpunkt.changes.models import Change
from knotenpunkt.changes.services import atomic, record
from knotenpunkt.interactions.models import Interaction
from knotenpunkt.privacy.erasure import person_erase
from knotenpunkt.privacy.models import Decision, RetentionCandidate, RetentionKind, RetentionRule, RetentionRun

KEEP_FOR = dt.timedelta(days=365)  # a kept finding is not proposed again by its rule for this long
NEW_REVIEW_AFTER = relativedelta(years=1)

RECORD_TYPE = {
    RetentionKind.PERSON_WITHOUT_BASIS: "actors.person",
    RetentionKind.PERSON_REVIEW_DUE: "actors.person",
    RetentionKind.INTERACTION_OLD: "interactions.interaction",
}


def matching_ids(rule: RetentionRule, today: dt.date) -> set[int]:
    """The records this rule finds today."""
    cutoff = today - relativedelta(months=rule.months)
    if rule.kind == RetentionKind.PERSON_WITHOUT_BASIS:
        recent = Q(interactions__date__gte=cutoff) | Q(participations__activity__start__date__gte=cutoff)
        persons = Person.objects.filter(erased_at__isnull=True, legal_basis="", created_at__date__lt=cutoff)
        return set(persons.values_list("pk", flat=True)) - set(
            Person.objects.filter(recent).values_list("pk", flat=True)
        )
    if rule.kind == RetentionKind.PERSON_REVIEW_DUE:
        return set(
            Person.objects.filter(erased_at__isnull=True, review_date__lt=cutoff if rule.months else today).values_list(
                "pk", flat=True
            )
        )
    if rule.kind == RetentionKind.INTERACTION_OLD:
        return set(Interaction.objects.filter(date__lt=cutoff).values_list("pk", flat=True))
    raise ValueError(rule.kind)


def check(now: dt.datetime | None = None) -> RetentionRun:
    """Apply every active rule: new findings are added, open findings no longer true are withdrawn."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    run = RetentionRun.objects.create(started_at=now)
    found = 0
    for rule in RetentionRule.objects.filter(active=True):
        record_type = RECORD_TYPE[rule.kind]
        with transaction.atomic():
            ids = matching_ids(rule, today)
            candidates = RetentionCandidate.objects.filter(rule=rule, record_type=record_type)
            candidates.filter(decision="").exclude(record_id__in=ids).delete()
            skip = set(
                candidates.filter(
                    Q(decision="") | Q(decision=Decision.KEPT, decided_at__gt=now - KEEP_FOR)
                ).values_list("record_id", flat=True)
            )
            new = [
                RetentionCandidate(rule=rule, record_type=record_type, record_id=pk, found_at=now)
                for pk in sorted(ids - skip)
            ]
            RetentionCandidate.objects.bulk_create(new, batch_size=1000)
            found += candidates.filter(decision="").count()
    run.finished_at = timezone.now()
    run.found = found
    run.save(update_fields=["finished_at", "found"])
    return run


@dataclass
class Finding:
    candidate: RetentionCandidate
    label: str
    url: str
    detail: str


def open_findings(limit: int = 500) -> list[Finding]:
    """Open findings with their records as they are now (a record gone since is not listed)."""
    candidates = list(
        RetentionCandidate.objects.filter(decision="").select_related("rule").order_by("rule", "id")[:limit]
    )
    person_ids = [c.record_id for c in candidates if c.record_type == "actors.person"]
    interaction_ids = [c.record_id for c in candidates if c.record_type == "interactions.interaction"]
    persons = Person.objects.in_bulk(person_ids)
    interactions = Interaction.objects.in_bulk(interaction_ids)
    findings = []
    for c in candidates:
        if c.record_type == "actors.person" and c.record_id in persons:
            person = persons[c.record_id]
            detail = (
                _("Prüfen bis %(date)s") % {"date": f"{person.review_date:%d.%m.%Y}"}
                if c.rule.kind == RetentionKind.PERSON_REVIEW_DUE and person.review_date
                else _("angelegt am %(date)s, keine Rechtsgrundlage") % {"date": f"{person.created_at:%d.%m.%Y}"}
            )
            findings.append(Finding(c, str(person), person_url(person), detail))
        elif c.record_type == "interactions.interaction" and c.record_id in interactions:
            interaction = interactions[c.record_id]
            findings.append(Finding(c, str(interaction), interaction.get_absolute_url(), interaction.summary[:120]))
    return findings


def person_url(person: Person) -> str:
    return reverse("privacy:person", args=[person.pk])


@atomic
def decide(*, user, candidate_ids: list[int], decision: str) -> int:
    """Delete or keep these open findings. Findings decided already are skipped. Returns how many were decided."""
    if not roles.can_manage_personal_data(user):
        raise PermissionDenied(_("Nur die Koordination entscheidet über Löschvorschläge."))
    if decision not in (Decision.DELETED, Decision.KEPT):
        raise ValueError(decision)
    candidates = list(
        RetentionCandidate.objects.select_for_update()
        .filter(pk__in=candidate_ids, decision="")
        .select_related("rule")
        .order_by("id")
    )
    now = timezone.now()
    for candidate in candidates:
        if decision == Decision.DELETED:
            _delete(user, candidate)
        else:
            _keep(user, candidate, now)
        # An erasure marks the person's findings itself; mark this one in any case.
        RetentionCandidate.objects.filter(pk=candidate.pk, decision="").update(
            decision=decision, decided_at=now, decided_by=user
        )
    return len(candidates)


def _delete(user, candidate: RetentionCandidate) -> None:
    if candidate.record_type == "actors.person":
        person = Person.objects.filter(pk=candidate.record_id, erased_at__isnull=True).first()
        if person is not None:
            person_erase(user=user, person=person, reason="retention")
    elif candidate.record_type == "interactions.interaction":
        interaction = Interaction.objects.filter(pk=candidate.record_id).first()
        if interaction is not None:
            interaction_erase(user=user, interaction=interaction, rule=candidate.rule)


def _keep(user, candidate: RetentionCandidate, now) -> None:
    if candidate.record_type == "actors.person" and candidate.rule.kind == RetentionKind.PERSON_REVIEW_DUE:
        person = Person.objects.filter(pk=candidate.record_id, erased_at__isnull=True).first()
        if person is not None:
            people.person_update(
                user=user,
                person=person,
                data={"review_date": timezone.localdate(now) + NEW_REVIEW_AFTER},
                expected_version=None,
            )
    record(
        user=user,
        kind=ChangeKind.RETENTION_KEPT,
        record=candidate,
        label=str(candidate.rule),
        persons=[candidate.record_id] if candidate.record_type == "actors.person" else (),
        extra={"record_type": candidate.record_type, "record_id": candidate.record_id},
    )


def interaction_erase(*, user, interaction: Interaction, rule: RetentionRule) -> None:
    """Delete a contact past its retention period, with its content in the history.

    Unlike an ordinary deletion, the change rows keep nothing of what the contact said: its
    earlier rows and its follow-ups' rows lose their data; the deletion row names only the rule.
    """
    interaction = Interaction.objects.select_for_update().filter(pk=interaction.pk).first()
    if interaction is None:
        return
    actor_ids = list(interaction.actors.values_list("pk", flat=True))
    followup_ids = list(interaction.followups.values_list("pk", flat=True))
    interaction.followups.all().delete()
    pk, label = interaction.pk, str(interaction)
    interaction.delete()
    Change.objects.filter(
        Q(record_type="interactions.interaction", record_id=pk)
        | Q(record_type="interactions.followup", record_id__in=followup_ids)
    ).update(data={"erased": True})
    record(
        user=user,
        kind=ChangeKind.INTERACTION_ERASED,
        record=interaction,
        record_id=pk,
        label=label,
        actors=actor_ids,
        audience="coordination",
        extra={"rule": str(rule)},
    )
