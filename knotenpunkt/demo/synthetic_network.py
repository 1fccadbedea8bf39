"""Synthetic actors and ties for benchmarks (`manage.py generate_network`).

The network imitates the real one closely enough for search, directory and
profile benchmarks:

* actors belong to latent communities (a town's development-policy scene,
  a partnership with one country); a community prefers a few themes, the SDGs
  that go with them and one or two partner countries;
* most ties stay inside a community (homophily), the rest cross communities;
* endpoints are drawn Chung-Lu style from power-law weights, so degrees are
  heavy-tailed: networks and city departments become hubs;
* names and descriptions are German and built from word lists, so full-text
  search meets realistic words ("Klimaschutzinitiative", "Weltladen", ...).

Everything follows from `seed`: actors depend on (seed, actors), ties on
(seed, actors, ties). Synthetic actors carry the slug prefix `syn-`.

The loader writes rows in bulk (COPY on PostgreSQL, executemany elsewhere)
and bypasses the services on purpose: the data is synthetic, creating
100,000 actors through `actor_create` would take far longer than the
benchmark budget, and no history is wanted for it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify

from knotenpunkt.actors.models import SDG, Actor, ActorCountry, ActorKind, Level, Theme
from knotenpunkt.lib import bulk
from knotenpunkt.network.models import Tie, TieKind

SLUG_PREFIX = "syn-"
PUBLISHED_SHARE = 0.85
COMMUNITY_SIZE = 150  # mean actors per latent community
INTRA_SHARE = 0.8  # share of ties drawn inside the source's community
DEGREE_EXPONENT = 2.4  # power-law exponent of the expected degrees


def text_rows(table: str) -> list[list[str]]:
    """The non-empty lines of a text table, split at "|" and stripped."""
    return [[cell.strip() for cell in line.split("|")] for line in table.strip().splitlines() if line.strip()]


def cells(text: str) -> list[str]:
    return [cell.strip() for cell in text.split("|") if cell.strip()]


# slug | German name | English name | word for compounds | phrase for descriptions | SDGs
THEMES = [
    (slug, de, en, word, phrase, tuple(int(n) for n in sdgs.split()))
    for slug, de, en, word, phrase, sdgs in text_rows(
        """
    klimaschutz | Klimaschutz | Climate protection | Klima | Klimaschutz | 13 7 11
    fairer-handel | Fairer Handel | Fair trade | Fairtrade | fairen Handel | 12 8 1
    globales-lernen | Globales Lernen | Global learning | Bildungs | Globales Lernen in Schulen | 4 17
    bne | Bildung für nachhaltige Entwicklung | Education for sustainable development | Bildungs
        | Bildung für nachhaltige Entwicklung | 4 12 13
    kommunalpartnerschaften | Kommunalpartnerschaften | Municipal partnerships | Partnerschafts
        | kommunale Partnerschaften | 17 11 16
    migration | Migration und Entwicklung | Migration and development | Migrations | Migration und Entwicklung | 10 8 17
    flucht | Flucht und Integration | Refuge and integration | Integrations | die Integration Geflüchteter | 10 16 4
    menschenrechte | Menschenrechte | Human rights | Menschenrechts | Menschenrechte und Demokratie | 16 5 10
    wasser | Wasser und Sanitärversorgung | Water and sanitation | Wasser
        | sauberes Trinkwasser und Sanitärversorgung | 6 3 14
    energie | Erneuerbare Energien | Renewable energy | Energie | erneuerbare Energien und Solarstrom | 7 13 9
    gesundheit | Gesundheit | Health | Gesundheits | Gesundheitsversorgung und Prävention | 3 6 1
    ernaehrung | Ernährungssouveränität | Food sovereignty | Ernährungs | Ernährungssouveränität | 2 12 15
    landwirtschaft | Nachhaltige Landwirtschaft | Sustainable agriculture | Agrar | ökologische Landwirtschaft | 2 15 12
    beschaffung | Faire öffentliche Beschaffung | Fair public procurement | Beschaffungs
        | faire und nachhaltige Beschaffung | 12 8 16
    gleichstellung | Geschlechtergerechtigkeit | Gender justice | Frauen | Geschlechtergerechtigkeit | 5 10 16
    jugend | Kinder und Jugend | Children and youth | Jugend | Jugendbegegnungen und Freiwilligendienste | 4 10 17
    kultur | Kulturaustausch | Cultural exchange | Kultur | Kulturaustausch und Begegnung | 17 16 4
    frieden | Frieden und Konfliktbearbeitung | Peace and conflict resolution | Friedens
        | Frieden und zivile Konfliktbearbeitung | 16 10
    wirtschaft | Nachhaltiges Wirtschaften | Sustainable business | Wirtschafts | nachhaltiges Wirtschaften | 8 9 12
    stadtentwicklung | Nachhaltige Stadtentwicklung | Sustainable urban development | Stadt
        | nachhaltige Stadtentwicklung | 11 9 13
    mobilitaet | Nachhaltige Mobilität | Sustainable mobility | Mobilitäts | klimafreundliche Mobilität | 11 13 9
    biodiversitaet | Biodiversität | Biodiversity | Natur | Artenvielfalt und Waldschutz | 15 14 13
    digitalisierung | Digitalisierung | Digitalisation | Digital | digitale Teilhabe | 9 4 10
    finanzierung | Entwicklungsfinanzierung | Development finance | Förder | Entwicklungsfinanzierung | 17 1 8
    """.replace("\n        |", " |")
    )
]

# German towns with their approximate centre: name latitude longitude.
TOWNS = [
    (name, float(lat), float(lon))
    for name, lat, lon in (
        line.rsplit(None, 2)
        for line in """
    Ludwigsburg 48.897 9.192, Tübingen 48.521 9.057, Esslingen 48.742 9.307, Reutlingen 48.491 9.211,
    Heidelberg 49.398 8.672, Freiburg 47.999 7.842, Karlsruhe 49.007 8.404, Mannheim 49.487 8.466,
    Stuttgart 48.776 9.183, Ulm 48.401 9.987, Konstanz 47.660 9.175, Heilbronn 49.142 9.219, Pforzheim 48.892 8.695,
    Göttingen 51.541 9.916, Marburg 50.810 8.771, Gießen 50.584 8.678, Kassel 51.312 9.480, Darmstadt 49.873 8.651,
    Mainz 49.993 8.247, Trier 49.750 6.637, Bonn 50.737 7.098, Köln 50.938 6.960, Münster 51.960 7.626,
    Bielefeld 52.021 8.532, Dortmund 51.514 7.468, Aachen 50.776 6.084, Wuppertal 51.256 7.151,
    Osnabrück 52.279 8.047, Oldenburg 53.144 8.214, Bremen 53.079 8.801, Hamburg 53.551 9.994, Kiel 54.323 10.123,
    Lübeck 53.866 10.687, Rostock 54.092 12.099, Schwerin 53.635 11.401, Hannover 52.375 9.732,
    Braunschweig 52.269 10.521, Magdeburg 52.121 11.628, Halle 51.482 11.970, Leipzig 51.340 12.375,
    Dresden 51.050 13.737, Chemnitz 50.827 12.921, Jena 50.927 11.589, Erfurt 50.978 11.029, Weimar 50.979 11.329,
    Potsdam 52.391 13.065, Berlin 52.520 13.405, Cottbus 51.756 14.332, Nürnberg 49.452 11.077,
    Erlangen 49.590 11.004, Würzburg 49.791 9.953, Bamberg 49.898 10.902, Regensburg 49.013 12.102,
    München 48.137 11.576, Augsburg 48.370 10.898, Landshut 48.537 12.152, Passau 48.567 13.431,
    Saarbrücken 49.240 6.997, Koblenz 50.356 7.594, Flensburg 54.794 9.446, Lüneburg 53.246 10.414,
    Hildesheim 52.151 9.951, Paderborn 51.719 8.754, Siegen 50.875 8.024, Fulda 50.555 9.680
    """.replace("\n", " ").split(",")
    )
]
DISTRICTS = cells(
    "Nord | Süd | West | Ost | Mitte | Altstadt | Weststadt | Oststadt | Südstadt | Neustadt | Bahnhofsviertel"
    " | Hafenviertel | Am Markt | Unterstadt | Oberstadt"
)
REGIONS = cells(
    "Baden-Württemberg | Bayern | Berlin | Brandenburg | Bremen | Hamburg | Hessen | Mecklenburg-Vorpommern"
    " | Niedersachsen | Nordrhein-Westfalen | Rheinland-Pfalz | Saarland | Sachsen | Sachsen-Anhalt"
    " | Schleswig-Holstein | Thüringen"
)
# ISO code | German name | partner towns
COUNTRIES = [
    (code, name, tuple(town.strip() for town in towns.split(",")))
    for code, name, towns in text_rows("""
    BF | Burkina Faso | Ouagadougou, Bobo-Dioulasso, Koudougou
    GH | Ghana | Kumasi, Tamale
    TZ | Tansania | Moshi, Arusha, Mwanza
    KE | Kenia | Kisumu, Nakuru
    UG | Uganda | Jinja, Gulu
    RW | Ruanda | Huye, Musanze
    ET | Äthiopien | Bahir Dar
    SN | Senegal | Saint-Louis, Thiès
    ML | Mali | Kayes, Ségou
    CM | Kamerun | Buea, Bamenda
    NG | Nigeria | Ibadan
    MZ | Mosambik | Maputo, Beira
    ZA | Südafrika | Durban, Stellenbosch
    NA | Namibia | Windhoek, Swakopmund
    MA | Marokko | Agadir
    TN | Tunesien | Sousse, Kairouan
    BJ | Benin | Cotonou, Parakou
    TG | Togo | Kpalimé
    MW | Malawi | Zomba
    PE | Peru | Villa El Salvador, Cusco
    BO | Bolivien | Cochabamba, Sucre
    EC | Ecuador | Cuenca
    NI | Nicaragua | León, Granada
    GT | Guatemala | Quetzaltenango
    SV | El Salvador | Santa Tecla
    BR | Brasilien | Curitiba, Porto Alegre
    CO | Kolumbien | Medellín
    MX | Mexiko | Oaxaca
    IN | Indien | Pune, Kochi
    NP | Nepal | Pokhara
    BD | Bangladesch | Khulna
    VN | Vietnam | Huế, Đà Nẵng
    KH | Kambodscha | Siem Reap
    PH | Philippinen | Iloilo
    ID | Indonesien | Yogyakarta
    UA | Ukraine | Lwiw, Mykolajiw, Charkiw
    MD | Moldau | Cahul
    GE | Georgien | Kutaissi
    AM | Armenien | Gjumri
    TR | Türkei | Izmir
    LB | Libanon | Tripoli
    """)
]
PEOPLE = cells(
    "Albert-Schweitzer | Hildegard-von-Bingen | Geschwister-Scholl | Friedrich-Schiller | Bertha-von-Suttner"
    " | Anne-Frank | Johannes-Kepler | Marie-Curie | Nelson-Mandela | Wangari-Maathai | Hannah-Arendt"
    " | Alexander-von-Humboldt | Sophie-Scholl | Dietrich-Bonhoeffer | Lise-Meitner"
)
SURNAMES = cells(
    "Müller | Schmidt | Schneider | Fischer | Weber | Meyer | Wagner | Becker | Hoffmann | Schäfer | Koch | Bauer"
    " | Richter | Klein | Wolf | Neumann | Schwarz | Zimmermann | Braun | Hofmann | Hartmann | Krüger | Lange"
    " | Werner | Köhler | Yılmaz | Nguyen | Mensah | Okafor | Diallo"
)
SAINTS = cells("Martin | Michael | Johannes | Maria | Paulus | Petrus | Elisabeth | Franziskus | Nikolaus")
DEPARTMENTS = cells(
    "Umwelt und Klimaschutz | Bildung und Sport | Internationales | Wirtschaftsförderung | Soziales und Integration"
    " | Stadtplanung | Beschaffung | Kultur | Bürgerschaftliches Engagement"
)
FIELDS = cells("Entwicklungsforschung | Nachhaltigkeitswissenschaften | Globale Gesundheit | Geographie | Ethnologie")
OFFERS = cells(
    "Workshops, Vorträge und Projekttage für Schulen | Bildungsangebote für Kinder, Jugendliche und Erwachsene"
    " | eine jährliche Aktionswoche mit Filmabenden und Diskussionen"
    " | Fortbildungen für Lehrkräfte und Multiplikator:innen | Beratung für Vereine, Kommunen und Unternehmen"
    " | Begegnungsreisen und Fachaustausch mit der Partnerstadt | einen Eine-Welt-Stand auf dem Wochenmarkt"
    " | Spendenaktionen und Benefizkonzerte"
)

# kind | share of actors | weight (hubs: networks, administrations and funders collect more ties)
_KIND_TABLE = text_rows("""
    association | 0.34 | 1
    initiative | 0.14 | 1
    fair_trade_shop | 0.05 | 1
    diaspora | 0.08 | 1
    school | 0.08 | 1
    university | 0.02 | 1
    religious | 0.06 | 1
    foundation | 0.03 | 2
    company | 0.05 | 1
    network | 0.03 | 4
    city_department | 0.04 | 3
    state_body | 0.01 | 3
    federal_body | 0.005 | 4
    partner_municipality | 0.03 | 1.5
    other | 0.015 | 1
""")
KINDS = [ActorKind(kind) for kind, _share, _weight in _KIND_TABLE]
KIND_SHARES = np.array([float(share) for _kind, share, _weight in _KIND_TABLE])
KIND_WEIGHTS = np.array([float(weight) for _kind, _share, weight in _KIND_TABLE])

# kind | name template; placeholders are filled from the word lists above.
NAME_TEMPLATES: dict[str, list[str]] = {}
for _kind, _template in text_rows("""
    association | Förderverein {country}-Hilfe {town} e.V.
    association | Freundeskreis {town}–{ptown} e.V.
    association | {word}verein {town} e.V.
    association | Eine-Welt-Verein {town} e.V.
    association | Partnerschaftsverein {town}–{country} e.V.
    association | Verein für {theme} {town} e.V.
    initiative | {word}schutzinitiative {town}
    initiative | Initiative {theme} {town}
    initiative | Bürgerinitiative {word}wende {town}-{district}
    initiative | Fairtrade-Town-Steuerungsgruppe {town}
    initiative | Repair Café {town}-{district}
    initiative | Transition Town {town}
    initiative | Klimaschutzinitiative {town}-{district}
    fair_trade_shop | Weltladen {town}
    fair_trade_shop | Weltladen {town}-{district}
    fair_trade_shop | Eine-Welt-Laden {town} {district}
    fair_trade_shop | Fair-Handelshaus {town}
    diaspora | Deutsch-{country} Freundschaftsverein {town}
    diaspora | Diaspora-Netzwerk {country} {town}
    diaspora | Migrantenorganisation {country} {town} e.V.
    diaspora | Afrikanisches Kulturzentrum {town}
    school | {person}-Gymnasium {town}
    school | {person}-Realschule {town}
    school | Gemeinschaftsschule {town}-{district}
    school | Grundschule {town}-{district}
    school | Berufliche Schule {town}
    university | Hochschule {town}
    university | Universität {town}, Institut für {field}
    university | Pädagogische Hochschule {town}
    university | Zentrum für {field} {town}
    religious | Ev. Kirchengemeinde {town}-{district}
    religious | Kath. Pfarrgemeinde St. {saint} {town}
    religious | Islamische Gemeinde {town}
    religious | Eine-Welt-Kreis St. {saint} {town}
    religious | Ökumenischer Arbeitskreis {theme} {town}
    foundation | {surname}-Stiftung {town}
    foundation | Bürgerstiftung {town}
    foundation | Stiftung {theme} {region}
    company | {surname} {word}technik GmbH
    company | Stadtwerke {town}
    company | Kaffeerösterei {surname} {town}
    company | Bio-Bäckerei {surname}
    company | {surname} & Partner Beratung GmbH
    company | Genossenschaft {word} {town} eG
    network | Netzwerk Entwicklungspolitik {region}
    network | Eine-Welt-Forum {town}
    network | Agenda-21-Büro {town}
    network | Klimabündnis-Netzwerk {region}
    network | Fachpromotor:innen-Netzwerk {theme} {region}
    city_department | Stadt {town}, Amt für {department}
    city_department | Stadt {town}, Stabsstelle {theme}
    city_department | Landkreis {town}, Fachbereich {department}
    city_department | Koordination kommunale Entwicklungspolitik {town}
    state_body | Staatsministerium {region}, Referat {theme}
    state_body | Landeszentrale für politische Bildung {region}
    state_body | Landesnetzwerk {theme} {region}
    federal_body | Servicestelle Kommunen in der Einen Welt, Bereich {theme}
    federal_body | Engagement Global, Programm {theme}
    federal_body | Bundesministerium, Referat {theme}
    partner_municipality | Stadt {ptown} ({country})
    partner_municipality | Gemeinde {ptown} ({country})
    partner_municipality | Munizipalität {ptown} ({country})
    other | Arbeitskreis {theme} {town}
    other | Projektbüro {word} {town}
    other | Lokale Agenda {town}
"""):
    NAME_TEMPLATES.setdefault(_kind, []).append(_template)
FIXED_LEVEL = {
    ActorKind.STATE_BODY: Level.STATE,
    ActorKind.FEDERAL_BODY: Level.FEDERAL,
    ActorKind.PARTNER_MUNICIPALITY: Level.INTERNATIONAL,
}


@dataclass
class Dataset:
    """Generated rows as column arrays (actor indices are 0-based)."""

    names: list[str]
    slugs: list[str]
    kinds: np.ndarray
    levels: list[str]
    descriptions: list[str]
    cities: list[str]
    seat_countries: list[str]
    latitudes: list[float | None]
    longitudes: list[float | None]
    published: np.ndarray
    community: np.ndarray
    actor_themes: np.ndarray  # (k, 2): actor index, theme index
    actor_sdgs: np.ndarray  # (k, 2): actor index, SDG number
    actor_countries: np.ndarray  # (k, 2): actor index, country index
    tie_source: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    tie_target: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    tie_kind: list[str] = field(default_factory=list)


def _rng(seed: int, *stream: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([seed, *stream]))


def _pairs(owner: np.ndarray, candidates: np.ndarray, count: np.ndarray, universe: int) -> np.ndarray:
    """Unique (owner, item) rows: the first `count[i]` candidate slots of each owner, duplicates dropped."""
    slots = np.arange(candidates.shape[1])[None, :] < count[:, None]
    owners = np.broadcast_to(owner[:, None], candidates.shape)[slots]
    keys = np.unique(owners.astype(np.int64) * universe + candidates[slots])
    return np.stack([keys // universe, keys % universe], axis=1)


def _pick(
    prefs: np.ndarray, community: np.ndarray, rng: np.random.Generator, universe: int, slots: int, loyalty: float
) -> np.ndarray:
    """Per actor `slots` candidate items: from the community's preferences with probability `loyalty`."""
    n = len(community)
    # The first preference is the community's core topic; the later ones are side topics.
    weights = 0.5 ** np.arange(prefs.shape[1])
    from_prefs = prefs[community[:, None], rng.choice(prefs.shape[1], size=(n, slots), p=weights / weights.sum())]
    anywhere = rng.integers(0, universe, size=(n, slots))
    return np.where(rng.random((n, slots)) < loyalty, from_prefs, anywhere)


def generate_actors(n: int, seed: int) -> Dataset:
    """Actors with communities, themes, SDGs and countries; deterministic in (n, seed)."""
    rng = _rng(seed, 1)
    n_comm = max(8, round(n / COMMUNITY_SIZE))
    sizes = rng.lognormal(0.0, 0.5, n_comm)
    community = rng.choice(n_comm, size=n, p=sizes / sizes.sum())
    # What a community cares about: three themes, their SDGs, one or two partner countries, a home town.
    comm_themes = np.stack([rng.choice(len(THEMES), 3, replace=False) for _ in range(n_comm)])
    theme_sdgs = [sdgs for *_, sdgs in THEMES]
    comm_sdgs = np.array([[theme_sdgs[t][j % len(theme_sdgs[t])] for j, t in enumerate(row)] for row in comm_themes])
    comm_countries = rng.integers(0, len(COUNTRIES), size=(n_comm, 2))
    comm_town = rng.integers(0, len(TOWNS), size=n_comm)

    kinds = rng.choice(len(KINDS), size=n, p=KIND_SHARES / KIND_SHARES.sum())
    published = rng.random(n) < PUBLISHED_SHARE
    idx = np.arange(n)
    n_themes = rng.choice([1, 2, 3, 4], size=n, p=[0.35, 0.35, 0.2, 0.1])
    themes = _pairs(idx, _pick(comm_themes, community, rng, len(THEMES), 4, 0.8), n_themes, len(THEMES))
    sdgs = _pairs(idx, _pick(comm_sdgs, community, rng, 17, 4, 0.75) - 1, rng.integers(1, 5, n), 17)
    sdgs[:, 1] += 1
    n_countries = rng.choice(3, size=n, p=[0.45, 0.4, 0.15])
    countries = _pairs(idx, _pick(comm_countries, community, rng, len(COUNTRIES), 2, 0.85), n_countries, len(COUNTRIES))

    own_town = np.where(rng.random(n) < 0.75, comm_town[community], rng.integers(0, len(TOWNS), n))
    jitter = rng.normal(0.0, 0.02, size=(n, 2))
    level_draw = rng.random(n)
    words = rng.integers(0, 1 << 30, size=(n, 12))
    first_theme = _first_per_owner(themes, n)
    first_country = np.where((first := _first_per_owner(countries, n)) >= 0, first, comm_countries[community, 0])
    theme_lists = _group(themes, n)
    country_lists = _group(countries, n)

    names, slugs, levels, descriptions, cities, seats, lats, lons = ([] for _ in range(8))
    for i in range(n):
        kind = KINDS[kinds[i]]
        w = words[i]
        town, lat, lon = TOWNS[own_town[i]]
        code, country, ptowns = COUNTRIES[first_country[i]]
        theme = THEMES[first_theme[i] if first_theme[i] >= 0 else comm_themes[community[i], 0]]
        templates = NAME_TEMPLATES[kind]
        name = templates[w[0] % len(templates)].format(
            town=town,
            district=DISTRICTS[w[1] % len(DISTRICTS)],
            country=country,
            ptown=ptowns[w[2] % len(ptowns)],
            word=theme[3],
            theme=theme[1],
            person=PEOPLE[w[3] % len(PEOPLE)],
            field=FIELDS[w[4] % len(FIELDS)],
            saint=SAINTS[w[5] % len(SAINTS)],
            surname=SURNAMES[w[6] % len(SURNAMES)],
            region=REGIONS[w[7] % len(REGIONS)],
            department=DEPARTMENTS[w[8] % len(DEPARTMENTS)],
        )
        names.append(name)
        slugs.append(f"{SLUG_PREFIX}{slugify(name.replace('–', '-'))[:190]}-{i + 1}")
        if kind in FIXED_LEVEL:
            levels.append(FIXED_LEVEL[kind])
        elif kind == ActorKind.NETWORK:
            levels.append(Level.REGIONAL if level_draw[i] < 0.7 else Level.LOCAL)
        else:
            d = level_draw[i]
            levels.append(Level.LOCAL if d < 0.8 else Level.REGIONAL if d < 0.95 else Level.INTERNATIONAL)
        abroad = kind == ActorKind.PARTNER_MUNICIPALITY
        cities.append(name.split(" (")[0].split(" ", 1)[1] if abroad else town)
        seats.append(code if abroad else "DE")
        lats.append(None if abroad else round(lat + jitter[i, 0], 6))
        lons.append(None if abroad else round(lon + jitter[i, 1], 6))
        descriptions.append(_description(name, town, theme_lists[i], country_lists[i], w))
    return Dataset(
        names=names,
        slugs=slugs,
        kinds=kinds,
        levels=levels,
        descriptions=descriptions,
        cities=cities,
        seat_countries=seats,
        latitudes=lats,
        longitudes=lons,
        published=published,
        community=community,
        actor_themes=themes,
        actor_sdgs=sdgs,
        actor_countries=countries,
    )


def _first_per_owner(pairs: np.ndarray, n: int) -> np.ndarray:
    first = np.full(n, -1, dtype=np.int64)
    owners, pos = np.unique(pairs[:, 0], return_index=True)
    first[owners] = pairs[pos, 1]
    return first


def _group(pairs: np.ndarray, n: int) -> list[list[int]]:
    groups: list[list[int]] = [[] for _ in range(n)]
    for owner, item in pairs.tolist():
        groups[owner].append(item)
    return groups


def _description(name: str, town: str, themes: list[int], countries: list[int], w: np.ndarray) -> str:
    phrases = [THEMES[t][4] for t in themes] or ["nachhaltige Entwicklung"]
    topic = phrases[0] if len(phrases) == 1 else ", ".join(phrases[:-1]) + " und " + phrases[-1]
    first = [f"{name} engagiert sich seit {1975 + w[9] % 48} in {town} für {topic}."]
    if countries:
        land = " und ".join(COUNTRIES[c][1] for c in countries)
        first.append(f"Gemeinsam mit Partnerinnen und Partnern in {land} setzen wir Projekte vor Ort um.")
    second = [f"Wir bieten {OFFERS[w[10] % len(OFFERS)]} an."]
    if w[11] % 3 == 0:
        second.append(f"Themen: {', '.join(THEMES[t][1] for t in themes)}.")
    return " ".join(first) + "\n\n" + " ".join(second)


def _weights(kinds: np.ndarray, rng: np.random.Generator, n_ties: int) -> np.ndarray:
    """Power-law expected degrees, boosted for hub kinds, capped to what the network can hold."""
    n = len(kinds)
    w = (1.0 - rng.random(n)) ** (-1.0 / (DEGREE_EXPONENT - 1.0))
    w *= KIND_WEIGHTS[kinds]
    max_degree = 0.03 * n + 30
    for _ in range(3):
        w = np.minimum(w, max_degree * w.sum() / (2 * n_ties))
    return w


def generate_ties(data: Dataset, n_ties: int, seed: int, max_rounds: int = 200) -> None:
    """Fill `data.tie_*` with `n_ties` ties: no self-loops, at most one tie per pair of actors."""
    n = len(data.names)
    if n_ties > n * (n - 1) // 4:
        raise ValueError(f"{n_ties} Beziehungen sind für {n} Akteure zu dicht.")
    rng = _rng(seed, 2, n)
    w = _weights(data.kinds, rng, n_ties)
    cw = np.cumsum(w)
    order = np.argsort(data.community, kind="stable")
    cw_sorted = np.cumsum(w[order])
    n_comm = int(data.community.max()) + 1
    bounds = np.searchsorted(data.community[order], np.arange(n_comm + 1))
    lo = np.concatenate([[0.0], cw_sorted])[bounds[:-1]]
    span = cw_sorted[np.maximum(bounds[1:] - 1, 0)] - lo

    keys = np.empty(0, dtype=np.int64)
    src_all = np.empty(0, dtype=np.int64)
    tgt_all = np.empty(0, dtype=np.int64)
    for _ in range(max_rounds):
        missing = n_ties - len(keys)
        if missing <= 0:
            break
        m = int(missing * 1.25) + 64
        src = np.minimum(np.searchsorted(cw, rng.random(m) * cw[-1], side="right"), n - 1)
        comm = data.community[src]
        pos = np.searchsorted(cw_sorted, lo[comm] + rng.random(m) * span[comm], side="right")
        inside = order[np.clip(pos, bounds[comm], bounds[comm + 1] - 1)]
        outside = np.minimum(np.searchsorted(cw, rng.random(m) * cw[-1], side="right"), n - 1)
        tgt = np.where(rng.random(m) < INTRA_SHARE, inside, outside)
        ok = src != tgt
        src, tgt = src[ok], tgt[ok]
        src_all = np.concatenate([src_all, src])
        tgt_all = np.concatenate([tgt_all, tgt])
        pair = np.minimum(src_all, tgt_all) * n + np.maximum(src_all, tgt_all)
        _, first = np.unique(pair, return_index=True)
        first.sort()  # earliest draw of each pair, in drawing order: the cut to n_ties keeps the earliest
        src_all, tgt_all = src_all[first], tgt_all[first]
        keys = pair[first]
    else:
        raise RuntimeError("Zu wenige verschiedene Paare: weniger Beziehungen oder mehr Akteure wählen.")
    src_all, tgt_all = src_all[:n_ties], tgt_all[:n_ties]
    data.tie_source, data.tie_target, data.tie_kind = _orient_and_label(data.kinds, src_all, tgt_all, rng)


def _orient_and_label(kinds: np.ndarray, src: np.ndarray, tgt: np.ndarray, rng: np.random.Generator):
    """Tie kinds that fit the endpoints; directed kinds point from the department, the funder or the member."""
    k = {kind: KINDS.index(kind) for kind in KINDS}
    ks, kt = kinds[src], kinds[tgt]
    partner = (ks == k[ActorKind.PARTNER_MUNICIPALITY]) | (kt == k[ActorKind.PARTNER_MUNICIPALITY])
    dept_s, dept_t = ks == k[ActorKind.CITY_DEPARTMENT], kt == k[ActorKind.CITY_DEPARTMENT]
    funders = [k[ActorKind.FOUNDATION], k[ActorKind.STATE_BODY], k[ActorKind.FEDERAL_BODY]]
    fund_s, fund_t = np.isin(ks, funders), np.isin(kt, funders)
    net_s, net_t = ks == k[ActorKind.NETWORK], kt == k[ActorKind.NETWORK]
    swap = (~dept_s & dept_t) | (~dept_s & ~dept_t & ~fund_s & fund_t) | (~dept_t & ~fund_t & ~fund_s & net_s & ~net_t)
    swap &= ~partner
    src, tgt = np.where(swap, tgt, src), np.where(swap, src, tgt)
    dept, fund = dept_s | dept_t, fund_s | fund_t
    net = (net_s | net_t) & ~dept & ~fund
    u = rng.random(len(src))
    choices = [
        (partner & dept, np.where(u < 0.7, TieKind.TWIN_TOWN, TieKind.CLIMATE_PARTNERSHIP)),
        (partner, np.full(len(u), TieKind.COOPERATION)),
        (dept, np.where(u < 0.4, TieKind.RESPONSIBILITY, np.where(u < 0.85, TieKind.COOPERATION, TieKind.FUNDING))),
        (fund, np.where(u < 0.5, TieKind.FUNDING, TieKind.COOPERATION)),
        (net, np.where(u < 0.6, TieKind.MEMBERSHIP, TieKind.COOPERATION)),
    ]
    default = np.where(u < 0.8, TieKind.COOPERATION, np.where(u < 0.9, TieKind.MEMBERSHIP, TieKind.OTHER))
    labels = np.select([c for c, _ in choices], [v for _, v in choices], default)
    return src, tgt, labels.tolist()


# --- Writing -------------------------------------------------------------------------------------------------------


def _allocate_ids(n: int) -> list[int]:
    """`n` fresh actor ids, taken from the sequence on PostgreSQL."""
    table = Actor._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, n])
            return [row[0] for row in cursor.fetchall()]
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {connection.ops.quote_name(table)}")  # noqa: S608
        start = cursor.fetchone()[0] + 1
    return list(range(start, start + n))


def ensure_themes() -> list[int]:
    """Theme ids in the order of THEMES: existing themes reused (by slug or name), the rest created as `syn-…`."""
    ids = []
    for slug, name_de, name_en, *_ in THEMES:
        theme = (
            Theme.objects.filter(slug__in=[SLUG_PREFIX + slug, slug]).order_by("slug").first()
            or Theme.objects.filter(name_de=name_de).first()
            or Theme.objects.create(slug=SLUG_PREFIX + slug, name_de=name_de, name_en=name_en)
        )
        ids.append(theme.pk)
    return ids


def synthetic_actors():
    return Actor.objects.filter(slug__startswith=SLUG_PREFIX)


@transaction.atomic
def clear() -> int:
    """Delete synthetic actors with their ties, tags and countries; drop synthetic themes left unused."""
    count = synthetic_actors().count()
    ids = synthetic_actors().values("pk")
    Tie.objects.filter(source__in=ids).delete()
    Tie.objects.filter(target__in=ids).delete()
    for through in (Actor.themes.through, Actor.sdgs.through):
        through.objects.filter(actor__in=ids).delete()
    ActorCountry.objects.filter(actor__in=ids).delete()
    synthetic_actors().delete()
    Theme.objects.filter(slug__startswith=SLUG_PREFIX, actors__isnull=True).delete()
    return count


def vacuum() -> str | None:
    """Refresh PostgreSQL's statistics of the loaded tables; return what ran (None on other databases).

    Outside a transaction this is VACUUM ANALYZE: it also sets the visibility map, so a directory's
    COUNT(*) is an index-only scan right after the load instead of a sequential scan.
    """
    if connection.vendor != "postgresql":
        return None
    command = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
    tables = [m._meta.db_table for m in (Actor, Actor.themes.through, Actor.sdgs.through, ActorCountry, Tie)]
    with connection.cursor() as cursor:
        cursor.execute(f"{command} {', '.join(map(connection.ops.quote_name, tables))}")
    return command


Progress = Callable[[str, float], None]


@dataclass
class Report:
    actors: int = 0
    ties: int = 0
    timings: dict[str, float] = field(default_factory=dict)


def load(*, actors: int, ties: int, seed: int, batch_size: int = 20_000, progress: Progress | None = None) -> Report:
    """Generate and insert the network. Raises if synthetic actors already exist."""
    report = Report()
    say = progress or (lambda phase, seconds: None)

    def phase(name: str, started: float) -> float:
        report.timings[name] = time.perf_counter() - started
        say(name, report.timings[name])
        return time.perf_counter()

    t = time.perf_counter()
    data = generate_actors(actors, seed)
    t = phase("Akteure erzeugen", t)
    generate_ties(data, ties, seed)
    t = phase("Beziehungen erzeugen", t)

    with transaction.atomic():
        if synthetic_actors().exists():
            raise RuntimeError("Es gibt schon synthetische Akteure (Slug 'syn-…'); --clear verwenden.")
        theme_ids = np.array(ensure_themes(), dtype=np.int64)
        sdg_numbers = set(SDG.objects.values_list("number", flat=True))
        if not sdg_numbers.issuperset(range(1, 18)):
            raise RuntimeError("Die SDGs 1–17 fehlen (Migration actors.0002 ausführen).")
        now = timezone.now()
        ids = np.array(_allocate_ids(actors), dtype=np.int64)
        cols, rows = bulk.table_rows(
            Actor,
            {
                "id": ids.tolist(),
                "name": data.names,
                "slug": data.slugs,
                "kind": [KINDS[k] for k in data.kinds],
                "level": data.levels,
                "description": data.descriptions,
                "city": data.cities,
                "country": data.seat_countries,
                "latitude": data.latitudes,
                "longitude": data.longitudes,
                "published": data.published.tolist(),
            },
            actors,
            now,
        )
        bulk.write_rows(Actor._meta.db_table, cols, rows, batch_size)
        t = phase("Akteure schreiben", t)

        bulk_tables = [m._meta.db_table for m in (Actor.themes.through, Actor.sdgs.through, ActorCountry, Tie)]
        with bulk.bulk_mode(bulk_tables):
            through = Actor.themes.through
            bulk.write_rows(
                through._meta.db_table,
                ["actor_id", "theme_id"],
                zip(ids[data.actor_themes[:, 0]].tolist(), theme_ids[data.actor_themes[:, 1]].tolist(), strict=True),
                batch_size,
            )
            through = Actor.sdgs.through
            bulk.write_rows(
                through._meta.db_table,
                ["actor_id", "sdg_id"],
                zip(ids[data.actor_sdgs[:, 0]].tolist(), data.actor_sdgs[:, 1].tolist(), strict=True),
                batch_size,
            )
            codes = [c[0] for c in COUNTRIES]
            cols, rows = bulk.table_rows(
                ActorCountry,
                {
                    "actor_id": ids[data.actor_countries[:, 0]].tolist(),
                    "country": [codes[c] for c in data.actor_countries[:, 1].tolist()],
                },
                len(data.actor_countries),
                now,
            )
            bulk.write_rows(ActorCountry._meta.db_table, cols, rows, batch_size)
            t = phase("Themen, SDGs, Länder schreiben", t)

            # Rows in (source, target) order fill the unique index sequentially instead of at random places.
            order = np.lexsort((data.tie_target, data.tie_source))
            sources, targets = ids[data.tie_source[order]].tolist(), ids[data.tie_target[order]].tolist()
            tie_kinds = [data.tie_kind[i] for i in order.tolist()]
            chunk = max(batch_size, ties // 10 or 1)
            for start in range(0, ties, chunk):
                stop = min(start + chunk, ties)
                cols, rows = bulk.table_rows(
                    Tie,
                    {"source_id": sources[start:stop], "target_id": targets[start:stop], "kind": tie_kinds[start:stop]},
                    stop - start,
                    now,
                )
                bulk.write_rows(Tie._meta.db_table, cols, rows, batch_size)
                say(f"  Beziehungen {stop:,}/{ties:,}", time.perf_counter() - t)
            t = phase("Beziehungen schreiben", t)
        t = phase("Indizes und Fremdschlüssel", t)

    t = phase("Commit", t)
    report.actors, report.ties = actors, ties
    return report
