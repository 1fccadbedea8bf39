"""OParl: the council paper (Drucksache) of an initiative, read from the city's council information system.

OParl (oparl.org, 1.0 and 1.1) is a read-only JSON API. A paper (`type` …/Paper) has `name`,
`reference`, `date`, `paperType`, `web` and its consultations, each with an agenda item whose `result`
says what the council did ("beschlossen"). Knotenpunkt reads a paper's title, reference, date and
status; the status is the result of its latest consultation that has one, else its paper type.

Every request goes through lib/outbound.py: public addresses only (unless OPARL_ALLOW_PRIVATE_HOSTS),
a byte limit, a deadline. Every failure is an `OParlError` with a German sentence.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from knotenpunkt.lib import outbound

PAPER_TYPES = {"https://schema.oparl.org/1.1/Paper", "https://schema.oparl.org/1.0/Paper"}
SYSTEM_TYPES = {"https://schema.oparl.org/1.1/System", "https://schema.oparl.org/1.0/System"}
SCHEMA = "https://schema.oparl.org/"
# Consultations whose agenda item is read for the status (the latest first).
MAX_AGENDA_ITEMS = 3
# Pages of a body's paper list a search reads (OParl has no full-text search).
MAX_SEARCH_PAGES = 5
SEARCH_LIMIT = 20


class OParlError(Exception):
    pass


@dataclass(frozen=True)
class Paper:
    url: str
    name: str
    reference: str
    date: dt.date | None
    status: str
    web: str

    def as_values(self) -> dict:
        return {
            "url": self.url,
            "name": self.name,
            "reference": self.reference,
            "date": self.date.isoformat() if self.date else None,
            "status": self.status,
            "web": self.web,
        }


def _get_json(url: str) -> dict:
    try:
        response = outbound.get(
            url,
            headers={
                "Accept": "application/json",
                "User-Agent": f"Knotenpunkt-OParl (+{settings.SITE_URL})",
                "Accept-Encoding": "identity",
            },
            limit=settings.OPARL_MAX_BYTES,
            timeout=settings.OPARL_TIMEOUT,
            allow_private=settings.OPARL_ALLOW_PRIVATE_HOSTS,
        )
    except outbound.OutboundError as exc:
        raise OParlError(_fetch_error(exc)) from exc
    try:
        data = json.loads(response.content or b"")
    except (ValueError, RecursionError) as exc:
        raise OParlError(_("Unter dieser Adresse antwortet kein OParl-Server: Die Antwort ist kein JSON.")) from exc
    if not isinstance(data, dict):
        raise OParlError(_("Unter dieser Adresse antwortet kein OParl-Server: Die Antwort ist kein OParl-Objekt."))
    return data


def _fetch_error(exc: outbound.OutboundError) -> str:
    if exc.kind == "scheme" or exc.kind == "invalid_url":
        return _("Bitte eine vollständige Adresse angeben, die mit https:// oder http:// beginnt.")
    if exc.kind == "blocked":
        return _(
            "Die Adresse „%(host)s“ führt in ein internes Netz (%(ip)s). Knotenpunkt fragt nur öffentlich "
            "erreichbare Ratsinformationssysteme ab."
        ) % {"host": exc.host, "ip": exc.ip}
    if exc.kind == "http" and exc.code in (404, 410):
        return _("Unter dieser Adresse gibt es kein OParl-Objekt (HTTP %(code)d).") % {"code": exc.code}
    if exc.kind == "http":
        return _("Das Ratsinformationssystem hat die Anfrage abgelehnt (HTTP %(code)d).") % {"code": exc.code}
    if exc.kind == "timeout":
        return _("Das Ratsinformationssystem hat nicht rechtzeitig geantwortet. Später erneut versuchen.")
    if exc.kind == "too_big":
        return _("Die Antwort des Ratsinformationssystems ist zu groß für eine Drucksache.")
    if exc.kind == "dns":
        return _("Den Server gibt es nicht (der Name ist unbekannt). Bitte die Adresse prüfen.")
    if exc.kind in ("refused", "closed", "network", "tls", "redirect", "redirect_scheme"):
        return _(
            "Das Ratsinformationssystem ist nicht erreichbar. Bitte die Adresse prüfen oder später erneut versuchen."
        )
    return _("Das Ratsinformationssystem ist nicht erreichbar.")


def _text(value, limit: int) -> str:
    return str(value or "").replace("\x00", "").strip()[:limit]


def _date(value) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _paper(url: str, data: dict, *, with_status: bool = True) -> Paper:
    kind = str(data.get("type") or "")
    if kind not in PAPER_TYPES:
        if kind.startswith(SCHEMA):
            raise OParlError(
                _("Die Adresse zeigt auf ein OParl-Objekt vom Typ „%(type)s“, nicht auf eine Drucksache (Paper).")
                % {"type": kind.rsplit("/", 1)[-1][:40]}
            )
        raise OParlError(
            _("Unter dieser Adresse antwortet kein OParl-Server: Es fehlt der OParl-Typ einer Drucksache.")
        )
    status = _("gelöscht") if data.get("deleted") else ""
    if not status and with_status:
        status = _consultation_result(data.get("consultation"))
    return Paper(
        url=_text(data.get("id") or url, 500),
        name=_text(data.get("name"), 300),
        reference=_text(data.get("reference"), 100),
        date=_date(data.get("date")),
        status=status or _text(data.get("paperType"), 200),
        web=_text(data.get("web"), 500) if str(data.get("web") or "").startswith(("https://", "http://")) else "",
    )


def _consultation_result(consultations) -> str:
    """The result of the latest agenda item that has one (agenda items are embedded or linked)."""
    if not isinstance(consultations, list):
        return ""
    read = 0
    for consultation in reversed(consultations):
        if not isinstance(consultation, dict):
            continue
        item = consultation.get("agendaItem")
        if isinstance(item, str) and item.startswith(("https://", "http://")) and read < MAX_AGENDA_ITEMS:
            read += 1
            try:
                item = _get_json(item)
            except OParlError:
                continue
        if isinstance(item, dict) and item.get("result"):
            return _text(item["result"], 200)
    return ""


def fetch_paper(url: str) -> Paper:
    """The paper at `url`. Raises OParlError (German) if it cannot be read or is not a paper."""
    url = (url or "").strip()
    return _paper(url, _get_json(url))


def search(term: str, system_url: str) -> list[Paper]:
    """Papers of the system's bodies whose name or reference contains `term` (the first pages of each
    body's paper list; OParl lists have no search of their own)."""
    term = term.strip().casefold()
    # The whole search stops reading after this long (a web request should not wait for minutes).
    deadline = time.monotonic() + 2 * settings.OPARL_TIMEOUT
    system = _get_json(system_url)
    if str(system.get("type") or "") not in SYSTEM_TYPES:
        raise OParlError(_("Die eingerichtete OParl-Adresse zeigt nicht auf ein OParl-System (System)."))
    bodies = _list(str(system.get("body") or ""), pages=1, deadline=deadline)
    found: list[Paper] = []
    for body in bodies:
        for data in _list(str(body.get("paper") or ""), pages=MAX_SEARCH_PAGES, deadline=deadline):
            haystack = f"{data.get('name') or ''} {data.get('reference') or ''}".casefold()
            if term in haystack:
                try:
                    found.append(_paper(str(data.get("id") or ""), data, with_status=False))
                except OParlError:
                    continue
                if len(found) >= SEARCH_LIMIT:
                    return found
    return found


def _list(url: str, pages: int, deadline: float) -> list[dict]:
    """The objects of an OParl list, following `links.next` for at most `pages` pages (none begun
    after `deadline`, a time.monotonic() value)."""
    objects: list[dict] = []
    for _page in range(pages):
        if not url.startswith(("https://", "http://")) or time.monotonic() > deadline:
            break
        data = _get_json(url)
        items = data.get("data")
        objects.extend(item for item in (items if isinstance(items, list) else []) if isinstance(item, dict))
        links = data.get("links") if isinstance(data.get("links"), dict) else {}
        url = str(links.get("next") or "")
    return objects
