"""Export the visible network for Gephi and Kumu; import Kumu files with a preview (coordinators)."""

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from knotenpunkt.actors import permissions as actor_permissions
from knotenpunkt.network import exchange, kumu_import, permissions


def _can_import(user) -> bool:
    return actor_permissions.can_create_actor(user) and permissions.can_manage_ties(user, None)


@require_GET
def exchange_page(request):
    form = exchange.ExportFilterForm(request.GET)
    filters = form.filters()
    query = urlencode(exchange.filter_query(filters))
    formats = [
        {
            "key": key,
            "label": label,
            "url": reverse("network:export", args=[key]) + (f"?{query}" if query else ""),
            "filename": exchange.export_filename(key, filters),
        }
        for key, (_writer, _type, _ext, label) in exchange.FORMATS.items()
    ]
    context = {"form": form, "filters": filters, "formats": formats, "can_import": _can_import(request.user)}
    return render(request, "network/exchange.html", context)


@require_GET
def export(request, fmt):
    if fmt not in exchange.FORMATS:
        raise Http404
    writer, content_type, _ext, _label = exchange.FORMATS[fmt]
    filters = exchange.ExportFilterForm(request.GET).filters()
    network = exchange.network_for(request.user, filters)
    filename = exchange.export_filename(fmt, filters)
    if fmt == "kumu-xlsx":
        path = writer(network)
        handle = path.open("rb")
        path.unlink()  # the open handle keeps the data until the response is sent
        response = FileResponse(handle, content_type=content_type, as_attachment=True, filename=filename)
    else:
        response = StreamingHttpResponse(
            (chunk.encode("utf-8") for chunk in writer(network)), content_type=content_type
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Kumu-Datei"),
        help_text=gettext_lazy(
            "Excel-Arbeitsmappe (.xlsx) mit den Blättern „Elements“ und „Connections“ oder Kumus JSON."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.json"}),
    )


def _check_import(request):
    if not _can_import(request.user):
        raise PermissionDenied(_("Nur die Koordination darf Netzwerke importieren."))


@login_required
@require_http_methods(["GET", "POST"])
def import_upload(request):
    _check_import(request)
    form = UploadForm()
    error = ""
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > kumu_import.MAX_UPLOAD_BYTES:
                error = _("Die Datei ist größer als %(mb)d MB.") % {"mb": kumu_import.MAX_UPLOAD_BYTES // (1024 * 1024)}
            else:
                data = upload.read(kumu_import.MAX_UPLOAD_BYTES + 1)
                try:
                    kumu_import.parse_upload(upload.name, data)
                except kumu_import.ImportFileError as exc:
                    error = str(exc)
                else:
                    kumu_import.pending_save(request.session, request.user, upload.name, data)
                    return redirect("network:import_preview")
    status = 422 if error or form.errors else 200
    return render(request, "network/exchange_import.html", {"form": form, "error": error}, status=status)


@login_required
@require_GET
def import_preview(request):
    _check_import(request)
    pending = kumu_import.pending_load(request.session)
    if pending is None:
        messages.info(request, _("Es liegt kein Import zur Prüfung vor. Bitte laden Sie eine Datei hoch."))
        return redirect("network:import")
    name, data = pending
    try:
        plan = kumu_import.plan_import(*kumu_import.parse_upload(name, data))
    except kumu_import.ImportFileError as exc:
        kumu_import.pending_discard(request.session)
        messages.error(request, str(exc))
        return redirect("network:import")
    context = {"plan": plan, "name": name, "token": request.session[kumu_import.SESSION_KEY]["token"]}
    return render(request, "network/exchange_preview.html", context)


@login_required
@require_POST
def import_confirm(request):
    _check_import(request)
    if request.POST.get("action") == "cancel":
        kumu_import.pending_discard(request.session)
        messages.info(request, _("Der Import wurde verworfen."))
        return redirect("network:import")

    def run(name, data):
        plan = kumu_import.plan_import(*kumu_import.parse_upload(name, data))  # re-validated against today's data
        return kumu_import.run_import(user=request.user, plan=plan)

    try:
        result = kumu_import.pending_run(request.session, request.POST.get("token", ""), run)
    except (kumu_import.ImportFileError, kumu_import.ImportFailed) as exc:
        messages.error(request, _("Der Import wurde nicht ausgeführt, nichts wurde gespeichert: %s") % exc)
        return redirect("network:import_preview")
    if result is None:  # expired, unknown, or confirmed already (another tab, a repeated click)
        messages.error(
            request, _("Dieser Import ist abgelaufen oder schon erledigt. Bitte laden Sie die Datei neu hoch.")
        )
        return redirect("network:import")
    kumu_import.pending_discard(request.session)
    messages.success(
        request,
        _("Import abgeschlossen: %(created)d Akteure angelegt, %(merged)d ergänzt, %(ties)d Beziehungen angelegt.")
        % result,
    )
    return redirect("network:exchange")
