"""The calendar: month, week and list views, activity pages, and the forms that change activities."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import MONTHS, WEEKDAYS, WEEKDAYS_ABBR
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from knotenpunkt.activities import forms as activity_forms
from knotenpunkt.activities import permissions, selectors, services
from knotenpunkt.activities.models import Activity, ActivityOccurrence
from knotenpunkt.activities.recurrence import BERLIN
from knotenpunkt.actors import permissions as actor_permissions
from knotenpunkt.changes import display
from knotenpunkt.changes.locking import EditConflict
from knotenpunkt.core.page_cache import cache_public_page
from knotenpunkt.lib.forms import add_errors
from knotenpunkt.lib.pagination import CappedPaginator

VIEWS = ("month", "week", "list")
LIST_PAGE_SIZE = 25
LIST_COUNT_CAP = 500
# Dates outside this range are ignored (today instead): nobody plans that far, and date arithmetic stays safe.
EARLIEST, LATEST = dt.date(1900, 1, 1), dt.date(2199, 12, 31)
WEEKDAY_NAMES = [(WEEKDAYS[i], WEEKDAYS_ABBR[i]) for i in range(7)]


# --- calendar ----------------------------------------------------------------------------


def _anchor(value: str | None) -> dt.date:
    today = timezone.localdate()
    try:
        day = dt.date.fromisoformat((value or "").strip()[:10])
    except ValueError:
        return today
    return day if EARLIEST <= day <= LATEST else today


def _month_shift(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def filter_query(filters: dict) -> dict:
    """The valid filters as query parameters (what links and the iCal subscription carry on)."""
    params = {}
    for name in ("kind", "level"):
        if name in filters:
            params[name] = filters[name]
    if "theme" in filters:
        params["theme"] = filters["theme"].slug
    if "sdg" in filters:
        params["sdg"] = filters["sdg"].number
    if "actor" in filters:
        params["actor"] = filters["actor"].slug
    return params


def _link(params: dict, **changes) -> str:
    return "?" + urlencode({**params, **changes})


@require_GET
@cache_public_page
def calendar(request):
    form = selectors.CalendarFilterForm(request.GET, user=request.user)
    filters = form.filters()
    view = request.GET.get("view") if request.GET.get("view") in VIEWS else "month"
    anchor = _anchor(request.GET.get("date"))
    today = timezone.localdate()
    params = filter_query(filters)
    context = {
        "form": form,
        "filters": filters,
        "view": view,
        "anchor": anchor,
        "today": today,
        "filter_params": params,
        "feed_url": reverse("activities:feed") + (("?" + urlencode(params)) if params else ""),
        "can_create": permissions.can_create_activity(request.user),
        "weekday_names": WEEKDAY_NAMES,
    }
    if view == "month":
        first = anchor.replace(day=1)
        weeks = selectors.month_grid(user=request.user, year=first.year, month=first.month, filters=filters)
        _prepare_days([day for week in weeks for day in week], params)
        context.update(
            weeks=weeks,
            month_total=sum(day.total for week in weeks for day in week if day.in_month),
            heading=date_format(first, "F Y"),
            prev_date=_month_shift(first, -1),
            next_date=_month_shift(first, 1),
            prev_label=_("Voriger Monat"),
            next_label=_("Nächster Monat"),
            today_in_view=(today.year, today.month) == (first.year, first.month),
        )
    elif view == "week":
        monday = anchor - dt.timedelta(days=anchor.weekday())
        sunday = monday + dt.timedelta(days=6)
        days = selectors.week_days(user=request.user, anchor=anchor, filters=filters)
        _prepare_days(days, params)
        context.update(
            days=days,
            week_total=sum(day.total for day in days),
            heading=_("%(first)s – %(last)s (KW %(week)d)")
            % {
                "first": date_format(monday, "j. F" if monday.year == sunday.year else "j. F Y"),
                "last": date_format(sunday, "j. F Y"),
                "week": monday.isocalendar().week,
            },
            prev_date=monday - dt.timedelta(days=7),
            next_date=monday + dt.timedelta(days=7),
            prev_label=_("Vorige Woche"),
            next_label=_("Nächste Woche"),
            today_in_view=monday <= today <= sunday,
        )
    else:
        paginator = CappedPaginator(
            selectors.occurrences_from(user=request.user, day=anchor, filters=filters),
            LIST_PAGE_SIZE,
            cap=LIST_COUNT_CAP,
        )
        page = paginator.get_page(request.GET.get("page"))
        for occurrence in page.object_list:
            selectors.decorate(occurrence)
        context.update(
            page=page,
            running=selectors.occurrences_running(user=request.user, day=anchor, filters=filters)
            if page.number == 1
            else [],
            heading=_("ab %(date)s") % {"date": date_format(anchor, "j. F Y")},
            prev_date=_month_shift(anchor, -1),
            next_date=_month_shift(anchor, 1),
            prev_label=_("Einen Monat früher"),
            next_label=_("Einen Monat später"),
            today_in_view=anchor == today,
        )
    context["prev_url"] = _link(params, view=view, date=context["prev_date"].isoformat())
    context["next_url"] = _link(params, view=view, date=context["next_date"].isoformat())
    context["today_url"] = _link(params, view=view, date=today.isoformat())
    context["view_urls"] = {name: _link(params, view=name, date=anchor.isoformat()) for name in VIEWS}
    htmx = request.htmx and not request.htmx.boosted and not request.htmx.history_restore_request
    return render(request, "activities/_calendar.html" if htmx else "activities/calendar.html", context)


# --- one activity ------------------------------------------------------------------------


def _prepare_days(days, params: dict) -> None:
    """Links and labels of the calendar cells, built here once rather than per cell in the template
    (a month can show 200 entries)."""
    detail = reverse("activities:detail", args=[987654321]).replace("987654321", "{}")
    for day in days:
        day.list_url = _link(params, view="list", date=day.date.isoformat())
        name = f"{WEEKDAYS[day.date.weekday()]}, {day.date.day}. {MONTHS[day.date.month]} {day.date.year}"
        if day.total:
            count = ngettext("%(count)d Termin", "%(count)d Termine", day.total) % {"count": day.total}
            name = f"{name}: {count}"
        day.aria_label = name
        day.long_label = f"{WEEKDAYS[day.date.weekday()]}, {day.date.day}. {MONTHS[day.date.month]}"
        for entry in day.entries:
            entry.url = detail.format(entry.occurrence.activity_id)


def _get_visible_activity(request, pk) -> Activity:
    activity = selectors.activity_for_detail(user=request.user, pk=pk)
    if activity is None:
        raise Http404(_("Diesen Termin gibt es nicht oder er ist nicht öffentlich."))
    return activity


def _get_editable_activity(request, pk) -> Activity:
    activity = _get_visible_activity(request, pk)
    if not permissions.can_edit_activity(request.user, activity):
        raise PermissionDenied(_("Sie dürfen diesen Termin nicht bearbeiten."))
    return activity


@require_GET
@cache_public_page
def activity_detail(request, pk):
    activity = _get_visible_activity(request, pk)
    internal = permissions.can_view_activity_internal(request.user, activity)
    dates = selectors.activity_dates(activity=activity)
    can_edit = permissions.can_edit_activity(request.user, activity)
    if can_edit and activity.rrule:
        changed = set(activity.exceptions.values_list("recurrence_id", flat=True))
        for occurrence in dates["upcoming"]:
            occurrence.has_exception = occurrence.recurrence_id in changed
    source_actor = None
    if activity.source_id and actor_permissions.can_view_actor(request.user, activity.source.actor):
        source_actor = activity.source.actor
    context = {
        "activity": activity,
        "occurrence": selectors.decorate(
            activity.occurrences.order_by("start").first() or _pseudo_occurrence(activity)
        ),
        "internal": internal,
        "dates": dates,
        "recurrence": selectors.recurrence_summary(activity, count=dates["count"]),
        "can_edit": can_edit,
        "source_actor": source_actor,
        **selectors.activity_participants(user=request.user, activity=activity, internal=internal),
    }
    return render(request, "activities/detail.html", context)


def _pseudo_occurrence(activity):
    return ActivityOccurrence(activity=activity, start=activity.start, end=activity.end, cancelled=activity.cancelled)


@login_required
@require_http_methods(["GET", "POST"])
def activity_create(request):
    if not permissions.can_create_activity(request.user):
        raise PermissionDenied(_("Sie dürfen keine Termine anlegen."))
    return _activity_form(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def activity_edit(request, pk):
    return _activity_form(request, _get_editable_activity(request, pk))


def _activity_form(request, activity: Activity | None):
    user = request.user
    person_choices = activity_forms.person_choices(user, activity)
    rows, kept = activity_forms.participants_initial(activity, user=user, persons_allowed=person_choices is not None)
    data = request.POST.copy() if request.method == "POST" else None
    adding_row = data is not None and "add_participant" in data
    conflict = None
    participant_errors = []
    if adding_row:
        # One more participant row; the input so far comes back unvalidated (no errors yet).
        form = activity_forms.ActivityForm(user=user, instance=activity, initial=_posted_values(data))
        formset = _participant_formset(None, user, [*_posted_rows(data), {"role": "participant"}], person_choices)
        formset.forms[-1].fields["actor"].widget.attrs["autofocus"] = True
        if request.htmx:
            return render(
                request,
                "activities/_participants.html",
                {"formset": formset, "kept": kept, "person_choices": person_choices},
            )
    else:
        form = activity_forms.ActivityForm(data, user=user, instance=activity)
        formset = _participant_formset(data, user, rows, person_choices)
    if data is not None and not adding_row and form.is_valid() and formset.is_valid():
        specs = formset.specs() + [
            services.ParticipantSpec(role=p.role, actor_id=p.actor_id, person_id=p.person_id) for p in kept
        ]
        try:
            if activity is None:
                saved = services.activity_create(user=user, data=form.data_for_service(), participants=specs)
            else:
                saved = services.activity_update(
                    user=user,
                    activity=activity,
                    data=form.data_for_service(),
                    expected_version=form.cleaned_data.get("version") or activity.version,
                    participants=specs,
                )
        except EditConflict as exc:
            conflict = _conflict(form, exc.record, exc.changes)
            data["version"] = exc.record.version
            form = activity_forms.ActivityForm(data, user=user, instance=exc.record)
            formset = _participant_formset(data, user, rows, person_choices)
            form.is_valid()
            formset.is_valid()
        except ValidationError as exc:
            participant_errors = _add_errors(form, exc)
        else:
            if activity is None:
                messages.success(request, _("„%s“ wurde angelegt.") % saved.title)
            else:
                messages.success(request, _("Änderungen gespeichert."))
            return redirect(saved)
    context = {
        "form": form,
        "formset": formset,
        "kept": kept,
        "person_choices": person_choices,
        "participant_errors": participant_errors,
        "activity": activity,
        "creating": activity is None,
        "conflict": conflict,
    }
    return render(request, "activities/form.html", context, status=409 if conflict else 200)


def _posted_values(data) -> dict:
    """The activity form's input as initial values (lists for the multiple choices)."""
    values = {key: data.get(key) for key in data}
    for key in ("themes", "sdgs"):
        values[key] = data.getlist(key)
    return values


def _posted_rows(data) -> list[dict]:
    """The participant rows as posted (removed ones left out), for re-display."""
    try:
        total = min(max(int(data.get("participants-TOTAL_FORMS", "0")), 0), 199)
    except ValueError:
        total = 0
    rows = []
    for i in range(total):
        if data.get(f"participants-{i}-DELETE"):
            continue
        row = {name: data.get(f"participants-{i}-{name}", "") for name in ("actor", "person", "role")}
        rows.append(row)
    return rows


def _participant_formset(data, user, rows, person_choices):
    return activity_forms.ParticipantFormSet(
        data,
        prefix="participants",
        initial=rows if data is None else None,
        form_kwargs={"user": user, "person_choices": person_choices},
    )


def _conflict(form, stored: Activity, saved_by) -> dict:
    """What someone else saved, next to what this user entered, for the fields that differ; and who
    saved meanwhile, when (the recorded changes since the version the form was loaded with)."""
    mine = form.data_for_service()
    differences = []
    for name, value in mine.items():
        current = getattr(stored, name)
        if name in ("themes", "sdgs"):
            current_set = set(current.all())
            if current_set != set(value):
                differences.append((name, ", ".join(sorted(map(str, current_set))), ", ".join(sorted(map(str, value)))))
            continue
        if name in ("start", "end"):
            if current != value:
                differences.append((name, _when(current), _when(value)))
            continue
        if (current or "") != (value or ""):
            differences.append((name, _display(stored, name, current), _display(stored, name, value)))
    labels = {f.name: f.verbose_name for f in Activity._meta.get_fields() if hasattr(f, "verbose_name")}
    return {
        "activity": stored,
        "changes": [(labels.get(name, name), theirs, yours) for name, theirs, yours in differences],
        "saved_by": [(display.who(change), change.at) for change in saved_by],
    }


def _when(value) -> str:
    return date_format(value.astimezone(BERLIN), "j. F Y, H:i") if value else "–"


def _display(activity, name, value) -> str:
    if isinstance(value, bool):
        return _("ja") if value else _("nein")
    field = Activity._meta.get_field(name)
    if field.choices:
        return str(dict(field.choices).get(value, value))
    return "" if value is None else str(value)


def _add_errors(form, exc: ValidationError) -> list[str]:
    """Put a service's errors next to the fields they belong to; participant errors are returned."""
    all_day = form.cleaned_data.get("all_day") if hasattr(form, "cleaned_data") else False
    rename = {
        "participants": None,
        "start": "start_date",
        "end": "end_time" if "end_time" in form.fields and not all_day else "end_date",
        "rrule": "rrule" if getattr(form, "cleaned_data", {}).get("repeat") == "custom" else "repeat",
    }
    return [message for error in add_errors(form, exc, rename=rename) for message in error.messages]


def _version(request, activity) -> int:
    try:
        return int(request.POST.get("version", activity.version))
    except (TypeError, ValueError):
        return activity.version


@login_required
@require_POST
def activity_cancel(request, pk):
    activity = _get_editable_activity(request, pk)
    wanted = request.POST.get("cancelled", "1") != "0"
    try:
        services.activity_set_cancelled(
            user=request.user, activity=activity, cancelled=wanted, expected_version=_version(request, activity)
        )
    except EditConflict:
        messages.error(request, _("Der Termin wurde inzwischen geändert. Bitte prüfen Sie den aktuellen Stand."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if wanted:
            messages.success(request, _("„%s“ ist abgesagt.") % activity.title)
        else:
            messages.success(request, _("„%s“ findet wieder statt.") % activity.title)
    return redirect(activity)


@login_required
@require_POST
def exception_save(request, pk):
    activity = _get_editable_activity(request, pk)
    form = activity_forms.ExceptionForm(request.POST, activity=activity)
    if not form.is_valid():
        messages.error(request, " ".join(m for errors in form.errors.values() for m in errors))
        return redirect(activity.get_absolute_url() + "#termine")
    data = form.cleaned_data
    try:
        if data.get("reset"):
            existing = activity.exceptions.filter(recurrence_id=data["recurrence_id"]).first()
            if existing is not None:
                services.exception_delete(user=request.user, exception=existing)
            messages.success(request, _("Der Termin am %(date)s findet wie geplant statt.") % _date(data))
        elif data.get("cancelled"):
            services.exception_save(
                user=request.user,
                activity=activity,
                recurrence_id=data["recurrence_id"],
                cancelled=True,
                note=data.get("note") or "",
            )
            messages.success(request, _("Der Termin am %(date)s fällt aus.") % _date(data))
        else:
            services.exception_save(
                user=request.user,
                activity=activity,
                recurrence_id=data["recurrence_id"],
                start=data["start"],
                end=data["end"],
                title=data.get("title") or "",
                note=data.get("note") or "",
            )
            messages.success(request, _("Der Termin am %(date)s wurde geändert.") % _date(data))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(activity.get_absolute_url() + "#termine")


def _date(data) -> dict:
    return {"date": date_format(data["recurrence_id"].astimezone(BERLIN), "j. F Y")}
