"""Datenschutz: persons with their legal basis, access export, restriction and erasure; retention
findings; the record of processing activities (Art. 30); the access log. Coordination only."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from knotenpunkt.accounts import roles
from knotenpunkt.actors import people
from knotenpunkt.actors.models import Person
from knotenpunkt.changes import display
from knotenpunkt.changes.access import log_access
from knotenpunkt.changes.locking import EditConflict
from knotenpunkt.changes.models import Change, PersonalDataAccess
from knotenpunkt.lib.forms import add_errors
from knotenpunkt.privacy import erasure, export, register, retention
from knotenpunkt.privacy.forms import DecisionForm, EraseForm, LegalBasisForm, PersonFilterForm, RestrictionForm
from knotenpunkt.privacy.models import RetentionRule, RetentionRun

PAGE_SIZE = 50
MAX_ID = 2**63 - 1


def _require(request) -> None:
    if not roles.can_manage_personal_data(request.user):
        raise PermissionDenied(_("Datenschutz-Werkzeuge sind für die Koordination."))


def _person(pk: int) -> Person:
    person = Person.objects.filter(pk=pk).first() if pk <= MAX_ID else None
    if person is None:
        raise Http404(_("Diese Person gibt es nicht."))
    return person


def _filtered_persons(cleaned: dict):
    persons = Person.objects.all()
    status = cleaned.get("status")
    persons = persons.filter(erased_at__isnull=False) if status == "erased" else persons.filter(erased_at__isnull=True)
    if status == "no_basis":
        persons = persons.filter(legal_basis="")
    elif status == "review_due":
        persons = persons.filter(review_date__lt=timezone.localdate())
    elif status == "restricted":
        persons = persons.filter(restricted=True)
    for word in (cleaned.get("q") or "").split()[:3]:
        persons = persons.filter(
            Q(first_name__icontains=word) | Q(last_name__icontains=word) | Q(email__icontains=word)
        )
    return persons.order_by("last_name", "first_name", "pk")


@login_required
@require_GET
def persons(request):
    _require(request)
    form = PersonFilterForm(request.GET or None)
    cleaned = form.cleaned_data if form.is_bound and form.is_valid() else {}
    page = Paginator(_filtered_persons(cleaned), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    today = timezone.localdate()
    counts = {
        "no_basis": Person.objects.filter(erased_at__isnull=True, legal_basis="").count(),
        "review_due": Person.objects.filter(erased_at__isnull=True, review_date__lt=today).count(),
        "restricted": Person.objects.filter(erased_at__isnull=True, restricted=True).count(),
        "findings": retention.RetentionCandidate.objects.filter(decision="").count(),
    }
    context = {
        "form": form,
        "page": page,
        "counts": counts,
        "filtered": bool(cleaned and any(cleaned.values())),
        "querystring": query.urlencode(),
        "today": today,
    }
    template = "privacy/_person_results.html" if request.htmx else "privacy/persons.html"
    return render(request, template, context)


def _person_context(request, person: Person, **extra) -> dict:
    changes = Change.objects.touching("person", person.pk).select_related("user").order_by("-at", "-id")[:20]
    accesses = PersonalDataAccess.objects.filter(person_id=person.pk).select_related("user")[:30]
    context = {
        "person": person,
        "memberships": person.memberships.select_related("actor").order_by("actor__name"),
        "interaction_count": person.interactions.count(),
        "participation_count": person.participations.count(),
        "history": display.describe(changes, subject=person),
        "accesses": accesses,
        "legal_form": LegalBasisForm(person=person),
        "restriction_form": RestrictionForm(),
        "today": timezone.localdate(),
    }
    context.update(extra)
    return context


@login_required
@require_GET
def person_detail(request, pk: int):
    _require(request)
    person = _person(pk)
    if not person.is_erased:
        log_access(request.user, [person.pk], _("Datenschutzseite der Person"))
    return render(request, "privacy/person.html", _person_context(request, person))


@login_required
@require_POST
def person_legal_basis(request, pk: int):
    _require(request)
    person = _person(pk)
    if person.is_erased:
        return _already_erased(request, person)
    form = LegalBasisForm(request.POST, person=person)
    if form.is_valid():
        data = {name: value for name, value in form.cleaned_data.items() if name != "version"}
        try:
            people.person_update(
                user=request.user, person=person, data=data, expected_version=form.cleaned_data["version"]
            )
        except EditConflict:
            form.add_error(
                None,
                _(
                    "Jemand hat diese Person gerade geändert. Ihre Eingaben sind unten erhalten; "
                    "bitte laden Sie die Seite neu und tragen Sie sie erneut ein."
                ),
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Rechtsgrundlage und Prüfdatum sind gespeichert."))
            return redirect("privacy:person", pk=person.pk)
    person.refresh_from_db()
    return render(request, "privacy/person.html", _person_context(request, person, legal_form=form), status=422)


def _already_erased(request, person: Person):
    """A form from a tab opened before the erasure: say so on the page instead of changing anything."""
    messages.info(request, _("Diese Person wurde inzwischen gelöscht; ihre Daten lassen sich nicht mehr ändern."))
    return redirect("privacy:person", pk=person.pk)


@login_required
@require_POST
def person_restrict(request, pk: int):
    _require(request)
    person = _person(pk)
    if person.is_erased:
        return _already_erased(request, person)
    form = RestrictionForm(request.POST)
    lift = request.POST.get("action") == "lift"
    try:
        if lift:
            people.person_unrestrict(user=request.user, person=person)
            messages.success(request, _("Die Einschränkung ist aufgehoben; die Daten werden wieder genutzt."))
        else:
            reason = form.data.get("reason", "")[:300]
            people.person_restrict(user=request.user, person=person, reason=reason)
            messages.success(
                request,
                _(
                    "Die Verarbeitung ist eingeschränkt: keine E-Mails, keine Auswahl in Formularen, "
                    "Kontaktdaten verborgen."
                ),
            )
    except ValidationError as error:
        form.is_valid()
        add_errors(form, error)
        context = _person_context(request, person, restriction_form=form)
        return render(request, "privacy/person.html", context, status=422)
    return redirect("privacy:person", pk=person.pk)


@login_required
@require_GET
def person_export(request, pk: int, file_format: str):
    _require(request)
    person = _person(pk)
    data = export.person_export(user=request.user, person=person, file_format=file_format)
    stamp = timezone.localdate().isoformat()
    if file_format == "json":
        response = HttpResponse(export.as_json(data), content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="auskunft-person-{person.pk}-{stamp}.json"'
        return response
    return render(request, "privacy/export.html", {"person": person, "data": data})


@login_required
@require_http_methods(["GET", "POST"])
def person_erase(request, pk: int):
    _require(request)
    person = _person(pk)
    if person.is_erased:
        messages.info(request, _("Diese Person wurde bereits gelöscht."))
        return redirect("privacy:person", pk=person.pk)
    form = EraseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            erasure.person_erase(user=request.user, person=person)
        except ValidationError as error:
            messages.info(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("Die Person ist gelöscht. Wo Kontakte und Termine sie zählten, steht jetzt „%(label)s“.")
                % {"label": Person.objects.get(pk=person.pk).last_name},
            )
        return redirect("privacy:person", pk=person.pk)
    status = 422 if request.method == "POST" else 200
    return render(
        request, "privacy/erase.html", {"person": person, "plan": erasure.plan(person), "form": form}, status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
def retention_list(request):
    _require(request)
    if request.method == "POST":
        form = DecisionForm(request.POST)
        ids = form.candidate_ids()
        if form.is_valid() and ids:
            decision = form.cleaned_data["decision"]
            decided = retention.decide(user=request.user, candidate_ids=ids, decision=decision)
            if decided == 0:
                messages.info(request, _("Diese Vorschläge waren schon entschieden; es hat sich nichts geändert."))
            elif decision == "deleted":
                messages.success(
                    request, ngettext("%(n)d Eintrag gelöscht.", "%(n)d Einträge gelöscht.", decided) % {"n": decided}
                )
            else:
                messages.success(
                    request,
                    ngettext(
                        "%(n)d Eintrag bleibt; die Regel schlägt ihn ein Jahr lang nicht wieder vor.",
                        "%(n)d Einträge bleiben; die Regel schlägt sie ein Jahr lang nicht wieder vor.",
                        decided,
                    )
                    % {"n": decided},
                )
            return redirect("privacy:retention")
        messages.error(request, _("Bitte mindestens einen Vorschlag auswählen und „löschen“ oder „behalten“ wählen."))
    context = {
        "findings": retention.open_findings(),
        "rules": RetentionRule.objects.all(),
        "last_run": RetentionRun.objects.first(),
    }
    return render(request, "privacy/retention.html", context)


@login_required
@require_POST
def retention_check(request):
    """Run the nightly check now (it only lists; nothing is deleted)."""
    _require(request)
    run = retention.check()
    messages.success(
        request,
        ngettext(
            "Die Regeln sind geprüft: %(n)d offener Vorschlag.",
            "Die Regeln sind geprüft: %(n)d offene Vorschläge.",
            run.found,
        )
        % {"n": run.found},
    )
    return redirect("privacy:retention")


@login_required
@require_GET
def processing_register(request):
    _require(request)
    return render(request, "privacy/register.html", register.build())


@login_required
@require_GET
def access_log(request):
    _require(request)
    entries = PersonalDataAccess.objects.select_related("user").order_by("-at", "-id")
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    names = {p.pk: str(p) for p in Person.objects.filter(pk__in=[e.person_id for e in page.object_list])}
    rows = [(entry, names.get(entry.person_id, "")) for entry in page.object_list]
    return render(request, "privacy/access_log.html", {"page": page, "rows": rows})
