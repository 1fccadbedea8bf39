import pytest

from tests.factories import ActorFactory, ThemeFactory

pytestmark = pytest.mark.django_db


def test_htmx_requests_get_only_the_results_partial(client, actor_a):
    full = client.get("/akteure/")
    partial = client.get("/akteure/", HTTP_HX_REQUEST="true")
    assert b"<html" in full.content
    assert b"<html" not in partial.content
    assert actor_a.name.encode() in partial.content


def test_filters_combine_and_the_count_is_shown(client):
    theme = ThemeFactory(name_de="Fairer Handel", slug="fairer-handel")
    shop = ActorFactory(name="Weltladen", kind="fair_trade_shop")
    shop.themes.add(theme)
    ActorFactory(name="Schule am See", kind="school")
    response = client.get("/akteure/", {"kind": "fair_trade_shop", "theme": "fairer-handel"})
    assert [a.name for a in response.context["page"].object_list] == ["Weltladen"]
    assert "1 Akteur gefunden" in response.content.decode()


@pytest.mark.parametrize(
    "params",
    [
        {"kind": "keine-art"},
        {"sdg": "99"},
        {"sdg": "x"},
        {"theme": "gibt-es-nicht"},
        {"country": "ZZ"},
        {"page": "-1"},
        {"page": "abc"},
        {"order_by": "internal_notes"},
        {"published": "False"},
    ],
)
def test_bad_or_unknown_parameters_are_ignored(client, actor_a, actor_b, params):
    response = client.get("/akteure/", params)
    assert response.status_code == 200
    names = [a.name for a in response.context["page"].object_list]
    assert names == [actor_a.name]


def test_a_valid_filter_survives_a_bad_neighbour(client):
    ActorFactory(name="Schule am See", kind="school")
    ActorFactory(name="Verein", kind="association")
    response = client.get("/akteure/", {"kind": "school", "sdg": "99"})
    assert [a.name for a in response.context["page"].object_list] == ["Schule am See"]


def test_pagination_keeps_the_filters(client, settings):
    settings.DIRECTORY_PAGE_SIZE = 2
    for i in range(5):
        ActorFactory(name=f"Schule {i}", kind="school")
    response = client.get("/akteure/", {"kind": "school", "page": "2"})
    html = response.content.decode()
    assert response.context["page"].number == 2
    assert "kind=school&amp;page=3" in html


def test_empty_result_explains_what_to_do(client):
    response = client.get("/akteure/", {"q": "gibtesnichtwirklich"})
    assert "Keine Treffer" in response.content.decode()


def test_a_broad_search_counts_only_up_to_the_cap(client, settings):
    from knotenpunkt.actors import search

    settings.DIRECTORY_SEARCH_COUNT_CAP = 3
    settings.DIRECTORY_PAGE_SIZE = 2
    actors = [ActorFactory(name=f"Klimaverein {i}") for i in range(5)]
    search.index_actors([a.pk for a in actors])
    response = client.get("/akteure/", {"q": "Klimaverein"})
    assert response.context["page"].paginator.capped
    assert "Mehr als 3 Akteure gefunden" in response.content.decode()
    assert response.context["page"].paginator.num_pages == 2


def test_a_narrow_search_shows_the_exact_count(client, settings):
    from knotenpunkt.actors import search

    settings.DIRECTORY_SEARCH_COUNT_CAP = 3
    actors = [ActorFactory(name=f"Klimaverein {i}") for i in range(2)]
    search.index_actors([a.pk for a in actors])
    response = client.get("/akteure/", {"q": "Klimaverein"})
    assert not response.context["page"].paginator.capped
    assert "2 Akteure gefunden" in response.content.decode()


def test_a_broad_filter_without_search_counts_only_up_to_the_cap(client, settings):
    settings.DIRECTORY_SEARCH_COUNT_CAP = 3
    for i in range(5):
        ActorFactory(name=f"Schule {i}", kind="school")
    response = client.get("/akteure/", {"kind": "school"})
    assert "Mehr als 3 Akteure gefunden. Grenzen Sie die Auswahl" in response.content.decode()


def test_the_unfiltered_list_shows_the_exact_count(client, settings):
    settings.DIRECTORY_SEARCH_COUNT_CAP = 3
    for i in range(5):
        ActorFactory(name=f"Schule {i}", kind="school")
    assert "5 Akteure gefunden" in client.get("/akteure/").content.decode()


@pytest.mark.parametrize("few_candidates", [3000, 0], ids=["ordered-once", "ranked-reads"])
@pytest.mark.parametrize("filter_name", ["country", "theme", "sdg"])
def test_a_search_within_a_country_theme_or_sdg_finds_the_same_page_either_way(
    client, settings, monkeypatch, few_candidates, filter_name
):
    """Few candidates: one ordered query; many: the ranked reads. Same actors, same order, same count."""
    from knotenpunkt.actors import search, selectors
    from knotenpunkt.actors.models import SDG, ActorCountry

    settings.DIRECTORY_PAGE_SIZE = 3
    settings.DIRECTORY_SEARCH_COUNT_CAP = 5
    monkeypatch.setattr(selectors, "FEW_CANDIDATES", few_candidates)
    theme = ThemeFactory(name_de="Eine Welt", slug="eine-welt")
    sdg = SDG.objects.get(number=4)  # not 17, "Partnerschaften zur Erreichung der Ziele"
    names = [
        "Partnerschaft",  # the exact name ranks first
        "Partnerschaft Tansania e. V.",  # every word in the name
        "Schulpartnerschaft Moshi",  # not a word of the name: found by its description
        "Verein für Bildung",  # found by its description
        "Partnerschaftsverein Kilimandscharo",
        "Partnerschaft Arusha",
        "Freundeskreis Dodoma",
    ]
    actors = []
    for i, name in enumerate(names):
        actor = ActorFactory(
            name=name, description="Eine Partnerschaft mit Tansania." if i in (2, 3) else "", tie_count=i
        )
        ActorCountry.objects.create(actor=actor, country="TZ")
        actor.themes.add(theme)
        actor.sdgs.add(sdg)
        actors.append(actor)
    elsewhere = ActorFactory(name="Partnerschaft Kenia")  # outside the filter
    unpublished = ActorFactory(name="Partnerschaft intern", published=False)
    for actor in (elsewhere, unpublished):
        ActorCountry.objects.create(actor=actor, country="KE" if actor is elsewhere else "TZ")
    search.index_actors([a.pk for a in [*actors, elsewhere, unpublished]])
    value = {"country": "TZ", "theme": "eine-welt", "sdg": "4"}[filter_name]

    pages = [client.get("/akteure/", {"q": "partnerschaft", filter_name: value, "page": n}) for n in (1, 2)]

    found = [a.name for response in pages for a in response.context["page"].object_list]
    # The exact name, then every word in the name, then anywhere; within a rank the most ties
    # first. Six match, the first five are counted.
    assert found == [
        "Partnerschaft",
        "Partnerschaft Arusha",
        "Partnerschaftsverein Kilimandscharo",
        "Partnerschaft Tansania e. V.",
        "Verein für Bildung",
    ]
    assert pages[0].context["page"].paginator.capped
    assert "Mehr als 5 Akteure gefunden" in pages[0].content.decode()
