"""iCal in: an actor's own calendar imported as that actor's activities.

A refresh fetches the feed (conditional GET), reads it (ical.parse_feed) and applies it
in one transaction: events become activities of the source's actor (organiser), matched
by (source, UID). An event is updated through services.activity_update only when one of
its feed fields or exceptions changed, so SEQUENCE rises only on a real change. Future
events that vanished upstream are cancelled here, never deleted; past ones stay as they
were (many feeds list upcoming events only). Activities of other sources and manual
ones are never touched: everything is looked up through `source`.

A feed that cannot be fetched or read (HTTP errors, timeouts, a file over
ICAL_IMPORT_MAX_BYTES, private addresses, HTML, malformed lines, exploding recurrence)
changes nothing; its German error is stored on the source (`last_error`).

Every change goes through activities.services inside one `changes.atomic` block per feed, so the
reactions (derived relationships, page cache) run once per import. Registering, changing and
removing sources: activities/calendars.py.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import logging
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import DatabaseError
from django.utils import timezone
from django.utils.translation import gettext as _

from knotenpunkt.activities import feed_reading, recurrence, services
from knotenpunkt.activities.feed_reading import FeedError, FeedEvent, ParsedFeed, Window, parse_feed
from knotenpunkt.activities.models import (
    Activity,
    ActivityKind,
    ActivityOccurrence,
    CalendarSource,
    ParticipantRole,
    SourceKind,
)
from knotenpunkt.changes.locking import EditConflict
from knotenpunkt.changes.services import all_or_nothing, atomic, batched_records
from knotenpunkt.lib import outbound
from knotenpunkt.lib.text import cleaned, one_line

logger = logging.getLogger(__name__)
MAX_NOTES = 20
# A feed that answers "not modified" is read again anyway once the window it was read in ends this
# much earlier than today's: its series need their dates in the moved window.
WINDOW_SLACK = dt.timedelta(days=7)


def import_window(now: dt.datetime) -> Window:
    return Window(
        start=now - dt.timedelta(days=settings.ICAL_IMPORT_PAST_DAYS),
        end=now + dt.timedelta(days=settings.ICAL_IMPORT_FUTURE_DAYS),
    )


# --- fetching ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Fetched:
    content: bytes | None  # None: not modified since the last fetch
    etag: str = ""
    last_modified: str = ""


def _http_error(code: int) -> str:
    if code == 404 or code == 410:
        return _("Unter dieser Adresse gibt es keinen Kalender (mehr) (HTTP %(code)d).") % {"code": code}
    if code in (401, 403):
        return _(
            "Der Server verweigert den Zugriff (HTTP %(code)d). Ist der Kalender öffentlich freigegeben, "
            "oder fehlt ein Zugangsschlüssel in der Adresse?"
        ) % {"code": code}
    if code == 429:
        return _("Der Server meldet zu viele Abrufe (HTTP 429). Der nächste Abruf versucht es erneut.")
    if code >= 500:
        return _("Der Server des Kalenders meldet einen Fehler (HTTP %(code)d). Später erneut versuchen.") % {
            "code": code
        }
    return _("Der Server hat den Abruf abgelehnt (HTTP %(code)d).") % {"code": code}


def fetch(url: str, *, etag: str = "", last_modified: str = "") -> Fetched:
    """GET the feed, at most ICAL_IMPORT_MAX_BYTES within ICAL_IMPORT_TIMEOUT seconds (lib/outbound.py
    guards the request). Raises FeedError with the German reason."""
    headers = {
        "User-Agent": f"Knotenpunkt-Kalenderimport (+{settings.SITE_URL})",
        "Accept": "text/calendar, text/plain;q=0.5, */*;q=0.1",
        "Accept-Encoding": "identity",
    }
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    try:
        response = outbound.get(
            url,
            headers=headers,
            limit=settings.ICAL_IMPORT_MAX_BYTES,
            timeout=settings.ICAL_IMPORT_TIMEOUT,
            allow_private=settings.ICAL_IMPORT_ALLOW_PRIVATE_HOSTS,
        )
    except outbound.OutboundError as exc:
        raise FeedError(_fetch_error(exc)) from exc
    if response.status == 304:
        return Fetched(None, etag, last_modified)
    return Fetched(response.content, response.headers.get("ETag", ""), response.headers.get("Last-Modified", ""))


def _fetch_error(exc: outbound.OutboundError) -> str:
    limit = settings.ICAL_IMPORT_MAX_BYTES
    messages = {
        "scheme": lambda: _("Die Adresse muss mit http:// oder https:// beginnen."),
        "blocked": lambda: (
            _(
                "Die Adresse „%(host)s“ führt in ein internes Netz (%(ip)s). Kalender werden nur von "
                "öffentlich erreichbaren Servern abgerufen."
            )
            % {"host": exc.host, "ip": exc.ip}
        ),
        "redirect_scheme": lambda: (
            _("Der Server leitet auf eine Adresse um, die nicht mit http(s) beginnt: „%(url)s“.") % {"url": exc.url}
        ),
        "redirect": lambda: _("Der Server leitet zu oft oder ohne Ziel weiter (HTTP %(code)d).") % {"code": exc.code},
        "http": lambda: _http_error(exc.code),
        "timeout": lambda: _("Der Server hat nicht rechtzeitig geantwortet."),
        "too_big": lambda: (
            _("Der Kalender ist größer als %(size)s MB und wird nicht übernommen.")
            % {"size": f"{limit / 1024 / 1024:.1f}".rstrip("0").rstrip(".")}
        ),
        "tls": lambda: _("Die sichere Verbindung (HTTPS) zum Server ist fehlgeschlagen: das Zertifikat ist ungültig."),
        "dns": lambda: _("Den Server gibt es nicht (der Name ist unbekannt). Bitte die Adresse prüfen."),
        "refused": lambda: _("Der Server ist nicht erreichbar (Verbindung abgelehnt)."),
        "closed": lambda: _("Der Server hat die Verbindung unerwartet beendet."),
        "invalid_url": lambda: _("Die Adresse ist ungültig."),
    }
    if exc.kind in messages:
        return messages[exc.kind]()
    return _("Der Server ist nicht erreichbar (%(detail)s).") % {"detail": exc.detail}


# --- applying ------------------------------------------------------------------------------

_GEO_PLACES = Decimal("0.000001")
_url_ok = URLValidator(schemes=["http", "https"])


def _comparable(name: str, value):
    if name in ("latitude", "longitude") and value is not None:
        return Decimal(value).quantize(_GEO_PLACES)
    return value


def _differs(activity: Activity, data: dict, exceptions: list[services.ExceptionSpec]) -> bool:
    for name, value in data.items():
        # The feed's text as the services store it (without control characters), or every refresh
        # would see a change that is none.
        value = cleaned(name, value, services.ONE_LINE_FIELDS)
        if _comparable(name, getattr(activity, name)) != _comparable(name, value):
            return True
    have = {
        (e.recurrence_id, e.cancelled, e.start, e.end, e.title, e.note)
        for e in activity.exceptions.all()  # prefetched
    }
    return have != {dataclasses.astuple(e) for e in exceptions}


def has_future(activity: Activity, now: dt.datetime) -> bool:
    return ActivityOccurrence.objects.filter(activity=activity, end__gte=now).exists()


def _clean(data: dict) -> dict:
    if data.get("online_url"):
        try:
            _url_ok(data["online_url"])
        except ValidationError:
            data = {**data, "online_url": ""}
    return data


@contextlib.contextmanager
def _saving(title: str):
    """Turn a refused save of one event into a FeedError that names it."""
    try:
        yield
    except ValidationError as exc:
        raise FeedError(
            _("„%(title)s“ ließ sich nicht übernehmen: %(detail)s") % {"title": title, "detail": " ".join(exc.messages)}
        ) from exc


def _with_dates(event: FeedEvent, current: Activity | None, window: Window) -> dict:
    """The event's fields with its dates as stored: a series keeps its dates from before the window
    (they are past and stay as they were); the feed gives the rest."""
    data = _clean(event.data)
    if event.dates is None:
        return {**data, "dates": None}
    kept = []
    if current is not None and current.dates is not None:
        kept = [o for o in recurrence.dates_from_json(current.dates) if o.start < window.start]
    elif current is not None:  # imported before dates were kept (or a single event until now): its table rows
        kept = [
            recurrence.Occurrence(
                start=o.start,
                end=o.end,
                recurrence_id=o.recurrence_id or o.start,
                cancelled=o.cancelled and not current.cancelled,
                title="" if o.title == current.title else o.title,
            )
            for o in current.occurrences.filter(start__lt=window.start).order_by("start")
        ]
    dates = kept + [o for o in event.dates if o.start >= window.start or not kept]
    return {**data, "start": dates[0].start, "end": dates[0].end, "dates": recurrence.dates_to_json(dates)}


def _only_the_window_moved(current: Activity, data: dict, previous_end: dt.datetime | None) -> bool:
    """Did only dates beyond the window the feed was last read in change? (Then the series is not
    edited: no new SEQUENCE, no change in anyone's history.)"""
    if previous_end is None or current.dates is None or data["dates"] is None:
        return False
    if _differs(current, {k: v for k, v in data.items() if k != "dates"}, []):
        return False

    # Compare up to the last window's end, or the last stored date if the list was cut short there.
    limit = previous_end.strftime("%Y%m%dT%H%M%SZ")
    if current.dates and len(current.dates) >= feed_reading.MAX_DATES_PER_EVENT:
        limit = min(limit, current.dates[-1][0])

    def before(rows):
        return [row for row in rows if row[0] < limit]

    return before(current.dates) == before(data["dates"])


def apply_feed(source: CalendarSource, parsed: ParsedFeed, *, now: dt.datetime, progress=None) -> dict:
    """Bring the source's activities in line with the feed. Call inside `changes.atomic`.

    `progress(done, total)` is called now and then."""
    window = parsed.window or import_window(now)
    previous_end = _previous_window_end(source)
    counts = {"new": 0, "updated": 0, "cancelled": 0, "unchanged": 0}
    existing = {a.source_uid: a for a in Activity.objects.filter(source=source).prefetch_related("exceptions")}
    if not parsed.events and any(not a.cancelled and has_future(a, now) for a in existing.values()):
        message = _(
            "Der Kalender enthält keine Termine mehr. Zur Sicherheit wurde nichts abgesagt; wenn das so "
            "gewollt ist, bitte die Kalenderquelle löschen."
        )
        if parsed.notes:  # everything was skipped: say why
            message += " " + _("Hinweise: %(notes)s") % {"notes": " ".join(parsed.notes[:3])}
        raise FeedError(message)
    organiser = [services.ParticipantSpec(role=ParticipantRole.ORGANISER, actor_id=source.actor_id)]
    total = len(parsed.events)
    for done, (uid, event) in enumerate(parsed.events.items()):
        if progress is not None and done % 100 == 0:
            progress(done, total)
        current = existing.pop(uid, None)
        data = _with_dates(event, current, window)
        with _saving(data["title"]):
            if current is None:
                services.activity_create(
                    user=None,
                    data={
                        **data,
                        "kind": ActivityKind.EVENT,
                        "level": source.actor.level,
                        "public": source.public and not event.private,
                    },
                    participants=organiser,
                    source=source,
                    source_uid=uid,
                )
                counts["new"] += 1
                continue
            if event.private and current.public:
                data["public"] = False
            if not _differs(current, data, []):
                counts["unchanged"] += 1
            elif _only_the_window_moved(current, data, previous_end):
                services.activity_extend_dates(activity=current, dates=data["dates"])
                counts["unchanged"] += 1
            else:
                newly_cancelled = data["cancelled"] and not current.cancelled
                services.activity_update(
                    user=None,
                    activity=current,
                    data=data,
                    expected_version=current.version,
                    from_feed=True,
                    exceptions=[],
                )
                counts["cancelled" if newly_cancelled else "updated"] += 1
    for uid, gone in existing.items():
        # Gone from the feed: cancelled. Skipped as broken this time: left as it was.
        if uid in parsed.skipped or gone.cancelled or not has_future(gone, now):
            continue
        with _saving(gone.title):
            services.activity_update(
                user=None, activity=gone, data={"cancelled": True}, expected_version=gone.version, from_feed=True
            )
        counts["cancelled"] += 1
    if progress is not None:
        progress(total, total)
    return counts


def _previous_window_end(source: CalendarSource) -> dt.datetime | None:
    text = (source.last_summary or {}).get("window_end")
    try:
        return dt.datetime.fromisoformat(text) if text else None
    except ValueError:
        return None


def _summary(
    counts: dict,
    parsed: ParsedFeed | None,
    notes: list[str],
    *,
    not_modified: bool = False,
    window: Window | None = None,
) -> dict:
    unique = list(dict.fromkeys(notes))
    if len(unique) > MAX_NOTES:
        more = len(unique) - MAX_NOTES
        unique = [*unique[:MAX_NOTES], _("… und %(count)d weitere Hinweise.") % {"count": more}]
    return {
        **counts,
        "events": len(parsed.events) if parsed else None,
        "not_modified": not_modified,
        "notes": unique,
        "window_end": window.end.isoformat() if window else None,
    }


def set_progress(source_id: int, stage: str, done: int = 0, total: int = 0) -> None:
    """Where a running import stands, for the progress bar (bookkeeping, not recorded)."""
    CalendarSource.objects.filter(pk=source_id).update(progress={"stage": stage, "done": done, "total": total})


def import_content(
    source: CalendarSource, content: bytes, *, now: dt.datetime, kept_file: bool = False
) -> tuple[dict, str]:
    """Parse and apply; raises FeedError. Returns the summary and the feed's own name.

    `kept_file`: `content` is the source's kept upload, read before the lock; a newer one replaces it."""
    window = import_window(now)
    set_progress(source.pk, "read")
    parsed = parse_feed(
        content, window=window, progress=lambda done, total: set_progress(source.pk, "read", done, total)
    )
    set_progress(source.pk, "save", 0, len(parsed.events))
    # One transaction; any refused event aborts the whole import, so the services need no savepoints,
    # and their rows (change records, new activities' participants and dates) go in in batches.
    with all_or_nothing(), atomic(), batched_records(), services.collecting_inserts():
        locked = CalendarSource.objects.select_for_update().select_related("actor").get(pk=source.pk)
        if kept_file and locked.content is not None and bytes(locked.content) != content:
            raise FeedError(_("Inzwischen kam eine neuere Fassung der Datei; sie wird gleich übernommen."))
        counts = apply_feed(locked, parsed, now=now)
    return _summary(counts, parsed, parsed.notes, window=window), parsed.name


def window_is_stale(source: CalendarSource, now: dt.datetime) -> bool:
    previous = _previous_window_end(source)
    return previous is None or previous + WINDOW_SLACK < import_window(now).end


def refresh(source_id: int, *, content: bytes | None = None) -> dict | None:
    """Fetch (or read the uploaded file of) one source and apply it; store the outcome.

    `content` is a new version of an uploaded file; it is kept on the source once it was read.
    Returns the summary, or None when the source is gone or the feed was refused (then its
    error is on the source). Never raises for a bad feed.
    """
    source = CalendarSource.objects.select_related("actor").filter(pk=source_id).first()
    if source is None:
        return None
    now = timezone.now()
    fields = {"last_fetched_at": now, "progress": {}}
    summary = None
    kept_file = False
    try:
        if content is None and source.kind == SourceKind.URL:
            set_progress(source.pk, "fetch")
            if window_is_stale(source, now):  # read it whole, even if it did not change
                fetched = fetch(source.url)
            else:
                fetched = fetch(source.url, etag=source.etag, last_modified=source.last_modified)
        elif content is None:
            if source.content is None:
                raise FeedError(
                    _("Eine hochgeladene Datei lässt sich nicht abrufen; bitte die neue Fassung hochladen.")
                )
            fetched = Fetched(bytes(source.content))
            kept_file = True
        else:
            fetched = Fetched(content)
        if fetched.content is None:
            previous = source.last_summary or {}
            summary = {**_summary({"new": 0, "updated": 0, "cancelled": 0, "unchanged": 0}, None, []),
                       "events": previous.get("events"), "not_modified": True,
                       "window_end": previous.get("window_end")}  # fmt: skip
        else:
            summary, name = import_content(source, fetched.content, now=now, kept_file=kept_file)
            fields.update(etag=fetched.etag[:500], last_modified=fetched.last_modified[:100])
            if source.kind == SourceKind.UPLOAD and not source.name and name:  # named as the calendar names itself
                fields["name"] = one_line(name)[:200]
            if content is not None:
                fields["content"] = content
        fields.update(last_success_at=now, last_error="", last_summary=summary)
    except FeedError as exc:
        fields["last_error"] = str(exc)
    except EditConflict:
        fields["last_error"] = _(
            "Ein importierter Termin wurde gerade hier bearbeitet; der Abruf wird beim nächsten Mal wiederholt."
        )
    except DatabaseError:
        # Nothing of the import is kept (the transaction rolled back); the worker logs the details and retries.
        fields["last_error"] = _("Beim Speichern ist ein Fehler aufgetreten; nichts wurde übernommen.")
        _store_outcome(source.pk, fields)
        raise
    CalendarSource.objects.filter(pk=source.pk).update(**fields)
    if fields.get("last_error"):
        # The address may carry the calendar's own secret (e.g. Google's private iCal address): log the id only.
        logger.info("calendar source %s refused: %s", source.pk, fields["last_error"])
        return None
    return summary


def _store_outcome(source_id: int, fields: dict) -> None:
    """Store a failed import's outcome, if the database lets us (the worker retries the import)."""
    try:
        CalendarSource.objects.filter(pk=source_id).update(**fields)
    except DatabaseError:
        logger.exception("calendar source %s: the outcome could not be stored", source_id)
