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
