"""The network map's filters: the directory's actor filters plus group, tie kind, layer, time window, size, view."""

from django import forms
from django.utils.translation import gettext_lazy as _

from knotenpunkt.actors.forms import DirectoryFilterForm
from knotenpunkt.network import map as network_map
from knotenpunkt.network.models import TieKind

TIE_KIND_CHOICES = [*TieKind.choices, (network_map.DERIVED, _("gemeinsame Termine (abgeleitet)"))]
LAYER_CHOICES = [
    ("", _("erklärte und abgeleitete")),
    ("declared", _("nur erklärte")),
    ("derived", _("nur abgeleitete")),
]
# The filters that narrow the actors or ties shown (the phone's "Filter (3 aktiv)"); view and size only change
# how the same network is drawn.
NARROWING_FILTERS = ("kind", "level", "theme", "sdg", "country", "layer", "tie_kind", "since", "until")
VIEW_CHOICES = [("graph", _("Einzelne Akteure")), ("kinds", _("nach Art")), ("communities", _("nach Gruppen"))]


class MapFilterForm(DirectoryFilterForm):
    """Invalid values are dropped, never passed to the database (see DirectoryFilterForm.filters)."""

    tie_kind = forms.MultipleChoiceField(
        label=_("Art der Beziehung"), required=False, choices=TIE_KIND_CHOICES, widget=forms.CheckboxSelectMultiple
    )
    layer = forms.ChoiceField(label=_("Beziehungen"), required=False, choices=LAYER_CHOICES)
    since = forms.DateField(label=_("aktiv ab"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("aktiv bis"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    size = forms.ChoiceField(label=_("Größe nach"), required=False)
    view = forms.ChoiceField(label=_("Ansicht"), required=False, choices=VIEW_CHOICES, widget=forms.RadioSelect)
    # A group of the latest network snapshot (ActorMetrics.community): the drill-down from the view by group.
    community = forms.IntegerField(label=_("Gruppe"), required=False, min_value=0, max_value=2**31 - 1)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["q"]
        self.fields["size"].choices = [(m.key, m.label) for m in network_map.size_metrics_for(user)]

    def active_filter_count(self) -> int:
        """How many of the narrowing filters hold a valid value."""
        filters = self.filters()
        return sum(1 for name in NARROWING_FILTERS if filters.get(name))  # an empty choice list is no filter

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and until < since:
            self.add_error("until", _("Das Ende des Zeitraums liegt vor seinem Beginn."))
        return cleaned
