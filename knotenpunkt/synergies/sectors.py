"""Sectors of actor kinds: a suggestion that connects two sectors earns the bridge bonus."""

from django.utils.translation import gettext_lazy as _

CIVIL_SOCIETY = "civil_society"
EDUCATION = "education"
ECONOMY = "economy"
ADMINISTRATION = "administration"
STATE_FEDERAL = "state_federal"
ABROAD = "abroad"

SECTORS = {
    CIVIL_SOCIETY: _("Zivilgesellschaft"),
    EDUCATION: _("Bildung und Wissenschaft"),
    ECONOMY: _("Wirtschaft"),
    ADMINISTRATION: _("Verwaltung"),
    STATE_FEDERAL: _("Land und Bund"),
    ABROAD: _("Partner im Ausland"),
}
SECTOR_ORDER = list(SECTORS)

SECTOR_OF_KIND = {
    "association": CIVIL_SOCIETY,
    "initiative": CIVIL_SOCIETY,
    "fair_trade_shop": CIVIL_SOCIETY,
    "diaspora": CIVIL_SOCIETY,
    "religious": CIVIL_SOCIETY,
    "foundation": CIVIL_SOCIETY,
    "network": CIVIL_SOCIETY,
    "other": CIVIL_SOCIETY,
    "school": EDUCATION,
    "university": EDUCATION,
    "company": ECONOMY,
    "city_department": ADMINISTRATION,
    "state_body": STATE_FEDERAL,
    "federal_body": STATE_FEDERAL,
    "partner_municipality": ABROAD,
}


def sector_index(kind: str) -> int:
    return SECTOR_ORDER.index(SECTOR_OF_KIND.get(kind, CIVIL_SOCIETY))
