"""One initiative on one page (the „Steckbrief" a coordinator takes into a meeting or sends along)."""

from __future__ import annotations

from django.utils import timezone

from knotenpunkt.initiatives import coverage, involvement, selectors


def initiative_one_pager(initiative, user) -> dict:
    stakeholders = selectors.stakeholders_of(initiative)
    early = involvement.early_share(initiative, stakeholders)
    return {
        "initiative": initiative,
        "themes": list(initiative.themes.all()),
        "sdgs": list(initiative.sdgs.all()),
        "countries": [c.country for c in initiative.countries.all()],
        "stakeholders": stakeholders,
        "early": early,
        "warnings": involvement.warnings(initiative),
        "gaps": coverage.gaps_for(initiative),
        "timeline": selectors.timeline(initiative, user),
        "printed": timezone.localtime(),
    }
