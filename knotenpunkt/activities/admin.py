"""Back office for activities: coordinators only, and every save goes through the services."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.utils.translation import gettext_lazy as _

from knotenpunkt.activities import calendars, recurrence, services
from knotenpunkt.activities.models import Activity, ActivityException, CalendarSource, Participation
from knotenpunkt.changes.locking import EditConflict
from knotenpunkt.changes.services import atomic
from knotenpunkt.core.admin_site import CoordinatorAdmin, CoordinatorInlineMixin


class ActivityAdminForm(forms.ModelForm):
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    online_url = forms.URLField(label=_("Online-Link"), required=False, max_length=500, assume_scheme="https")

    class Meta:
        model = Activity
        fields = [*services.SCALAR_FIELDS, *services.M2M_FIELDS]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["expected_version"].initial = self.instance.version

    def clean(self):
        """The service's checks of times and recurrence, early, so they show next to the fields."""
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end:
            if end < start:
                self.add_error("end", _("Das Ende liegt vor dem Beginn."))
            elif cleaned.get("rrule"):
                try:
                    recurrence.expand(start=start, end=end, rrule=cleaned["rrule"])
                except ValidationError as exc:
                    self.add_error("rrule", exc.message_dict.get("rrule", exc.messages))
        return cleaned

    def _post_clean(self):
        # The model's constraints are checked when the service saves.
        pass


class ParticipationFormSet(forms.BaseInlineFormSet):
    def clean(self):
        """Each row names an actor or a person, and each of them once (as services._check_participants)."""
        super().clean()
        seen = set()
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE"):
                continue
            actor, person = data.get("actor"), data.get("person")
            if (actor is None) == (person is None):
                form.add_error(None, _("Bitte genau einen Akteur oder eine Person eintragen."))
                continue
            key = ("actor", actor.pk) if actor else ("person", person.pk)
            if key in seen:
                form.add_error(None, _("„%(name)s“ ist doppelt eingetragen.") % {"name": actor or person})
            seen.add(key)

    def validate_unique(self):
        pass


class ParticipationInline(CoordinatorInlineMixin, admin.TabularInline):
    model = Participation
    formset = ParticipationFormSet
    extra = 0
    autocomplete_fields = ["actor", "person"]
    # Saved through the services, which keep each participation's status; answered on the profile.
    fields = ["actor", "person", "role", "status"]
    readonly_fields = ["status"]


class ExceptionFormSet(forms.BaseInlineFormSet):
    def validate_unique(self):
        # One exception per date: exception_save updates the existing one.
        pass


class ActivityExceptionInline(CoordinatorInlineMixin, admin.TabularInline):
    model = ActivityException
    formset = ExceptionFormSet
    extra = 0
    fields = ["recurrence_id", "cancelled", "start", "end", "title", "note"]


@admin.register(Activity)
class ActivityAdmin(CoordinatorAdmin):
    form = ActivityAdminForm
    list_display = ["title", "kind", "start", "level", "public", "cancelled", "source"]
    list_filter = ["public", "cancelled", "kind", "level", "themes"]
    search_fields = ["title", "city", "place_name"]
    date_hierarchy = "start"
    filter_horizontal = ["themes", "sdgs"]
    readonly_fields = ["uid", "version", "source", "created_by", "created_at", "updated_at"]
    inlines = [ParticipationInline, ActivityExceptionInline]
    list_select_related = ["source"]

    def save_model(self, request, obj, form, change):
        # Saved in save_related, together with the participants from the inline (one service call).
        pass

    @atomic
    def save_related(self, request, form, formsets, change):
        """One service call for the activity and its participants, then the exceptions one by one.

        A ValidationError from the services aborts the whole request (the admin runs it in one
        transaction), so nothing is half-saved; the message names the problem. One `changes.atomic`
        block: the reactions (derived relationships, page cache) run once for the whole form.
        """
        data = {k: v for k, v in form.cleaned_data.items() if k in services.SCALAR_FIELDS or k in services.M2M_FIELDS}
        participants = None
        exception_formset = None
        for formset in formsets:
            if formset.model is Participation:
                participants = [
                    services.ParticipantSpec(
                        role=f.cleaned_data["role"],
                        actor_id=getattr(f.cleaned_data.get("actor"), "pk", None),
                        person_id=getattr(f.cleaned_data.get("person"), "pk", None),
                    )
                    for f in formset.forms
                    if f.cleaned_data and not f.cleaned_data.get("DELETE")
                ]
            elif formset.model is ActivityException:
                exception_formset = formset
        if change:
            saved = services.activity_update(
                user=request.user,
                activity=form.instance,
                data=data,
                participants=participants,
                expected_version=form.cleaned_data.get("expected_version") or form.instance.version,
            )
        else:
            saved = services.activity_create(user=request.user, data=data, participants=participants or [])
        form.instance.pk, form.instance.version = saved.pk, saved.version
        if exception_formset is not None:
            self._save_exceptions(request, saved, exception_formset)
        for formset in formsets:
            # What the admin's change message reads; the services saved the rows.
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []

    def _save_exceptions(self, request, activity, formset):
        for f in formset.forms:
            if not f.cleaned_data or (not f.has_changed() and not f.cleaned_data.get("DELETE")):
                continue
            existing = f.instance if f.instance.pk else None
            if f.cleaned_data.get("DELETE"):
                if existing is not None:
                    services.exception_delete(user=request.user, exception=existing)
                continue
            if existing is not None and existing.recurrence_id != f.cleaned_data["recurrence_id"]:
                services.exception_delete(user=request.user, exception=existing)
            activity.refresh_from_db()
            services.exception_save(
                user=request.user,
                activity=activity,
                recurrence_id=f.cleaned_data["recurrence_id"],
                cancelled=f.cleaned_data.get("cancelled", False),
                start=f.cleaned_data.get("start"),
                end=f.cleaned_data.get("end"),
                title=f.cleaned_data.get("title") or "",
                note=f.cleaned_data.get("note") or "",
            )

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        """A refusal by a service (rare: the forms check the same first) rolls the whole save back
        (the admin runs it in one transaction) and comes back as a message."""
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except EditConflict:
            messages.error(
                request, _("Jemand anderes hat diesen Termin inzwischen geändert. Bitte prüfen Sie den neuen Stand.")
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return HttpResponseRedirect(request.get_full_path())

    def delete_model(self, request, obj):
        services.activity_delete(user=request.user, activity=obj)

    def delete_queryset(self, request, queryset):
        for activity in queryset:
            services.activity_delete(user=request.user, activity=activity)


class CalendarSourceAdminForm(forms.ModelForm):
    url = forms.URLField(
        label=_("Adresse des Kalenders (.ics)"), required=False, max_length=1000, assume_scheme="https"
    )

    class Meta:
        model = CalendarSource
        fields = ["actor", *calendars.EDITABLE_FIELDS]


@admin.register(CalendarSource)
class CalendarSourceAdmin(CoordinatorAdmin):
    """Feed addresses only are added here (uploads on the actor's calendar page); saved through the services."""

    form = CalendarSourceAdminForm
    list_display = ["__str__", "actor", "kind", "public", "active", "last_success_at"]
    list_filter = ["kind", "public", "active"]
    search_fields = ["name", "actor__name"]
    autocomplete_fields = ["actor"]
    list_select_related = ["actor"]
    readonly_fields = ["kind", "last_fetched_at", "last_success_at", "last_error", "created_at"]

    def get_readonly_fields(self, request, obj=None):
        # An existing source belongs to its actor; another actor's calendar is another source.
        return [*self.readonly_fields, "actor"] if obj is not None else self.readonly_fields

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in calendars.EDITABLE_FIELDS if name in form.cleaned_data}
        if change:
            saved = calendars.calendar_source_update(user=request.user, source=obj, data=data)
        else:
            saved = calendars.calendar_source_create(
                user=request.user, actor=obj.actor, url=data["url"], name=data["name"], public=data["public"]
            )
        obj.pk = saved.pk

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return HttpResponseRedirect(request.get_full_path())

    def delete_model(self, request, obj):
        calendars.calendar_source_delete(user=request.user, source=obj)

    def delete_queryset(self, request, queryset):
        for source in queryset.select_related("actor"):
            calendars.calendar_source_delete(user=request.user, source=source)
