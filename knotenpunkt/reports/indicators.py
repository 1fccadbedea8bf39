"""The indicators the annual report's figures serve.

Two frameworks: the indicator set „SDG-Indikatoren für kommunale Entwicklungspolitik" (Bertelsmann
Stiftung, SKEW, KGSt, 2019–2020) and chapter 18 „Globale Verantwortung und Eine Welt" (with chapter
04, participation) of the „Berichtsrahmen Nachhaltige Kommune" (BNK). The mapping is by subject: each
figure names the indicator it informs. Where Knotenpunkt cannot know a figure (spending, staff,
procurement), the report leaves it for the office to fill in and says so; it never estimates one.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

SDG_KEPOL = _("SDG-Indikatoren für kommunale Entwicklungspolitik")
BNK = _("Berichtsrahmen Nachhaltige Kommune")


@dataclass(frozen=True)
class Indicator:
    key: str
    framework: str
    sdg: str  # the SDG target(s) it belongs to
    name: str
    # How Knotenpunkt answers it: a sentence; "" when the office fills it in.
    source: str = ""

    @property
    def known(self) -> bool:
        return bool(self.source)


INDICATORS = [
    Indicator(
        "partnerships",
        SDG_KEPOL,
        "17.16, 17.17",
        _("Kommunale Partnerschaften und Projekte mit Partnern im Globalen Süden"),
        _("Partnerkommunen im Netzwerk, ihre Beziehungen und die Vorhaben mit ihnen."),
    ),
    Indicator(
        "education_events",
        SDG_KEPOL,
        "4.7",
        _("Entwicklungspolitische Bildungs- und Informationsveranstaltungen"),
        _("Termine des Jahres im Kalender, nach Art und Ebene."),
    ),
    Indicator(
        "schools",
        SDG_KEPOL,
        "4.7",
        _("Schulen mit entwicklungspolitischem Engagement"),
        _("Schulen im Netzwerk und Schulen, die an Terminen oder Vorhaben des Jahres beteiligt sind."),
    ),
    Indicator(
        "diaspora",
        SDG_KEPOL,
        "10.2, 17.17",
        _("Zusammenarbeit mit Migranten- und Diasporaorganisationen"),
        _("Diasporaorganisationen im Netzwerk und als Beteiligte an Vorhaben."),
    ),
    Indicator(
        "cooperation",
        SDG_KEPOL,
        "17.17",
        _("Vernetzung und Kooperation der Akteure vor Ort"),
        _("Beziehungen zwischen Bereichen und Vermittlungen bis zur Kooperation."),
    ),
    Indicator(
        "participation",
        BNK,
        _("Kapitel 04"),
        _("Beteiligung der Öffentlichkeit und der Akteure an Vorhaben"),
        _("Beteiligte der Vorhaben und wie früh sie einbezogen wurden."),
    ),
    Indicator(
        "global_responsibility",
        BNK,
        _("Kapitel 18"),
        _("Globale Verantwortung und Eine Welt: Netzwerk, Aktivitäten, Partnerschaften"),
        _("Die Abschnitte Netzwerk, Aktivität und Zusammenarbeit dieses Berichts."),
    ),
    Indicator("fair_procurement", SDG_KEPOL, "12.7", _("Ausgaben der Verwaltung für fair gehandelte Produkte")),
    Indicator(
        "spending", SDG_KEPOL, "17.2", _("Kommunale Mittel für Entwicklungspolitik je Einwohnerin und Einwohner")
    ),
    Indicator("staff", SDG_KEPOL, "17.9", _("Personalstellen für kommunale Entwicklungspolitik")),
]
BY_KEY = {indicator.key: indicator for indicator in INDICATORS}
