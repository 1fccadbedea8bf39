"""The report's tables as files: one CSV per table (semicolons and a BOM, as German Excel expects),
and one workbook with a sheet per table plus the indicators, and the PDF (WeasyPrint, tagged)."""

from __future__ import annotations

import csv
import io

from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from knotenpunkt.reports.annual import AnnualReport, Table

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def table_csv(table: Table) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow([_cell_text(value) for value in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _cell_text(value) -> str:
    if isinstance(value, float):
        return f"{value:.1f}".replace(".", ",")
    return str(value)


def report_xlsx(report: AnnualReport) -> bytes:
    workbook = Workbook()
    overview = workbook.active
    overview.title = _("Überblick")[:31]
    overview.append([_("Jahresbericht %(year)s") % {"year": report.year}])
    overview["A1"].font = Font(bold=True, size=14)
    if report.theme:
        overview.append([_("Thema"), report.theme.name])
    overview.append([])
    for section in report.sections:
        overview.append([str(section.title)])
        overview.cell(row=overview.max_row, column=1).font = Font(bold=True)
        for sentence in section.summary or [section.empty_note]:
            overview.append([sentence])
        overview.append([])
    overview.column_dimensions["A"].width = 100
    for table in report.tables():
        sheet = workbook.create_sheet(_sheet_name(table.key))
        sheet.append([str(table.title)])
        sheet["A1"].font = Font(bold=True)
        sheet.append([str(c) for c in table.columns])
        for cell in sheet[2]:
            cell.font = Font(bold=True)
        for row in table.rows:
            sheet.append(row)
        if table.empty:
            sheet.append([_("Keine Einträge in diesem Jahr.")])
        if table.note:
            sheet.append([table.note])
        for column, width in zip("ABCD", (48, 16, 16, 16), strict=False):
            sheet.column_dimensions[column].width = width
    sheet = workbook.create_sheet(_("Indikatoren")[:31])
    sheet.append([_("Indikator"), _("Indikatorenset"), _("SDG"), _("Im Bericht"), _("Wert")])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for indicator, where in report.indicators:
        answered = "; ".join(str(title) for title in where)
        value = "" if indicator.known else _("von der Koordinierungsstelle einzutragen")
        sheet.append([str(indicator.name), str(indicator.framework), str(indicator.sdg), answered, value])
    for column, width in zip("ABCDE", (60, 40, 12, 60, 36), strict=True):
        sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _sheet_name(key: str) -> str:
    return key[:31]


def report_pdf(report: AnnualReport, context: dict) -> bytes:
    """The report's print page as a tagged PDF (PDF/UA-1), charts as vector graphics."""
    return render_pdf("reports/annual_print.html", {**context, "report": report})


def render_pdf(template: str, context: dict) -> bytes:
    from weasyprint import HTML  # loads Pango; only the PDF exports need it

    html = render_to_string(template, context)
    return HTML(string=html, base_url=None).write_pdf(pdf_variant="pdf/ua-1")
