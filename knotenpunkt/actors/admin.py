from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from knotenpunkt.actors import search, services
from knotenpunkt.actors.models import SDG, Actor, ActorCountry, ActorEvent, Membership, Person, Theme
from knotenpunkt.core.admin_site import CoordinatorAdmin, CoordinatorInlineMixin
from knotenpunkt.core.page_cache import bump_content_generation


class ActorAdminForm(forms.ModelForm):
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https", max_length=200)

    class Meta:
        model = Actor
        fields = [*services.SCALAR_FIELDS, *services.M2M_FIELDS]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["expected_version"].initial = self.instance.version

    def clean(self):
        cleaned = super().clean()
        expected = cleaned.get("expected_version")
        if self.instance.pk and expected is not None:
            current = Actor.objects.filter(pk=self.instance.pk).values_list("version", flat=True).first()
            if current != expected:
                raise ValidationError(
                    _(
                        "Jemand anderes hat diesen Akteur inzwischen geändert. Bitte laden Sie die Seite neu; "
                        "Ihre Eingaben bleiben bis dahin in diesem Formular stehen."
                    )
                )
        return cleaned


class ActorCountryInline(CoordinatorInlineMixin, admin.TabularInline):
    model = ActorCountry
    extra = 0


class MembershipInline(CoordinatorInlineMixin, admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["person"]


@admin.register(Actor)
class ActorAdmin(CoordinatorAdmin):
    form = ActorAdminForm
    list_display = ["name", "kind", "level", "city", "published", "updated_at"]
    list_filter = ["published", "kind", "level", "themes"]
    search_fields = ["name", "slug", "city"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["parent"]
    filter_horizontal = ["themes", "sdgs"]
    readonly_fields = ["version", "created_at", "updated_at"]
    inlines = [ActorCountryInline, MembershipInline]
    actions = ["publish_selected", "unpublish_selected"]

    def save_model(self, request, obj, form, change):
        # Saving goes through the same service as the web forms (history, search index, versions).
        data = {k: v for k, v in form.cleaned_data.items() if k in services.SCALAR_FIELDS or k in services.M2M_FIELDS}
        if change:
            saved = services.actor_update(
                user=request.user,
                actor=obj,
                data=data,
                expected_version=form.cleaned_data.get("expected_version") or obj.version,
            )
        else:
            saved = services.actor_create(user=request.user, data=data)
        obj.pk, obj.version = saved.pk, saved.version

    def save_related(self, request, form, formsets, change):
        # themes and sdgs were set by the service; only the inlines remain. Countries are public and
        # part of the search document, so a change there re-indexes and refreshes the public pages.
        changed = False
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)
            changed = changed or formset.has_changed()
        if changed:
            search.index_actors([form.instance.pk])
            bump_content_generation()

    @admin.action(description=_("Ausgewählte Akteure veröffentlichen"))
    def publish_selected(self, request, queryset):
        self._set_published(request, queryset, True)

    @admin.action(description=_("Veröffentlichung der ausgewählten Akteure zurückziehen"))
    def unpublish_selected(self, request, queryset):
        self._set_published(request, queryset, False)

    def _set_published(self, request, queryset, published):
        for actor in queryset:
            services.actor_set_published(user=request.user, actor=actor, published=published)
        count = queryset.count()
        messages.success(request, ngettext("%d Akteur aktualisiert.", "%d Akteure aktualisiert.", count) % count)


@admin.register(Theme)
class ThemeAdmin(CoordinatorAdmin):
    list_display = ["name_de", "name_en", "slug"]
    search_fields = ["name_de", "name_en"]
    prepopulated_fields = {"slug": ["name_de"]}

    def save_model(self, request, obj, form, change):
        services.theme_save(user=request.user, theme=obj)


@admin.register(SDG)
class SDGAdmin(CoordinatorAdmin):
    list_display = ["number", "name_de", "name_en"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Person)
class PersonAdmin(CoordinatorAdmin):
    list_display = ["last_name", "first_name", "email"]
    search_fields = ["last_name", "first_name", "email"]


@admin.register(ActorEvent)
class ActorEventAdmin(CoordinatorAdmin):
    list_display = ["actor", "kind", "user", "version", "created_at"]
    list_filter = ["kind"]
    readonly_fields = ["actor", "kind", "user", "version", "data", "created_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
