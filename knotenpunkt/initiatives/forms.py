"""Forms of the initiative pages: the initiative itself, a stakeholder's row, links, participation requests."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from knotenpunkt.actors import countries
from knotenpunkt.actors import permissions as actor_permissions
from knotenpunkt.actors.forms import NO_COUNTRY_FOUND, IdMultipleChoiceField
from knotenpunkt.actors.models import SDG, Actor, Theme
from knotenpunkt.initiatives import services
from knotenpunkt.initiatives.models import GRID_MAX, PHASE_STARTS, Initiative, Involvement, Phase, Stakeholder
from knotenpunkt.interactions.forms import PickedChoiceField, PickedMultipleField, SafeModelChoiceField
from knotenpunkt.lib.forms import ModelForm
from knotenpunkt.lib.widgets import SEARCHABLE_MEDIA, searchable


def _date_input():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


GRID_CHOICES = [(n, str(n)) for n in range(1, GRID_MAX + 1)]


class InitiativeForm(ModelForm):
    """Create or edit an initiative (the coordination)."""

    lead = PickedChoiceField(
        label=_("Federführung"),
        queryset=Actor.objects.none(),
        required=False,
        kind="actor",
        help_text=_("Eine städtische Dienststelle oder ein Akteur. Namen eingeben und auswählen."),
    )
    countries = forms.MultipleChoiceField(
        label=_("Länder und Partnerkommunen"),
        required=False,
        widget=searchable(forms.SelectMultiple(), no_results=NO_COUNTRY_FOUND, remove=_("Land entfernen")),
        help_text=_("Die Länder, um die es geht: Namen eintippen und auswählen."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Initiative
        fields = [*services.ALL_FIELDS]
        field_classes = {"themes": IdMultipleChoiceField, "sdgs": IdMultipleChoiceField}
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 4}),
            "goals": forms.Textarea(attrs={"rows": 4}),
            "funding": forms.Textarea(attrs={"rows": 2}),
            "participation": forms.Textarea(attrs={"rows": 3}),
            "themes": forms.CheckboxSelectMultiple,
            "sdgs": forms.CheckboxSelectMultiple,
            **{name: _date_input() for name in (*(f for _p, f in PHASE_STARTS), "decision_date")},
        }

    FIELDSETS = (
        (_("Worum es geht"), ("title", "summary", "goals", "lead")),
        (_("Themen und Länder"), ("themes", "sdgs", "countries")),
        (_("Phasen und Beschluss"), ("phase", *(f for _p, f in PHASE_STARTS), "decision_date", "council_paper")),
        (_("Geld"), ("budget", "funding")),
        (_("Öffentlichkeit"), ("public", "participation")),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["lead"].queryset = actor_permissions.visible_actors(user)
        self.fields["themes"].queryset = Theme.objects.order_by("name_de")
        self.fields["themes"].label_from_instance = lambda theme: theme.name
        self.fields["sdgs"].queryset = SDG.objects.order_by("number")
        self.fields["sdgs"].label_from_instance = lambda sdg: f"{sdg.number} – {sdg.name}"
        self.fields["countries"].choices = countries.grouped_choices(countries.actor_countries_in_use())
        self.fields["public"].help_text = _(
            "In der öffentlichen Vorhabenliste zeigen – spätestens drei Monate vor dem Beschluss."
        )
        if self.instance.pk:
            self.initial.setdefault("countries", [c.country.code for c in self.instance.countries.all()])
            self.initial.setdefault("version", self.instance.version)

    @property
    def media(self):
        return super().media + SEARCHABLE_MEDIA

    def fieldsets(self):
        return [(legend, [self[name] for name in names]) for legend, names in self.FIELDSETS]

    def _post_clean(self):
        """The service checks the model and its constraints (once, with the decision-date rule)."""

    def data_for_service(self) -> dict:
        return {name: self.cleaned_data[name] for name in (*services.ALL_FIELDS, "countries")}


class StakeholderForm(forms.Form):
    """One stakeholder's row: role, grid position, involvement planned and reached, first involvement."""

    role = forms.CharField(label=_("Rolle"), max_length=200, required=False)
    influence = forms.TypedChoiceField(label=_("Einfluss"), choices=GRID_CHOICES, coerce=int)
    interest = forms.TypedChoiceField(label=_("Interesse"), choices=GRID_CHOICES, coerce=int)
    planned = forms.ChoiceField(label=_("geplante Beteiligung"), choices=Involvement.choices)
    reached = forms.ChoiceField(label=_("erreichte Beteiligung"), choices=Involvement.choices)
    first_involved = forms.DateField(label=_("erstmals einbezogen am"), required=False, widget=_date_input())
    first_involved_how = forms.CharField(label=_("wie"), max_length=300, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, stakeholder: Stakeholder | None = None, **kwargs):
        if stakeholder is not None:
            kwargs.setdefault("initial", {name: getattr(stakeholder, name) for name in services.STAKEHOLDER_FIELDS})
            kwargs["initial"].setdefault("version", stakeholder.version)
        kwargs.setdefault("prefix", f"s{stakeholder.pk}" if stakeholder is not None else None)
        super().__init__(*args, **kwargs)

    def data_for_service(self) -> dict:
        return {name: self.cleaned_data[name] for name in services.STAKEHOLDER_FIELDS}


class MoveForm(forms.Form):
    """A stakeholder moved on the grid (drag or arrow keys): only its two coordinates."""

    influence = forms.TypedChoiceField(choices=GRID_CHOICES, coerce=int)
    interest = forms.TypedChoiceField(choices=GRID_CHOICES, coerce=int)
    version = forms.IntegerField(required=False)


class AddStakeholdersForm(forms.Form):
    """Stakeholders by hand: actors chosen by name."""

    actors = PickedMultipleField(label=_("Akteure hinzufügen"), queryset=Actor.objects.none(), kind="actors")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["actors"].queryset = actor_permissions.visible_actors(user)


class LinkForm(forms.Form):
    """Link an activity, a contact or an introduction: exactly one of them."""

    activity = PickedChoiceField(label=_("Termin"), queryset=Actor.objects.none(), required=False, kind="activity")
    interaction = SafeModelChoiceField(label=_("Kontakt"), queryset=Actor.objects.none(), required=False)
    introduction = SafeModelChoiceField(label=_("Vermittlung"), queryset=Actor.objects.none(), required=False)

    def __init__(self, *args, activities, interactions, introductions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["activity"].queryset = activities
        self.fields["interaction"].queryset = interactions
        self.fields["interaction"].label_from_instance = _interaction_label
        self.fields["interaction"].empty_label = _("– keiner –")
        self.fields["introduction"].queryset = introductions
        self.fields["introduction"].label_from_instance = _introduction_label
        self.fields["introduction"].empty_label = _("– keine –")

    def clean(self):
        cleaned = super().clean()
        chosen = [name for name in ("activity", "interaction", "introduction") if cleaned.get(name)]
        if not self.errors and len(chosen) != 1:
            raise forms.ValidationError(_("Bitte genau einen Termin, einen Kontakt oder eine Vermittlung wählen."))
        return cleaned


def _interaction_label(interaction) -> str:
    names = ", ".join(actor.name for actor in interaction.actors.all()[:3])
    return f"{interaction.date:%d.%m.%Y} · {interaction.get_channel_display()} · {names}"


def _introduction_label(introduction) -> str:
    return f"{introduction.actor_a} ↔ {introduction.actor_b} ({introduction.get_status_display()})"


class ParticipationRequestForm(forms.Form):
    """„Wir möchten mitwirken": an actor's editor offers their actor for a public initiative."""

    actor = SafeModelChoiceField(label=_("Für"), queryset=Actor.objects.none(), empty_label=None)
    message = forms.CharField(
        label=_("Wie möchten Sie mitwirken?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=_("Ein, zwei Sätze genügen. Die Koordinierungsstelle meldet sich bei Ihnen."),
    )

    def __init__(self, *args, actors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["actor"].queryset = actors
        only = list(actors[:2])
        if len(only) == 1:
            self.fields["actor"].widget = forms.HiddenInput()
            self.initial.setdefault("actor", only[0].pk)

    def clean_message(self):
        message = self.cleaned_data["message"].strip()
        if not message:
            raise forms.ValidationError(_("Bitte schreiben Sie kurz, wie Sie mitwirken möchten."))
        return message


class ListFilterForm(forms.Form):
    """The internal list's filters."""

    q = forms.CharField(label=_("Suche"), required=False, max_length=100)
    phase = forms.ChoiceField(label=_("Phase"), required=False, choices=[("", _("alle Phasen")), *Phase.choices])
    public = forms.ChoiceField(
        label=_("Sichtbarkeit"),
        required=False,
        choices=[("", _("alle")), ("1", _("öffentlich")), ("0", _("intern"))],
    )


class CouncilPaperForm(forms.Form):
    url = forms.CharField(
        label=_("OParl-Adresse der Drucksache"),
        max_length=500,
        help_text=_("Die Adresse des Paper-Objekts im Ratsinformationssystem, z. B. https://…/oparl/v1/paper/1234"),
    )
