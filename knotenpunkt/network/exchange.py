"""Exchange with Gephi and Kumu: export the visible network, import Kumu workbooks and JSON.

Export reads plain tuples (`values_list`, edges streamed with `.iterator()`), never model objects,
so a network of 100,000 actors and a million ties is written row by row. Node ids are actor slugs.
Edge attributes: `kind` (tie kind, or "derived"), `origin` ("declared"/"derived"), `weight` (1 for a
declared tie, the number of meetings for a derived one: visitors count public meetings only),
`start`/`end` (the tie's dates, or first/last meeting), `public`, `directed`.

Import (coordinators): `parse_upload` checks size, magic bytes and zip structure before anything is
unpacked, `plan_import` matches rows to existing actors and lists per-row problems without writing,
`run_import` writes the plan in one transaction through actor_create/actor_update/tie_create.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import json
import re
import secrets
import tempfile
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from django import forms
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.translation import override as language_override
from django_countries import countries as all_countries

from knotenpunkt.accounts import roles
from knotenpunkt.actors import permissions as actor_permissions
from knotenpunkt.actors import services as actor_services
from knotenpunkt.actors.forms import DirectoryFilterForm
from knotenpunkt.actors.models import SDG, Actor, ActorCountry, ActorKind, Level, Theme
from knotenpunkt.actors.search import fold
from knotenpunkt.actors.selectors import filter_actors
from knotenpunkt.changes.locking import EditConflict
from knotenpunkt.changes.services import atomic
from knotenpunkt.lib.text import multi_line, one_line
from knotenpunkt.network import permissions
from knotenpunkt.network import services as tie_services
from knotenpunkt.network.models import DerivedTie, PendingImport, Tie, TieKind

DERIVED = "derived"
DECLARED = "declared"

# --- filters -------------------------------------------------------------------------------------


class ExportFilterForm(DirectoryFilterForm):
    """The directory's filters (without the text search) plus the kind of tie."""

    tie_kind = forms.ChoiceField(
        label=gettext_lazy("Art der Beziehung"),
        required=False,
        choices=[
            ("", gettext_lazy("alle Beziehungen")),
            *TieKind.choices,
            (DERIVED, gettext_lazy("abgeleitet aus gemeinsamen Terminen")),
        ],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["q"]


def filter_query(filters: dict) -> dict:
    """The filters as URL parameters (for the export links)."""
    params = {}
    for name, value in filters.items():
        if isinstance(value, Theme):
            params[name] = value.slug
        elif isinstance(value, SDG):
            params[name] = value.number
        else:
            params[name] = str(value)
    return params


# --- export: rows ----------------------------------------------------------------------------------


@dataclass
class Network:
    """What one export writes: node tuples in memory (ids, labels), edges as a lazy stream."""

    nodes: list  # (pk, slug, name, kind, level, published, description)
    themes: dict
    sdgs: dict
    countries: dict
    user: object
    filters: dict

    def node_attrs(self, node) -> dict:
        pk, slug, name, kind, level, published, description = node
        return {
            "id": slug,
            "label": name,
            "kind": kind,
            "level": level,
            "themes": "|".join(sorted(self.themes.get(pk, ()))),
            "sdgs": "|".join(str(n) for n in sorted(self.sdgs.get(pk, ()))),
            "countries": "|".join(sorted(self.countries.get(pk, ()))),
            "published": bool(published),
            "description": description,
        }

    def edges(self):
        """(id, source slug, target slug, attrs) of every visible edge between exported nodes."""
        slugs = {node[0]: node[1] for node in self.nodes}
        tie_kind = self.filters.get("tie_kind", "")
        if tie_kind != DERIVED:
            ties = permissions.visible_ties(self.user)
            if tie_kind:
                ties = ties.filter(kind=tie_kind)
            columns = ("pk", "source_id", "target_id", "kind", "start_date", "end_date", "public")
            for pk, source, target, kind, start, end, public in self._rows(ties, "source_id", columns):
                if source in slugs and target in slugs:
                    attrs = _edge_attrs(kind, DECLARED, 1.0, start, end, public, True)
                    yield f"t{pk}", slugs[source], slugs[target], attrs
        if tie_kind in ("", DERIVED):
            yield from self._derived(slugs)

    def _rows(self, queryset, end: str, columns):
        """Rows of `queryset` whose `end` is an exported node (the other end is checked by the caller).

        Unfiltered, every visible row is read once in primary-key order; filtered, the rows come
        by index, a chunk of node ids at a time (a subquery per row is slow on SQLite).
        """
        if not any(name in self.filters for name in ACTOR_FILTERS):
            yield from queryset.order_by("pk").values_list(*columns).iterator(chunk_size=5000)
            return
        ids = [node[0] for node in self.nodes]
        for i in range(0, len(ids), ID_CHUNK):
            chunk = queryset.filter(**{f"{end}__in": ids[i : i + ID_CHUNK]}).order_by("pk")
            yield from chunk.values_list(*columns).iterator(chunk_size=5000)

    def _derived(self, slugs):
        pairs = DerivedTie.objects.all()
        if roles.is_internal_reader(self.user):
            columns = ("pk", "actor_a_id", "actor_b_id", "count", "first_met", "last_met", "public_count")
        else:
            pairs = pairs.filter(public_count__gt=0, actor_a__published=True, actor_b__published=True)
            columns = (
                "pk",
                "actor_a_id",
                "actor_b_id",
                "public_count",
                "public_first_met",
                "public_last_met",
                "public_count",
            )
        for pk, a, b, count, first, last, public_count in self._rows(pairs, "actor_a_id", columns):
            if a in slugs and b in slugs:
                attrs = _edge_attrs(DERIVED, DERIVED, float(count), first, last, public_count > 0, False)
                yield f"d{pk}", slugs[a], slugs[b], attrs


ID_CHUNK = 500


def _edge_attrs(kind, origin, weight, start, end, public, directed) -> dict:
    return {
        "kind": kind,
        "origin": origin,
        "weight": weight,
        "start": start.isoformat() if start else "",
        "end": end.isoformat() if end else "",
        "public": bool(public),
        "directed": directed,
    }


ACTOR_FILTERS = ("kind", "level", "theme", "sdg", "country")


def network_for(user, filters: dict) -> Network:
    actors = filter_actors(actor_permissions.visible_actors(user), filters)
    nodes = list(
        Actor.objects.filter(pk__in=actors.values("pk"))
        .order_by("pk")
        .values_list("pk", "slug", "name", "kind", "level", "published", "description")
    )
    narrowed = any(name in filters for name in ACTOR_FILTERS)
    ids = [node[0] for node in nodes]
    wanted = set(ids)

    def related(queryset, columns):
        if not narrowed:  # one pass over the whole table
            rows = queryset.values_list(*columns).iterator(chunk_size=5000)
            return ((actor_id, value) for actor_id, value in rows if actor_id in wanted)
        return (
            row
            for i in range(0, len(ids), ID_CHUNK)
            for row in queryset.filter(actor_id__in=ids[i : i + ID_CHUNK]).values_list(*columns)
        )

    themes, sdgs, places = defaultdict(list), defaultdict(list), defaultdict(list)
    for actor_id, slug in related(Actor.themes.through.objects.all(), ("actor_id", "theme__slug")):
        themes[actor_id].append(slug)
    for actor_id, number in related(Actor.sdgs.through.objects.all(), ("actor_id", "sdg_id")):
        sdgs[actor_id].append(number)
    for actor_id, code in related(ActorCountry.objects.all(), ("actor_id", "country")):
        places[actor_id].append(code)
    return Network(nodes, themes, sdgs, places, user, filters)


# --- export: writers (each yields text chunks) ------------------------------------------------------

_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
NODE_KEYS = (
    ("label", "string"),
    ("kind", "string"),
    ("level", "string"),
    ("themes", "string"),
    ("sdgs", "string"),
    ("countries", "string"),
    ("published", "boolean"),
    ("description", "string"),
)
EDGE_KEYS = (
    ("kind", "string"),
    ("origin", "string"),
    ("weight", "double"),
    ("start", "string"),
    ("end", "string"),
    ("public", "boolean"),
    ("directed", "boolean"),
)


def _x(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return escape(_XML_INVALID.sub("", str(value)))


def _xa(value) -> str:
    if isinstance(value, bool):
        return '"true"' if value else '"false"'
    return quoteattr(_XML_INVALID.sub("", str(value)))


def _chunked(lines, size=500):
    buffer = []
    for line in lines:
        buffer.append(line)
        if len(buffer) >= size:
            yield "".join(buffer)
            buffer = []
    if buffer:
        yield "".join(buffer)


def graphml(network: Network):
    def lines():
        yield '<?xml version="1.0" encoding="UTF-8"?>\n'
        yield '<graphml xmlns="http://graphml.graphdrawing.org/xmlns">\n'
        for name, kind in NODE_KEYS:
            yield f'<key id="n_{name}" for="node" attr.name="{name}" attr.type="{kind}"/>\n'
        for name, kind in EDGE_KEYS:
            yield f'<key id="e_{name}" for="edge" attr.name="{name}" attr.type="{kind}"/>\n'
        yield '<graph id="knotenpunkt" edgedefault="directed">\n'
        for node in network.nodes:
            attrs = network.node_attrs(node)
            data = "".join(f'<data key="n_{name}">{_x(attrs[name])}</data>' for name, _k in NODE_KEYS)
            yield f"<node id={_xa(attrs['id'])}>{data}</node>\n"
        for edge_id, source, target, attrs in network.edges():
            data = "".join(f'<data key="e_{name}">{_x(attrs[name])}</data>' for name, _k in EDGE_KEYS)
            yield f"<edge id={_xa(edge_id)} source={_xa(source)} target={_xa(target)}>{data}</edge>\n"
        yield "</graph>\n</graphml>\n"

    return _chunked(lines())


GEXF_TYPES = {"string": "string", "boolean": "boolean", "double": "double"}


def gexf(network: Network):
    def lines():
        yield '<?xml version="1.0" encoding="UTF-8"?>\n'
        yield '<gexf xmlns="http://gexf.net/1.3" version="1.3">\n'
        yield f'<meta lastmodifieddate="{timezone.localdate().isoformat()}"><creator>Knotenpunkt</creator></meta>\n'
        yield '<graph defaultedgetype="directed" mode="static">\n<attributes class="node" mode="static">\n'
        node_keys = [k for k in NODE_KEYS if k[0] != "label"]
        for i, (name, kind) in enumerate(node_keys):
            yield f'<attribute id="{i}" title="{name}" type="{GEXF_TYPES[kind]}"/>\n'
        yield '</attributes>\n<attributes class="edge" mode="static">\n'
        edge_keys = [k for k in EDGE_KEYS if k[0] != "weight"]
        for i, (name, kind) in enumerate(edge_keys):
            yield f'<attribute id="{i}" title="{name}" type="{GEXF_TYPES[kind]}"/>\n'
        yield "</attributes>\n<nodes>\n"
        for node in network.nodes:
            attrs = network.node_attrs(node)
            values = "".join(
                f'<attvalue for="{i}" value={_xa(attrs[name])}/>' for i, (name, _k) in enumerate(node_keys)
            )
            yield f"<node id={_xa(attrs['id'])} label={_xa(attrs['label'])}><attvalues>{values}</attvalues></node>\n"
        yield "</nodes>\n<edges>\n"
        for edge_id, source, target, attrs in network.edges():
            values = "".join(
                f'<attvalue for="{i}" value={_xa(attrs[name])}/>' for i, (name, _k) in enumerate(edge_keys)
            )
            yield (
                f"<edge id={_xa(edge_id)} source={_xa(source)} target={_xa(target)} "
                f'weight="{attrs["weight"]}"><attvalues>{values}</attvalues></edge>\n'
            )
        yield "</edges>\n</graph>\n</gexf>\n"

    return _chunked(lines())


# Text a spreadsheet would evaluate when it opens a CSV file: "=", "@", tab and CR always start a
# formula; "+" and "-" only when something other than a number or a space follows ("-2+3+cmd|' /C
# calc'!A0", "+49 7141 …"). "-5", "+3.2" and a Markdown list ("- Punkt") stay as they are, unless the
# text also holds a DDE call (`program|'argument'!cell`), which Excel runs even after "- ".
_ALWAYS_FORMULA = ("=", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-](\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?")
_DDE = re.compile(r"\|[^!]*!")


def neutralise(value):
    """CSV only: prefix text that a spreadsheet would run as a formula with an apostrophe."""
    if not isinstance(value, str) or not value:
        return value
    if value.startswith(_ALWAYS_FORMULA):
        return "'" + value
    if value[0] in "+-" and len(value) > 1:
        if _NUMBER.fullmatch(value):
            return value
        if value[1].isspace() and not _DDE.search(value):
            return value
        return "'" + value
    return value


# What the import reads as escaped text: apostrophes before a leading "=", "+", "-" or "@" lose
# the first one (`_clean`). Exports written before 2026-11 put one before every such text; the Kumu
# workbook and JSON now add one only where the import would otherwise lose or refuse the text:
# before a leading "=" in JSON (the JSON import refuses it, see `_read_json`) and before a text
# that itself starts that way ("'=…"), so that every text goes out and comes back unchanged.
_ESCAPED = re.compile(r"'+[=+\-@]")


def _kumu_text(value, *, json_text: bool = False):
    if isinstance(value, str) and (_ESCAPED.match(value) or (json_text and value.startswith("="))):
        return "'" + value
    return value


class _Echo:
    def write(self, value):
        return value


def _csv_rows(header, rows):
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(header)  # the BOM makes Excel read UTF-8
    for row in rows:
        yield writer.writerow([neutralise(v) for v in row])


CSV_NODE_COLUMNS = ("id", "label", "kind", "level", "themes", "sdgs", "countries", "published", "description")
CSV_EDGE_COLUMNS = ("id", "source", "target", "kind", "origin", "weight", "start", "end", "public", "directed")


def _csv_value(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def csv_nodes(network: Network):
    rows = (
        [_csv_value(attrs[c]) for c in CSV_NODE_COLUMNS]
        for attrs in (network.node_attrs(node) for node in network.nodes)
    )
    return _chunked(_csv_rows(CSV_NODE_COLUMNS, rows))


def csv_edges(network: Network):
    rows = (
        [edge_id, source, target, *(_csv_value(attrs[c]) for c in CSV_EDGE_COLUMNS[3:])]
        for edge_id, source, target, attrs in network.edges()
    )
    return _chunked(_csv_rows(CSV_EDGE_COLUMNS, rows))


# Kumu's column names; the rest are custom fields Kumu keeps as they are.
KUMU_ELEMENT_COLUMNS = (
    "ID",
    "Label",
    "Type",
    "Description",
    "Tags",
    "Level",
    "Themes",
    "SDGs",
    "Countries",
    "Published",
)
KUMU_CONNECTION_COLUMNS = ("From", "To", "Type", "Direction", "Origin", "Weight", "Start", "End", "Public")


def _kumu_element(network: Network, node) -> dict:
    attrs = network.node_attrs(node)
    return {
        "ID": attrs["id"],
        "Label": attrs["label"],
        "Type": attrs["kind"],
        "Description": attrs["description"],
        "Tags": "|".join(filter(None, (attrs["themes"], "|".join(f"SDG {n}" for n in attrs["sdgs"].split("|") if n)))),
        "Level": attrs["level"],
        "Themes": attrs["themes"],
        "SDGs": attrs["sdgs"],
        "Countries": attrs["countries"],
        "Published": "yes" if attrs["published"] else "no",
    }


def _kumu_connection_values(source, target, attrs) -> list:
    """A connection in the order of KUMU_CONNECTION_COLUMNS. No text here needs `_kumu_text`:
    slugs, kinds and ISO dates never start with an apostrophe or "="."""
    return [
        source,
        target,
        attrs["kind"],
        "directed" if attrs["directed"] else "undirected",
        attrs["origin"],
        attrs["weight"],
        attrs["start"],
        attrs["end"],
        "yes" if attrs["public"] else "no",
    ]


def _kumu_connection(source, target, attrs) -> dict:
    return dict(zip(KUMU_CONNECTION_COLUMNS, _kumu_connection_values(source, target, attrs), strict=True))


def kumu_json(network: Network):
    def lines():
        yield '{"elements": ['
        for i, node in enumerate(network.nodes):
            element = {k.lower(): _kumu_text(v, json_text=True) for k, v in _kumu_element(network, node).items()}
            yield ("," if i else "") + "\n" + json.dumps(element, ensure_ascii=False)
        yield '\n], "connections": ['
        for i, (_id, source, target, attrs) in enumerate(network.edges()):
            connection = {
                k.lower(): _kumu_text(v, json_text=True) for k, v in _kumu_connection(source, target, attrs).items()
            }
            yield ("," if i else "") + "\n" + json.dumps(connection, ensure_ascii=False)
        yield "\n]}\n"

    return _chunked(lines())


def kumu_xlsx(network: Network) -> Path:
    """Write the workbook to a temporary file, row by row (see `XlsxWriter`)."""
    handle = tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False)  # noqa: SIM115
    handle.close()
    try:
        _write_kumu_xlsx(network, handle.name)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise
    return Path(handle.name)


def _write_kumu_xlsx(network: Network, path: str) -> None:
    with XlsxWriter(path) as workbook:
        workbook.add_sheet(
            "Elements",
            KUMU_ELEMENT_COLUMNS,
            (
                [_kumu_text(row[c]) for c in KUMU_ELEMENT_COLUMNS]
                for row in (_kumu_element(network, node) for node in network.nodes)
            ),
        )
        workbook.add_sheet(
            "Connections",
            KUMU_CONNECTION_COLUMNS,
            (_kumu_connection_values(source, target, attrs) for _id, source, target, attrs in network.edges()),
        )


# --- Kumu workbook: a small streaming xlsx writer ----------------------------------------------------

XLSX_ROWS = 1_048_576  # rows per sheet in Excel (and LibreOffice), the header included
XLSX_CHARS = 32_767  # characters per cell in Excel; longer text is cut
_XLSX_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_XLSX_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_XLSX_STYLES = (  # style 0: normal, style 1: bold (the header row)
    f'<styleSheet xmlns="{_XLSX_MAIN}">'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
_XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def _xlsx_tail(value) -> str:
    """A cell after its reference: text as an inline string (`t="inlineStr"`), a number as a value.

    An inline string is text by type: Excel and LibreOffice show "=SUM(A1)" or "- Punkt" as
    written and never evaluate it, so the workbook needs no apostrophes. "" for an empty cell.
    """
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        text = _XML_INVALID.sub("", value)[:XLSX_CHARS]
        space = ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() else ""
        return f' t="inlineStr"><is><t{space}>{escape(text)}</t></is></c>'
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"xlsx cells are text or numbers, not {value!r}")
    return f"><v>{value!r}</v></c>"


class _Tails(dict):
    """value → `_xlsx_tail(value)`, kept for short values: kinds, dates, slugs repeat a million times."""

    LIMIT = 300_000

    def __missing__(self, value):
        tail = _xlsx_tail(value)
        if len(self) < self.LIMIT and (type(value) is not str or len(value) <= 100):
            self[value] = tail
        return tail


class XlsxWriter:
    """Writes a workbook of text and number cells straight into the zip, one row at a time.

    Every text is an inline string cell, every number a number cell; the header row is bold and
    frozen. Sheets longer than Excel's 1,048,576 rows continue in "Name 2", "Name 3", … (each with
    the header). Per connection row openpyxl's write-only mode needs about 57 µs of CPU, xlsxwriter
    (constant_memory) 31 µs, this writer 4.5 (docs/decisions.md, bench/exchange.py).
    """

    def __init__(self, path):
        self._zip = zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1)
        self._sheets = []
        self._tails = _Tails()
        self.rows = {}  # sheet name → rows written, the header included

    def __enter__(self):
        return self

    def __exit__(self, exc_type, *_args):
        if exc_type is None:
            self._finish()
        self._zip.close()

    def add_sheet(self, name: str, header, rows) -> None:
        rows = iter(rows)
        header_cells = "".join(f'<c r="{self._letter(i)}1" s="1"{_xlsx_tail(v)}' for i, v in enumerate(header))
        letters = [self._letter(i) for i in range(len(header))]
        part = 1
        while True:
            self._sheets.append(name if part == 1 else f"{name} {part}")
            self.rows[self._sheets[-1]], full = self._write_part(len(self._sheets), header_cells, letters, rows)
            if not full:
                return
            try:  # the last part is full: another one only if a row follows
                rows = itertools.chain([next(rows)], rows)
            except StopIteration:
                return
            part += 1

    @staticmethod
    def _letter(index: int) -> str:
        letters = ""
        index += 1
        while index:
            index, rest = divmod(index - 1, 26)
            letters = chr(65 + rest) + letters
        return letters

    def _write_part(self, index: int, header_cells: str, letters: list, rows) -> tuple[int, bool]:
        """One worksheet part: (rows written, whether it stopped at the row limit)."""
        tail, limit = self._tails.__getitem__, XLSX_ROWS
        with self._zip.open(f"xl/worksheets/sheet{index}.xml", "w", force_zip64=True) as handle:
            head = f'{_XML_HEAD}<worksheet xmlns="{_XLSX_MAIN}"><sheetViews><sheetView workbookViewId="0">'
            head += '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
            head += f'</sheetView></sheetViews><sheetData><row r="1">{header_cells}</row>'
            buffer, number = [head], 1
            full = False
            for values in rows:
                number += 1
                n = str(number)
                cells = [f'<c r="{letter}{n}"{t}' for letter, t in zip(letters, map(tail, values), strict=True) if t]
                buffer.append(f'<row r="{n}">{"".join(cells)}</row>')
                if len(buffer) >= 2000:
                    handle.write("".join(buffer).encode())
                    buffer = []
                if number >= limit:
                    full = True
                    break
            buffer.append("</sheetData></worksheet>")
            handle.write("".join(buffer).encode())
        return number, full

    def _finish(self) -> None:
        count = len(self._sheets)
        sheets = "".join(
            f'<sheet name={quoteattr(name[:31])} sheetId="{i}" r:id="rId{i}"/>'
            for i, name in enumerate(self._sheets, start=1)
        )
        parts = {
            "[Content_Types].xml": (
                '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                '<Default Extension="xml" ContentType="application/xml"/>'
                f'<Override PartName="/xl/workbook.xml" ContentType="{_XLSX_TYPE}.sheet.main+xml"/>'
                f'<Override PartName="/xl/styles.xml" ContentType="{_XLSX_TYPE}.styles+xml"/>'
                + "".join(
                    f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{_XLSX_TYPE}.worksheet+xml"/>'
                    for i in range(1, count + 1)
                )
                + "</Types>"
            ),
            "_rels/.rels": (
                f'<Relationships xmlns="{_PACKAGE_REL}">'
                f'<Relationship Id="rId1" Type="{_XLSX_REL}/officeDocument" Target="xl/workbook.xml"/>'
                "</Relationships>"
            ),
            "xl/workbook.xml": (
                f'<workbook xmlns="{_XLSX_MAIN}" xmlns:r="{_XLSX_REL}">'
                f"<bookViews><workbookView/></bookViews><sheets>{sheets}</sheets></workbook>"
            ),
            "xl/_rels/workbook.xml.rels": (
                f'<Relationships xmlns="{_PACKAGE_REL}">'
                + "".join(
                    f'<Relationship Id="rId{i}" Type="{_XLSX_REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                    for i in range(1, count + 1)
                )
                + f'<Relationship Id="rId{count + 1}" Type="{_XLSX_REL}/styles" Target="styles.xml"/>'
                "</Relationships>"
            ),
            "xl/styles.xml": _XLSX_STYLES,
        }
        for name, text in parts.items():
            self._zip.writestr(name, _XML_HEAD + text)


# format key: (writer, content type, file extension, label)
FORMATS = {
    "graphml": (
        graphml,
        "application/graphml+xml; charset=utf-8",
        "graphml",
        gettext_lazy("GraphML (yEd, Gephi, networkx, igraph)"),
    ),
    "gexf": (gexf, "application/gexf+xml; charset=utf-8", "gexf", gettext_lazy("GEXF 1.3 (Gephi)")),
    "csv-edges": (csv_edges, "text/csv; charset=utf-8", "csv", gettext_lazy("CSV-Kantenliste (Beziehungen)")),
    "csv-nodes": (csv_nodes, "text/csv; charset=utf-8", "csv", gettext_lazy("CSV-Knotenliste (Akteure)")),
    "kumu-xlsx": (
        kumu_xlsx,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "xlsx",
        gettext_lazy("Kumu: Excel-Arbeitsmappe (Elements, Connections)"),
    ),
    "kumu-json": (kumu_json, "application/json; charset=utf-8", "json", gettext_lazy("Kumu: JSON")),
}


def export_filename(fmt: str, filters: dict) -> str:
    parts = ["knotenpunkt-netzwerk"]
    for name, value in filter_query(filters).items():
        parts.append(re.sub(r"[^a-z0-9]+", "-", f"{name}-{value}".lower()).strip("-"))
    parts.append(timezone.localdate().isoformat())
    suffix = {"csv-edges": "-beziehungen", "csv-nodes": "-akteure"}.get(fmt, "")
    return "_".join(parts) + suffix + "." + FORMATS[fmt][2]


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


def _read_xlsx(data: bytes) -> tuple[list, list]:
    from openpyxl import load_workbook

    _check_zip(data)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds of errors on broken files
        raise ImportFileError(_("Die Excel-Datei lässt sich nicht lesen.")) from exc
    sheets = {name.strip().lower(): workbook[name] for name in workbook.sheetnames}
    if "elements" not in sheets and "connections" not in sheets:
        raise ImportFileError(_("Die Arbeitsmappe hat weder ein Blatt „Elements“ noch „Connections“."))
    tables = []
    for name in ("elements", "connections"):
        rows = []
        if name in sheets:
            for row in sheets[name].iter_rows():  # loaded without data_only: formulas are data_type "f"
                rows.append([_formula(c.value) if c.data_type == "f" else _cell(c.value) for c in row])
                if len(rows) > MAX_ROWS + 1:
                    raise ImportFileError(_("Die Datei hat mehr als %(n)d Zeilen.") % {"n": MAX_ROWS})
        tables.append(_as_dicts(rows))
    workbook.close()
    return tables[0], tables[1]


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

    element_rows, resolve = [], {}  # resolve: ID or folded label → ("row", Row) / ("actor", pk)
    seen_names = {}
    for number, raw in elements:
        row = Row(number=number)
        values = _clean(raw, row, ELEMENT_COLUMNS)
        row.label = values.get("Label", "")
        if not row.label:
            row.action = "skip"
            row.problems.append(_("Der Name (Label) ist leer: die Zeile wird übersprungen."))
            element_rows.append(row)
            continue
        key = name_key(row.label)
        if key in seen_names:
            row.action = "skip"
            row.problems.append(
                _("Der Name kommt schon in Zeile %(n)d vor: die Zeile wird übersprungen.") % {"n": seen_names[key]}
            )
            element_rows.append(row)
            continue
        seen_names[key] = number
        row.data = _element_data(values, row, kinds, themes)
        ident = values.get("ID", "")
        pk = by_slug.get(ident) if ident else None
        if pk is None:
            pk = by_name.get(key)
        if pk is None:
            row.action = "create"
            row.detail = _("wird neu angelegt")
        else:
            row.actor_pk = pk
            row.action = "match"  # or "merge": decided below, with every matched actor's relations read at once
        row.key = key
        if ident:
            resolve[ident] = row
        resolve.setdefault(key, row)
        element_rows.append(row)

    _decide_merges([row for row in element_rows if row.action == "match"], names)

    connection_rows, seen_pairs = [], {}
    for number, raw in connections:
        row = Row(number=number)
        values = _clean(raw, row, CONNECTION_COLUMNS)
        origin = values.get("Origin", "")
        row.label = f"{values.get('From', '')} → {values.get('To', '')}"
        if origin == DERIVED or fold(values.get("Type", "")) == DERIVED:
            row.action = "skip"
            row.detail = _("abgeleitete Beziehung: Knotenpunkt berechnet sie selbst aus den Terminen")
            connection_rows.append(row)
            continue
        ends = []
        for column in ("From", "To"):
            value = values.get(column, "")
            end = _resolve_end(value, resolve, by_slug, by_name)
            if not value:
                row.problems.append(_("„%(column)s“ ist leer.") % {"column": column})
            elif end is None:
                row.problems.append(_("„%(value)s“ gibt es weder in der Datei noch in Knotenpunkt.") % {"value": value})
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
            connection_rows.append(row)
            continue
        if ends[0] is ends[1] or (ends[0] == ends[1]):
            row.action = "skip"
            row.problems.append(_("Eine Beziehung eines Akteurs zu sich selbst wird nicht angelegt."))
            connection_rows.append(row)
            continue
        pair = (_end_key(ends[0]), _end_key(ends[1]), kind)
        if pair in seen_pairs:
            row.action = "skip"
            row.problems.append(
                _("Diese Beziehung steht schon in Zeile %(n)d: die Zeile wird übersprungen.") % {"n": seen_pairs[pair]}
            )
            connection_rows.append(row)
            continue
        seen_pairs[pair] = number
        public = values.get("Public", "yes").lower() in YES if values.get("Public") else True
        row.data = {"ends": ends, "kind": kind, "start_date": start, "end_date": end_date, "public": public}
        row.action = "create"
        row.detail = _("wird angelegt")
        connection_rows.append(row)
    _mark_existing_ties([row for row in connection_rows if row.action == "create"])
    return Plan(element_rows, connection_rows, header)


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
    return ("actor", end) if isinstance(end, int) else ("actor", end.actor_pk) if end.actor_pk else ("row", end.number)


def _resolve_end(value: str, resolve: dict, by_slug: dict, by_name: dict):
    """A Row of this file (which may match an actor) or the pk of an existing actor."""
    if not value:
        return None
    row = resolve.get(value) or resolve.get(name_key(value))
    if row is not None:
        return row.actor_pk if row.actor_pk else row
    return by_slug.get(value) or by_name.get(name_key(value))


def _date(value: str, row: Row):
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        row.problems.append(_("„%(value)s“ ist kein Datum (JJJJ-MM-TT) und wird ignoriert.") % {"value": value})
        return None


class ImportFailed(Exception):
    pass


def run_import(*, user, plan: Plan) -> dict:
    """Write the plan in one transaction through the services; any failure leaves no trace.

    One transaction, so the reactions (search index, tie counts, page cache) run once for the whole file.
    """
    created = merged = ties = 0
    try:
        with atomic():
            actors = {}
            for row in plan.elements:
                if row.action == "create":
                    data = dict(row.data)
                    data["themes"] = list(Theme.objects.filter(pk__in=data["themes"]))
                    data["sdgs"] = list(SDG.objects.filter(number__in=data["sdgs"]))
                    actors[row.number] = actor_services.actor_create(user=user, data=data)
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
            for row in plan.connections:
                if row.action != "create":
                    continue
                source, target = (
                    Actor.objects.get(pk=end)
                    if isinstance(end, int)
                    else actors.get(end.number) or Actor.objects.get(pk=end.actor_pk)
                    for end in row.data["ends"]
                )
                tie_services.tie_create(
                    user=user,
                    source=source,
                    target=target,
                    kind=row.data["kind"],
                    start_date=row.data["start_date"],
                    end_date=row.data["end_date"],
                    public=row.data["public"],
                )
                ties += 1
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
