"""Import of Kumu workbooks and JSON (coordinators): `parse_upload` checks size, magic bytes and zip
structure before anything is unpacked, `plan_import` matches rows to existing actors and lists per-row
problems without writing, `run_import` writes the plan in one transaction through
actor_create/actor_update/tie_create. A pending upload waits in the database (`PendingImport`), so any
app server can show its preview and run its confirm, once.

The export side (GraphML, GEXF, CSV, Kumu) is exchange.py.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import json
import re
import secrets
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override as language_override
from django_countries import countries as all_countries

from knotenpunkt.actors import services as actor_services
from knotenpunkt.actors.models import SDG, Actor, ActorCountry, ActorKind, Level, Theme
from knotenpunkt.actors.search import fold
from knotenpunkt.changes.locking import EditConflict
from knotenpunkt.changes.services import all_or_nothing, atomic, batched_records
from knotenpunkt.lib.text import multi_line, one_line
from knotenpunkt.network import services as tie_services
from knotenpunkt.network.exchange import (
    _ESCAPED,
    DERIVED,
    ID_CHUNK,
    KUMU_CONNECTION_COLUMNS,
    KUMU_ELEMENT_COLUMNS,
)
from knotenpunkt.network.models import DIRECTED_PHRASES, PendingImport, Tie, TieKind

# --- import: reading the file -----------------------------------------------------------------------

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
MAX_ZIP_MEMBERS = 200
MAX_ROWS = 20_000


class ImportFileError(Exception):
    """The file as a whole cannot be read: nothing is shown but this message."""


def _check_zip(data: bytes) -> None:
    """Refuse zip bombs before anything is unpacked: member count, total and per-member ratio."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise ImportFileError(_("Die Datei ist keine gültige Excel-Datei (.xlsx).")) from exc
    with archive:
        members = archive.infolist()
        if len(members) > MAX_ZIP_MEMBERS:
            raise ImportFileError(_("Die Excel-Datei enthält zu viele Teile und wird nicht geöffnet."))
        total = sum(member.file_size for member in members)
        if total > MAX_UNPACKED_BYTES:
            raise ImportFileError(
                _("Die Excel-Datei wäre entpackt größer als %(mb)d MB und wird nicht geöffnet.")
                % {"mb": MAX_UNPACKED_BYTES // (1024 * 1024)}
            )
        if not any(member.filename == "xl/workbook.xml" for member in members):
            raise ImportFileError(_("Die Datei ist keine gültige Excel-Datei (.xlsx)."))


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dt.datetime, dt.date)):
        return value.date().isoformat() if isinstance(value, dt.datetime) else value.isoformat()
    return str(value)


class Formula(str):
    """A cell the upload holds as a formula: never imported, the row lists it as a problem."""

    __slots__ = ()


def _formula(value) -> Formula:
    text = getattr(value, "text", value)  # array formulas come as objects
    return Formula(text if isinstance(text, str) else "=…")


_DTD = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)


def _check_no_dtd(data: bytes) -> None:
    """A workbook's XML never needs a DTD; one with entities (external ones read files, nested ones
    multiply) is refused before any XML parser sees it."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for member in archive.infolist():
            if member.filename.endswith((".xml", ".rels")):
                with archive.open(member) as stream:
                    if _DTD.search(stream.read(MAX_UNPACKED_BYTES)):
                        raise ImportFileError(
                            _("Die Excel-Datei enthält eine Dokumenttyp-Definition (DTD) und wird nicht geöffnet.")
                        )


def _sheet_kind(header: list) -> str | None:
    """What Kumu makes of a sheet by its first row: connections have From and To, elements a Label."""
    names = {fold(str(h).strip()) for h in header}
    if {"from", "to"} <= names:
        return "connections"
    if "label" in names:
        return "elements"
    return None


def _read_xlsx(data: bytes) -> tuple[list, list]:
    from openpyxl import load_workbook

    _check_zip(data)
    try:
        _check_no_dtd(data)
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        tables = {"elements": [], "connections": []}
        found = set()
        for name in workbook.sheetnames:
            rows = []
            for row in workbook[name].iter_rows():  # loaded without data_only: formulas are data_type "f"
                rows.append([_formula(c.value) if c.data_type == "f" else _cell(c.value) for c in row])
                if len(rows) > MAX_ROWS + 1:
                    raise ImportFileError(_("Die Datei hat mehr als %(n)d Zeilen.") % {"n": MAX_ROWS})
            # A sheet counts by its name ("Elements", "Connections") or, as Kumu reads it, by its headers.
            kind = name.strip().lower() if name.strip().lower() in tables else (_sheet_kind(rows[0]) if rows else None)
            if kind is None or kind in found:
                continue
            found.add(kind)
            tables[kind] = _as_dicts(rows)
        workbook.close()
    except ImportFileError:
        raise
    except Exception as exc:  # openpyxl and the XML parser raise many kinds of errors on broken files
        raise ImportFileError(
            _("Die Excel-Datei lässt sich nicht lesen; sie ist beschädigt oder unvollständig.")
        ) from exc
    if not found:
        raise ImportFileError(
            _(
                "Die Arbeitsmappe hat kein Blatt mit Elementen (Spalte „Label“) oder Verbindungen "
                "(Spalten „From“ und „To“)."
            )
        )
    return tables["elements"], tables["connections"]


def _as_dicts(rows: list) -> list:
    if not rows:
        return []
    header = [h.strip() for h in rows[0]]
    out = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(str(v).strip() for v in row):
            continue
        out.append((number, {h: (row[i] if i < len(row) else "") for i, h in enumerate(header) if h}))
    return out


def _read_json(data: bytes) -> tuple[list, list]:
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ImportFileError(_("Die Datei ist keine gültige JSON-Datei.")) from exc
    except RecursionError as exc:  # thousands of nested brackets
        raise ImportFileError(_("Die JSON-Datei ist zu tief verschachtelt, um Kumus Aufbau zu haben.")) from exc
    if (
        not isinstance(document, dict)
        or not isinstance(document.get("elements", []), list)
        or not isinstance(document.get("connections", []), list)
    ):
        raise ImportFileError(_('Die JSON-Datei hat nicht Kumus Aufbau ({"elements": […], "connections": […]}).'))
    tables = []
    for name in ("elements", "connections"):
        items = document.get(name, [])
        if len(items) > MAX_ROWS:
            raise ImportFileError(_("Die Datei hat mehr als %(n)d Zeilen.") % {"n": MAX_ROWS})
        rows = []
        for number, item in enumerate(items, start=1):
            if not isinstance(item, dict):
                item = {}
            if isinstance(item.get("attributes"), dict):  # Kumu's project backups nest the fields
                item = {**item.pop("attributes"), **item}
            values = {}
            for key, value in item.items():
                if isinstance(value, list):
                    value = "|".join(_cell(v) for v in value)
                elif isinstance(value, bool):
                    value = "yes" if value else "no"
                value = _cell(value)
                # JSON has no formulas, but Kumu JSON is often converted from a spreadsheet: a leading
                # "=" is then a formula that was not evaluated, not data. It is refused like a formula
                # cell; our own JSON export writes a text beginning with "=" as "'=…" (`_kumu_text`).
                values[str(key)] = Formula(value) if value.startswith("=") else value
            rows.append((number, values))
        tables.append(rows)
    return tables[0], tables[1]


def parse_upload(name: str, data: bytes) -> tuple[list, list]:
    """(elements, connections) as lists of (row number, {column: text}), or ImportFileError."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise ImportFileError(_("Die Datei ist größer als %(mb)d MB.") % {"mb": MAX_UPLOAD_BYTES // (1024 * 1024)})
    suffix = Path(name or "").suffix.lower()
    if suffix == ".xlsx":
        if not data.startswith(b"PK\x03\x04"):
            raise ImportFileError(_("Die Datei heißt .xlsx, ist aber keine Excel-Datei."))
        return _read_xlsx(data)
    if suffix == ".json":
        if data.lstrip()[:1] not in (b"{", b"\xef"):
            raise ImportFileError(_("Die Datei heißt .json, ist aber keine JSON-Datei."))
        return _read_json(data)
    raise ImportFileError(_("Bitte eine Kumu-Datei im Format .xlsx oder .json hochladen."))


# --- import: the plan --------------------------------------------------------------------------------

ELEMENT_COLUMNS = {fold(c): c for c in KUMU_ELEMENT_COLUMNS} | {"element type": "Type", "_id": "ID"}
CONNECTION_COLUMNS = {fold(c): c for c in (*KUMU_CONNECTION_COLUMNS, "Label", "Description", "Tags", "ID")} | {
    "connection type": "Type",
    "connection direction": "Direction",
    "_id": "ID",
}
YES = {"yes", "ja", "true", "1", "wahr", "x"}


@dataclass
class Row:
    number: int
    action: str = ""  # create / match / merge / skip (elements); create / exists / skip (connections)
    label: str = ""
    detail: str = ""
    problems: list = field(default_factory=list)
    data: dict = field(default_factory=dict)
    actor_pk: int | None = None
    key: str = ""

    @property
    def skipped(self) -> bool:
        return self.action == "skip"


@dataclass
class Plan:
    elements: list
    connections: list
    header_problems: list

    @property
    def counts(self) -> dict:
        counts = defaultdict(int)
        for row in self.elements:
            counts[f"elements_{row.action}"] += 1
        for row in self.connections:
            counts[f"connections_{row.action}"] += 1
        counts["problems"] = len(self.header_problems) + sum(len(r.problems) for r in self.elements + self.connections)
        return dict(counts)

    @property
    def has_changes(self) -> bool:
        return any(r.action in ("create", "merge") for r in self.elements + self.connections)


def name_key(name: str) -> str:
    """Names compare case- and umlaut-insensitively, with spaces collapsed ("Förderkreis" = "foerderkreis")."""
    return " ".join(fold(name).split())


MULTI_LINE_COLUMNS = {"Description"}


def _clean(values: dict, row: Row, allowed: dict) -> dict:
    """Known columns only; formulas are refused (the cell is dropped and the row says so).

    Only what the reader marked as a `Formula` is one (an xlsx formula cell, a JSON text starting
    with "="); a text cell "- Punkt", "+49 7141 …" or "@verein" is text.
    """
    out = {}
    for column, value in values.items():
        canonical = allowed.get(fold(column.strip()))
        if canonical is None:
            continue
        if isinstance(value, Formula):
            row.problems.append(
                _("Spalte „%(column)s“ enthält eine Formel (%(value)s); der Wert wird nicht übernommen.")
                % {"column": canonical, "value": value[:40]}
            )
            continue
        # No control characters reach the database (a NUL breaks PostgreSQL); line breaks only where a
        # text may have lines.
        value = multi_line(value).strip() if canonical in MULTI_LINE_COLUMNS else one_line(value)
        if _ESCAPED.match(value):
            value = value[1:]  # text an export escaped (see `_kumu_text` and `neutralise`)
        out[canonical] = value
    return out


def _unknown_columns(rows: list, allowed: dict, sheet: str) -> list:
    seen = {}
    for _number, values in rows:
        for column in values:
            if fold(column.strip()) not in allowed:
                seen.setdefault(column, None)
    return [
        _("Blatt „%(sheet)s“: unbekannte Spalte „%(column)s“ wird ignoriert.") % {"sheet": sheet, "column": c}
        for c in seen
    ]


def _kind_lookup() -> dict:
    lookup = {}
    for value, label in ActorKind.choices:
        lookup[fold(value)] = value
        for language in ("de", "en"):
            with language_override(language):
                lookup[fold(str(label))] = value
    return lookup


def _tie_kind_lookup() -> dict:
    lookup = {}
    for value, label in TieKind.choices:
        lookup[fold(value)] = value
        for language in ("de", "en"):
            with language_override(language):
                lookup[fold(str(label))] = value
    return lookup


def _split(value: str) -> list[str]:
    return [part.strip() for part in re.split(r"[|;]", value) if part.strip()]


def _element_data(values: dict, row: Row, kinds: dict, themes: dict) -> dict:
    data = {"name": values.get("Label", "")[:200], "description": values.get("Description", "")}
    kind = values.get("Type", "")
    data["kind"] = kinds.get(fold(kind), ActorKind.OTHER)
    if kind and fold(kind) not in kinds:
        row.problems.append(_("Unbekannter Typ „%(type)s“: wird als „Sonstige“ angelegt.") % {"type": kind})
    level = values.get("Level", "")
    data["level"] = level if level in Level.values else Level.LOCAL
    if level and level not in Level.values:
        row.problems.append(_("Unbekannte Ebene „%(level)s“: wird als „lokal“ angelegt.") % {"level": level})
    data["themes"] = []
    for theme in _split(values.get("Themes", "")):
        pk = themes.get(theme) or themes.get(fold(theme))
        if pk is None:
            row.problems.append(_("Unbekanntes Thema „%(theme)s“ wird ignoriert.") % {"theme": theme})
        else:
            data["themes"].append(pk)
    data["sdgs"] = []
    for tag in _split(values.get("Tags", "")):  # Kumu's tags: themes and "SDG n" are understood
        pk = themes.get(tag) or themes.get(fold(tag))
        if pk is not None:
            data["themes"].append(pk)
        elif re.fullmatch(r"(?i)sdg\s*(1[0-7]|[1-9])", tag):
            data["sdgs"].append(int(re.sub(r"\D", "", tag)))
        else:
            row.problems.append(_("Schlagwort „%(tag)s“ ist weder Thema noch SDG und wird ignoriert.") % {"tag": tag})
    for sdg in _split(values.get("SDGs", "")):
        number = sdg.upper().removeprefix("SDG").strip()
        if number.isdigit() and 1 <= int(number) <= 17:
            data["sdgs"].append(int(number))
        else:
            row.problems.append(_("Unbekanntes SDG „%(sdg)s“ wird ignoriert.") % {"sdg": sdg})
    data["themes"] = sorted(set(data["themes"]))
    data["sdgs"] = sorted(set(data["sdgs"]))
    data["countries"] = []
    for code in _split(values.get("Countries", "")):
        if code.upper() in all_countries:
            data["countries"].append(code.upper())
        else:
            row.problems.append(_("Unbekannter Ländercode „%(code)s“ wird ignoriert.") % {"code": code})
    data["published"] = values.get("Published", "").lower() in YES
    return data


def plan_import(elements: list, connections: list) -> Plan:
    """Match every row against the database and the file; no writes."""
    header = _unknown_columns(elements, ELEMENT_COLUMNS, "Elements") + _unknown_columns(
        connections, CONNECTION_COLUMNS, "Connections"
    )
    kinds, tie_kinds = _kind_lookup(), _tie_kind_lookup()
    themes = {}
    for pk, slug, de, en in Theme.objects.values_list("pk", "slug", "name_de", "name_en"):
        themes[slug] = pk
        themes[fold(de)] = pk
        if en:
            themes[fold(en)] = pk
    by_slug = dict(Actor.objects.values_list("slug", "pk"))
    by_name, names = {}, {}
    for pk, name in Actor.objects.order_by("pk").values_list("pk", "name"):
        by_name.setdefault(name_key(name), pk)
        names[pk] = name

    # resolve: the file's elements by ID ("id", …) and by folded label ("label", …); an ID and a label
    # that look alike never meet.
    element_rows, resolve = [], {}
    seen_names, seen_ids = {}, {}
    for number, raw in elements:
        row = Row(number=number)
        values = _clean(raw, row, ELEMENT_COLUMNS)
        row.label = values.get("Label", "")
        ident = values.get("ID", "")
        if not row.label:
            row.action = "skip"
            row.problems.append(_("Der Name (Label) ist leer: die Zeile wird übersprungen."))
            element_rows.append(row)
            if ident:  # its connections are skipped too, not taken for new elements named by the ID
                resolve[("id", ident)] = row
            continue
        key = name_key(row.label[:200])  # as the name is stored
        earlier = seen_names.get(key)
        # Elements are told apart by their ID first, their label second: two rows with one label and
        # two IDs are two elements (Kumu allows it); without IDs, the second is a repetition.
        if ident in seen_ids or (earlier is not None and (not ident or not earlier[1])):
            row.action = "skip"
            first = seen_ids.get(ident) or earlier[0]
            row.problems.append(
                _("Das Element steht schon in Zeile %(n)d: die Zeile wird übersprungen.") % {"n": first}
            )
            element_rows.append(row)
            continue
        seen_names.setdefault(key, (number, ident))
        if ident:
            seen_ids[ident] = number
        row.data = _element_data(values, row, kinds, themes)
        pk = by_slug.get(ident) if ident else None
        if pk is None and earlier is None:  # a second element of the same label has its own actor
            pk = by_name.get(key)
        _set_match(row, pk)
        row.key = key
        if ident:
            resolve[("id", ident)] = row
        resolve.setdefault(("label", key), row)
        element_rows.append(row)

    connection_rows, seen_pairs = [], {}
    for number, raw in connections:
        values = _clean(raw, Row(number=number), CONNECTION_COLUMNS)
        origin = values.get("Origin", "")
        if origin == DERIVED or fold(values.get("Type", "")) == DERIVED:
            row = Row(number=number, action="skip", label=f"{values.get('From', '')} → {values.get('To', '')}")
            row.detail = _("abgeleitete Beziehung: Knotenpunkt berechnet sie selbst aus den Terminen")
            connection_rows.append(row)
            continue
        # "A|B|C" in From or To: one connection to each (as Kumu reads it).
        sources, targets = _ends(values.get("From", "")), _ends(values.get("To", ""))
        direction = fold(values.get("Direction", ""))
        for source, target in itertools.product(sources or [""], targets or [""]):
            for a, b in _directions(source, target, direction, values, tie_kinds):
                row = _connection_row(number, {**values, "From": a, "To": b}, raw, tie_kinds, resolve, by_slug, by_name)
                if row.action == "create" and row.data.get("new_ends"):
                    element_rows.extend(row.data.pop("new_ends"))
                if row.action == "create":
                    pair = (_end_key(row.data["ends"][0]), _end_key(row.data["ends"][1]), row.data["kind"])
                    if pair in seen_pairs:
                        row.action = "skip"
                        row.problems.append(
                            _("Diese Beziehung steht schon in Zeile %(n)d: die Zeile wird übersprungen.")
                            % {"n": seen_pairs[pair]}
                        )
                    else:
                        seen_pairs[pair] = number
                connection_rows.append(row)
        if direction and direction not in DIRECTED | UNDIRECTED:
            connection_rows[-1].problems.append(
                _("Unbekannte Richtung „%(direction)s“: die Verbindung gilt als gerichtet.")
                % {"direction": values.get("Direction", "")}
            )
    _decide_merges([row for row in element_rows if row.action == "match"], names)
    _mark_existing_ties([row for row in connection_rows if row.action == "create"])
    return Plan(element_rows, connection_rows, header)


DIRECTED = {"directed", "gerichtet", ""}
UNDIRECTED = {"mutual", "undirected", "ungerichtet", "gegenseitig", "beidseitig", "wechselseitig"}


def _ends(value: str) -> list[str]:
    return [part.strip() for part in value.split("|") if part.strip()]


def _directions(source: str, target: str, direction: str, values: dict, tie_kinds: dict) -> list[tuple[str, str]]:
    """The ties a connection stands for. "mutual" or "undirected": for kinds without a direction
    (cooperation, partnerships) one tie, which already goes both ways; for directed kinds (membership,
    funding, responsibility) one each way."""
    if direction not in UNDIRECTED:
        return [(source, target)]
    kind = tie_kinds.get(fold(values.get("Type", "")), TieKind.COOPERATION)
    if kind in DIRECTED_PHRASES:
        return [(source, target), (target, source)]
    return [(source, target)]


def _set_match(row: Row, pk: int | None) -> None:
    if pk is None:
        row.action = "create"
        row.detail = _("wird neu angelegt")
    else:
        row.actor_pk = pk
        row.action = "match"  # or "merge": decided below, with every matched actor's relations read at once


def _new_element(label: str, number: int) -> Row:
    """An element only the Connections sheet names: created, as Kumu does."""
    row = Row(number=number, label=label[:200], key=name_key(label[:200]), action="create")
    row.detail = _("wird neu angelegt (nur bei den Verbindungen genannt)")
    row.data = {
        "name": label[:200],
        "description": "",
        "kind": ActorKind.OTHER,
        "level": Level.LOCAL,
        "themes": [],
        "sdgs": [],
        "countries": [],
        "published": False,
    }
    return row


def _connection_row(number, values, raw, tie_kinds, resolve, by_slug, by_name) -> Row:
    row = Row(number=number, label=f"{values.get('From', '')} → {values.get('To', '')}")
    _clean(raw, row, CONNECTION_COLUMNS)  # its formula problems, once per connection
    ends, new_ends = [], []
    for column in ("From", "To"):
        value = values.get(column, "")
        skipped = resolve.get(("id", value))
        if skipped is not None and skipped.skipped:
            row.problems.append(
                _("„%(value)s“ ist das Element aus Zeile %(n)d, das übersprungen wird.")
                % {"value": value, "n": skipped.number}
            )
            ends.append(None)
            continue
        end = _resolve_end(value, resolve, by_slug, by_name)
        if not value:
            row.problems.append(_("„%(column)s“ ist leer.") % {"column": column})
        elif end is None:
            end = _new_element(value, number)
            resolve[("label", end.key)] = end
            new_ends.append(end)
        ends.append(end)
    kind_text = values.get("Type", "")
    kind = tie_kinds.get(fold(kind_text), TieKind.OTHER if kind_text else TieKind.COOPERATION)
    if kind_text and fold(kind_text) not in tie_kinds:
        row.problems.append(_("Unbekannte Art „%(type)s“: wird als „Sonstige“ angelegt.") % {"type": kind_text})
    start, end_date = _date(values.get("Start", ""), row), _date(values.get("End", ""), row)
    if start and end_date and end_date < start:
        row.problems.append(_("Das Ende liegt vor dem Beginn: die Daten werden nicht übernommen."))
        start = end_date = None
    if None in ends:
        row.action = "skip"
        return row
    if ends[0] is ends[1] or ends[0] == ends[1]:
        row.action = "skip"
        row.problems.append(_("Eine Beziehung eines Akteurs zu sich selbst wird nicht angelegt."))
        return row
    public = values.get("Public", "yes").lower() in YES if values.get("Public") else True
    row.data = {
        "ends": ends,
        "kind": kind,
        "start_date": start,
        "end_date": end_date,
        "public": public,
        "new_ends": new_ends,
    }
    row.action = "create"
    row.detail = _("wird angelegt")
    return row


def _chunks(ids):
    ids = sorted(set(ids))
    for i in range(0, len(ids), ID_CHUNK):
        yield ids[i : i + ID_CHUNK]


def _decide_merges(rows: list, names: dict) -> None:
    """A matched row merges if it brings themes, SDGs or countries the actor lacks."""
    have = defaultdict(lambda: {"themes": set(), "sdgs": set(), "countries": set()})
    for chunk in _chunks(row.actor_pk for row in rows):
        for actor_id, pk in Actor.themes.through.objects.filter(actor_id__in=chunk).values_list("actor_id", "theme_id"):
            have[actor_id]["themes"].add(pk)
        for actor_id, pk in Actor.sdgs.through.objects.filter(actor_id__in=chunk).values_list("actor_id", "sdg_id"):
            have[actor_id]["sdgs"].add(pk)
        for actor_id, code in ActorCountry.objects.filter(actor_id__in=chunk).values_list("actor_id", "country"):
            have[actor_id]["countries"].add(code)
    labels = {"themes": _("Themen"), "sdgs": _("SDGs"), "countries": _("Länder")}
    for row in rows:
        current = have[row.actor_pk]
        additions = [str(labels[name]) for name in labels if set(row.data[name]) - current[name]]
        name = names[row.actor_pk]
        if additions:
            row.action = "merge"
            row.detail = _("wird mit „%(name)s“ zusammengeführt (ergänzt: %(what)s)") % {
                "name": name,
                "what": ", ".join(additions),
            }
        else:
            row.detail = _("ist schon vorhanden: „%(name)s“") % {"name": name}


def _mark_existing_ties(rows: list) -> None:
    """Connections between existing actors that Knotenpunkt already has are shown as such."""
    wanted = {}
    for row in rows:
        pks = [e if isinstance(e, int) else e.actor_pk for e in row.data["ends"]]
        if None not in pks:
            wanted[(pks[0], pks[1], row.data["kind"])] = row
    existing = set()
    for chunk in _chunks(key[0] for key in wanted):
        existing.update(Tie.objects.filter(source_id__in=chunk).values_list("source_id", "target_id", "kind"))
    for key in wanted.keys() & existing:
        wanted[key].action = "exists"
        wanted[key].detail = _("gibt es schon")


def _end_key(end):
    return ("actor", end) if isinstance(end, int) else ("actor", end.actor_pk) if end.actor_pk else ("row", id(end))


def _resolve_end(value: str, resolve: dict, by_slug: dict, by_name: dict):
    """A Row of this file (which may match an actor) or the pk of an existing actor."""
    if not value:
        return None
    row = resolve.get(("id", value)) or resolve.get(("label", name_key(value)))
    if row is not None and not row.skipped:
        return row.actor_pk if row.actor_pk else row
    return by_slug.get(value) or by_name.get(name_key(value))


_GERMAN_DATE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{2}|\d{4})")


def _date(value: str, row: Row):
    """ISO (2025-03-31, also with a time, 2025-03 or 2025 as its first day) or German (31.3.2025, 31.03.25)."""
    if not value:
        return None
    value = value.strip()
    try:
        german = _GERMAN_DATE.fullmatch(value)
        if german:
            day, month, year = (int(part) for part in german.groups())
            return dt.date(year + 2000 if year < 100 else year, month, day)
        if re.fullmatch(r"\d{4}", value):
            return dt.date(int(value), 1, 1)
        if re.fullmatch(r"\d{4}-\d{2}", value):
            return dt.date(int(value[:4]), int(value[5:]), 1)
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        row.problems.append(
            _("„%(value)s“ ist kein Datum (JJJJ-MM-TT oder TT.MM.JJJJ) und wird ignoriert.") % {"value": value}
        )
        return None


class ImportFailed(Exception):
    pass


def run_import(*, user, plan: Plan) -> dict:
    """Write the plan in one transaction through the services; any failure leaves no trace.

    One transaction, so the reactions (search index, tie counts, page cache) run once for the whole file.
    """
    created = merged = ties = 0
    try:
        # One transaction in which any error aborts the whole: the services set no savepoints, and the
        # change records go in in batches (changes.all_or_nothing, batched_records).
        with all_or_nothing(), atomic(), batched_records():
            actors, by_pk = {}, {}

            def existing(pk: int) -> Actor:
                if pk not in by_pk:
                    by_pk[pk] = Actor.objects.get(pk=pk)
                return by_pk[pk]

            for row in plan.elements:
                if row.action == "create":
                    data = dict(row.data)
                    data["themes"] = list(Theme.objects.filter(pk__in=data["themes"]))
                    data["sdgs"] = list(SDG.objects.filter(number__in=data["sdgs"]))
                    actors[id(row)] = actor_services.actor_create(user=user, data=data)
                    created += 1
                elif row.action == "merge":
                    actor = Actor.objects.get(pk=row.actor_pk)
                    data = {
                        "themes": sorted(set(actor.themes.values_list("pk", flat=True)) | set(row.data["themes"])),
                        "sdgs": sorted(set(actor.sdgs.values_list("number", flat=True)) | set(row.data["sdgs"])),
                        "countries": sorted(
                            set(actor.countries.values_list("country", flat=True)) | set(row.data["countries"])
                        ),
                    }
                    data["themes"] = list(Theme.objects.filter(pk__in=data["themes"]))
                    data["sdgs"] = list(SDG.objects.filter(number__in=data["sdgs"]))
                    actor_services.actor_update(user=user, actor=actor, data=data, expected_version=actor.version)
                    merged += 1
            specs = []
            for row in plan.connections:
                if row.action != "create":
                    continue
                source, target = (
                    existing(end) if isinstance(end, int) else actors.get(id(end)) or existing(end.actor_pk)
                    for end in row.data["ends"]
                )
                specs.append(
                    {
                        "source": source,
                        "target": target,
                        "kind": row.data["kind"],
                        "start_date": row.data["start_date"],
                        "end_date": row.data["end_date"],
                        "public": row.data["public"],
                    }
                )
            ties = len(tie_services.ties_create(user=user, specs=specs))
    except ValidationError as exc:
        raise ImportFailed(" ".join(exc.messages)) from exc
    except Actor.DoesNotExist as exc:
        raise ImportFailed(_("Ein Akteur wurde inzwischen gelöscht.")) from exc
    except (IntegrityError, EditConflict) as exc:  # someone saved the same row meanwhile
        raise ImportFailed(_("Die Daten wurden inzwischen geändert; bitte prüfen Sie die Vorschau erneut.")) from exc
    return {"created": created, "merged": merged, "ties": ties}


# --- import: the pending upload (network.PendingImport) -------------------------------------------------

PENDING_SECONDS = 60 * 60
SESSION_KEY = "network_import"


def pending_save(session, user, name: str, data: bytes) -> str:
    """Keep the upload in the database (any app server can finish it) and its token in the session."""
    pending_expire()
    pending_discard(session)
    token = secrets.token_urlsafe(24)
    PendingImport.objects.create(token=token, user=user, name=Path(name).name[:200], data=data)
    session[SESSION_KEY] = {"token": token, "name": Path(name).name[:200]}
    return token


def _pending(session, token: str | None):
    info = session.get(SESSION_KEY)
    if not info or (token is not None and not secrets.compare_digest(str(token), str(info.get("token", "")))):
        return None
    cutoff = timezone.now() - dt.timedelta(seconds=PENDING_SECONDS)
    return PendingImport.objects.filter(token=info["token"], done_at__isnull=True, created_at__gte=cutoff)


def pending_load(session, token: str | None = None):
    """(name, bytes) of the session's pending upload (and matching `token` if given), or None."""
    pending = _pending(session, token)
    row = pending.values_list("name", "data").first() if pending is not None else None
    return (row[0], bytes(row[1])) if row else None


def pending_run(session, token: str, run) -> dict | None:
    """Run `run(name, data)` on the session's pending upload exactly once: the row is locked and marked
    done in the same transaction as the import, so a second confirm (another tab, another server)
    finds it done and gets None."""
    with atomic():
        pending = _pending(session, token)
        row = pending.select_for_update().first() if pending is not None else None
        if row is None:
            return None
        result = run(row.name, bytes(row.data))
        PendingImport.objects.filter(pk=row.pk).update(done_at=timezone.now(), data=b"")
        return result


def pending_discard(session) -> None:
    info = session.pop(SESSION_KEY, None)
    if info and info.get("token"):
        PendingImport.objects.filter(token=info["token"]).delete()


def pending_expire() -> None:
    """Delete uploads nobody confirmed within the hour, and those done."""
    cutoff = timezone.now() - dt.timedelta(seconds=PENDING_SECONDS)
    PendingImport.objects.filter(models.Q(created_at__lt=cutoff) | models.Q(done_at__isnull=False)).delete()
