"""Background work of the activities app (run by `manage.py worker`, see core.scheduler)."""

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from knotenpunkt.activities import importer
from knotenpunkt.activities.models import CalendarSource, SourceKind


@task()
def refresh_calendar_source(source_id: int) -> dict | None:
    """Fetch and apply one calendar source; the outcome (or the error) is stored on it."""
    return importer.refresh(source_id)


def request_refresh(source: CalendarSource) -> None:
    """Queue a refresh of one URL source (the worker runs it), after the commit.

    Bookkeeping on the source, not a change of it: nothing is recorded."""
    CalendarSource.objects.filter(pk=source.pk).update(refresh_requested_at=timezone.now())
    transaction.on_commit(lambda: refresh_calendar_source.enqueue(source.pk))


@task()
def refresh_all_calendar_sources() -> int:
    """Queue a refresh of every active feed address (hourly, core.scheduler)."""
    sources = list(CalendarSource.objects.filter(active=True, kind=SourceKind.URL))
    for source in sources:
        request_refresh(source)
    return len(sources)
