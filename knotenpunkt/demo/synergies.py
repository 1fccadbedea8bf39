"""Offers and needs of the Ludwigsburg demo (see ../shared/DOMAIN.md), written by `load_demo`.

Fictional, like the local actors they belong to. Validity is given in days relative to the day
of loading (`from`, `until`; `until` None = open end), so the board is never empty and one
listing has already expired (it shows on its owner's profile under "abgelaufen").

Each entry: (actor slug, direction, category, title, fields). `fields` may hold description,
themes (slugs), sdgs, country, public, from, until.
"""

import datetime as dt

from django.utils import timezone

from knotenpunkt.synergies.introductions import introduction_propose, introduction_request
from knotenpunkt.synergies.listings import listing_create
from knotenpunkt.synergies.models import Introduction, Listing

_KOORD = "koordinierungsstelle-kommunale-entwicklungspolitik"
_FOERDERKREIS = "foerderkreis-burkina-faso"

LISTINGS = [
    (
        "weltladen-kleeblatt",
        "offer",
        "rooms",
        "Ladenraum für Abendveranstaltungen (bis 30 Personen)",
        {
            "description": "Nach Ladenschluss stellen wir unseren Verkaufsraum für Lesungen, Filmabende und "
            "Verkostungen zur Verfügung – mit Leinwand, Beamer und fair gehandeltem Kaffee. Bitte zwei Wochen "
            "vorher anfragen.",
            "themes": ["fairer-handel", "globales-lernen"],
            "sdgs": [12],
            "public": True,
            "from": -60,
        },
    ),
    (
        "ev-kirchengemeinde-lindenhoehe",
        "offer",
        "rooms",
        "Gemeindesaal mit Küche für bis zu 80 Personen",
        {
            "description": "Unser Gemeindesaal in der Seestraße ist barrierefrei und hat eine große Küche. "
            "Für Eine-Welt-Gruppen kostenfrei, wir freuen uns über eine Spende für den Eine-Welt-Kreis.",
            "themes": ["fairer-handel", "menschenrechte"],
            "public": True,
            "from": -120,
        },
    ),
    (
        _FOERDERKREIS,
        "offer",
        "speakers",
        "Vorträge über Burkina Faso und die Partnerstadt Kongoussi",
        {
            "description": "Mitglieder des Förderkreises berichten mit Bildern von ihren Reisen nach Kongoussi: "
            "Alltag, Wasserprojekte, die Klimapartnerschaft. Für Schulklassen ab Klasse 7, Gemeinden und "
            "Vereine, auf Wunsch mit Gästen aus Burkina Faso.",
            "themes": ["afrika", "bne", "klimaschutz"],
            "sdgs": [4, 13],
            "country": "BF",
            "public": True,
            "from": -200,
        },
    ),
    (
        _FOERDERKREIS,
        "need",
        "volunteers",
        "Helfende für den Stand beim Eine-Welt-Tag",
        {
            "description": "Wir suchen vier bis sechs Menschen, die am Eine-Welt-Tag für zwei Stunden unseren "
            "Stand mitbetreuen: Infomaterial, Kaffeeausschank, Gespräche. Keine Vorkenntnisse nötig.",
            "themes": ["afrika"],
            "public": True,
            "from": -14,
            "until": 75,
        },
    ),
    (
        "ag-kommunale-entwicklungspolitik-staedtetag-bw",
        "offer",
        "funding",
        "Beratung zu Fördermitteln für kommunale Partnerschaften",
        {
            "description": "Die AG berät Kommunen und ihre Partner zu Förderprogrammen der SKEW und des Landes, "
            "etwa für Klimapartnerschaften und Projekte mit Partnerkommunen: welches Programm passt, wie der "
            "Antrag aufgebaut ist, welche Fristen gelten.",
            "themes": ["klimaschutz", "staedtepartnerschaft"],
            "sdgs": [13, 17],
            "public": True,
            "from": -90,
        },
    ),
    (
        "lindenbluete-gymnasium",
        "need",
        "speakers",
        "Referent:in für den Projekttag „Globale Lieferketten“",
        {
            "description": "Für unseren Projekttag im Frühjahr suchen wir jemanden, der mit der Klassenstufe 9 "
            "über Kakao, Kaffee oder Textilien spricht – gern aus einem Weltladen oder einer "
            "Diaspora-Organisation.",
            "themes": ["globales-lernen", "fairer-handel"],
            "sdgs": [8, 12],
            "public": True,
            "from": -7,
            "until": 120,
        },
    ),
    (
        "afrikanischer-kulturverein-ludwigsburg",
        "offer",
        "partner_contacts",
        "Kontakte nach Ghana, Kenia und in den Senegal",
        {
            "description": "Unsere Mitglieder haben Verbindungen zu Vereinen, Schulen und Kommunen in Westafrika "
            "und Kenia und vermitteln gern erste Kontakte, auch mit Übersetzung.",
            "themes": ["afrika", "migration-und-entwicklung"],
            "sdgs": [10, 17],
            "public": True,
            "from": -150,
        },
    ),
    (
        "energiegenossenschaft-sonnenstrom",
        "offer",
        "expertise",
        "Fachwissen zu Solaranlagen für Schulen und Gesundheitszentren",
        {
            "description": "Unsere Ingenieurinnen beraten ehrenamtlich bei der Planung kleiner Solaranlagen in "
            "Partnerkommunen – von der Dimensionierung bis zur Wartung vor Ort.",
            "themes": ["erneuerbare-energien", "klimaschutz", "afrika"],
            "sdgs": [7, 13],
            "country": "BF",
            "public": True,
            "from": -45,
        },
    ),
    (
        "freundeskreis-ambato",
        "need",
        "equipment",
        "Ausstellungswände für die Wanderausstellung „Wasser in Ambato“",
        {
            "description": "Für unsere Ausstellung suchen wir für drei Wochen zehn Stellwände, die wir abholen "
            "und zurückbringen können.",
            "themes": ["wasser", "lateinamerika"],
            "sdgs": [6],
            "country": "EC",
            "public": True,
            "from": -20,
            "until": 40,
        },
    ),
    (
        _KOORD,
        "offer",
        "publicity",
        "Ankündigung im Newsletter der Koordinierungsstelle",
        {
            "description": "Veranstaltungen von Eine-Welt-Akteuren aus Ludwigsburg stellen wir im monatlichen "
            "Newsletter und auf den Seiten der Stadt vor. Text und Bild bitte bis zum 20. des Vormonats.",
            "themes": ["globales-lernen"],
            "sdgs": [17],
            "public": True,
            "from": -300,
        },
    ),
    (
        "fachbereich-tiefbau-und-gruenflaechen",
        "need",
        "expertise",
        "Erfahrungen mit Regenwassernutzung in der Klimapartnerschaft",
        {
            "description": "Für die Planung mit Kongoussi sucht der Fachbereich Gesprächspartner, die Projekte zur "
            "Regenwassernutzung im Sahel kennen. Intern: Abstimmung mit der Koordinierungsstelle läuft.",
            "themes": ["wasser", "klimaschutz"],
            "sdgs": [6, 13],
            "country": "BF",
            "public": False,
            "from": -10,
            "until": 90,
        },
    ),
    (
        "hanna-muster-stiftung",
        "offer",
        "funding",
        "Kleinförderung für Bildungsprojekte zu Afrika (bis 2.000 €)",
        {
            "description": "Die Stiftung unterstützt Schulen und Jugendgruppen bei Projekten des Globalen Lernens "
            "mit Bezug zu Afrika. Anträge formlos, Entscheidung innerhalb von vier Wochen.",
            "themes": ["bne", "afrika"],
            "sdgs": [4],
            "public": False,
            "from": -30,
        },
    ),
    (
        "kath-kirchengemeinde-st-klara",
        "need",
        "volunteers",
        "Ehrenamtliche für den Verkauf fairer Waren nach dem Gottesdienst",
        {
            "description": "Einmal im Monat nach dem Sonntagsgottesdienst, etwa anderthalb Stunden. Wir suchen "
            "Verstärkung für unser Team – gern auch Jugendliche.",
            "themes": ["fairer-handel"],
            "sdgs": [12],
            "public": True,
            "from": -60,
            "until": 200,
        },
    ),
    (
        _FOERDERKREIS,
        "need",
        "other",
        "Gastfamilien für den Besuch aus Kongoussi",
        {
            "description": "Für die Delegation aus Kongoussi suchten wir Gastfamilien für eine Woche.",
            "themes": ["afrika", "staedtepartnerschaft"],
            "country": "BF",
            "public": True,
            "from": -120,
            "until": -20,  # expired: on the profile under "abgelaufen" for the demo login "verein"
        },
    ),
]


def create_listings(*, coordinator, actors, themes) -> int:
    """Create the demo listings that are missing (matched by actor and title); returns how many."""
    today = timezone.localdate()
    existing = set(Listing.objects.filter(actor__in=actors.values()).values_list("actor_id", "title"))
    created = 0
    for slug, direction, category, title, fields in LISTINGS:
        actor = actors[slug]
        if (actor.pk, title) in existing:
            continue
        until = fields.get("until")
        data = {
            "direction": direction,
            "category": category,
            "title": title,
            "description": fields.get("description", ""),
            "themes": [themes[theme] for theme in fields.get("themes", [])],
            "sdgs": fields.get("sdgs", []),
            "country": fields.get("country", ""),
            "public": fields.get("public", True),
            "valid_from": today + dt.timedelta(days=fields.get("from", 0)),
            "valid_until": None if until is None else today + dt.timedelta(days=until),
        }
        listing_create(user=coordinator, actor=actor, data=data)
        created += 1
    return created


# (actor slug, partner slug, note, requested by the actor's editor)
INTRODUCTIONS = [
    (
        "energiegenossenschaft-sonnenstrom",
        "fachbereich-tiefbau-und-gruenflaechen",
        "Die Genossenschaft bietet Fachwissen zu Solaranlagen für Schulen und Gesundheitszentren; der Fachbereich "
        "sucht Erfahrungen für die Klimapartnerschaft. Ein gemeinsames Gespräch vor der nächsten Delegationsreise?",
        False,
    ),
    (
        _FOERDERKREIS,
        "freundeskreis-ambato",
        "Beide Vereine tragen eine Partnerschaft mit einer Stadt im Globalen Süden. Wir würden gern erfahren, "
        "wie der Freundeskreis Jugendbegegnungen organisiert und finanziert.",
        True,
    ),
]


def create_introductions(*, coordinator, actors, users) -> int:
    """One introduction proposed by the office, one requested by an actor's editor (once); returns how many."""
    created = 0
    for slug, partner_slug, note, requested in INTRODUCTIONS:
        actor, partner = actors[slug], actors[partner_slug]
        low, high = sorted((actor.pk, partner.pk))
        if Introduction.objects.filter(actor_a_id=low, actor_b_id=high).exists():
            continue
        if requested:
            editor = next(u for u in users.values() if u.edited_actors.filter(pk=actor.pk).exists())
            introduction_request(user=editor, actor=actor, partner=partner, note=note)
        else:
            introduction_propose(user=coordinator, actor=actor, partner=partner, note=note)
        created += 1
    return created
