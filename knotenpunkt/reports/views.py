"""Report pages: the annual report as HTML, PDF, CSV per table and XLSX (coordination and city staff)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from knotenpunkt.accounts import roles
from knotenpunkt.actors.models import Theme
from knotenpunkt.initiatives import permissions as initiative_permissions
from knotenpunkt.reports import exports
from knotenpunkt.reports.annual import annual_report
from knotenpunkt.reports.forms import ReportFilterForm
from knotenpunkt.reports.one_pager import initiative_one_pager


def _require_reader(request) -> None:
    if not roles.is_internal_reader(request.user):
        raise PermissionDenied(_("Berichte lesen die Koordination und die Stadtverwaltung."))


def _filters(request) -> tuple[ReportFilterForm, int, Theme | None]:
    form = ReportFilterForm(request.GET or None)
    year, theme = timezone.localdate().year, None
    if form.is_bound and form.is_valid():
        year = form.cleaned_data["jahr"] or year
        theme = form.cleaned_data["thema"]
    return form, year, theme


def _context(form, year, theme) -> dict:
    query = f"jahr={year}" + (f"&thema={theme.slug}" if theme else "")
    return {"form": form, "year": year, "theme": theme, "query": query}


@login_required
@require_GET
def annual(request):
    _require_reader(request)
    form, year, theme = _filters(request)
    report = annual_report(year, theme, request.user)
    status = 200 if not form.errors else 422
    return render(request, "reports/annual.html", {**_context(form, year, theme), "report": report}, status=status)


def _download(request):
    """The report a file is made of (the reader checked, a bad year or topic a 404), and its context."""
    _require_reader(request)
    form, year, theme = _filters(request)
    if form.errors:
        raise Http404(_("Dieses Jahr oder Thema gibt es nicht."))
    return annual_report(year, theme, request.user), _context(form, year, theme)


def _attachment(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_GET
def annual_pdf(request):
    report, context = _download(request)
    name = f"jahresbericht-{report.year}{_suffix(report.theme)}.pdf"
    return _attachment(exports.report_pdf(report, context), "application/pdf", name)


@login_required
@require_GET
def annual_xlsx(request):
    report, _unused = _download(request)
    name = f"jahresbericht-{report.year}{_suffix(report.theme)}.xlsx"
    return _attachment(exports.report_xlsx(report), exports.XLSX, name)


@login_required
@require_GET
def annual_csv(request, table):
    report, _unused = _download(request)
    found = report.table(table)
    if found is None:
        raise Http404(_("Diese Tabelle gibt es im Bericht nicht."))
    name = f"{table}-{report.year}{_suffix(report.theme)}.csv"
    return _attachment(exports.table_csv(found), "text/csv; charset=utf-8", name)


def _suffix(theme) -> str:
    return f"-{theme.slug}" if theme else ""


@login_required
@require_GET
def initiative_report(request, pk):
    """One initiative on one page: facts, phases, stakeholders and their involvement, gaps, timeline.
    Internal (the stakeholders' places are the office's assessment), as HTML or, with ?format=pdf, PDF."""
    _require_reader(request)
    initiative = (
        initiative_permissions.visible_initiatives(request.user).select_related("lead").filter(pk=pk).first()
        if pk < 2**63
        else None
    )
    if initiative is None:
        raise Http404(_("Dieses Vorhaben gibt es nicht."))
    context = initiative_one_pager(initiative, request.user)
    if request.GET.get("format") == "pdf":
        pdf = exports.render_pdf("reports/initiative_print.html", context)
        return _attachment(pdf, "application/pdf", f"vorhaben-{initiative.pk}.pdf")
    return render(request, "reports/initiative_print.html", {**context, "screen": True})
