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


@login_required
@require_GET
def annual_pdf(request):
    _require_reader(request)
    form, year, theme = _filters(request)
    if form.errors:
        raise Http404(_("Dieses Jahr oder Thema gibt es nicht."))
    report = annual_report(year, theme, request.user)
    pdf = exports.report_pdf(report, _context(form, year, theme))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="jahresbericht-{year}{_suffix(theme)}.pdf"'
    return response


@login_required
@require_GET
def annual_xlsx(request):
    _require_reader(request)
    form, year, theme = _filters(request)
    if form.errors:
        raise Http404(_("Dieses Jahr oder Thema gibt es nicht."))
    response = HttpResponse(exports.report_xlsx(annual_report(year, theme, request.user)), content_type=exports.XLSX)
    response["Content-Disposition"] = f'attachment; filename="jahresbericht-{year}{_suffix(theme)}.xlsx"'
    return response


@login_required
@require_GET
def annual_csv(request, table):
    _require_reader(request)
    form, year, theme = _filters(request)
    if form.errors:
        raise Http404(_("Dieses Jahr oder Thema gibt es nicht."))
    found = annual_report(year, theme, request.user).table(table)
    if found is None:
        raise Http404(_("Diese Tabelle gibt es im Bericht nicht."))
    response = HttpResponse(exports.table_csv(found), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{table}-{year}{_suffix(theme)}.csv"'
    return response


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
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="vorhaben-{initiative.pk}.pdf"'
        return response
    return render(request, "reports/initiative_print.html", {**context, "screen": True})
