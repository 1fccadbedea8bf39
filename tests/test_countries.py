"""Country names and the country selects: correct German names, the countries in use first, filters
offering only countries in use."""

import re

import pytest
from django.urls import reverse
from django.utils import translation
from django_countries import countries

from knotenpunkt.actors.forms import ActorForm, DirectoryFilterForm
from knotenpunkt.actors.models import ActorCountry
from knotenpunkt.synergies.forms import BoardFilterForm
from tests.factories import ActorFactory, ListingFactory


@pytest.mark.parametrize(
    ("code", "german", "english"),
    [
        ("GD", "Grenada", "Grenada"),  # django-countries: "Granada"
        ("KI", "Kiribati", "Kiribati"),  # "Kirivati"
        ("MZ", "Mosambik", "Mozambique"),  # "Mozambique" in German too
        ("FO", "Färöer", "Faroe Islands"),  # "Faröerinseln"
        ("PG", "Papua-Neuguinea", "Papua New Guinea"),  # "Papua Neu Guinea"
        ("SA", "Saudi-Arabien", "Saudi Arabia"),  # "Saudi Arabien"
        ("SZ", "Eswatini", "Eswatini"),  # "Swasiland", renamed in 2018
        ("TL", "Timor-Leste", "Timor-Leste"),
        ("MD", "Republik Moldau", "Moldova"),
        ("HK", "Hongkong", "Hong Kong"),
        ("BF", "Burkina Faso", "Burkina Faso"),  # untouched
        ("DE", "Deutschland", "Germany"),
    ],
)
def test_country_names_are_those_of_the_german_foreign_office_and_english_in_english(code, german, english):
    with translation.override("de"):
        assert countries.name(code) == german
    with translation.override("en"):
        assert countries.name(code) == english


def test_the_corrected_names_are_sorted_in_their_place():
    with translation.override("de"):
        names = [name for _code, name in countries]
    assert names.index("Grenada") < names.index("Griechenland")
    assert names.index("Mosambik") < names.index("Myanmar")


def _options(html: str) -> list[str]:
    return re.findall(r'<option value="(\w*)"', html)


@pytest.mark.django_db
def test_the_directory_filter_offers_only_countries_actors_work_in():
    ActorCountry.objects.create(actor=ActorFactory(), country="MZ")
    ActorCountry.objects.create(actor=ActorFactory(), country="BF")
    with translation.override("de"):
        html = str(DirectoryFilterForm()["country"])
    assert _options(html) == ["", "BF", "MZ"]
    assert "data-searchable" in html and 'data-no-results="Kein Land gefunden"' in html


@pytest.mark.django_db
def test_the_board_filter_offers_only_countries_offers_and_needs_name():
    ListingFactory(country="EC")
    ActorCountry.objects.create(actor=ActorFactory(), country="BF")
    assert _options(str(BoardFilterForm()["country"])) == ["", "EC"]


@pytest.mark.django_db
def test_the_actor_form_offers_the_countries_in_use_first_then_all_others(coordinator):
    ActorCountry.objects.create(actor=ActorFactory(), country="MZ")
    ActorCountry.objects.create(actor=ActorFactory(), country="BF")
    with translation.override("de"):
        html = str(ActorForm(user=coordinator)["countries"])
    used, others = html.split('<optgroup label="Weitere Länder">')
    assert '<optgroup label="In Knotenpunkt verwendet">' in used
    assert _options(used) == ["BF", "MZ"]
    assert len(_options(others)) == len(countries) - 2 and "MZ" not in _options(others)
    assert "data-searchable" in html and "multiple" in html


@pytest.mark.django_db
def test_a_filter_page_loads_the_searchable_select_from_static_files_only(client):
    ActorCountry.objects.create(actor=ActorFactory(), country="BF")
    page = client.get(reverse("actors:directory")).content.decode()
    assert re.search(r'<script src="/static/vendor/tom-select/tom-select\.complete\.min(\.\w+)?\.js" defer', page)
    assert re.search(r'<script src="/static/js/searchable-select(\.\w+)?\.js" defer', page)
    assert "new TomSelect" not in page  # no inline script
