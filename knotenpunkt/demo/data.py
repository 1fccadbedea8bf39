"""Demo content for Ludwigsburg, as plain data; `manage.py load_demo` writes it to the database.

Public bodies, departments and partner municipalities follow public facts (see DOMAIN.md).
Everything else – schools, associations, companies, persons – is invented: websites and
e-mail addresses use example.org, persons carry obviously fictional surnames, and office
holders appear by their role only.

Actors refer to each other by slug; `parent` must appear earlier in ACTORS than its children.
"""

import datetime as dt

# Shared by all demo logins; printed by load_demo, never meant for a production instance.
DEMO_PASSWORD = "knotenpunkt-demo"  # noqa: S105

# Every demo person's surname is one of these, so nobody mistakes them for real people.
FICTIONAL_SURNAMES = frozenset({"Beispiel", "Muster", "Mustermann", "Musterfrau", "Normalverbraucher", "Platzhalter"})

THEMES = [
    # (slug, name_de, name_en)
    ("klimaschutz", "Klimaschutz", "Climate protection"),
    ("fairer-handel", "Fairer Handel", "Fair trade"),
    ("bne", "Bildung für nachhaltige Entwicklung", "Education for sustainable development"),
    ("migration-und-entwicklung", "Migration und Entwicklung", "Migration and development"),
    ("staedtepartnerschaft", "Städtepartnerschaft", "Town twinning"),
    ("globales-lernen", "Globales Lernen", "Global learning"),
    ("menschenrechte", "Menschenrechte", "Human rights"),
    ("gesundheit", "Gesundheit", "Health"),
    ("wasser", "Wasser", "Water"),
    ("erneuerbare-energien", "Erneuerbare Energien", "Renewable energy"),
    ("afrika", "Afrika", "Africa"),
    ("beschaffung", "Nachhaltige Beschaffung", "Sustainable procurement"),
    ("lateinamerika", "Lateinamerika", "Latin America"),
]

_RATHAUS = {"street": "Wilhelmstraße 11", "postcode": "71638", "city": "Ludwigsburg", "country": "DE"}
_CITY_WEB = "https://www.ludwigsburg.de"

ACTORS = [
    # --- Stadtverwaltung -------------------------------------------------------------
    {
        "slug": "stadt-ludwigsburg",
        "name": "Stadt Ludwigsburg",
        "kind": "city_department",
        "level": "local",
        "description": (
            "Die Stadtverwaltung der Großen Kreisstadt Ludwigsburg. "
            "Die Stadt nutzt die **Nachhaltigkeitsziele der Vereinten Nationen** als Rahmen ihres "
            "Stadtentwicklungskonzepts und pflegt Städte- und Klimapartnerschaften auf drei Kontinenten."
        ),
        "themes": ["staedtepartnerschaft", "klimaschutz"],
        "sdgs": [11, 13, 17],
        "countries": ["FR", "GB", "UA", "US", "CZ", "IT", "BF", "EC"],
        "website": _CITY_WEB,
        **_RATHAUS,
        "lat": "48.894700",
        "lon": "9.191900",
        "published": True,
    },
    {
        "slug": "referat-nachhaltige-stadtentwicklung",
        "name": "Referat Nachhaltige Stadtentwicklung, Klima und Internationales",
        "kind": "city_department",
        "level": "local",
        "parent": "stadt-ludwigsburg",
        "description": (
            "Das Referat verantwortet das Stadtentwicklungskonzept, den kommunalen Klimaschutz und die "
            "internationale Arbeit der Stadt. Hier ist auch die Koordinierungsstelle für kommunale "
            "Entwicklungspolitik angesiedelt."
        ),
        "themes": ["klimaschutz", "staedtepartnerschaft"],
        "sdgs": [11, 13, 17],
        "website": _CITY_WEB,
        **_RATHAUS,
        "lat": "48.894700",
        "lon": "9.191900",
        "published": True,
    },
    {
        "slug": "koordinierungsstelle-kommunale-entwicklungspolitik",
        "name": "Koordinierungsstelle für kommunale Entwicklungspolitik",
        "kind": "city_department",
        "level": "local",
        "parent": "referat-nachhaltige-stadtentwicklung",
        "description": (
            "Die Koordinierungsstelle moderiert und vernetzt alle, die in Ludwigsburg zu Eine-Welt-Themen "
            "arbeiten: Vereine, Initiativen, Schulen, Kirchen, Unternehmen und die Fachbereiche der Verwaltung. "
            "Sie verankert entwicklungspolitische Themen in der Stadtverwaltung, begleitet die "
            "Klimapartnerschaften mit **Kongoussi** und **Ambato** und vertritt die Stadt auf Landes- und "
            "Bundesebene."
        ),
        "themes": ["klimaschutz", "fairer-handel", "migration-und-entwicklung", "afrika", "bne"],
        "sdgs": [4, 10, 13, 16, 17],
        "countries": ["BF", "EC", "FR"],
        "website": _CITY_WEB,
        **_RATHAUS,
        "lat": "48.894700",
        "lon": "9.191900",
        "published": True,
        "internal_notes": (
            "Stelle anteilig über die SKEW gefördert; Verwendungsnachweis jeweils bis Ende März. "
            "Jahresbericht für den Gemeinderat im Herbst vorbereiten."
        ),
    },
    {
        "slug": "fachbereich-tiefbau-und-gruenflaechen",
        "name": "Fachbereich Tiefbau und Grünflächen",
        "kind": "city_department",
        "level": "local",
        "parent": "stadt-ludwigsburg",
        "description": (
            "Der Fachbereich plant und unterhält Straßen, Plätze, Parks und Grünanlagen der Stadt. "
            "Im Rahmen der Klimapartnerschaften bringt er Fachwissen zu Wasser, Begrünung und "
            "klimaangepasster Infrastruktur ein."
        ),
        "themes": ["klimaschutz", "wasser"],
        "sdgs": [6, 11, 13, 15],
        "website": _CITY_WEB,
        **_RATHAUS,
        "lat": "48.894700",
        "lon": "9.191900",
        "published": True,
    },
    {
        "slug": "team-stadtgruen-und-gemeinschaftsgaerten",
        "name": "Team Stadtgrün und Gemeinschaftsgärten",
        "kind": "city_department",
        "level": "local",
        "parent": "fachbereich-tiefbau-und-gruenflaechen",
        "description": (
            "Das Team im Fachbereich Tiefbau und Grünflächen betreut Baumpatenschaften und "
            "Gemeinschaftsgärten. Es ist Ansprechpartner für Pflanzaktionen von Initiativen und Schulen."
        ),
        "themes": ["klimaschutz"],
        "sdgs": [11, 15],
        "website": _CITY_WEB,
        **_RATHAUS,
        "lat": "48.894700",
        "lon": "9.191900",
        "published": True,
    },
    {
        "slug": "fachbereich-buergerschaftliches-engagement",
        "name": "Fachbereich Bürgerschaftliches Engagement",
        "kind": "city_department",
        "level": "local",
        "parent": "stadt-ludwigsburg",
        "description": (
            "Der Fachbereich fördert Vereine, Ehrenamt und Beteiligung in Ludwigsburg. Er berät bei "
            "Zuschüssen und Räumen und unterstützt Migrantenorganisationen beim Aufbau ihrer Arbeit."
        ),
        "themes": ["migration-und-entwicklung"],
        "sdgs": [10, 16, 17],
        "website": _CITY_WEB,
        **_RATHAUS,
        "lat": "48.894700",
        "lon": "9.191900",
        "published": True,
    },
    {
        "slug": "fachbereich-organisation-und-personal",
        "name": "Fachbereich Organisation und Personal (Städtepartnerschaften)",
        "kind": "city_department",
        "level": "local",
        "parent": "stadt-ludwigsburg",
        "description": (
            "Neben Organisation und Personal betreut der Fachbereich die sechs Städtepartnerschaften "
            "Ludwigsburgs. Er organisiert Delegationsbesuche, Jugendbegegnungen und den Austausch "
            "von Mitarbeitenden mit den Partnerstädten."
        ),
        "themes": ["staedtepartnerschaft"],
        "sdgs": [16, 17],
        "countries": ["FR", "GB", "UA", "US", "CZ", "IT"],
        "website": _CITY_WEB,
        **_RATHAUS,
        "lat": "48.894700",
        "lon": "9.191900",
        "published": True,
    },
    {
        "slug": "zentrale-beschaffungsstelle",
        "name": "Zentrale Beschaffungsstelle",
        "kind": "city_department",
        "level": "local",
        "parent": "stadt-ludwigsburg",
        "description": (
            "Die Beschaffungsstelle bündelt Einkauf und Vergaben der Stadtverwaltung. Sie arbeitet daran, "
            "soziale und ökologische Kriterien – etwa fair gehandelten Kaffee und Arbeitskleidung – "
            "in Ausschreibungen zu verankern."
        ),
        "themes": ["beschaffung", "fairer-handel"],
        "sdgs": [8, 12],
        **_RATHAUS,
        "lat": "48.894700",
        "lon": "9.191900",
        "published": False,
        "internal_notes": "Noch nicht im öffentlichen Verzeichnis: Abstimmung mit der Amtsleitung steht aus.",
    },
    # --- Partnerkommunen im Ausland --------------------------------------------------
    {
        "slug": "montbeliard",
        "name": "Montbéliard",
        "kind": "partner_municipality",
        "level": "international",
        "description": (
            "Partnerstadt seit 1950 und damit eine der ersten deutsch-französischen Städtepartnerschaften "
            "nach dem Zweiten Weltkrieg. Die Verbindung reicht bis in die Zeit zurück, als Mömpelgard zu "
            "Württemberg gehörte. Seit 2006 besteht die trilaterale Partnerschaft Ludwigsburg–Montbéliard–"
            "Kongoussi."
        ),
        "themes": ["staedtepartnerschaft", "afrika"],
        "sdgs": [16, 17],
        "countries": ["BF"],
        "city": "Montbéliard",
        "country": "FR",
        "lat": "47.510000",
        "lon": "6.798300",
        "published": True,
    },
    {
        "slug": "caerphilly",
        "name": "Caerphilly",
        "kind": "partner_municipality",
        "level": "international",
        "description": (
            "Partnerstadt in Wales. Die Partnerschaft lebt vor allem von Begegnungen zwischen Schulen, "
            "Vereinen und Chören."
        ),
        "themes": ["staedtepartnerschaft"],
        "sdgs": [17],
        "city": "Caerphilly",
        "country": "GB",
        "lat": "51.574000",
        "lon": "-3.218000",
        "published": True,
    },
    {
        "slug": "jewpatorija",
        "name": "Jewpatorija",
        "kind": "partner_municipality",
        "level": "international",
        "description": (
            "Partnerstadt auf der Halbinsel Krim (Ukraine). Seit der völkerrechtswidrigen Besetzung der Krim "
            "durch Russland **ruhen die offiziellen Aktivitäten** der Partnerschaft; Kontakte bestehen nur "
            "noch auf privater Ebene."
        ),
        "themes": ["staedtepartnerschaft", "menschenrechte"],
        "sdgs": [16],
        "city": "Jewpatorija",
        "country": "UA",
        "lat": "45.190400",
        "lon": "33.366900",
        "published": True,
        "internal_notes": "Keine offiziellen Kontakte aufnehmen; Anfragen an Fachbereich Organisation und Personal.",
    },
    {
        "slug": "st-charles",
        "name": "St. Charles",
        "kind": "partner_municipality",
        "level": "international",
        "description": (
            "Partnerstadt im US-Bundesstaat Missouri. Schüleraustausch und Besuche von Bürgergruppen "
            "prägen die Partnerschaft."
        ),
        "themes": ["staedtepartnerschaft"],
        "sdgs": [17],
        "city": "St. Charles",
        "country": "US",
        "lat": "38.788100",
        "lon": "-90.497400",
        "published": True,
    },
    {
        "slug": "novy-jicin",
        "name": "Nový Jičín",
        "kind": "partner_municipality",
        "level": "international",
        "description": (
            "Partnerstadt in Mähren (Tschechische Republik). Austausch gibt es unter anderem zwischen "
            "Verwaltungen, Sportvereinen und Kultureinrichtungen."
        ),
        "themes": ["staedtepartnerschaft"],
        "sdgs": [17],
        "city": "Nový Jičín",
        "country": "CZ",
        "lat": "49.594400",
        "lon": "18.010300",
        "published": True,
    },
    {
        "slug": "bergamo",
        "name": "Bergamo",
        "kind": "partner_municipality",
        "level": "international",
        "description": (
            "Partnerstadt in der Lombardei (Italien). Die Städte tauschen sich zu Kultur, Stadtentwicklung "
            "und Jugendprojekten aus."
        ),
        "themes": ["staedtepartnerschaft"],
        "sdgs": [11, 17],
        "city": "Bergamo",
        "country": "IT",
        "lat": "45.698300",
        "lon": "9.677300",
        "published": True,
    },
    {
        "slug": "kongoussi",
        "name": "Kongoussi",
        "kind": "partner_municipality",
        "level": "international",
        "description": (
            "Stadt in der Provinz Bam im Norden Burkina Fasos, am Bam-See. Mit Ludwigsburg verbindet sie eine "
            "vom BMZ geförderte **Klimapartnerschaft**; seit 2006 besteht zudem die trilaterale Partnerschaft "
            "mit Montbéliard. Schwerpunkte sind Wasser, Aufforstung und erneuerbare Energien."
        ),
        "themes": ["klimaschutz", "wasser", "erneuerbare-energien", "afrika"],
        "sdgs": [6, 7, 13, 15, 17],
        "city": "Kongoussi",
        "country": "BF",
        "lat": "13.325600",
        "lon": "-1.533900",
        "published": True,
    },
    {
        "slug": "ambato",
        "name": "Ambato",
        "kind": "partner_municipality",
        "level": "international",
        "description": (
            "Hauptstadt der Provinz Tungurahua im Hochland von Ecuador. Die **Klimapartnerschaft** mit "
            "Ludwigsburg widmet sich dem Schutz der Wasserressourcen und der Stadtbegrünung."
        ),
        "themes": ["klimaschutz", "wasser", "lateinamerika"],
        "sdgs": [6, 11, 13, 17],
        "city": "Ambato",
        "country": "EC",
        "lat": "-1.249100",
        "lon": "-78.616800",
        "published": True,
    },
    # --- Land Baden-Württemberg ------------------------------------------------------
    {
        "slug": "staatsministerium-baden-wuerttemberg",
        "name": "Staatsministerium Baden-Württemberg",
        "kind": "state_body",
        "level": "state",
        "description": (
            "Das Staatsministerium ist in Baden-Württemberg für die Entwicklungspolitik des Landes zuständig. "
            "Es fördert entwicklungspolitische Bildungsarbeit und die Zusammenarbeit von Kommunen mit "
            "Partnern im Globalen Süden."
        ),
        "themes": ["bne", "globales-lernen"],
        "sdgs": [4, 17],
        "website": "https://stm.baden-wuerttemberg.de",
        "street": "Richard-Wagner-Straße 15",
        "postcode": "70184",
        "city": "Stuttgart",
        "country": "DE",
        "lat": "48.780800",
        "lon": "9.199000",
        "published": True,
    },
    {
        "slug": "landesjury-entwicklungspolitische-bildung",
        "name": "Landesjury für die Förderung entwicklungspolitischer Bildungsarbeit",
        "kind": "state_body",
        "level": "state",
        "parent": "staatsministerium-baden-wuerttemberg",
        "description": (
            "Die Jury berät über Anträge auf Landesmittel für entwicklungspolitische Bildungsprojekte. "
            "Ihr gehören Fachleute aus Zivilgesellschaft, Kommunen und Wissenschaft an."
        ),
        "themes": ["bne", "globales-lernen"],
        "sdgs": [4],
        "city": "Stuttgart",
        "country": "DE",
        "published": True,
    },
    {
        "slug": "sozialministerium-baden-wuerttemberg",
        "name": "Ministerium für Soziales, Gesundheit und Integration Baden-Württemberg",
        "kind": "state_body",
        "level": "state",
        "description": (
            "Das Landesministerium ist unter anderem für Integration zuständig. Mit der Koordinierungsstelle "
            "gab es Gespräche über die Verbindung von Integrations- und Entwicklungspolitik."
        ),
        "themes": ["migration-und-entwicklung"],
        "sdgs": [3, 10],
        "website": "https://sozialministerium.baden-wuerttemberg.de",
        "city": "Stuttgart",
        "country": "DE",
        "lat": "48.776000",
        "lon": "9.177000",
        "published": True,
    },
    {
        "slug": "staedtetag-baden-wuerttemberg",
        "name": "Städtetag Baden-Württemberg",
        "kind": "network",
        "level": "state",
        "description": (
            "Der kommunale Landesverband der Städte in Baden-Württemberg. Er vertritt die Interessen seiner "
            "Mitgliedsstädte gegenüber dem Land und organisiert den Erfahrungsaustausch in Arbeitsgemeinschaften."
        ),
        "themes": [],
        "sdgs": [11, 17],
        "website": "https://www.staedtetag-bw.de",
        "city": "Stuttgart",
        "country": "DE",
        "lat": "48.783000",
        "lon": "9.181000",
        "published": True,
    },
    {
        "slug": "ag-kommunale-entwicklungspolitik-staedtetag-bw",
        "name": "AG Kommunale Entwicklungspolitik des Städtetags Baden-Württemberg",
        "kind": "network",
        "level": "state",
        "parent": "staedtetag-baden-wuerttemberg",
        "description": (
            "In der Arbeitsgemeinschaft tauschen sich die Koordinatorinnen und Koordinatoren für kommunale "
            "Entwicklungspolitik der baden-württembergischen Städte aus. Sie bereitet gemeinsame Positionen "
            "gegenüber Land und Bund vor."
        ),
        "themes": ["klimaschutz", "fairer-handel", "beschaffung"],
        "sdgs": [17],
        "city": "Stuttgart",
        "country": "DE",
        "published": True,
    },
    # --- Bund und bundesweite Partner ------------------------------------------------
    {
        "slug": "bmz",
        "name": "Bundesministerium für wirtschaftliche Zusammenarbeit und Entwicklung (BMZ)",
        "kind": "federal_body",
        "level": "federal",
        "description": (
            "Das BMZ gestaltet die Entwicklungspolitik der Bundesregierung. Über Engagement Global und die "
            "SKEW fördert es kommunale Entwicklungspolitik, darunter die Klimapartnerschaft Ludwigsburg–"
            "Kongoussi. Es richtet den nationalen Afrikatag aus."
        ),
        "themes": ["afrika", "klimaschutz"],
        "sdgs": [1, 13, 17],
        "website": "https://www.bmz.de",
        "street": "Dahlmannstraße 4",
        "postcode": "53113",
        "city": "Bonn",
        "country": "DE",
        "lat": "50.718000",
        "lon": "7.125000",
        "published": True,
    },
    {
        "slug": "auswaertiges-amt",
        "name": "Auswärtiges Amt",
        "kind": "federal_body",
        "level": "federal",
        "description": (
            "Das Auswärtige Amt ist für die Außenpolitik der Bundesrepublik zuständig. Die Koordinierungsstelle "
            "wirkte in seiner Kommission „Fluchtursachenbekämpfung“ und in einer Expertengruppe zur Kommunikation "
            "über Flucht und Migration mit."
        ),
        "themes": ["migration-und-entwicklung", "menschenrechte"],
        "sdgs": [16, 17],
        "website": "https://www.auswaertiges-amt.de",
        "street": "Werderscher Markt 1",
        "postcode": "10117",
        "city": "Berlin",
        "country": "DE",
        "lat": "52.514700",
        "lon": "13.398700",
        "published": True,
    },
    {
        "slug": "regionalbeauftragte-aa-afrika-suedlich-der-sahara",
        "name": "Regionalbeauftragte(r) des Auswärtigen Amts für Afrika südlich der Sahara",
        "kind": "federal_body",
        "level": "federal",
        "parent": "auswaertiges-amt",
        "description": (
            "Als Funktion erfasst, nicht als Person. Die Koordinierungsstelle führte Gespräche über "
            "kommunale Beiträge zur Zusammenarbeit mit afrikanischen Partnern."
        ),
        "themes": ["afrika"],
        "sdgs": [17],
        "city": "Berlin",
        "country": "DE",
        "published": True,
    },
    {
        "slug": "afrikabeauftragte-der-bundesregierung",
        "name": "Afrikabeauftragte(r) der Bundesregierung",
        "kind": "federal_body",
        "level": "federal",
        "description": (
            "Als Funktion erfasst, nicht als Person. Mit der Koordinierungsstelle gab es einen Austausch über "
            "die Ziele der kommunalen Entwicklungszusammenarbeit mit Afrika."
        ),
        "themes": ["afrika"],
        "sdgs": [17],
        "city": "Berlin",
        "country": "DE",
        "published": True,
    },
    {
        "slug": "engagement-global",
        "name": "Engagement Global",
        "kind": "federal_body",
        "level": "federal",
        "description": (
            "Engagement Global ist die Ansprechpartnerin für entwicklungspolitisches Engagement in Deutschland "
            "und arbeitet im Auftrag des BMZ. Sie richtet den Wettbewerb „Kommune bewegt Welt“ aus."
        ),
        "themes": ["bne", "globales-lernen"],
        "sdgs": [4, 17],
        "website": "https://www.engagement-global.de",
        "city": "Bonn",
        "country": "DE",
        "lat": "50.719000",
        "lon": "7.121000",
        "published": True,
    },
    {
        "slug": "skew",
        "name": "Servicestelle Kommunen in der Einen Welt (SKEW)",
        "kind": "federal_body",
        "level": "federal",
        "parent": "engagement-global",
        "description": (
            "Die SKEW berät und fördert Kommunen bei ihrer entwicklungspolitischen Arbeit. Sie begleitet die "
            "kommunalen Klimapartnerschaften, fördert Koordinationsstellen und richtet die Bundeskonferenz der "
            "Kommunen aus."
        ),
        "themes": ["klimaschutz", "fairer-handel", "migration-und-entwicklung", "beschaffung"],
        "sdgs": [11, 13, 17],
        "website": "https://skew.engagement-global.de",
        "city": "Bonn",
        "country": "DE",
        "lat": "50.719000",
        "lon": "7.121000",
        "published": True,
    },
    {
        "slug": "bertelsmann-stiftung",
        "name": "Bertelsmann Stiftung",
        "kind": "foundation",
        "level": "federal",
        "description": (
            "Die Stiftung arbeitet unter anderem zu Migration, Integration und nachhaltiger Kommunalentwicklung. "
            "Die Koordinierungsstelle nahm an ihrer Fachdiskussion „Migration und Entwicklung“ teil."
        ),
        "themes": ["migration-und-entwicklung"],
        "sdgs": [10, 11, 17],
        "website": "https://www.bertelsmann-stiftung.de",
        "street": "Carl-Bertelsmann-Straße 256",
        "postcode": "33311",
        "city": "Gütersloh",
        "country": "DE",
        "lat": "51.904000",
        "lon": "8.417000",
        "published": True,
    },
    # --- Lokale Netzwerke ------------------------------------------------------------
    {
        "slug": "foerderkreis-burkina-faso",
        "name": "Förderkreis Burkina Faso e.V.",
        "kind": "association",
        "level": "local",
        "description": (
            "Der Förderkreis wurde 2008 von Ludwigsburger Bürgerinnen und Bürgern gegründet. Sein Schwerpunkt "
            "ist die Partnerstadt **Kongoussi**: Er unterstützt dort Projekte und begleitet die Klimapartnerschaft "
            "aus der Bürgerschaft."
        ),
        "themes": ["afrika", "wasser", "bne", "klimaschutz"],
        "sdgs": [4, 6, 7, 13],
        "countries": ["BF"],
        "city": "Ludwigsburg",
        "postcode": "71638",
        "country": "DE",
        "lat": "48.896200",
        "lon": "9.188400",
        "published": True,
        "internal_notes": "Pflegt sein Profil selbst (Demo-Login „verein“); Veröffentlichung durch die Koordination.",
    },
    {
        "slug": "eine-welt-forum-ludwigsburg",
        "name": "Eine-Welt-Forum Ludwigsburg",
        "kind": "network",
        "level": "local",
        "description": (
            "Das Forum ist das Netzwerk der Ludwigsburger Eine-Welt-Gruppen. Es trifft sich regelmäßig, "
            "plant gemeinsame Aktionen wie den Eine-Welt-Tag und bündelt Anliegen gegenüber Verwaltung und "
            "Gemeinderat."
        ),
        "themes": ["globales-lernen", "fairer-handel", "menschenrechte"],
        "sdgs": [4, 10, 17],
        "website": "https://eine-welt-forum-ludwigsburg.example.org",
        "contact_email": "kontakt@eine-welt-forum-ludwigsburg.example.org",
        "street": "Mathildenstraße 12",
        "postcode": "71638",
        "city": "Ludwigsburg",
        "country": "DE",
        "lat": "48.893100",
        "lon": "9.189600",
        "published": True,
    },
    {
        "slug": "fairtrade-steuerungsgruppe-ludwigsburg",
        "name": "Fairtrade-Steuerungsgruppe Ludwigsburg",
        "kind": "network",
        "level": "local",
        "description": (
            "Die Steuerungsgruppe koordiniert das Engagement Ludwigsburgs als Fairtrade-Stadt. In ihr arbeiten "
            "Verwaltung, Handel, Gastronomie, Kirchen und Zivilgesellschaft zusammen; sie organisiert unter "
            "anderem die Faire Woche."
        ),
        "themes": ["fairer-handel", "beschaffung"],
        "sdgs": [8, 12, 17],
        "contact_email": "fairtrade@ludwigsburg.example.org",
        **_RATHAUS,
        "lat": "48.894700",
        "lon": "9.191900",
        "published": True,
    },
    # --- Bildung ---------------------------------------------------------------------
    {
        "slug": "lindenbluete-gymnasium",
        "name": "Lindenblüte-Gymnasium Ludwigsburg",
        "kind": "school",
        "level": "local",
        "description": (
            "Das Gymnasium hat eine AG Globales Lernen und pflegt über den Förderkreis Burkina Faso eine "
            "Schulpartnerschaft nach Kongoussi. Schülerinnen und Schüler gestalten jedes Jahr einen "
            "Projekttag zu den Nachhaltigkeitszielen."
        ),
        "themes": ["globales-lernen", "bne", "afrika"],
        "sdgs": [4, 13],
        "countries": ["BF"],
        "website": "https://lindenbluete-gymnasium.example.org",
        "contact_email": "sekretariat@lindenbluete-gymnasium.example.org",
        "street": "Lindenstraße 40",
        "postcode": "71634",
        "city": "Ludwigsburg",
        "country": "DE",
        "lat": "48.900300",
        "lon": "9.186200",
        "published": True,
    },
    {
        "slug": "realschule-am-kastanienhain",
        "name": "Realschule am Kastanienhain",
        "kind": "school",
        "level": "local",
        "description": (
            "Die Schülerfirma der Realschule verkauft in der Pause fair gehandelte Snacks und Getränke. "
            "Die Schule bewirbt sich um die Auszeichnung als Fairtrade-School."
        ),
        "themes": ["fairer-handel", "bne"],
        "sdgs": [4, 12],
        "website": "https://realschule-kastanienhain.example.org",
        "contact_email": "info@realschule-kastanienhain.example.org",
        "street": "Kastanienallee 7",
        "postcode": "71636",
        "city": "Ludwigsburg",
        "country": "DE",
        "lat": "48.887400",
        "lon": "9.176900",
        "published": True,
    },
    {
        "slug": "grundschule-regenbogenweg",
        "name": "Grundschule Regenbogenweg",
        "kind": "school",
        "level": "local",
        "description": (
            "Die Grundschule möchte Globales Lernen in den Unterricht der Klassen 3 und 4 bringen und sucht "
            "dafür Partner aus der Ludwigsburger Eine-Welt-Arbeit."
        ),
        "themes": ["globales-lernen"],
        "sdgs": [4],
        "contact_email": "schulleitung@grundschule-regenbogenweg.example.org",
        "street": "Regenbogenweg 2",
        "postcode": "71640",
        "city": "Ludwigsburg",
        "country": "DE",
        "lat": "48.903800",
        "lon": "9.208700",
        "published": True,
        "internal_notes": "Noch ohne Verbindung ins Netzwerk – beim nächsten Eine-Welt-Forum vorstellen.",
    },
    {
        "slug": "berufliches-schulzentrum-nordstern",
        "name": "Berufliches Schulzentrum Nordstern",
        "kind": "school",
        "level": "local",
        "description": (
            "Kaufmännische und hauswirtschaftliche Berufsschule. In einem Ausbildungsprojekt lernen Azubis "
            "Lieferketten von Kaffee und Kakao kennen, gemeinsam mit einer Ludwigsburger Rösterei."
        ),
        "themes": ["fairer-handel", "bne"],
        "sdgs": [4, 8, 12],
        "website": "https://bsz-nordstern.example.org",
        "street": "Marbacher Straße 88",
        "postcode": "71640",
        "city": "Ludwigsburg",
        "country": "DE",
        "lat": "48.908100",
        "lon": "9.196000",
        "published": True,
    },
    {
        "slug": "hochschule-fuer-bildung-und-nachhaltigkeit",
        "name": "Hochschule für Bildung und Nachhaltigkeit Ludwigsburg",
        "kind": "university",
        "level": "regional",
        "description": (
            "Die Hochschule bildet Lehrkräfte aus und forscht zu Bildung für nachhaltige Entwicklung. "
            "Studierende begleiten Schulprojekte in Ludwigsburg; ein Lehrforschungsprojekt untersucht, wie "
            "die Stadt ihre Fortschritte bei den SDGs misst."
        ),
        "themes": ["bne", "globales-lernen"],
        "sdgs": [4, 11, 17],
        "website": "https://hbn-ludwigsburg.example.org",
        "contact_email": "nachhaltigkeit@hbn-ludwigsburg.example.org",
        "street": "Favoritepark-Allee 5",
        "postcode": "71634",
        "city": "Ludwigsburg",
        "country": "DE",
        "lat": "48.906500",
        "lon": "9.190800",
        "published": True,
    },
    # --- Handel und Unternehmen ------------------------------------------------------
    {
        "slug": "weltladen-kleeblatt",
        "name": "Weltladen Kleeblatt",
        "kind": "fair_trade_shop",
        "level": "local",
        "description": (
            "Der ehrenamtlich geführte Weltladen in der Innenstadt verkauft fair gehandelte Lebensmittel und "
            "Handwerk. Das Ladenteam bietet Schulklassen Führungen zu Lieferketten an."
        ),
        "themes": ["fairer-handel", "globales-lernen"],
        "sdgs": [8, 12],
        "website": "https://weltladen-kleeblatt.example.org",
        "contact_email": "laden@weltladen-kleeblatt.example.org",
        "street": "Kirchstraße 9",
        "postcode": "71634",
        "city": "Ludwigsburg",
        "country": "DE",
        "lat": "48.896000",
        "lon": "9.192800",
        "published": True,
    },
    {
        "slug": "kaffeeroesterei-bohnenglueck",
        "name": "Kaffeerösterei Bohnenglück GmbH",
        "kind": "company",
        "level": "local",
        "description": (
            "Kleine Rösterei mit direkt und fair gehandeltem Kaffee. Sie beliefert die Stadtverwaltung und "
            "mehrere Kantinen und ist Mitglied der Fairtrade-Steuerungsgruppe."
        ),
        "themes": ["fairer-handel", "beschaffung"],
        "sdgs": [8, 12],
        "countries": ["EC"],
        "website": "https://bohnenglueck.example.org",
        "contact_email": "hallo@bohnenglueck.example.org",
        "street": "Schorndorfer Straße 31",
        "postcode": "71638",
        "city": "Ludwigsburg",
        "country": "DE",
        "lat": "48.892100",
        "lon": "9.201400",
        "published": True,
    },
    {
        "slug": "energiegenossenschaft-sonnenstrom",
        "name": "Energiegenossenschaft Sonnenstrom Ludwigsburg eG",
        "kind": "company",
        "level": "regional",
        "description": (
            "Die Bürgerenergiegenossenschaft betreibt Solaranlagen auf Schul- und Vereinsdächern. Einen Teil "
            "ihrer Überschüsse steckt sie in eine Solaranlage für ein Gesundheitszentrum in Kongoussi."
        ),
        "themes": ["erneuerbare-energien", "klimaschutz", "afrika"],
        "sdgs": [7, 13],
        "countries": ["BF"],
        "website": "https://sonnenstrom-lb.example.org",
        "contact_email": "vorstand@sonnenstrom-lb.example.org",
        "street": "Solitudestraße 20",
        "postcode": "71638",
        "city": "Ludwigsburg",
        "country": "DE",
        "lat": "48.893500",
        "lon": "9.183300",
        "published": True,
    },
    # --- Vereine, Initiativen, Diaspora ----------------------------------------------
    {
        "slug": "afrikanischer-kulturverein-ludwigsburg",
        "name": "Afrikanischer Kulturverein Ludwigsburg e.V.",
        "kind": "diaspora",
        "level": "local",
        "description": (
            "Der Verein bringt Menschen aus west- und ostafrikanischen Ländern in Ludwigsburg zusammen. Er "
            "organisiert Kulturabende, Hausaufgabenhilfe und Veranstaltungen zum Afrikatag und berät die "
            "Stadt bei Projekten mit afrikanischen Partnern."
        ),
        "themes": ["migration-und-entwicklung", "afrika"],
        "sdgs": [4, 10, 17],
        "countries": ["BF", "GH", "KE", "SN"],
        "website": "https://afrikanischer-kulturverein-lb.example.org",
        "contact_email": "info@afrikanischer-kulturverein-lb.example.org",
        "street": "Hoferstraße 15",
        "postcode": "71636",
        "city": "Ludwigsburg",
        "country": "DE",
        "lat": "48.890300",
        "lon": "9.185900",
        "published": True,
    },
    {
        "slug": "comunidad-ecuatoriana-ludwigsburg",
        "name": "Comunidad Ecuatoriana Ludwigsburg e.V.",
        "kind": "diaspora",
        "level": "regional",
        "description": (
            "Verein von Menschen aus Ecuador im Landkreis Ludwigsburg. Er möchte die Klimapartnerschaft mit "
            "Ambato mit Übersetzungen und Kontakten unterstützen."
        ),
        "themes": ["migration-und-entwicklung", "lateinamerika"],
        "sdgs": [10, 17],
        "countries": ["EC"],
        "contact_email": "comunidad@ecuador-lb.example.org",
        "city": "Ludwigsburg",
        "postcode": "71636",
        "country": "DE",
        "lat": "48.886900",
        "lon": "9.181500",
        "published": False,
        "internal_notes": "Einwilligung zur Veröffentlichung liegt noch nicht vor; Vorstand fragt die Mitglieder.",
    },
    {
        "slug": "freundeskreis-ambato",
        "name": "Freundeskreis Ambato e.V.",
        "kind": "association",
        "level": "local",
        "description": (
            "Der Freundeskreis begleitet die Klimapartnerschaft mit Ambato aus der Bürgerschaft: mit "
            "Vorträgen, Spanisch-Stammtisch und Spenden für Aufforstungsprojekte in den Anden."
        ),
        "themes": ["lateinamerika", "klimaschutz", "wasser"],
        "sdgs": [6, 13, 15],
        "countries": ["EC"],
        "website": "https://freundeskreis-ambato.example.org",
        "contact_email": "info@freundeskreis-ambato.example.org",
        "city": "Ludwigsburg",
        "postcode": "71640",
        "country": "DE",
        "lat": "48.899800",
        "lon": "9.203000",
        "published": True,
    },
    {
        "slug": "wasser-fuer-den-sahel",
        "name": "Wasser für den Sahel e.V.",
        "kind": "association",
        "level": "regional",
        "description": (
            "Der Verein finanziert Brunnen und Wasserspeicher in der Sahelzone, derzeit vor allem rund um "
            "Kongoussi. Er arbeitet eng mit dem Förderkreis Burkina Faso zusammen."
        ),
        "themes": ["wasser", "afrika", "gesundheit"],
        "sdgs": [3, 6],
        "countries": ["BF", "NE"],
        "website": "https://wasser-sahel.example.org",
        "contact_email": "info@wasser-sahel.example.org",
        "street": "Asperger Straße 51",
        "postcode": "71634",
        "city": "Ludwigsburg",
        "country": "DE",
        "lat": "48.900900",
        "lon": "9.178400",
        "published": True,
    },
    {
        "slug": "klimaschutzinitiative-ludwigsburg-nord",
        "name": "Klimaschutzinitiative Ludwigsburg-Nord",
        "kind": "initiative",
        "level": "local",
        "description": (
            "Nachbarschaftsinitiative für Klimaschutz im Alltag: Pflanzaktionen, Lastenrad-Verleih und "
            "Informationsabende zur Klimapartnerschaft mit Kongoussi."
        ),
        "themes": ["klimaschutz", "erneuerbare-energien"],
        "sdgs": [11, 13],
        "website": "https://klima-lb-nord.example.org",
        "contact_email": "mitmachen@klima-lb-nord.example.org",
        "city": "Ludwigsburg",
        "postcode": "71640",
        "country": "DE",
        "lat": "48.911200",
        "lon": "9.199500",
        "published": True,
    },
    {
        "slug": "jugendnetz-eine-welt-ludwigsburg",
        "name": "Jugendnetz Eine Welt Ludwigsburg",
        "kind": "initiative",
        "level": "local",
        "description": (
            "Junge Menschen, die nach einem Freiwilligendienst im Globalen Süden zurückgekehrt sind, geben "
            "ihre Erfahrungen in Schulen und Jugendhäusern weiter."
        ),
        "themes": ["globales-lernen", "klimaschutz"],
        "sdgs": [4, 13],
        "contact_email": "jugendnetz@eine-welt-lb.example.org",
        "city": "Ludwigsburg",
        "postcode": "71638",
        "country": "DE",
        "lat": "48.895400",
        "lon": "9.195700",
        "published": False,
        "internal_notes": "Einwilligung ausstehend; Gruppe ist nicht als Verein eingetragen.",
    },
    {
        "slug": "initiative-ankommen-in-ludwigsburg",
        "name": "Initiative Ankommen in Ludwigsburg",
        "kind": "initiative",
        "level": "local",
        "description": (
            "Ehrenamtliche begleiten Geflüchtete bei Behördengängen, Sprachkursen und der Arbeitssuche. "
            "Die Initiative vermittelt Patenschaften und organisiert ein monatliches Begegnungscafé."
        ),
        "themes": ["migration-und-entwicklung", "menschenrechte"],
        "sdgs": [10, 16],
        "contact_email": "ankommen@ludwigsburg-hilft.example.org",
        "city": "Ludwigsburg",
        "postcode": "71636",
        "country": "DE",
        "lat": "48.888600",
        "lon": "9.188900",
        "published": False,
        "internal_notes": "Einwilligung der Sprecherin zur Veröffentlichung angefragt.",
    },
    {
        "slug": "ukrainischer-hilfsverein-ludwigsburg",
        "name": "Ukrainischer Hilfsverein Ludwigsburg e.V.",
        "kind": "diaspora",
        "level": "local",
        "description": (
            "Der junge Verein unterstützt Geflüchtete aus der Ukraine und sammelt Hilfsgüter. Er interessiert "
            "sich für Kontakte in die ruhende Partnerstadt Jewpatorija."
        ),
        "themes": ["migration-und-entwicklung"],
        "sdgs": [1, 10],
        "countries": ["UA"],
        "city": "Ludwigsburg",
        "country": "DE",
        "published": False,
        "internal_notes": "Neuer Kontakt über die Bürgersprechstunde; noch keine Einwilligung, noch nicht vernetzt.",
    },
    {
        "slug": "repair-cafe-weststadt",
        "name": "Repair-Café Weststadt",
        "kind": "initiative",
        "level": "local",
        "description": (
            "Einmal im Monat reparieren Ehrenamtliche gemeinsam mit Besucherinnen und Besuchern Elektrogeräte, "
            "Fahrräder und Kleidung – gegen die Wegwerfkultur."
        ),
        "themes": ["klimaschutz"],
        "sdgs": [12],
        "contact_email": "reparieren@repair-weststadt.example.org",
        "street": "Friedrichstraße 60",
        "postcode": "71636",
        "city": "Ludwigsburg",
        "country": "DE",
        "lat": "48.891800",
        "lon": "9.176100",
        "published": False,
        "internal_notes": "Erstkontakt auf dem Nachhaltigkeitsmarkt; Einwilligung noch nicht eingeholt.",
    },
    {
        "slug": "hanna-muster-stiftung",
        "name": "Hanna-Muster-Stiftung für Bildung und Entwicklung",
        "kind": "foundation",
        "level": "local",
        "description": (
            "Die private Stiftung fördert Bildungsprojekte in Ludwigsburg und in Partnerstädten im Globalen "
            "Süden. Anträge sind jeweils bis zum 30. September möglich."
        ),
        "themes": ["bne", "afrika"],
        "sdgs": [4, 17],
        "countries": ["BF"],
        "website": "https://hanna-muster-stiftung.example.org",
        "contact_email": "antraege@hanna-muster-stiftung.example.org",
        "street": "Karlstraße 3",
        "postcode": "71638",
        "city": "Ludwigsburg",
        "country": "DE",
        "lat": "48.895700",
        "lon": "9.196900",
        "published": True,
        "internal_notes": "Vorstand offen für eine Ko-Finanzierung der Klimapartnerschaft – Gespräch im Frühjahr.",
    },
    # --- Religionsgemeinschaften -----------------------------------------------------
    {
        "slug": "ev-kirchengemeinde-lindenhoehe",
        "name": "Evangelische Kirchengemeinde Lindenhöhe",
        "kind": "religious",
        "level": "local",
        "description": (
            "Die Gemeinde hat einen aktiven Eine-Welt-Kreis, der fair gehandelte Waren nach dem Gottesdienst "
            "verkauft. Gemeinsam mit der katholischen Nachbargemeinde lädt sie zum ökumenischen "
            "Eine-Welt-Gottesdienst ein."
        ),
        "themes": ["fairer-handel", "menschenrechte"],
        "sdgs": [1, 12, 16],
        "website": "https://ev-lindenhoehe.example.org",
        "contact_email": "pfarramt@ev-lindenhoehe.example.org",
        "street": "Seestraße 22",
        "postcode": "71638",
        "city": "Ludwigsburg",
        "country": "DE",
        "lat": "48.897900",
        "lon": "9.199000",
        "published": True,
    },
    {
        "slug": "kath-kirchengemeinde-st-klara",
        "name": "Katholische Kirchengemeinde St. Klara",
        "kind": "religious",
        "level": "local",
        "description": (
            "Die Gemeinde ist Fairtrade-Gemeinde und Mitglied der Fairtrade-Steuerungsgruppe. Ihr "
            "Eine-Welt-Kreis unterstützt seit Jahren Gesundheitsprojekte in Westafrika."
        ),
        "themes": ["fairer-handel", "gesundheit", "afrika"],
        "sdgs": [3, 12],
        "countries": ["BF", "TG"],
        "website": "https://st-klara-lb.example.org",
        "contact_email": "pfarrbuero@st-klara-lb.example.org",
        "street": "Stuttgarter Straße 45",
        "postcode": "71638",
        "city": "Ludwigsburg",
        "country": "DE",
        "lat": "48.888200",
        "lon": "9.194800",
        "published": True,
    },
    {
        "slug": "islamische-gemeinde-brueckenschlag",
        "name": "Islamische Gemeinde Brückenschlag Ludwigsburg e.V.",
        "kind": "religious",
        "level": "local",
        "description": (
            "Moscheegemeinde mit Jugendarbeit und Hausaufgabenhilfe. Sie beteiligt sich am interreligiösen "
            "Dialog und sammelt im Ramadan Spenden für Wasserprojekte."
        ),
        "themes": ["migration-und-entwicklung", "wasser"],
        "sdgs": [6, 10, 16],
        "contact_email": "vorstand@brueckenschlag-lb.example.org",
        "street": "Bahnhofstraße 70",
        "postcode": "71638",
        "city": "Ludwigsburg",
        "country": "DE",
        "lat": "48.891600",
        "lon": "9.185000",
        "published": False,
        "internal_notes": "Gespräch über Mitarbeit im Eine-Welt-Forum läuft; Einwilligung zur Veröffentlichung fehlt.",
    },
]

# The consent text persons agree to in the demo: (version, its other fields).
CONSENT_TEXT = (
    "2026-01",
    {
        "valid_from": dt.date(2026, 1, 1),
        "text": (
            "Ich bin einverstanden, dass die Koordinierungsstelle kommunale Entwicklungspolitik der Stadt "
            "Ludwigsburg meinen Namen, meine E-Mail-Adresse und Telefonnummer speichert, um mich zu "
            "Netzwerktreffen einzuladen und mit anderen Akteuren bekannt zu machen. Ich kann die Einwilligung "
            "jederzeit widerrufen."
        ),
    },
)


def person_privacy(number: int, today: dt.date) -> dict:
    """Purpose, legal basis and review date of the demo's n-th person: a realistic mix, incl. open work."""
    purpose = "Netzwerktreffen, Vermittlungen und Rückfragen"
    if number % 7 == 5:
        return {}  # not yet recorded: the Datenschutz page lists it as "ohne Rechtsgrundlage"
    if number % 3 == 1:
        return {
            "purpose": purpose,
            "legal_basis": "consent",
            "consent_at": today - dt.timedelta(days=40 + number),
            "consent_method": "form" if number % 2 else "written",
            "consent_text_version": CONSENT_TEXT[0],
            "review_date": today + dt.timedelta(days=700) if number % 5 else today - dt.timedelta(days=3),
        }
    basis = "public_task" if number % 2 else "legitimate_interest"
    return {"purpose": purpose, "legal_basis": basis, "review_date": today + dt.timedelta(days=365 + number)}


# (first_name, last_name, e-mail, notes, [(actor slug, function), ...])
PERSONS = [
    (
        "Julia",
        "Beispiel",
        "julia.beispiel@example.org",
        "Koordinatorin für kommunale Entwicklungspolitik.",
        [("koordinierungsstelle-kommunale-entwicklungspolitik", "Koordinatorin")],
    ),
    (
        "Erika",
        "Beispiel",
        "erika.beispiel@example.org",
        "",
        [("foerderkreis-burkina-faso", "Vorsitz"), ("eine-welt-forum-ludwigsburg", "Sprecherkreis")],
    ),
    ("Max", "Mustermann", "max.mustermann@example.org", "", [("foerderkreis-burkina-faso", "Kassenwart")]),
    (
        "Erika",
        "Mustermann",
        "erika.mustermann@example.org",
        "Moderiert die Forumstreffen.",
        [("eine-welt-forum-ludwigsburg", "Sprecherin")],
    ),
    (
        "Otto",
        "Normalverbraucher",
        "otto.normalverbraucher@example.org",
        "",
        [("kaffeeroesterei-bohnenglueck", "Geschäftsführung"), ("fairtrade-steuerungsgruppe-ludwigsburg", "Mitglied")],
    ),
    (
        "Amara",
        "Beispiel",
        "amara.beispiel@example.org",
        "Spricht Französisch und Mooré; vermittelt gern Kontakte nach Kongoussi.",
        [("afrikanischer-kulturverein-ludwigsburg", "Vorsitz"), ("eine-welt-forum-ludwigsburg", "Sprecherkreis")],
    ),
    (
        "Lucía",
        "Muster",
        "lucia.muster@example.org",
        "",
        [
            ("comunidad-ecuatoriana-ludwigsburg", "Ansprechperson"),
            ("freundeskreis-ambato", "Stellvertretender Vorsitz"),
        ],
    ),
    ("Jana", "Musterfrau", "jana.musterfrau@example.org", "", [("weltladen-kleeblatt", "Ladenteam-Koordination")]),
    (
        "Paul",
        "Muster",
        "paul.muster@example.org",
        "Lehrer für Erdkunde und Französisch.",
        [("lindenbluete-gymnasium", "Leitung AG Globales Lernen")],
    ),
    (
        "Fatma",
        "Muster",
        "fatma.muster@example.org",
        "",
        [("islamische-gemeinde-brueckenschlag", "Ansprechperson interreligiöser Dialog")],
    ),
    ("Thomas", "Beispiel", "thomas.beispiel@example.org", "", [("ev-kirchengemeinde-lindenhoehe", "Pfarrer")]),
    (
        "Sabine",
        "Platzhalter",
        "sabine.platzhalter@example.org",
        "",
        [("kath-kirchengemeinde-st-klara", "Eine-Welt-Kreis"), ("fairtrade-steuerungsgruppe-ludwigsburg", "Mitglied")],
    ),
    ("Leon", "Mustermann", "leon.mustermann@example.org", "", [("jugendnetz-eine-welt-ludwigsburg", "Sprecher")]),
    ("Hanna", "Muster", "hanna.muster@example.org", "Stifterin.", [("hanna-muster-stiftung", "Vorstand")]),
    (
        "Karl",
        "Beispiel",
        "karl.beispiel@example.org",
        "",
        [("energiegenossenschaft-sonnenstrom", "Vorstand"), ("klimaschutzinitiative-ludwigsburg-nord", "Mitglied")],
    ),
    (
        "Mira",
        "Platzhalter",
        "mira.platzhalter@example.org",
        "",
        [("hochschule-fuer-bildung-und-nachhaltigkeit", "Referentin für Nachhaltigkeit")],
    ),
    (
        "Olena",
        "Musterfrau",
        "olena.musterfrau@example.org",
        "Erstkontakt in der Bürgersprechstunde.",
        [("ukrainischer-hilfsverein-ludwigsburg", "Ansprechperson")],
    ),
    (
        "Jan",
        "Muster",
        "jan.muster@example.org",
        "",
        [("fachbereich-tiefbau-und-gruenflaechen", "Ansprechperson Klimapartnerschaften")],
    ),
]

# (source slug, target slug, kind, {start_date, note, public})
# Direction: source funds target, source is member of target, department source is responsible for target.
# Grundschule Regenbogenweg, Repair-Café Weststadt and the Ukrainischer Hilfsverein stay without ties on purpose:
# the network views show isolated actors.
_STADT = "stadt-ludwigsburg"
_REFERAT = "referat-nachhaltige-stadtentwicklung"
_KOORD = "koordinierungsstelle-kommunale-entwicklungspolitik"
_ORGA = "fachbereich-organisation-und-personal"
_TIEFBAU = "fachbereich-tiefbau-und-gruenflaechen"
_BE = "fachbereich-buergerschaftliches-engagement"
_FORUM = "eine-welt-forum-ludwigsburg"
_FAIRTRADE = "fairtrade-steuerungsgruppe-ludwigsburg"
_FOERDERKREIS = "foerderkreis-burkina-faso"
_TRILATERAL = "Trilaterale Partnerschaft Ludwigsburg–Montbéliard–Kongoussi."

TIES = [
    # Städtepartnerschaften
    (_STADT, "montbeliard", "twin_town", {"start_date": "1950-01-01"}),
    (_STADT, "caerphilly", "twin_town", {}),
    (_STADT, "jewpatorija", "twin_town", {"note": "Offizielle Aktivitäten ruhen derzeit."}),
    (_STADT, "st-charles", "twin_town", {}),
    (_STADT, "novy-jicin", "twin_town", {}),
    (_STADT, "bergamo", "twin_town", {}),
    # Klimapartnerschaften und trilaterale Partnerschaft
    (_STADT, "kongoussi", "climate_partnership", {"note": "Gefördert vom BMZ über die SKEW."}),
    (_STADT, "ambato", "climate_partnership", {}),
    (_STADT, "kongoussi", "cooperation", {"start_date": "2006-01-01", "note": _TRILATERAL}),
    ("montbeliard", "kongoussi", "cooperation", {"start_date": "2006-01-01", "note": _TRILATERAL}),
    (_STADT, "montbeliard", "cooperation", {"start_date": "2006-01-01", "note": _TRILATERAL}),
    # Zuständigkeiten der Verwaltung
    (_ORGA, "montbeliard", "responsibility", {}),
    (_ORGA, "caerphilly", "responsibility", {}),
    (_ORGA, "jewpatorija", "responsibility", {}),
    (_ORGA, "st-charles", "responsibility", {}),
    (_ORGA, "novy-jicin", "responsibility", {}),
    (_ORGA, "bergamo", "responsibility", {}),
    (_KOORD, "kongoussi", "responsibility", {}),
    (_KOORD, "ambato", "responsibility", {}),
    (_KOORD, _FAIRTRADE, "responsibility", {"note": "Geschäftsführung der Steuerungsgruppe."}),
    (_BE, "afrikanischer-kulturverein-ludwigsburg", "responsibility", {"note": "Vereinsförderung und Räume."}),
    (_BE, "initiative-ankommen-in-ludwigsburg", "responsibility", {"public": False}),
    (_TIEFBAU, "klimaschutzinitiative-ludwigsburg-nord", "responsibility", {"note": "Genehmigung von Pflanzaktionen."}),
    # Zusammenarbeit in der Verwaltung
    (_KOORD, _TIEFBAU, "cooperation", {"note": "Fachaustausch Wasser und Grün in den Klimapartnerschaften."}),
    (_KOORD, _BE, "cooperation", {}),
    (_KOORD, _ORGA, "cooperation", {"note": "Abstimmung zu den Städtepartnerschaften."}),
    (_KOORD, "zentrale-beschaffungsstelle", "cooperation", {"note": "Faire Beschaffung.", "public": False}),
    (_TIEFBAU, "kongoussi", "cooperation", {"note": "Fachaustausch Wasserversorgung."}),
    (_TIEFBAU, "ambato", "cooperation", {"note": "Fachaustausch Stadtbegrünung und Wassermanagement."}),
    ("team-stadtgruen-und-gemeinschaftsgaerten", "klimaschutzinitiative-ludwigsburg-nord", "cooperation", {}),
    ("zentrale-beschaffungsstelle", "kaffeeroesterei-bohnenglueck", "other", {"note": "Rahmenvertrag Kaffee."}),
    (_REFERAT, "hochschule-fuer-bildung-und-nachhaltigkeit", "cooperation", {"note": "SDG-Bericht der Stadt."}),
    (_REFERAT, "energiegenossenschaft-sonnenstrom", "cooperation", {"note": "Solardächer auf städtischen Gebäuden."}),
    # Förderung
    ("bmz", "engagement-global", "funding", {}),
    ("bmz", _KOORD, "funding", {"note": "Klimapartnerschaft Ludwigsburg–Kongoussi, über die SKEW."}),
    ("skew", _KOORD, "funding", {"note": "Anteilige Förderung der Koordinationsstelle."}),
    ("staatsministerium-baden-wuerttemberg", _FORUM, "funding", {"note": "Projektförderung Bildungsarbeit."}),
    (_BE, _FORUM, "funding", {"note": "Zuschuss zum Eine-Welt-Tag."}),
    ("hanna-muster-stiftung", _FOERDERKREIS, "funding", {"public": False}),
    ("hanna-muster-stiftung", "lindenbluete-gymnasium", "funding", {"note": "Projekttag Nachhaltigkeitsziele."}),
    ("hanna-muster-stiftung", "jugendnetz-eine-welt-ludwigsburg", "funding", {"public": False}),
    # Mitgliedschaften
    (_KOORD, "ag-kommunale-entwicklungspolitik-staedtetag-bw", "membership", {}),
    (_STADT, "staedtetag-baden-wuerttemberg", "membership", {}),
    (_KOORD, "landesjury-entwicklungspolitische-bildung", "membership", {}),
    (
        _KOORD,
        "auswaertiges-amt",
        "membership",
        {"note": "Kommission „Fluchtursachenbekämpfung“; Expertengruppe Kommunikation über Flucht und Migration."},
    ),
    (_FOERDERKREIS, _FORUM, "membership", {}),
    ("weltladen-kleeblatt", _FORUM, "membership", {}),
    ("afrikanischer-kulturverein-ludwigsburg", _FORUM, "membership", {}),
    ("freundeskreis-ambato", _FORUM, "membership", {}),
    ("wasser-fuer-den-sahel", _FORUM, "membership", {}),
    ("ev-kirchengemeinde-lindenhoehe", _FORUM, "membership", {}),
    ("kath-kirchengemeinde-st-klara", _FORUM, "membership", {}),
    ("jugendnetz-eine-welt-ludwigsburg", _FORUM, "membership", {"public": False}),
    ("weltladen-kleeblatt", _FAIRTRADE, "membership", {}),
    ("kaffeeroesterei-bohnenglueck", _FAIRTRADE, "membership", {}),
    ("kath-kirchengemeinde-st-klara", _FAIRTRADE, "membership", {}),
    (_FORUM, _FAIRTRADE, "membership", {}),
    # Zusammenarbeit vor Ort
    (
        _FOERDERKREIS,
        "kongoussi",
        "cooperation",
        {"start_date": "2008-01-01", "note": "Projektpartner seit der Gründung."},
    ),
    (_FOERDERKREIS, _KOORD, "cooperation", {"note": "Projekte der Klimapartnerschaft in Kongoussi."}),
    ("wasser-fuer-den-sahel", "kongoussi", "cooperation", {"note": "Brunnenbau."}),
    ("wasser-fuer-den-sahel", _FOERDERKREIS, "cooperation", {}),
    ("freundeskreis-ambato", "ambato", "cooperation", {}),
    ("comunidad-ecuatoriana-ludwigsburg", "freundeskreis-ambato", "cooperation", {"public": False}),
    ("afrikanischer-kulturverein-ludwigsburg", _FOERDERKREIS, "cooperation", {}),
    ("weltladen-kleeblatt", "kaffeeroesterei-bohnenglueck", "cooperation", {}),
    ("lindenbluete-gymnasium", _FOERDERKREIS, "cooperation", {"note": "Schulpartnerschaft nach Kongoussi."}),
    ("realschule-am-kastanienhain", "weltladen-kleeblatt", "cooperation", {"note": "Schülerfirma."}),
    ("berufliches-schulzentrum-nordstern", "kaffeeroesterei-bohnenglueck", "cooperation", {}),
    ("hochschule-fuer-bildung-und-nachhaltigkeit", _KOORD, "cooperation", {"note": "Lehrforschung SDG-Monitoring."}),
    ("hochschule-fuer-bildung-und-nachhaltigkeit", "lindenbluete-gymnasium", "cooperation", {}),
    ("jugendnetz-eine-welt-ludwigsburg", "klimaschutzinitiative-ludwigsburg-nord", "cooperation", {}),
    ("klimaschutzinitiative-ludwigsburg-nord", "energiegenossenschaft-sonnenstrom", "cooperation", {}),
    ("energiegenossenschaft-sonnenstrom", "kongoussi", "cooperation", {"note": "Solaranlage Gesundheitszentrum."}),
    ("ev-kirchengemeinde-lindenhoehe", "kath-kirchengemeinde-st-klara", "cooperation", {"note": "Ökumenischer Kreis."}),
    ("ev-kirchengemeinde-lindenhoehe", "islamische-gemeinde-brueckenschlag", "cooperation", {"public": False}),
    ("initiative-ankommen-in-ludwigsburg", "afrikanischer-kulturverein-ludwigsburg", "cooperation", {}),
    (_KOORD, _FORUM, "cooperation", {"note": "Moderation der Forumstreffen."}),
    (_KOORD, "afrikanischer-kulturverein-ludwigsburg", "cooperation", {"note": "Afrikatag."}),
    (_KOORD, "staatsministerium-baden-wuerttemberg", "cooperation", {}),
    # Kontakte auf Landes- und Bundesebene
    (_KOORD, "bmz", "other", {"note": "Mitwirkung beim nationalen Afrikatag; Treffen in Bonn und Berlin."}),
    (_KOORD, "engagement-global", "other", {"note": "Juryvorsitz im Wettbewerb „Kommune bewegt Welt“."}),
    (_KOORD, "skew", "other", {"note": "Bundeskonferenz der Kommunen 2018."}),
    (_KOORD, "afrikabeauftragte-der-bundesregierung", "other", {"note": "Austausch über die Ziele der kommunalen EZ."}),
    (_KOORD, "regionalbeauftragte-aa-afrika-suedlich-der-sahara", "other", {}),
    (_KOORD, "bertelsmann-stiftung", "other", {"note": "Fachdiskussion „Migration und Entwicklung“."}),
    (_KOORD, "sozialministerium-baden-wuerttemberg", "other", {"note": "Gespräche zu Integration und Entwicklung."}),
]

# (username, first_name, last_name, role, is_staff, department slug, edited actor slugs, what the role may do)
USERS = [
    (
        "koordination",
        "Julia",
        "Beispiel",
        "coordinator",
        True,
        None,
        [],
        "darf alles: Akteure anlegen, bearbeiten, veröffentlichen und zusammenführen, Beziehungen pflegen, "
        "Django-Admin unter /admin/.",
    ),
    (
        "fachbereich",
        "Jan",
        "Muster",
        "city_staff",
        False,
        "fachbereich-tiefbau-und-gruenflaechen",
        [],
        "liest alle internen Angaben; bearbeitet den Fachbereich Tiefbau und Grünflächen und die Einheiten darunter.",
    ),
    (
        "verein",
        "Erika",
        "Beispiel",
        "actor_editor",
        False,
        None,
        [_FOERDERKREIS],
        "bearbeitet den Förderkreis Burkina Faso e.V.; veröffentlichen, Art und Zuordnung ändern darf nur "
        "die Koordination.",
    ),
]
