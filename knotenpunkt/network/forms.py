from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from knotenpunkt.actors.models import Actor, ActorKind
from knotenpunkt.lib.forms import ModelForm
from knotenpunkt.network.models import Tie


class TieForm(ModelForm):
    """A declared tie from `source` to another actor, chosen by name or address."""

    target = forms.CharField(
        label=_("Partner"), max_length=220, help_text=_("Name oder Adresse (Slug) des anderen Akteurs")
    )

    class Meta:
        model = Tie
        fields = ["target", "kind", "start_date", "end_date", "note", "public"]
        widgets = {
            "start_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "end_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "note": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, source, **kwargs):
        super().__init__(*args, **kwargs)
        self.source = source
        self.fields["target"].widget.attrs.update(
            {
                "list": "tie-target-options",
                "autocomplete": "off",
                "hx-get": reverse("actors:autocomplete"),
                "hx-trigger": "input changed delay:250ms",
                "hx-target": "#tie-target-options",
                "hx-swap": "innerHTML",
            }
        )

    def clean_target(self):
        value = self.cleaned_data["target"].strip()
        target = Actor.objects.filter(slug=value).first() or Actor.objects.filter(name__iexact=value).first()
        if target is None:
            raise forms.ValidationError(_("Kein Akteur mit diesem Namen oder dieser Adresse gefunden."))
        if target.pk == self.source.pk:
            raise forms.ValidationError(_("Ein Akteur kann keine Beziehung zu sich selbst haben."))
        return target

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("Das Ende liegt vor dem Beginn."))
        return cleaned

    def _post_clean(self):
        # Uniqueness and constraints are checked by the service, with the source set.
        pass


class ColdFilterForm(forms.Form):
    """Filters of the going-cold list. Invalid values are dropped, never passed to the database."""

    kind = forms.ChoiceField(label=_("Art"), required=False, choices=[("", _("alle Arten")), *ActorKind.choices])
    never = forms.BooleanField(label=_("auch Akteure ohne erfassten Kontakt"), required=False)
    sort = forms.ChoiceField(
        label=_("Sortierung"),
        required=False,
        choices=[
            ("zuletzt", _("längster Abstand zuerst")),
            ("-zuletzt", _("jüngster Kontakt zuerst")),
            ("name", _("Name A–Z")),
            ("-name", _("Name Z–A")),
            ("art", _("Art A–Z")),
            ("-art", _("Art Z–A")),
        ],
    )

    def filters(self) -> dict:
        """The valid filters only; a bad value in one field does not discard the others."""
        self.is_valid()
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "", False)}
