"""How early an initiative involved its stakeholders.

* Lead time of a stakeholder: days from its first involvement to the council's decision date.
* Early share of an initiative: of its high-influence stakeholders (influence ≥ HIGH_INFLUENCE),
  how many were involved before the planning phase ended (the day the decision phase starts; while
  the initiative is still in idea or planning, today counts as that end).
* Warnings: once the phase has moved past planning, every high-influence stakeholder still not
  involved is named.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from knotenpunkt.initiatives.models import Initiative, Involvement, Phase, Stakeholder

HIGH_INFLUENCE = 4
BEFORE_PLANNING_ENDS = (Phase.IDEA, Phase.PLANNING)


@dataclass(frozen=True)
class EarlyShare:
    involved_early: int
    high_influence: int

    @property
    def share(self) -> float | None:
        """None without high-influence stakeholders: nothing to measure, not 0 %."""
        return self.involved_early / self.high_influence if self.high_influence else None


def lead_time_days(stakeholder: Stakeholder, initiative: Initiative) -> int | None:
    if stakeholder.first_involved is None or initiative.decision_date is None:
        return None
    return (initiative.decision_date - stakeholder.first_involved).days


def planning_end(initiative: Initiative, today: dt.date | None = None) -> dt.date | None:
    if initiative.decision_from is not None:
        return initiative.decision_from
    if initiative.phase in BEFORE_PLANNING_ENDS:
        return today or timezone.localdate()
    return None  # past planning without the day it ended: not measurable


def early_share(initiative: Initiative, stakeholders=None, today: dt.date | None = None) -> EarlyShare:
    stakeholders = list(initiative.stakeholders.all() if stakeholders is None else stakeholders)
    high = [s for s in stakeholders if s.influence >= HIGH_INFLUENCE]
    end = planning_end(initiative, today)
    early = [s for s in high if s.first_involved is not None and end is not None and s.first_involved <= end]
    return EarlyShare(involved_early=len(early), high_influence=len(high))


def warnings(initiative: Initiative, stakeholders=None) -> list[str]:
    """`stakeholders`: the initiative's stakeholders with their actors, if the caller has them."""
    if initiative.phase in BEFORE_PLANNING_ENDS:
        return []
    if stakeholders is None:
        stakeholders = initiative.stakeholders.select_related("actor")
    missing = sorted(
        (s for s in stakeholders if s.influence >= HIGH_INFLUENCE and s.reached == Involvement.NONE),
        key=lambda s: (s.actor.name, s.pk),
    )
    return [
        _("%(actor)s hat großen Einfluss und ist noch nicht einbezogen, obwohl die Planung abgeschlossen ist.")
        % {"actor": s.actor.name}
        for s in missing
    ]
