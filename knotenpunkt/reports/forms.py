from django import forms
from django.utils.translation import gettext_lazy as _

from knotenpunkt.actors.models import Theme

FIRST_YEAR = 2000
LAST_YEAR = 2100


class ReportFilterForm(forms.Form):
    """?jahr=2026&thema=<slug>; the German words are the address's parameters."""

    jahr = forms.IntegerField(label=_("Jahr"), min_value=FIRST_YEAR, max_value=LAST_YEAR, required=False)
    thema = forms.ModelChoiceField(
        label=_("Thema"),
        queryset=Theme.objects.order_by("name_de"),
        to_field_name="slug",
        required=False,
        empty_label=_("alle Themen"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["thema"].label_from_instance = lambda theme: theme.name
