from django import forms
from django.utils.translation import gettext_lazy as _

from knotenpunkt.accounts.models import User
from knotenpunkt.changes.kinds import ChangeKind

# Record types for the feed's filter: allow-listed, labelled.
RECORD_TYPE_CHOICES = [
    ("", _("alle Datensätze")),
    ("actors.actor", _("Akteure")),
    ("actors.person", _("Personen")),
    ("actors.membership", _("Mitgliedschaften")),
    ("actors.theme", _("Themen")),
    ("network.tie", _("Beziehungen")),
    ("activities.activity", _("Termine")),
    ("activities.calendarsource", _("Kalenderabos")),
    ("interactions.interaction", _("Kontakte")),
    ("interactions.followup", _("Wiedervorlagen")),
    ("synergies.listing", _("Angebote und Gesuche")),
    ("synergies.introduction", _("Vermittlungen")),
    ("accounts.user", _("Konten")),
]


class FeedFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("Art der Änderung"), required=False)
    user = forms.ModelChoiceField(
        label=_("Von"), required=False, queryset=User.objects.none(), empty_label=_("alle Personen")
    )
    record_type = forms.ChoiceField(label=_("Datensatz"), required=False, choices=RECORD_TYPE_CHOICES)
    date_from = forms.DateField(label=_("von Datum"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("bis Datum"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("alle Arten")), *ChangeKind.choices]
        self.fields["user"].queryset = User.objects.filter(is_active=True).order_by("last_name", "username")

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("Das Ende liegt vor dem Beginn."))
        return cleaned


class RestoreForm(forms.Form):
    field = forms.CharField(max_length=60)
