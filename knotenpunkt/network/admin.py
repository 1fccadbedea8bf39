from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.utils.translation import gettext_lazy as _

from knotenpunkt.changes.locking import EditConflict
from knotenpunkt.core.admin_site import CoordinatorAdmin
from knotenpunkt.network import services
from knotenpunkt.network.models import Tie

STALE = _(
    "Jemand anderes hat diese Beziehung inzwischen geändert. Bitte laden Sie die Seite neu; "
    "Ihre Eingaben bleiben bis dahin in diesem Formular stehen."
)


class TieAdminForm(forms.ModelForm):
    # The version the form was loaded with (optimistic locking, as in the app's forms).
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Tie
        fields = ["source", "target", *services.TIE_FIELDS]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["expected_version"].initial = self.instance.version

    def clean(self):
        """A stale form is refused next to the fields, before anything is saved."""
        cleaned = super().clean()
        expected = cleaned.get("expected_version")
        if self.instance.pk and expected is not None:
            current = Tie.objects.filter(pk=self.instance.pk).values_list("version", flat=True).first()
            if current != expected:
                raise ValidationError(STALE)
        return cleaned


@admin.register(Tie)
class TieAdmin(CoordinatorAdmin):
    form = TieAdminForm
    list_display = ["source", "kind", "target", "start_date", "end_date", "public"]
    list_filter = ["kind", "public"]
    search_fields = ["source__name", "target__name", "note"]
    autocomplete_fields = ["source", "target"]

    def get_readonly_fields(self, request, obj=None):
        # The ends of an existing tie stay fixed: a different pair is a different tie.
        return ["source", "target", "version"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        # Through the services, like every other entry point: validation, history, reactions.
        data = {name: form.cleaned_data.get(name) for name in services.TIE_FIELDS}
        if change:
            saved = services.tie_update(
                user=request.user, tie=obj, data=data, expected_version=form.cleaned_data.get("expected_version")
            )
        else:
            saved = services.tie_create(user=request.user, source=obj.source, target=obj.target, **data)
        obj.pk, obj.version = saved.pk, saved.version

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        """Someone saving between the form's check and the service's lock (rare) rolls the save back
        (the admin runs it in one transaction) and comes back as a message on the reloaded form."""
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except EditConflict:
            messages.error(request, STALE)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return HttpResponseRedirect(request.get_full_path())

    def delete_model(self, request, obj):
        services.tie_delete(user=request.user, tie=obj)

    def delete_queryset(self, request, queryset):
        for tie in queryset.select_related("source", "target"):
            services.tie_delete(user=request.user, tie=tie)
