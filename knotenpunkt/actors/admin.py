"""The back office for actors, themes and persons. Every save and delete goes through the services,
so the admin leaves the same history and reactions as the app (nothing saves around them)."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected as django_delete_selected
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from knotenpunkt.actors import people, services
from knotenpunkt.actors.models import SDG, Actor, ActorCountry, Membership, Person, Theme
from knotenpunkt.changes.services import atomic
from knotenpunkt.core.admin_site import CoordinatorAdmin, CoordinatorInlineMixin

STALE_FORM = _(
    "Jemand anderes hat diesen Datensatz inzwischen geändert. Bitte laden Sie die Seite neu; "
    "Ihre Eingaben bleiben bis dahin in diesem Formular stehen."
)


class VersionedAdminForm(forms.ModelForm):
    """Carries the version the record was loaded with and refuses a stale form (optimistic locking)."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["expected_version"].initial = self.instance.version

    def clean(self):
        cleaned = super().clean()
        expected = cleaned.get("expected_version")
        if self.instance.pk and expected is not None:
            model = type(self.instance)
            current = model._default_manager.filter(pk=self.instance.pk).values_list("version", flat=True).first()
            if current != expected:
                raise ValidationError(STALE_FORM)
        return cleaned


class ActorAdminForm(VersionedAdminForm):
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https", max_length=200)

    class Meta:
        model = Actor
        fields = [*services.SCALAR_FIELDS, *services.M2M_FIELDS]


class ActorCountryInline(CoordinatorInlineMixin, admin.TabularInline):
    model = ActorCountry
    extra = 0


class MembershipInline(CoordinatorInlineMixin, admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["person"]


def _refused(modeladmin, request, exc: ValidationError) -> None:
    modeladmin.message_user(request, " ".join(exc.messages), messages.ERROR)


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
    actions = ["delete_selected", "publish_selected", "unpublish_selected"]

    def save_model(self, request, obj, form, change):
        # The actor is saved in save_related, together with the countries of its inline:
        # one service call, one recorded change.
        pass

    def save_related(self, request, form, formsets, change):
        obj = form.instance
        data = {k: v for k, v in form.cleaned_data.items() if k in services.SCALAR_FIELDS or k in services.M2M_FIELDS}
        countries = [formset for formset in formsets if formset.model is ActorCountry]
        if countries:
            data["countries"] = self._countries(countries[0])
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
        for formset in formsets:
            if formset.model is Membership:
                self._save_memberships(request, formset, saved)

    @staticmethod
    def _countries(formset) -> list[str]:
        """The countries the inline shows after the save: kept and added rows, not those marked for deletion."""
        codes, added, deleted = [], [], formset.deleted_forms
        for form in formset.forms:
            country = form.cleaned_data.get("country")
            if not country or form in deleted:
                continue
            codes.append(str(country))
            if form.instance.pk is None:
                added.append(ActorCountry(country=country))
        # For the admin's own log message (construct_change_message reads these).
        formset.new_objects, formset.changed_objects = added, []
        formset.deleted_objects = [form.instance for form in deleted if form.instance.pk]
        return codes

    @staticmethod
    def _save_memberships(request, formset, actor) -> None:
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        deleted = formset.deleted_forms
        for form in formset.initial_forms:
            if form.instance.pk is None:
                continue
            if form in deleted:
                people.membership_delete(user=request.user, membership=form.instance)
                formset.deleted_objects.append(form.instance)
            elif form.has_changed():
                data = {name: form.cleaned_data[name] for name in form.changed_data if name in people.MEMBERSHIP_FIELDS}
                saved = people.membership_update(user=request.user, membership=form.instance, data=data)
                formset.changed_objects.append((saved, form.changed_data))
        for form in formset.extra_forms:
            if not form.has_changed() or form in deleted:
                continue
            saved = people.membership_create(
                user=request.user,
                actor=actor,
                person=form.cleaned_data["person"],
                function=form.cleaned_data.get("function", ""),
            )
            formset.new_objects.append(saved)

    def delete_model(self, request, obj):
        services.actor_delete(user=request.user, actor=obj)

    def delete_queryset(self, request, queryset):
        with atomic():
            for actor in queryset.order_by("pk"):
                services.actor_delete(user=request.user, actor=actor)

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except ValidationError as exc:  # e.g. a unit was placed below the actor meanwhile
            _refused(self, request, exc)
            return HttpResponseRedirect(reverse("admin:actors_actor_change", args=[object_id]))

    @admin.action(permissions=["delete"], description=_("Ausgewählte Akteure löschen"))
    def delete_selected(self, request, queryset):
        # Django's confirmation page, with every deletion in one transaction: all or none.
        try:
            with atomic():
                return django_delete_selected(self, request, queryset)
        except ValidationError as exc:
            _refused(self, request, exc)
            return None

    @admin.action(description=_("Ausgewählte Akteure veröffentlichen"))
    def publish_selected(self, request, queryset):
        self._set_published(request, queryset, True)

    @admin.action(description=_("Veröffentlichung der ausgewählten Akteure zurückziehen"))
    def unpublish_selected(self, request, queryset):
        self._set_published(request, queryset, False)

    def _set_published(self, request, queryset, published):
        with atomic():
            actors = list(queryset)
            for actor in actors:
                services.actor_set_published(user=request.user, actor=actor, published=published)
        count = len(actors)
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


class PersonAdminForm(VersionedAdminForm):
    class Meta:
        model = Person
        fields = list(people.PERSON_FIELDS)


@admin.register(Person)
class PersonAdmin(CoordinatorAdmin):
    """Names and contact data. Legal basis, consent, restriction, access export and erasure live on
    the person's privacy page (Datenschutz); a person leaves Knotenpunkt only by erasure there, which
    also removes them from the history, so the admin offers no delete."""

    form = PersonAdminForm
    list_display = ["last_name", "first_name", "email", "legal_basis", "review_date", "restricted"]
    list_filter = ["legal_basis", "restricted"]
    search_fields = ["last_name", "first_name", "email"]
    readonly_fields = ["version", "privacy_page"]

    @admin.display(description=_("Datenschutz"))
    def privacy_page(self, obj):
        if obj is None or obj.pk is None:
            return "–"
        return format_html(
            '<a href="{}">{}</a>',
            reverse("privacy:person", args=[obj.pk]),
            _("Rechtsgrundlage, Einwilligung, Auskunft, Einschränkung, Löschung"),
        )

    def get_queryset(self, request):
        return super().get_queryset(request).filter(erased_at__isnull=True)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in people.PERSON_FIELDS if name in form.cleaned_data}
        if change:
            saved = people.person_update(
                user=request.user,
                person=obj,
                data=data,
                expected_version=form.cleaned_data.get("expected_version") or obj.version,
            )
        else:
            saved = people.person_create(user=request.user, data=data)
        obj.pk, obj.version = saved.pk, saved.version
