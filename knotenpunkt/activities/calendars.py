"""Calendar sources: an actor's own calendar registered, changed, uploaded or removed.

Every change records one change (knotenpunkt.changes). A new feed address is imported for the
first time in the background: the reaction "first import of a calendar" (knotenpunkt/reactions.py)
queues it after the commit. An uploaded file is kept on its source and imported the same way, so the
upload request answers at once; the sources page shows the import's progress.

Removing a source deletes its activities that still lie ahead (nobody would update or cancel
them any more) and keeps past ones, detached, as part of the actor's history.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from knotenpunkt.activities import importer, permissions, services, tasks
from knotenpunkt.activities.feed_reading import FeedError, check_calendar
from knotenpunkt.activities.models import Activity, CalendarSource, SourceKind
from knotenpunkt.changes import values
from knotenpunkt.changes.kinds import ChangeKind
from knotenpunkt.changes.services import atomic, record

EDITABLE_FIELDS = ("url", "name", "public", "active")
RECORDED_FIELDS = ("actor", "kind", *EDITABLE_FIELDS)


def normalise_url(url: str) -> str:
    """webcal:// (what calendar programs offer for subscriptions) is https://."""
    url = url.strip()
    if url.lower().startswith("webcal://"):
        return "https://" + url[len("webcal://") :]
    return url


def _shown_url(url: str) -> str:
    """A feed address as the history keeps it: server only. Private calendar addresses carry their
    secret in the path or query (Google's "private-…/basic.ics"), and the history is read more widely
    than the source itself."""
    if not url:
        return ""
    parts = urlsplit(url)
    host = parts.hostname or ""
    return f"{parts.scheme}://{host}/…" if parts.path.strip("/") or parts.query else f"{parts.scheme}://{host}"


def _label(source: CalendarSource) -> str:
    return source.name or _shown_url(source.url) or str(source.actor)


def _snapshot(source: CalendarSource) -> dict:
    state = values.snapshot(source, RECORDED_FIELDS)
    state["url"] = _shown_url(source.url)
    return state


def _created_by(user):
    return user if user is not None and user.is_authenticated else None


def _check_unique(source: CalendarSource) -> None:
    if CalendarSource.objects.filter(actor_id=source.actor_id, url=source.url).exclude(pk=source.pk).exists():
        raise ValidationError({"url": _("Dieser Kalender ist für den Akteur schon eingetragen.")})


@atomic
def calendar_source_create(*, user, actor, url: str, name: str = "", public: bool = True) -> CalendarSource:
    """Register an actor's feed address; its first import is queued after the commit."""
    if user is not None and not permissions.can_manage_calendar_sources(user, actor):
        raise PermissionDenied
    source = CalendarSource(
        actor=actor,
        kind=SourceKind.URL,
        url=normalise_url(url),
        name=name,
        public=public,
        created_by=_created_by(user),
        # "wird aktualisiert" from the start: the reaction queues the first refresh.
        refresh_requested_at=timezone.now(),
    )
    source.full_clean()
    _check_unique(source)
    source.save()
    record(
        user=user,
        kind=ChangeKind.CALENDAR_SOURCE_CREATED,
        record=source,
        label=_label(source),
        values=_snapshot(source),
        actors=[actor.pk],
    )
    return source


def _check_upload(content: bytes) -> None:
    """What can be said at once about an uploaded file (raises FeedError); the rest is read in the background."""
    if len(content) > settings.ICAL_IMPORT_MAX_BYTES:
        raise FeedError(_("Die Datei ist zu groß."))
    check_calendar(content)


def _megabytes(content: bytes) -> str:
    return _("%(size)s MB") % {"size": f"{len(content) / 1024 / 1024:.1f}".replace(".", ",")}


@atomic
def calendar_source_upload(*, user, actor, content: bytes, name: str = "", public: bool = True) -> CalendarSource:
    """Register an uploaded .ics file as a new source; it is imported in the background (the reaction
    "first import of a calendar" queues it after the commit). A file that is no calendar at all is
    refused at once and leaves nothing behind (raises FeedError)."""
    if user is not None and not permissions.can_manage_calendar_sources(user, actor):
        raise PermissionDenied
    _check_upload(content)
    source = CalendarSource.objects.create(
        actor=actor,
        kind=SourceKind.UPLOAD,
        name=name,
        public=public,
        active=False,
        created_by=_created_by(user),
        content=content,
        refresh_requested_at=timezone.now(),
    )
    record(
        user=user,
        kind=ChangeKind.CALENDAR_SOURCE_CREATED,
        record=source,
        label=_label(source),
        values={**_snapshot(source), "content": _megabytes(content)},
        actors=[actor.pk],
    )
    return source


@atomic
def calendar_source_replace_file(*, user, source: CalendarSource, content: bytes) -> CalendarSource:
    """A new version of an uploaded file: kept on the source and imported in the background. If it is
    refused there, the activities stay as the last good version left them, and the error shows."""
    if user is not None and not permissions.can_manage_calendar_sources(user, source.actor):
        raise PermissionDenied
    if source.kind != SourceKind.UPLOAD:
        raise ValidationError(_("Nur einer hochgeladenen Datei lässt sich eine neue Fassung geben."))
    _check_upload(content)
    current = CalendarSource.objects.select_for_update().get(pk=source.pk)
    old = bytes(current.content) if current.content is not None else b""
    current.content = content
    current.save(update_fields=["content"])
    record(
        user=user,
        kind=ChangeKind.CALENDAR_SOURCE_UPDATED,
        record=current,
        label=_label(current),
        fields={"content": {"old": _megabytes(old) if old else None, "new": _megabytes(content)}},
        actors=[current.actor_id],
    )
    tasks.request_refresh(current)
    return current


@atomic
def calendar_source_update(*, user, source: CalendarSource, data: dict) -> CalendarSource:
    """Change a source's address, name, visibility of its activities or whether it is fetched.

    Activities already imported keep their visibility; the next refresh applies a new one to those
    it creates.
    """
    if user is not None and not permissions.can_manage_calendar_sources(user, source.actor):
        raise PermissionDenied
    current = CalendarSource.objects.select_for_update().get(pk=source.pk)
    before = _snapshot(current)
    for name in EDITABLE_FIELDS:
        if name in data:
            setattr(current, name, normalise_url(data[name]) if name == "url" else data[name])
    current.full_clean()
    _check_unique(current)
    current.save(update_fields=list(EDITABLE_FIELDS))
    record(
        user=user,
        kind=ChangeKind.CALENDAR_SOURCE_UPDATED,
        record=current,
        label=_label(current),
        fields=values.diff(before, _snapshot(current)),
        actors=[current.actor_id],
    )
    return current


@atomic
def calendar_source_delete(*, user, source: CalendarSource) -> tuple[int, int]:
    """Remove a source: its upcoming activities are deleted, past ones kept (detached).

    Returns (deleted, kept)."""
    if user is not None and not permissions.can_manage_calendar_sources(user, source.actor):
        raise PermissionDenied
    now = timezone.now()
    deleted = kept = 0
    for activity in Activity.objects.filter(source=source):
        if importer.has_future(activity, now):
            # No permission check per activity: removing the source is what was allowed.
            services.activity_delete(user=None, activity=activity)
            deleted += 1
        else:
            kept += 1
    pk, label, state = source.pk, _label(source), _snapshot(source)
    source.delete()  # past activities stay, their `source` set to NULL by the foreign key
    record(
        user=user,
        kind=ChangeKind.CALENDAR_SOURCE_DELETED,
        record=source,
        record_id=pk,
        label=label,
        values=state,
        actors=[source.actor_id],
        extra={"activities": {"deleted": deleted, "kept": kept}},
    )
    return deleted, kept
