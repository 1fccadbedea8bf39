"""Synthetic initiatives and stakeholders for the benchmarks (`bench/initiatives.py`), on the synthetic
network (`manage.py generate_network`).

Every initiative gets one to three themes and SDGs, up to two countries of the network, a city
department as lead (if the network has one), a phase with its start days and a decision date; its
stakeholders are drawn at random from the actors, with influence, interest and involvement at random.
Titles start with TITLE_PREFIX, so `clear()` finds them. Bulk writes around the services, like the
other generators: the data is synthetic and wants no history.
"""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction

from knotenpunkt.actors.models import ActorCountry, ActorKind
from knotenpunkt.demo.synthetic_network import synthetic_actors
from knotenpunkt.initiatives.models import (
    PHASE_STARTS,
    Initiative,
    InitiativeCountry,
    Involvement,
    Stakeholder,
)

TITLE_PREFIX = "Syn-Vorhaben"


def synthetic_initiatives():
    return Initiative.objects.filter(title__startswith=TITLE_PREFIX)


@transaction.atomic
def clear() -> int:
    count = synthetic_initiatives().count()
    synthetic_initiatives().delete()
    return count


@transaction.atomic
def load(*, initiatives: int, stakeholders: int, seed: int = 1) -> dict:
    rng = random.Random(seed)
    actors = list(synthetic_actors().values_list("pk", "kind"))
    if len(actors) < 100:
        raise RuntimeError("Zu wenige synthetische Akteure: zuerst `manage.py generate_network` ausführen.")
    departments = [pk for pk, kind in actors if kind == ActorKind.CITY_DEPARTMENT]
    themes = list(synthetic_actors().model.themes.through.objects.values_list("theme_id", flat=True).distinct()[:60])
    countries = sorted(set(ActorCountry.objects.values_list("country", flat=True)[:5000]))[:40]
    today = dt.date.today()
    rows = []
    for number in range(initiatives):
        start = today - dt.timedelta(days=rng.randint(0, 700))
        phase_index = rng.randint(0, len(PHASE_STARTS) - 1)
        days = {}
        day = start
        for index, (_phase, field) in enumerate(PHASE_STARTS):
            if index > phase_index:
                break
            days[field] = day
            day += dt.timedelta(days=rng.randint(30, 120))
        rows.append(
            Initiative(
                title=f"{TITLE_PREFIX} {number + 1}",
                summary="Synthetisches Vorhaben für die Benchmarks.",
                lead_id=rng.choice(departments) if departments else None,
                phase=PHASE_STARTS[phase_index][0],
                decision_date=start + dt.timedelta(days=rng.randint(150, 400)),
                public=rng.random() < 0.6,
                **days,
            )
        )
    created = Initiative.objects.bulk_create(rows, batch_size=1000)
    theme_links, sdg_links, country_rows, stakeholder_rows = [], [], [], []
    per_initiative = max(1, stakeholders // max(1, initiatives))
    for initiative in created:
        for theme_id in rng.sample(themes, k=min(len(themes), rng.randint(1, 3))):
            theme_links.append(Initiative.themes.through(initiative_id=initiative.pk, theme_id=theme_id))
        for sdg in rng.sample(range(1, 18), k=rng.randint(1, 3)):
            sdg_links.append(Initiative.sdgs.through(initiative_id=initiative.pk, sdg_id=sdg))
        for code in rng.sample(countries, k=min(len(countries), rng.randint(0, 2))):
            country_rows.append(InitiativeCountry(initiative_id=initiative.pk, country=code))
        for actor_id, _kind in rng.sample(actors, k=per_initiative):
            reached = rng.choice(Involvement.values)
            involved = reached != Involvement.NONE
            stakeholder_rows.append(
                Stakeholder(
                    initiative_id=initiative.pk,
                    actor_id=actor_id,
                    influence=rng.randint(1, 5),
                    interest=rng.randint(1, 5),
                    planned=rng.choice(Involvement.values[1:]),
                    reached=reached,
                    first_involved=today - dt.timedelta(days=rng.randint(0, 600)) if involved else None,
                )
            )
    Initiative.themes.through.objects.bulk_create(theme_links, batch_size=5000)
    Initiative.sdgs.through.objects.bulk_create(sdg_links, batch_size=5000)
    InitiativeCountry.objects.bulk_create(country_rows, batch_size=5000)
    Stakeholder.objects.bulk_create(stakeholder_rows, batch_size=5000)
    return {"initiatives": len(created), "stakeholders": len(stakeholder_rows)}
