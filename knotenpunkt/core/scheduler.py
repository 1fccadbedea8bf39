"""Periodic background work: which task runs when.

The Django tasks API queues work but does not schedule it. `manage.py worker` runs a
small scheduler thread next to the database worker: every half minute it asks
`enqueue_due()` which periodic tasks are due and enqueues each once per period. The
period ("slot") is recorded in core.ScheduledRun under a unique constraint, so several
workers, restarts or a clock check twice in a minute never enqueue a run twice.

Times are Europe/Berlin wall-clock times.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from knotenpunkt.core.models import ScheduledRun

logger = logging.getLogger(__name__)
BERLIN = ZoneInfo("Europe/Berlin")


@dataclass(frozen=True)
class Periodic:
    task: str  # import path of a django_tasks Task
    every: str  # "hour" or "day"
    at: dt.time = dt.time(0, 0)  # for "day": not before this local time
    minute: int = 0  # for "hour": not before this minute of the hour

    def slot(self, now: dt.datetime) -> str | None:
        """The period `now` falls in, or None if this period's run time has not come yet."""
        local = now.astimezone(BERLIN)
        if self.every == "hour":
            return local.strftime("%Y-%m-%dT%H") if local.minute >= self.minute else None
        if self.every == "day":
            return local.date().isoformat() if local.time() >= self.at else None
        raise ValueError(self.every)


SCHEDULE = (
    # iCal in: every registered feed, hourly.
    Periodic("knotenpunkt.activities.tasks.refresh_all_calendar_sources", "hour", minute=5),
    # Derived relationships in full (their recency weights age even when nothing changes).
    Periodic("knotenpunkt.network.tasks.rebuild_derived_ties", "day", at=dt.time(3, 0)),
    # Network analytics snapshots (internal and public), after the derived relationships.
    Periodic("knotenpunkt.network.tasks.compute_network_snapshot", "day", at=dt.time(4, 0)),
    # Partner suggestions in full, after the derived relationships.
    Periodic("knotenpunkt.synergies.tasks.compute_suggestions", "day", at=dt.time(4, 30)),
    # Follow-up reminders by e-mail.
    Periodic("knotenpunkt.interactions.tasks.send_followup_reminders", "day", at=dt.time(7, 0)),
    # Retention rules: list what is due for deletion (the office confirms; nothing is deleted here).
    Periodic("knotenpunkt.privacy.tasks.check_retention", "day", at=dt.time(2, 30)),
    # Introduction mails that failed are tried again.
    Periodic("knotenpunkt.synergies.tasks.send_introduction_mails", "hour", minute=20),
    # Council papers (OParl) linked to initiatives: title, date and status read again.
    Periodic("knotenpunkt.initiatives.tasks.refresh_council_papers", "day", at=dt.time(5, 30)),
)


def enqueue_due(now: dt.datetime | None = None, schedule=None) -> list[str]:
    """Enqueue every periodic task whose current slot has no run yet. Returns their paths."""
    now = now or timezone.now()
    schedule = SCHEDULE if schedule is None else schedule
    enqueued = []
    for periodic in schedule:
        slot = periodic.slot(now)
        if slot is None:
            continue
        try:
            with transaction.atomic():
                run = ScheduledRun.objects.create(task=periodic.task, slot=slot)
                result = import_string(periodic.task).enqueue()
                run.task_result_id = str(result.id)
                run.save(update_fields=["task_result_id"])
        except IntegrityError:
            continue  # this slot's run is queued already
        logger.info("scheduled %s for %s", periodic.task, slot)
        enqueued.append(periodic.task)
    return enqueued
