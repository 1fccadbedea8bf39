"""The demo's accessibility statement, as a coordination office might write it (example addresses only)."""

import datetime as dt

from django.utils import timezone

from knotenpunkt.pages.models import AccessibilityStatement
from knotenpunkt.pages.services import accessibility_statement_save

STATEMENT = """\
### Stand der Vereinbarkeit mit den Anforderungen

Knotenpunkt ist **teilweise** mit § 10 L-BGG und den Anforderungen der EN 301 549 (WCAG 2.1, Stufe AA)
vereinbar. Die unten genannten Inhalte sind noch nicht vollständig barrierefrei.

### Nicht barrierefreie Inhalte

- **Netzwerkkarte:** Die Karte unter „Netzwerk“ ist eine Grafik. Mit der Tastatur und mit einem Screenreader
  lassen sich ihre Punkte nicht einzeln erreichen. Dieselben Akteure stehen direkt neben der Karte als Liste
  und als Tabelle mit allen Verbindungen.
- **Diagramme:** Die Diagramme der Netzwerk-Gesundheit sind Grafiken. Ihre Zahlen stehen jeweils auch als
  Tabelle und in einem kurzen Text darunter.
- **Verwaltungsbereich:** Einzelne Bedienelemente des Verwaltungsbereichs für die Koordinierungsstelle
  stammen aus dem Programmbaukasten Django und werden nach und nach angepasst.
- **Texte der Akteure:** Beschreibungen und Termine schreiben die Vereine und Initiativen selbst. Sie sind
  nicht in Leichter Sprache und nicht übersetzt.
- **Gebärdensprache:** Erklärungen in Deutscher Gebärdensprache gibt es noch nicht.

### Erstellung dieser Erklärung

Die Erklärung beruht auf einer Selbstbewertung der Koordinierungsstelle: Alle Seiten werden in jeder Rolle am
Computer und am Smartphone automatisch mit axe-core geprüft, die wichtigsten Abläufe zusätzlich von Hand mit der
Tastatur.

### Kontakt

Koordinierungsstelle für kommunale Entwicklungspolitik, Stadt Ludwigsburg (Demo)

E-Mail: [koordination@example.org](mailto:koordination@example.org)
"""


def create_statement(*, coordinator) -> int:
    """Write the statement unless the office has one already (edits made in the demo survive a reload)."""
    if AccessibilityStatement.objects.exists():
        return 0
    accessibility_statement_save(
        user=coordinator, text=STATEMENT, reviewed_on=timezone.localdate() - dt.timedelta(days=14)
    )
    return 1
