"""Accessibility pages (BITV 2.0 / L-BGG Baden-Württemberg): the statement the office keeps up to date,
the "Barriere melden" form that reaches the office, its list of reports, and Knotenpunkt in Leichte Sprache.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from knotenpunkt.accounts import roles
from knotenpunkt.accounts.views import client_ip
from knotenpunkt.core.page_cache import cache_public_page
from knotenpunkt.lib.markdown import render_markdown
from knotenpunkt.pages import services
from knotenpunkt.pages.forms import AccessibilityStatementForm, BarrierReportForm
from knotenpunkt.pages.models import AccessibilityStatement, BarrierReport

REPORTS_PAGE_SIZE = 50


def _require_coordinator(request):
    if not roles.is_coordinator(request.user):
        raise PermissionDenied


@require_GET
@cache_public_page
def accessibility_statement(request):
    statement = AccessibilityStatement.objects.filter(pk=1).first()
    context = {
        "statement": statement,
        "statement_html": render_markdown(statement.text) if statement else "",
        "can_edit": roles.is_coordinator(request.user),
    }
    return render(request, "pages/accessibility_statement.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def accessibility_statement_edit(request):
    _require_coordinator(request)
    statement = AccessibilityStatement.objects.filter(pk=1).first()
    initial = None if statement else {"reviewed_on": timezone.localdate()}
    form = AccessibilityStatementForm(request.POST or None, instance=statement, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.accessibility_statement_save(
            user=request.user, text=form.cleaned_data["text"], reviewed_on=form.cleaned_data["reviewed_on"]
        )
        messages.success(request, _("Die Erklärung zur Barrierefreiheit ist gespeichert."))
        return redirect("pages:accessibility")
    status = 422 if form.errors else 200
    return render(request, "pages/accessibility_statement_form.html", {"form": form}, status=status)


@require_http_methods(["GET", "POST"])
def barrier_report(request):
    form = BarrierReportForm(request.POST or None, initial={"page": request.GET.get("seite", "")[:500]})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            thanks = _(
                "Vielen Dank! Ihre Meldung ist bei der Koordinierungsstelle angekommen. "
                "Wenn Sie eine E-Mail-Adresse angegeben haben, bekommen Sie eine Antwort."
            )
            if form.is_spam():
                messages.success(request, thanks)
                return redirect("pages:barrier_report")
            try:
                services.barrier_report_create(
                    user=request.user,
                    message=form.cleaned_data["message"],
                    page=form.cleaned_data["page"],
                    contact_email=form.cleaned_data["contact_email"],
                    sender=services.sender_key(client_ip(request) or ""),
                )
            except services.TooManyReports:
                form.add_error(
                    None,
                    _(
                        "Von Ihrem Anschluss sind in der letzten Stunde schon mehrere Meldungen gekommen. "
                        "Bitte versuchen Sie es später noch einmal, oder schreiben Sie der Koordinierungsstelle direkt."
                    ),
                )
                status = 429
            else:
                messages.success(request, thanks)
                return redirect("pages:barrier_report")
        else:
            status = 422
    return render(request, "pages/barrier_report.html", {"form": form}, status=status)


@login_required
@require_GET
def barrier_reports(request):
    _require_coordinator(request)
    reports = BarrierReport.objects.select_related("created_by")
    page = Paginator(reports, REPORTS_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "pages/barrier_reports.html", {"page": page})


@require_GET
@cache_public_page
def easy_language(request):
    return render(request, "pages/easy_language.html")
