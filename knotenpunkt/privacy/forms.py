from django import forms
from django.utils.translation import gettext_lazy as _

from knotenpunkt.actors.models import ConsentMethod, LegalBasis, Person
from knotenpunkt.privacy.models import ConsentText


def _date_input():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PersonFilterForm(forms.Form):
    STATUS = [
        ("", _("alle")),
        ("no_basis", _("ohne Rechtsgrundlage")),
        ("review_due", _("Prüfdatum überschritten")),
        ("restricted", _("eingeschränkt")),
        ("erased", _("gelöscht")),
    ]
    q = forms.CharField(label=_("Name oder E-Mail"), required=False, max_length=100)
    status = forms.ChoiceField(label=_("Stand"), choices=STATUS, required=False)


class LegalBasisForm(forms.Form):
    """Purpose, legal basis, consent proof and review date of one person."""

    purpose = forms.CharField(
        label=_("Zweck"), max_length=300, required=False, help_text=Person._meta.get_field("purpose").help_text
    )
    legal_basis = forms.ChoiceField(
        label=_("Rechtsgrundlage"), choices=[("", "–"), *LegalBasis.choices], required=False
    )
    consent_at = forms.DateField(label=_("Einwilligung erteilt am"), required=False, widget=_date_input())
    consent_method = forms.ChoiceField(
        label=_("Einwilligung erteilt"), choices=[("", "–"), *ConsentMethod.choices], required=False
    )
    consent_text_version = forms.ChoiceField(label=_("Fassung des Einwilligungstexts"), required=False)
    review_date = forms.DateField(
        label=_("Prüfen bis"),
        required=False,
        widget=_date_input(),
        help_text=_("Danach schlägt Knotenpunkt vor, die Daten zu löschen oder die Prüfung zu verlängern."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, person: Person | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        versions = list(ConsentText.objects.values_list("version", flat=True))
        current = person.consent_text_version if person else ""
        if current and current not in versions:
            versions.append(current)
        self.fields["consent_text_version"].choices = [("", "–"), *((v, v) for v in versions)]
        if person is not None and not self.is_bound:
            self.initial.update(
                {
                    "purpose": person.purpose,
                    "legal_basis": person.legal_basis,
                    "consent_at": person.consent_at,
                    "consent_method": person.consent_method,
                    "consent_text_version": person.consent_text_version,
                    "review_date": person.review_date,
                    "version": person.version,
                }
            )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("legal_basis") != LegalBasis.CONSENT:
            # Consent details belong to consent only; other bases carry none.
            for name in ("consent_at", "consent_method", "consent_text_version"):
                cleaned[name] = None if name == "consent_at" else ""
        return cleaned


class RestrictionForm(forms.Form):
    reason = forms.CharField(
        label=_("Grund der Einschränkung"),
        max_length=300,
        required=False,
        help_text=_("z. B. „Person bestreitet die Richtigkeit der Daten (Art. 18 Abs. 1 lit. a)“."),
    )


class EraseForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("Ja, diese Person endgültig löschen. Das lässt sich nicht rückgängig machen."), required=True
    )


class DecisionForm(forms.Form):
    """Delete or keep the retention findings checked in the list (their ids come as `candidates`)."""

    decision = forms.ChoiceField(choices=[("deleted", _("löschen")), ("kept", _("behalten"))])

    def candidate_ids(self) -> list[int]:
        return sorted({int(v) for v in self.data.getlist("candidates") if v.isdigit() and len(v) < 19})
