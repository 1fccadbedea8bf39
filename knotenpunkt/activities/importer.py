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

from knotenpunkt.activities import recurrence, services
from knotenpunkt.activities.ical import FeedError, ParsedFeed, parse_feed
from knotenpunkt.activities.models import (
    IMPORT_HORIZON_DAYS,
    Activity,
    ActivityKind,
    ActivityOccurrence,
    CalendarSource,
    ParticipantRole,
    SourceKind,
)
from knotenpunkt.changes.locking import EditConflict
from knotenpunkt.changes.services import atomic
from knotenpunkt.lib import outbound
from knotenpunkt.lib.text import cleaned

logger = logging.getLogger(__name__)
MAX_NOTES = 20
# An endless series is expanded again once its last date is less than this far from the horizon.
HORIZON_SLACK = dt.timedelta(days=30)


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


def _extend_horizon(activity: Activity, horizon: dt.datetime) -> None:
    """Give an unchanged endless series its dates up to the moved horizon (no new SEQUENCE)."""
    last = ActivityOccurrence.objects.filter(activity=activity).order_by("-start").values_list("start", flat=True)
    last = last.first()
    if last is not None and last >= horizon - HORIZON_SLACK:
        return
    services.activity_extend_dates(activity=activity, until=horizon)


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


def apply_feed(source: CalendarSource, parsed: ParsedFeed, *, now: dt.datetime) -> dict:
    """Bring the source's activities in line with the feed. Call inside `changes.atomic`."""
    horizon = now + dt.timedelta(days=IMPORT_HORIZON_DAYS)
    counts = {"new": 0, "updated": 0, "cancelled": 0, "unchanged": 0}
    existing = {a.source_uid: a for a in Activity.objects.filter(source=source).prefetch_related("exceptions")}
    if not parsed.events and any(not a.cancelled and has_future(a, now) for a in existing.values()):
        raise FeedError(
            _(
                "Der Kalender enthält keine Termine mehr. Zur Sicherheit wurde nichts abgesagt; wenn das so "
                "gewollt ist, bitte die Kalenderquelle löschen."
            )
        )
    organiser = [services.ParticipantSpec(role=ParticipantRole.ORGANISER, actor_id=source.actor_id)]
    for uid, event in parsed.events.items():
        until = horizon if event.endless else None
        data = _clean(event.data)
        current = existing.pop(uid, None)
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
                    until=until,
                    exceptions=event.exceptions,
                )
                counts["new"] += 1
                continue
            if event.private and current.public:
                data["public"] = False
            if _differs(current, data, event.exceptions):
                newly_cancelled = data["cancelled"] and not current.cancelled
                services.activity_update(
                    user=None,
                    activity=current,
                    data=data,
                    expected_version=current.version,
                    until=until,
                    from_feed=True,
                    exceptions=event.exceptions,
                )
                counts["cancelled" if newly_cancelled else "updated"] += 1
            else:
                counts["unchanged"] += 1
                if event.endless:
                    _extend_horizon(current, horizon)
    for gone in existing.values():
        if gone.cancelled or not has_future(gone, now):
            continue
        with _saving(gone.title):
            services.activity_update(
                user=None, activity=gone, data={"cancelled": True}, expected_version=gone.version, from_feed=True
            )
        counts["cancelled"] += 1
    return counts


def _summary(counts: dict, parsed: ParsedFeed | None, notes: list[str], *, not_modified: bool = False) -> dict:
    unique = list(dict.fromkeys(notes))
    if len(unique) > MAX_NOTES:
        more = len(unique) - MAX_NOTES
        unique = [*unique[:MAX_NOTES], _("… und %(count)d weitere Hinweise.") % {"count": more}]
    return {
        **counts,
        "events": len(parsed.events) if parsed else None,
        "not_modified": not_modified,
        "notes": unique,
    }


def import_content(source: CalendarSource, content: bytes, *, now: dt.datetime) -> tuple[dict, str]:
    """Parse and apply; raises FeedError. Returns the summary and the feed's own name."""
    parsed = parse_feed(content, horizon=now + dt.timedelta(days=IMPORT_HORIZON_DAYS))
    with atomic():
        locked = CalendarSource.objects.select_for_update().select_related("actor").get(pk=source.pk)
        counts = apply_feed(locked, parsed, now=now)
    return _summary(counts, parsed, parsed.notes), parsed.name


def refresh(source_id: int, *, content: bytes | None = None) -> dict | None:
    """Fetch (or take the uploaded `content` of) one source and apply it; store the outcome.

    Returns the summary, or None when the source is gone or the feed was refused (then its
    error is on the source). Never raises for a bad feed.
    """
    source = CalendarSource.objects.select_related("actor").filter(pk=source_id).first()
    if source is None:
        return None
    now = timezone.now()
    fields = {"last_fetched_at": now}
    summary = None
    try:
        if content is None:
            if source.kind != SourceKind.URL:
                raise FeedError(
                    _("Eine hochgeladene Datei lässt sich nicht abrufen; bitte die neue Fassung hochladen.")
                )
            fetched = fetch(source.url, etag=source.etag, last_modified=source.last_modified)
        else:
            fetched = Fetched(content)
        if fetched.content is None:
            with atomic():
                for activity in Activity.objects.filter(source=source, cancelled=False).exclude(rrule=""):
                    if not recurrence.rule_is_bounded(activity.rrule):
                        _extend_horizon(activity, now + dt.timedelta(days=IMPORT_HORIZON_DAYS))
            previous = source.last_summary or {}
            summary = {**_summary({"new": 0, "updated": 0, "cancelled": 0, "unchanged": 0}, None, []),
                       "events": previous.get("events"), "not_modified": True}  # fmt: skip
        else:
            summary, _name = import_content(source, fetched.content, now=now)
            fields.update(etag=fetched.etag[:500], last_modified=fetched.last_modified[:100])
        fields.update(last_success_at=now, last_error="", last_summary=summary)
    except FeedError as exc:
        fields["last_error"] = str(exc)
    except EditConflict:
        fields["last_error"] = _(
            "Ein importierter Termin wurde gerade hier bearbeitet; der Abruf wird beim nächsten Mal wiederholt."
        )
    except DatabaseError:
        # Nothing of the import is kept (the transaction rolled back); the worker logs the details.
        fields["last_error"] = _("Beim Speichern ist ein Fehler aufgetreten; nichts wurde übernommen.")
        CalendarSource.objects.filter(pk=source.pk).update(**fields)
        raise
    CalendarSource.objects.filter(pk=source.pk).update(**fields)
    if fields.get("last_error"):
        # The address may carry the calendar's own secret (e.g. Google's private iCal address): log the id only.
        logger.info("calendar source %s refused: %s", source.pk, fields["last_error"])
        return None
    return summary
