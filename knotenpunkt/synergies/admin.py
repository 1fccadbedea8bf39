from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from knotenpunkt.changes.services import atomic
from knotenpunkt.core.admin_site import CoordinatorAdmin
from knotenpunkt.synergies import listings
from knotenpunkt.synergies.models import Listing


class ListingAdminForm(forms.ModelForm):
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Listing
        fields = ["actor", *listings.ALL_FIELDS]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["expected_version"].initial = self.instance.version

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("valid_from"), cleaned.get("valid_until")
        if start and end and end < start:
            self.add_error("valid_until", _("Das Ende der Gültigkeit liegt vor ihrem Beginn."))
        expected = cleaned.get("expected_version")
        if self.instance.pk and expected is not None:
            current = Listing.objects.filter(pk=self.instance.pk).values_list("version", flat=True).first()
            if current != expected:
                raise ValidationError(
                    _(
                        "Jemand anderes hat diesen Eintrag inzwischen geändert. Bitte laden Sie die Seite neu; "
                        "Ihre Eingaben bleiben bis dahin in diesem Formular stehen."
                    )
                )
        return cleaned


@admin.register(Listing)
class ListingAdmin(CoordinatorAdmin):
    form = ListingAdminForm
    list_display = ["title", "actor", "direction", "category", "valid_from", "valid_until", "public"]
    list_filter = ["direction", "category", "public"]
    search_fields = ["title", "description", "actor__name"]
    autocomplete_fields = ["actor"]
    filter_horizontal = ["themes", "sdgs"]
    date_hierarchy = "valid_from"

    def get_readonly_fields(self, request, obj=None):
        # A listing belongs to its actor for good: another actor's offer is another listing.
        return ["actor"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        # Through the services, like every other entry point: validation, versions, history.
        data = {name: form.cleaned_data.get(name) for name in listings.ALL_FIELDS if name in form.cleaned_data}
        if change:
            expected = form.cleaned_data.get("expected_version") or obj.version
            saved = listings.listing_update(user=request.user, listing=obj, data=data, expected_version=expected)
        else:
            saved = listings.listing_create(user=request.user, actor=form.cleaned_data["actor"], data=data)
        obj.pk, obj.version = saved.pk, saved.version

    def save_related(self, request, form, formsets, change):
        # themes and sdgs were set by the service; there are no inlines.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def delete_model(self, request, obj):
        listings.listing_delete(user=request.user, listing=obj)

    def delete_queryset(self, request, queryset):
        # The bulk action too: one recorded deletion per listing, so the page cache and suggestions follow.
        with atomic():
            for listing in queryset.select_related("actor"):
                listings.listing_delete(user=request.user, listing=listing)
