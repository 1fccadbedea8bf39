"""What the initiative pages show: the list, the grid, the timeline, the figures of one initiative."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Case, Count, F, Q, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from knotenpunkt.accounts import roles
from knotenpunkt.activities import permissions as activity_permissions
from knotenpunkt.actors.models import Actor
from knotenpunkt.initiatives import coverage, involvement, permissions
from knotenpunkt.initiatives.models import (
    GRID_MAX,
    PHASE_STARTS,
    Initiative,
    Involvement,
    ParticipationRequest,
    Phase,
    RequestStatus,
    Stakeholder,
)
from knotenpunkt.interactions import permissions as interaction_permissions
from knotenpunkt.synergies import permissions as synergy_permissions

# Public initiatives should be in the Vorhabenliste at least this long before the council decides
# (Heidelberg's rule: three months).
PUBLIC_LEAD_DAYS = 91
# The grid's quadrants, named for the cell at each corner: (high influence?, high interest?) → advice.
QUADRANTS = {
    (True, True): gettext_lazy("eng einbinden"),
    (True, False): gettext_lazy("zufriedenstellen"),
    (False, True): gettext_lazy("informiert halten"),
    (False, False): gettext_lazy("beobachten"),
}
MIDDLE = (GRID_MAX + 1) / 2
# The latest contacts and introductions of the stakeholders offered for linking.
LINK_CHOICES = 50


def quadrant(influence: int, interest: int) -> str:
    """The middle row and column count as high: a stakeholder of middling influence is kept close."""
    return str(QUADRANTS[(influence >= MIDDLE, interest >= MIDDLE)])


def initiative_list(user, *, q: str = "", phase: str = "", public: str = ""):
    qs = permissions.visible_initiatives(user).select_related("lead")
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(summary__icontains=q) | Q(council_paper__icontains=q))
    if phase:
        qs = qs.filter(phase=phase)
    if public in ("0", "1"):
        qs = qs.filter(public=public == "1")
    return qs.annotate(
        stakeholder_count=Count("stakeholders", distinct=True),
        open_requests=Count("requests", filter=Q(requests__status=RequestStatus.OPEN), distinct=True),
    ).order_by("title", "id")


def with_figures(initiatives: list[Initiative], today: dt.date | None = None) -> list[Initiative]:
    """Attach the gaps, the early share and the Vorhabenliste hint to each initiative of a list page."""
    today = today or timezone.localdate()
    gaps = coverage.gaps_for_all([i.pk for i in initiatives])
    by_initiative: dict[int, list[Stakeholder]] = {i.pk: [] for i in initiatives}
    for stakeholder in Stakeholder.objects.filter(initiative__in=initiatives).only(
        "initiative_id", "influence", "first_involved"
    ):
        by_initiative[stakeholder.initiative_id].append(stakeholder)
    for initiative in initiatives:
        initiative.gaps = gaps.get(initiative.pk, [])
        initiative.early = involvement.early_share(initiative, by_initiative[initiative.pk], today)
        initiative.public_hint = public_hint(initiative, today)
    return initiatives


def public_hint(initiative: Initiative, today: dt.date | None = None) -> str:
    """A reminder when an internal initiative's decision is less than three months away."""
    today = today or timezone.localdate()
    if (
        initiative.public
        or initiative.decision_date is None
        or initiative.phase
        not in (
            Phase.IDEA,
            Phase.PLANNING,
            Phase.DECISION,
        )
    ):
        return ""
    days = (initiative.decision_date - today).days
    if days < 0 or days >= PUBLIC_LEAD_DAYS:
        return ""
    return _(
        "Der Beschluss ist in %(days)s Tagen, das Vorhaben steht aber nicht in der öffentlichen Vorhabenliste. "
        "Vorhaben sollen dort mindestens drei Monate vor dem Beschluss stehen."
    ) % {"days": days}


AHEAD = (Phase.IDEA, Phase.PLANNING, Phase.DECISION)


def public_list():
    """The Vorhabenliste: public initiatives, those still ahead of their decision first (the nearest
    decision first), then the decided ones (the latest first). `decided` is 0 or 1 on each row."""
    return (
        Initiative.objects.filter(public=True)
        .select_related("lead")
        .annotate(
            decided=Case(When(phase__in=AHEAD, then=Value(0)), default=Value(1)),
            ahead_date=Case(When(phase__in=AHEAD, then=F("decision_date"))),
            decided_date=Case(When(~Q(phase__in=AHEAD), then=F("decision_date"))),
        )
        .order_by(
            "decided",
            F("ahead_date").asc(nulls_last=True),
            F("decided_date").desc(nulls_last=True),
            "title",
            "id",
        )
    )


def stakeholders_of(initiative: Initiative) -> list[Stakeholder]:
    """The stakeholders with their actors, lead times, quadrants and labels (each label translated
    once per page, not once per row: a page of 25 stakeholders otherwise spends its time in gettext)."""
    stakeholders = list(
        initiative.stakeholders.select_related("actor").order_by("-influence", "-interest", "actor__name", "id")
    )
    labels = {value: str(label) for value, label in Involvement.choices}
    quadrants = {key: str(text) for key, text in QUADRANTS.items()}
    for stakeholder in stakeholders:
        stakeholder.lead_time = involvement.lead_time_days(stakeholder, initiative)
        stakeholder.quadrant = quadrants[(stakeholder.influence >= MIDDLE, stakeholder.interest >= MIDDLE)]
        stakeholder.planned_label = labels[stakeholder.planned]
        stakeholder.reached_label = labels[stakeholder.reached]
    return stakeholders


@dataclass
class Cell:
    influence: int
    interest: int
    stakeholders: list
    label: str = ""


def grid(stakeholders: list[Stakeholder]) -> list[list[Cell]]:
    """Rows from high influence (top) to low; columns from low interest (left) to high. The corner
    cells carry their quadrant's advice."""
    corners = {(GRID_MAX, GRID_MAX), (GRID_MAX, 1), (1, GRID_MAX), (1, 1)}
    rows = []
    for influence in range(GRID_MAX, 0, -1):
        row = []
        for interest in range(1, GRID_MAX + 1):
            here = [s for s in stakeholders if s.influence == influence and s.interest == interest]
            label = quadrant(influence, interest) if (influence, interest) in corners else ""
            row.append(Cell(influence, interest, here, label))
        rows.append(row)
    return rows


@dataclass
class Entry:
    day: dt.date
    kind: str  # phase, decision, activity, contact, introduction
    label: str
    url: str = ""

    @property
    def future(self) -> bool:
        return self.day > timezone.localdate()


def timeline(initiative: Initiative, user) -> list[Entry]:
    """The phases, the council's decision, and the linked activities, contacts and introductions
    this user may see, by day."""
    entries = []
    for phase, name in PHASE_STARTS:
        day = getattr(initiative, name)
        if day is not None:
            entries.append(Entry(day, "phase", _("Phase „%(phase)s“ beginnt") % {"phase": phase.label}))
    if initiative.decision_date is not None:
        label = _("Beschluss im Gemeinderat")
        if initiative.council_paper:
            label += f" ({_('Drucksache')} {initiative.council_paper})"
        entries.append(Entry(initiative.decision_date, "decision", label))
    links = list(
        initiative.links.select_related("activity", "interaction", "introduction__actor_a", "introduction__actor_b")
    )
    activity_ids = {link.activity_id for link in links if link.activity_id}
    interaction_ids = {link.interaction_id for link in links if link.interaction_id}
    introduction_ids = {link.introduction_id for link in links if link.introduction_id}
    seen_activities = set(
        activity_permissions.visible_activities(user).filter(pk__in=activity_ids).values_list("pk", flat=True)
    )
    seen_interactions = set(
        interaction_permissions.visible_interactions(user).filter(pk__in=interaction_ids).values_list("pk", flat=True)
    )
    seen_introductions = set(
        synergy_permissions.visible_introductions(user).filter(pk__in=introduction_ids).values_list("pk", flat=True)
    )
    for link in links:
        if link.activity_id in seen_activities:
            activity = link.activity
            entries.append(
                Entry(
                    timezone.localdate(activity.start),
                    "activity",
                    _("Termin: %(title)s") % {"title": activity.title},
                    activity.get_absolute_url(),
                )
            )
        elif link.interaction_id in seen_interactions:
            interaction = link.interaction
            entries.append(
                Entry(
                    interaction.date,
                    "contact",
                    _("Kontakt (%(channel)s)") % {"channel": interaction.get_channel_display()},
                    interaction.get_absolute_url(),
                )
            )
        elif link.introduction_id in seen_introductions:
            introduction = link.introduction
            entries.append(
                Entry(
                    timezone.localdate(introduction.created_at),
                    "introduction",
                    _("Vermittlung: %(a)s ↔ %(b)s (%(status)s)")
                    % {
                        "a": introduction.actor_a.name,
                        "b": introduction.actor_b.name,
                        "status": introduction.get_status_display(),
                    },
                    reverse("synergies:introduction_detail", args=[introduction.pk]),
                )
            )
    order = {"phase": 0, "activity": 1, "contact": 1, "introduction": 1, "decision": 2}
    return sorted(entries, key=lambda e: (e.day, order[e.kind]))


def link_choices(initiative: Initiative, user):
    """What may be linked: activities (by picker), and the recent contacts and introductions of the
    initiative's stakeholders and lead that this user may see."""
    actor_ids = set(initiative.stakeholders.values_list("actor_id", flat=True))
    if initiative.lead_id:
        actor_ids.add(initiative.lead_id)
    linked = initiative.links.all()
    interactions = (
        interaction_permissions.visible_interactions(user)
        .filter(actors__in=actor_ids)
        .exclude(pk__in=linked.filter(interaction__isnull=False).values("interaction_id"))
        .distinct()
        .prefetch_related("actors")
        .order_by("-date", "-id")
    )
    introductions = (
        synergy_permissions.visible_introductions(user)
        .filter(Q(actor_a__in=actor_ids) | Q(actor_b__in=actor_ids))
        .exclude(pk__in=linked.filter(introduction__isnull=False).values("introduction_id"))
        .select_related("actor_a", "actor_b")
        .order_by("-created_at", "-id")
    )
    # The form checks a posted choice with .get(), which a sliced queryset refuses: limit by ids.
    return {
        "activities": activity_permissions.visible_activities(user),
        "interactions": interactions.filter(pk__in=list(interactions.values_list("pk", flat=True)[:LINK_CHOICES])),
        "introductions": introductions.filter(pk__in=list(introductions.values_list("pk", flat=True)[:LINK_CHOICES])),
    }


def open_requests(initiative: Initiative):
    return list(
        initiative.requests.filter(status=RequestStatus.OPEN)
        .select_related("actor", "requested_by")
        .order_by("created_at", "id")
    )


def requests_of_user(initiative: Initiative, user) -> list[ParticipationRequest]:
    ids = roles.edited_actor_ids(user) if user.is_authenticated else set()
    if not ids:
        return []
    return list(initiative.requests.filter(actor_id__in=ids).select_related("actor"))


def own_stakeholdings(initiative: Initiative, user) -> list[Stakeholder]:
    """The stakeholder rows of the actors this user edits (an editor sees how their actor is involved)."""
    ids = roles.edited_actor_ids(user) if user.is_authenticated else set()
    if not ids:
        return []
    return list(initiative.stakeholders.filter(actor_id__in=ids).select_related("actor"))


def editable_actors(user):
    ids = roles.edited_actor_ids(user) if user.is_authenticated else set()
    return Actor.objects.filter(pk__in=ids).order_by("name")


def stakeholder_initiatives(actor: Actor, user) -> list[Stakeholder]:
    """The initiatives an actor is a stakeholder in, as this user may see them (a profile's section)."""
    return list(
        Stakeholder.objects.filter(actor=actor, initiative__in=permissions.visible_initiatives(user))
        .select_related("initiative")
        .order_by("initiative__title", "initiative_id")
    )
