"""Forms of the accessibility pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from knotenpunkt.lib.text import multi_line, one_line
from knotenpunkt.pages.models import AccessibilityStatement

MESSAGE_MAX = 5000


class AccessibilityStatementForm(forms.ModelForm):
    """The office edits the statement's text and the date it last checked it."""

    class Meta:
        model = AccessibilityStatement
        fields = ["text", "reviewed_on"]
        widgets = {
            "text": forms.Textarea(attrs={"rows": 24}),
            "reviewed_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }
        help_texts = {
            "text": _(
                "Markdown: **fett**, *kursiv*, Listen mit „-“, Überschriften mit „###“, Links als [Text](https://…)."
            ),
            "reviewed_on": _("Der Tag, an dem die Angaben zuletzt geprüft wurden. Er steht unter der Erklärung."),
        }


class BarrierReportForm(forms.Form):
    """ "Barriere melden": a description, optionally an address for the answer. Anonymous reports are welcome."""

    message = forms.CharField(
        label=_("Was hat nicht funktioniert?"),
        max_length=MESSAGE_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Zum Beispiel: welche Seite, was Sie tun wollten und welche Hilfsmittel Sie nutzen."),
        error_messages={"required": _("Bitte beschreiben Sie die Barriere.")},
    )
    page = forms.CharField(
        label=_("Seite (Adresse oder Name)"),
        max_length=500,
        required=False,
        help_text=_("Wenn Sie sie kennen; sonst lassen Sie das Feld leer."),
    )
    contact_email = forms.EmailField(
        label=_("Ihre E-Mail-Adresse (freiwillig)"),
        required=False,
        help_text=_("Nur wenn Sie eine Antwort möchten. Ohne Adresse bleibt Ihre Meldung anonym."),
        error_messages={
            "invalid": _("Bitte geben Sie eine gültige E-Mail-Adresse ein, oder lassen Sie das Feld leer.")
        },
    )
    # A field people never see; programs that fill every field fill it too (their report is dropped).
    website = forms.CharField(label=_("Bitte leer lassen"), required=False)

    def clean_page(self) -> str:
        # One line: it becomes part of the mail's subject, where a line break is refused.
        return one_line(self.cleaned_data["page"])

    def clean_message(self) -> str:
        return multi_line(self.cleaned_data["message"])

    def is_spam(self) -> bool:
        return bool(self.cleaned_data.get("website"))
