"""Exchange with Gephi and Kumu: export the visible network (import: kumu_import.py).

Export reads plain tuples (`values_list`, edges streamed with `.iterator()`), never model objects,
so a network of 100,000 actors and a million ties is written row by row. Node ids are actor slugs.
Edge attributes: `kind` (tie kind, or "derived"), `origin` ("declared"/"derived"), `weight` (1 for a
declared tie, the number of meetings for a derived one: visitors count public meetings only),
`start`/`end` (the tie's dates, or first/last meeting), `public`, `directed`.
"""

from __future__ import annotations

import csv
import itertools
import json
import re
import tempfile
import zipfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy

from knotenpunkt.accounts import roles
from knotenpunkt.actors import permissions as actor_permissions
from knotenpunkt.actors.forms import DirectoryFilterForm
from knotenpunkt.actors.models import SDG, Actor, ActorCountry, Theme
from knotenpunkt.actors.selectors import filter_actors
from knotenpunkt.network import permissions
from knotenpunkt.network.models import DerivedTie, TieKind

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
        if roles.is_coordinator(self.user):
            columns = ("pk", "actor_a_id", "actor_b_id", "count", "first_met", "last_met", "public_count")
        elif roles.is_internal_reader(self.user):
            # City staff: the meetings they may see (no coordination-only contacts).
            pairs = pairs.filter(staff_count__gt=0)
            columns = ("pk", "actor_a_id", "actor_b_id", "staff_count", "staff_first_met", "staff_last_met",
                       "public_count")  # fmt: skip
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
            # A derived relationship has no direction: said on the edge, in a graph whose default is directed.
            undirected = "" if attrs["directed"] else ' directed="false"'
            yield f"<edge id={_xa(edge_id)} source={_xa(source)} target={_xa(target)}{undirected}>{data}</edge>\n"
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
            kind = "" if attrs["directed"] else ' type="undirected"'
            yield (
                f"<edge id={_xa(edge_id)} source={_xa(source)} target={_xa(target)}{kind} "
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
