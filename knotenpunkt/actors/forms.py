from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from knotenpunkt.actors import countries, permissions
from knotenpunkt.actors.models import SDG, Actor, ActorKind, Level, Theme
from knotenpunkt.actors.services import ALL_FIELDS, M2M_FIELDS, SCALAR_FIELDS
from knotenpunkt.lib.forms import ModelForm
from knotenpunkt.lib.widgets import SEARCHABLE_MEDIA, FastSelect, searchable

NO_COUNTRY_FOUND = _("Kein Land gefunden")


class DirectoryFilterForm(forms.Form):
    """The directory's filters. Invalid values are dropped, never passed to the database."""

    q = forms.CharField(label=_("Suche"), required=False, max_length=200, widget=forms.SearchInput)
    kind = forms.ChoiceField(label=_("Art"), required=False, choices=[("", _("alle Arten")), *ActorKind.choices])
    level = forms.ChoiceField(label=_("Ebene"), required=False, choices=[("", _("alle Ebenen")), *Level.choices])
    theme = forms.ModelChoiceField(
        label=_("Thema"),
        required=False,
        queryset=Theme.objects.all(),
        to_field_name="slug",
        empty_label=_("alle Themen"),
    )
    sdg = forms.ModelChoiceField(label=_("SDG"), required=False, queryset=SDG.objects.all(), empty_label=_("alle SDGs"))
    country = forms.ChoiceField(label=_("Land"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        language = get_language()
        # Only the countries actors work in: a filter offering all 250 would mostly find nothing.
        in_use = countries.actor_countries_in_use()
        self.fields["country"].choices = [("", _("alle Länder")), *countries.in_order(in_use)]
        for name in ("kind", "level", "theme", "sdg", "country"):
            self.fields[name].widget = FastSelect(choices=self.fields[name].choices)
            # Themes change in the back office, and the SDG rows are seeded by a migration (a flushed
            # test database has none until reseeded): render both anew; the others change only with a release.
            if name not in ("theme", "sdg"):
                self.fields[name].widget.cache_token = (name, language)
        self.fields["country"].widget.cache_token = ("country", language, tuple(in_use))
        searchable(self.fields["country"].widget, no_results=NO_COUNTRY_FOUND)
        self.fields["q"].widget.attrs.update({"placeholder": _("Name, Thema, Ort …")})

    @property
    def media(self):
        return super().media + SEARCHABLE_MEDIA

    def filters(self) -> dict:
        """The valid filters only; a bad value in one field does not discard the others."""
        self.is_valid()
        values = {}
        for name in self.fields:
            if name in self.cleaned_data and self.cleaned_data[name] not in (None, ""):
                values[name] = self.cleaned_data[name]
        if "q" in values:
            values["q"] = values["q"].strip()
        return {k: v for k, v in values.items() if v not in (None, "")}


class IdMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Ids beyond 64 bits are invalid choices rather than a database error (SQLite cannot bind them)."""

    def clean(self, value):
        for pk in value if isinstance(value, (list, tuple)) else ():
            try:
                out_of_range = abs(int(pk)) >= 2**63
            except (TypeError, ValueError):
                continue
            if out_of_range:
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"], code="invalid_choice", params={"value": pk}
                )
        return super().clean(value)


class ActorForm(ModelForm):
    """Create or edit an actor. Fields the user may not change are removed, not just hidden."""

    countries = forms.MultipleChoiceField(
        label=_("Länder des Engagements"),
        required=False,
        widget=searchable(forms.SelectMultiple(), no_results=NO_COUNTRY_FOUND, remove=_("Land entfernen")),
        help_text=_("Namen eintippen und auswählen; die in Knotenpunkt schon verwendeten Länder stehen oben."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https", max_length=200)

    class Meta:
        model = Actor
        fields = [*SCALAR_FIELDS, *M2M_FIELDS]
        field_classes = {"themes": IdMultipleChoiceField, "sdgs": IdMultipleChoiceField}
        widgets = {
            "description": forms.Textarea(attrs={"rows": 6}),
            "internal_notes": forms.Textarea(attrs={"rows": 4}),
            "themes": forms.CheckboxSelectMultiple,
            "sdgs": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        instance = self.instance if self.instance.pk else None
        if instance is not None:
            allowed = set(permissions.editable_actor_fields(user, instance, ALL_FIELDS))
            self.initial.setdefault("countries", [c.country.code for c in instance.countries.all()])
            self.initial.setdefault("version", instance.version)
        else:
            allowed = set(ALL_FIELDS) if permissions.can_create_actor(user) else set()
        for name in list(self.fields):
            if name not in allowed and name != "version":
                del self.fields[name]
        if "slug" in self.fields:
            self.fields["slug"].required = False
            self.fields["slug"].help_text = _("Leer lassen: wird aus dem Namen gebildet.")
        if "parent" in self.fields:
            parents = Actor.objects.filter(kind="city_department").order_by("name")
            if instance is not None:
                parents = parents.exclude(pk=instance.pk)
            self.fields["parent"].queryset = parents
        if "countries" in self.fields:
            self.fields["countries"].choices = countries.grouped_choices(countries.actor_countries_in_use())
        if "sdgs" in self.fields:
            self.fields["sdgs"].label_from_instance = lambda sdg: f"{sdg.number} – {sdg.name}"
        if "themes" in self.fields:
            self.fields["themes"].label_from_instance = lambda theme: theme.name

    FIELDSETS = (
        (_("Grunddaten"), ("name", "slug", "kind", "level", "parent", "published")),
        (_("Öffentliches Profil"), ("description", "themes", "sdgs", "countries")),
        (
            _("Öffentlicher Kontakt und Adresse"),
            (
                "website",
                "contact_email",
                "contact_phone",
                "street",
                "postcode",
                "city",
                "country",
                "latitude",
                "longitude",
            ),
        ),
        (_("Intern"), ("internal_notes",)),
    )

    @property
    def media(self):
        return super().media + SEARCHABLE_MEDIA

    @property
    def fieldsets(self):
        """(legend, bound fields) groups for the template, leaving out fields this user may not change."""
        groups = []
        for legend, names in self.FIELDSETS:
            fields = [self[name] for name in names if name in self.fields]
            if fields:
                groups.append((legend, fields))
        return groups

    def clean_slug(self):
        slug = self.cleaned_data.get("slug")
        return slug or ""

    def data_for_service(self) -> dict:
        return {name: value for name, value in self.cleaned_data.items() if name in ALL_FIELDS and name in self.fields}


class MergeForm(forms.Form):
    duplicate = forms.CharField(
        label=_("Dublette (Adresse/Slug oder exakter Name)"),
        max_length=220,
        help_text=_("Dieser Akteur wird aufgelöst; seine Beziehungen und Mitgliedschaften wandern hierher."),
    )

    def __init__(self, *args, survivor, **kwargs):
        super().__init__(*args, **kwargs)
        self.survivor = survivor

    def clean_duplicate(self):
        value = self.cleaned_data["duplicate"].strip()
        duplicate = Actor.objects.filter(slug=value).first() or Actor.objects.filter(name__iexact=value).first()
        if duplicate is None:
            raise forms.ValidationError(_("Kein Akteur mit dieser Adresse oder diesem Namen gefunden."))
        if duplicate.pk == self.survivor.pk:
            raise forms.ValidationError(_("Ein Akteur kann nicht mit sich selbst zusammengeführt werden."))
        return duplicate
