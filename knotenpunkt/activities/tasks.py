"""Background work of the activities app (run by `manage.py worker`, see core.scheduler)."""

import datetime as dt
import logging

from django.db import DatabaseError, connections, transaction
from django.utils import timezone
from django_tasks import task

from knotenpunkt.activities import importer
from knotenpunkt.activities.models import CalendarSource, SourceKind

logger = logging.getLogger(__name__)
# A refresh that fails on the database (locked, connection lost) is tried again this often, later each time.
MAX_ATTEMPTS = 4
RETRY_DELAYS = (dt.timedelta(seconds=10), dt.timedelta(minutes=1), dt.timedelta(minutes=5))


@task()
def refresh_calendar_source(source_id: int, attempt: int = 1) -> dict | None:
    """Fetch (or read the uploaded file of) one calendar source and apply it; the outcome (or the error)
    is stored on it. A database error rolls the import back and queues another attempt."""
    try:
        return importer.refresh(source_id)
    except DatabaseError:
        if attempt >= MAX_ATTEMPTS:
            raise  # recorded as a failed task; the source shows "nichts wurde übernommen"
        logger.warning("calendar source %s: database error, attempt %d of %d", source_id, attempt, MAX_ATTEMPTS,
                       exc_info=True)  # fmt: skip
        for connection in connections.all():  # a lost connection is opened afresh for the retry
            connection.close_if_unusable_or_obsolete()
        delay = RETRY_DELAYS[min(attempt - 1, len(RETRY_DELAYS) - 1)]
        refresh_calendar_source.using(run_after=timezone.now() + delay).enqueue(source_id, attempt + 1)
        return {"retry": attempt + 1}


def request_refresh(source: CalendarSource) -> None:
    """Queue a refresh of one source (the worker runs it), after the commit.

    Bookkeeping on the source, not a change of it: nothing is recorded."""
    CalendarSource.objects.filter(pk=source.pk).update(refresh_requested_at=timezone.now(), progress={})
    transaction.on_commit(lambda: refresh_calendar_source.enqueue(source.pk))


@task()
def refresh_all_calendar_sources() -> int:
    """Queue a refresh of every active feed address, and of every uploaded file whose dates need the
    moved window (hourly, core.scheduler)."""
    now = timezone.now()
    sources = list(CalendarSource.objects.filter(active=True, kind=SourceKind.URL))
    sources += [
        source
        for source in CalendarSource.objects.filter(kind=SourceKind.UPLOAD, content__isnull=False).defer("content")
        # read once with success, and its window has moved (a refused file waits for a new version)
        if (source.last_summary or {}).get("window_end") and importer.window_is_stale(source, now)
    ]
    for source in sources:
        request_refresh(source)
    return len(sources)
