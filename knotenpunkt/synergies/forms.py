"""Forms of the synergies app."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from knotenpunkt.actors import countries
from knotenpunkt.actors.forms import NO_COUNTRY_FOUND, IdMultipleChoiceField
from knotenpunkt.actors.models import SDG, ActorKind, Theme
from knotenpunkt.lib.forms import ModelForm
from knotenpunkt.lib.widgets import SEARCHABLE_MEDIA, FastSelect, searchable
from knotenpunkt.synergies.listings import ALL_FIELDS
from knotenpunkt.synergies.models import Category, Direction, Listing

# --- offers and needs ---------------------------------------------------------------------


def _listing_countries_in_use() -> list[str]:
    """The countries of the listings the public board shows (public, current, of a published actor)."""
    shown = Listing.objects.current().filter(public=True, actor__published=True).exclude(country="")
    return sorted(shown.order_by().values_list("country", flat=True).distinct())


class BoardFilterForm(forms.Form):
    """Filters of the board /angebote/ (same parameter names as the directory). Invalid values are
    dropped, never passed to the database."""

    q = forms.CharField(label=_("Suche"), required=False, max_length=200, widget=forms.SearchInput)
    direction = forms.ChoiceField(
        label=_("Angebot oder Gesuch"),
        required=False,
        choices=[("", _("Angebote und Gesuche")), (Direction.OFFER, _("Angebote")), (Direction.NEED, _("Gesuche"))],
    )
    category = forms.ChoiceField(
        label=_("Kategorie"), required=False, choices=[("", _("alle Kategorien")), *Category.choices]
    )
    theme = forms.ModelChoiceField(
        label=_("Thema"),
        required=False,
        queryset=Theme.objects.all(),
        to_field_name="slug",
        empty_label=_("alle Themen"),
    )
    sdg = forms.ModelChoiceField(label=_("SDG"), required=False, queryset=SDG.objects.all(), empty_label=_("alle SDGs"))
    country = forms.ChoiceField(label=_("Land"), required=False)
    kind = forms.ChoiceField(
        label=_("Art des Akteurs"), required=False, choices=[("", _("alle Arten")), *ActorKind.choices]
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        language = get_language()
        # Only the countries offers and needs name: a filter offering all 250 would mostly find nothing.
        in_use = _listing_countries_in_use()
        self.fields["country"].choices = [("", _("alle Länder")), *countries.in_order(in_use)]
        for name in ("direction", "category", "theme", "sdg", "country", "kind"):
            self.fields[name].widget = FastSelect(choices=self.fields[name].choices)
            if name != "theme":  # themes change in the back office; the others only with a release
                self.fields[name].widget.cache_token = ("board", name, language)
        self.fields["country"].widget.cache_token = ("board", "country", language, tuple(in_use))
        searchable(self.fields["country"].widget, no_results=NO_COUNTRY_FOUND)
        self.fields["q"].widget.attrs.update({"placeholder": _("Räume, Referent:in, Burkina Faso …")})

    @property
    def media(self):
        return super().media + SEARCHABLE_MEDIA

    def filters(self) -> dict:
        """The valid filters only; a bad value in one field does not discard the others."""
        self.is_valid()
        values = {name: value for name, value in self.cleaned_data.items() if value not in (None, "")}
        if "q" in values:
            values["q"] = values["q"].replace("\x00", "").strip()
        return {name: value for name, value in values.items() if value not in (None, "")}


def _date_input():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ListingForm(ModelForm):
    """Post or change an offer or a need of one actor."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Listing
        fields = list(ALL_FIELDS)
        field_classes = {"themes": IdMultipleChoiceField, "sdgs": IdMultipleChoiceField}
        widgets = {
            "direction": forms.RadioSelect,
            "description": forms.Textarea(attrs={"rows": 6}),
            "themes": forms.CheckboxSelectMultiple,
            "sdgs": forms.CheckboxSelectMultiple,
            "valid_from": _date_input(),
            "valid_until": _date_input(),
        }
        error_messages = {
            "title": {"required": _("Bitte einen Titel angeben.")},
            "direction": {"required": _("Bitte angeben, ob Sie etwas anbieten oder suchen.")},
            "category": {"required": _("Bitte eine Kategorie wählen.")},
            "valid_from": {"required": _("Bitte angeben, ab wann der Eintrag gilt.")},
        }

    @property
    def media(self):
        return super().media + SEARCHABLE_MEDIA

    FIELDSETS = (
        (_("Was"), ("direction", "category", "title", "description")),
        (_("Worum es geht"), ("themes", "sdgs", "country")),
        (_("Wann und für wen"), ("valid_from", "valid_until", "public")),
    )

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.creating = self.instance.pk is None
        self.fields["direction"].choices = [
            (Direction.OFFER, _("Wir bieten etwas an")),
            (Direction.NEED, _("Wir suchen etwas")),
        ]
        self.fields["category"].choices = [("", _("bitte wählen")), *Category.choices]
        self.fields["title"].widget.attrs.update({"placeholder": _("z. B. Gemeindesaal für bis zu 80 Personen")})
        self.fields["description"].help_text = _(
            "Was genau, für wen, zu welchen Bedingungen, wie man Sie erreicht. Markdown ist erlaubt."
        )
        self.fields["themes"].label_from_instance = lambda theme: theme.name
        self.fields["sdgs"].label_from_instance = lambda sdg: f"{sdg.number} – {sdg.name}"
        self.fields["country"].choices = [
            ("", _("kein bestimmtes Land")),
            *countries.grouped_choices(countries.actor_countries_in_use()),
        ]
        searchable(self.fields["country"].widget, no_results=NO_COUNTRY_FOUND)
        self.fields["country"].help_text = _("Nur wenn es um ein bestimmtes Partnerland geht.")
        self.fields["valid_until"].help_text = _("Leer lassen: gilt bis auf Weiteres. Danach verschwindet der Eintrag.")
        if actor.published:
            self.fields["public"].help_text = _("Auf der öffentlichen Börse und im öffentlichen Profil zeigen.")
        else:
            self.fields["public"].help_text = _(
                "Der Akteur ist noch nicht veröffentlicht: der Eintrag bleibt intern, bis die Koordination "
                "das Profil veröffentlicht."
            )
        if self.creating:
            self.initial.setdefault("valid_from", timezone.localdate())
        else:
            self.initial.setdefault("version", self.instance.version)

    def fieldsets(self):
        return [(legend, [self[name] for name in names]) for legend, names in self.FIELDSETS]

    def clean_title(self):
        title = (self.cleaned_data.get("title") or "").strip()
        if not title:
            raise forms.ValidationError(_("Bitte einen Titel angeben."))
        return title

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("valid_from"), cleaned.get("valid_until")
        if start and end and end < start:
            self.add_error("valid_until", _("Das Ende der Gültigkeit liegt vor ihrem Beginn."))
        elif self.creating and end and end < timezone.localdate() and "valid_until" not in self.errors:
            self.add_error(
                "valid_until",
                _("Dieses Datum liegt in der Vergangenheit – der Eintrag wäre sofort abgelaufen."),
            )
        return cleaned

    def _post_clean(self):
        # The service validates and saves; the model's own checks run there.
        pass

    def data_for_service(self) -> dict:
        return {name: self.cleaned_data[name] for name in ALL_FIELDS if name in self.cleaned_data}


# --- introductions --------------------------------------------------------------------------


class IntroductionProposeForm(forms.Form):
    """The coordinator turns a suggestion into an introduction (posted from the suggestions page)."""

    actor = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**63 - 1)
    partner = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**63 - 1)
    note = forms.CharField(
        label=_("Anlass"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Warum die beiden sich kennenlernen sollten. Steht so in der E-Mail an beide."),
    )


class IntroductionRequestForm(forms.Form):
    """An actor's editor asks the office for an introduction."""

    note = forms.CharField(
        label=_("Nachricht an die Koordinierungsstelle"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Was Sie sich von dem Kontakt erhoffen (freiwillig)."),
    )


class IntroductionStepForm(forms.Form):
    """One step of an introduction (introduced, met, cooperating, declined, or retrying its mails)."""

    STEPS = ("introduced", "met", "cooperating", "declined", "retry")

    step = forms.ChoiceField(choices=[(s, s) for s in STEPS], widget=forms.HiddenInput)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**31)
    # Only for "met":
    date = forms.DateField(
        label=_("Datum des Treffens"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    summary = forms.CharField(
        label=_("Worum ging es?"),
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Wird als Kontakt mit beiden Akteuren im Kontaktprotokoll gespeichert."),
    )
    # Only for "declined":
    reason = forms.CharField(
        label=_("Grund"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Intern; das Paar wird nicht mehr vorgeschlagen."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("date", timezone.localdate())

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("step") == "met":
            if not cleaned.get("date") and "date" not in self.errors:
                self.add_error("date", _("Bitte ein Datum angeben."))
            if not (cleaned.get("summary") or "").strip():
                self.add_error("summary", _("Bitte kurz festhalten, worum es beim Treffen ging."))
        return cleaned
