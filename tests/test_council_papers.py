"""An initiative's council paper through OParl, against a local OParl 1.1 server (tests/oparl_server.py):
linking by address or search, the German errors, the address guard, and the nightly refresh."""

import datetime as dt
import socket

import pytest
from django.urls import reverse

from knotenpunkt.changes.kinds import ChangeKind
from knotenpunkt.changes.models import Change
from knotenpunkt.initiatives import council_papers, services
from knotenpunkt.initiatives.models import CouncilPaper
from tests.oparl_server import OParlServer

pytestmark = pytest.mark.django_db


@pytest.fixture
def council(settings):
    settings.OPARL_ALLOW_PRIVATE_HOSTS = True
    with OParlServer() as server:
        yield server


@pytest.fixture
def initiative(coordinator):
    return services.initiative_create(user=coordinator, data={"title": "Klimapartnerschaft Kongoussi"})


def _link(client, initiative, url):
    return client.post(reverse("initiatives:paper_link", args=[initiative.pk]), {"url": url})


def test_linking_reads_title_reference_date_and_status_and_is_recorded(client, coordinator, council, initiative):
    council.set_result(1, "einstimmig beschlossen")
    client.force_login(coordinator)

    response = _link(client, initiative, council.paper_url(1))

    assert response.status_code == 302
    paper = CouncilPaper.objects.get(initiative=initiative)
    assert (paper.name, paper.reference, paper.date, paper.status) == (
        "Klimapartnerschaft mit Kongoussi (Burkina Faso), Phase 3",
        "VORL 2027/014",
        dt.date(2027, 2, 10),
        "einstimmig beschlossen",
    )
    assert paper.web.startswith("https://ris.example.org/")
    change = Change.objects.get(kind=ChangeKind.COUNCIL_PAPER_LINKED)
    assert (change.record_id, change.data["values"]["reference"]) == (initiative.pk, "VORL 2027/014")
    page = client.get(initiative.get_absolute_url()).content.decode()
    assert "VORL 2027/014" in page and "einstimmig beschlossen" in page


def test_without_a_result_the_status_is_the_paper_type(coordinator, council, initiative):
    paper = council_papers.link(user=coordinator, initiative=initiative, url=council.paper_url(3))
    assert paper.status == "Mitteilungsvorlage"


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/oparl/v1/kein-oparl", "Unter dieser Adresse antwortet kein OParl-Server: Die Antwort ist kein JSON."),
        ("/oparl/v1/meeting/7", "vom Typ „Meeting“, nicht auf eine Drucksache"),
        ("/oparl/v1/paper/999", "Unter dieser Adresse gibt es kein OParl-Objekt (HTTP 404)."),
        ("/oparl/v1/bodies", "Es fehlt der OParl-Typ einer Drucksache."),
    ],
)
def test_an_address_that_is_not_an_oparl_paper_is_refused_in_german(
    client, coordinator, council, initiative, path, message
):
    client.force_login(coordinator)
    response = _link(client, initiative, council.url(path))
    assert response.status_code == 422
    assert message in response.content.decode()
    assert council.url(path) in response.content.decode()  # what was typed stays in the form
    assert not CouncilPaper.objects.exists()
    assert not Change.objects.filter(kind=ChangeKind.COUNCIL_PAPER_LINKED).exists()


def test_a_server_that_does_not_answer_is_named_so(client, coordinator, settings, initiative):
    settings.OPARL_ALLOW_PRIVATE_HOSTS = True
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nothing listens here once the probe is closed
    client.force_login(coordinator)
    response = _link(client, initiative, f"http://127.0.0.1:{port}/oparl/v1/paper/1")
    assert response.status_code == 422
    assert "Das Ratsinformationssystem ist nicht erreichbar." in response.content.decode()
    assert not CouncilPaper.objects.exists()


@pytest.mark.parametrize("url", ["", "ratsinfo.ludwigsburg.de/paper/1", "ftp://ratsinfo.example.org/paper/1"])
def test_an_empty_or_incomplete_address_is_refused(client, coordinator, initiative, url):
    client.force_login(coordinator)
    response = _link(client, initiative, url)
    assert response.status_code == 422
    assert not CouncilPaper.objects.exists()


def test_internal_addresses_are_refused_like_in_the_calendar_import(client, coordinator, council, settings, initiative):
    settings.OPARL_ALLOW_PRIVATE_HOSTS = False
    client.force_login(coordinator)
    response = _link(client, initiative, council.paper_url(1))
    assert response.status_code == 422
    assert "führt in ein internes Netz (127.0.0.1)" in response.content.decode()
    assert not CouncilPaper.objects.exists()


def test_the_nightly_refresh_takes_a_new_status_and_records_it(coordinator, council, initiative):
    council_papers.link(user=coordinator, initiative=initiative, url=council.paper_url(1))
    assert council_papers.refresh_all() == {"changed": 0, "unchanged": 1, "failed": 0}
    assert not Change.objects.filter(kind=ChangeKind.COUNCIL_PAPER_UPDATED).exists()

    council.set_result(1, "beschlossen")
    assert council_papers.refresh_all() == {"changed": 1, "unchanged": 0, "failed": 0}

    paper = CouncilPaper.objects.get()
    assert paper.status == "beschlossen"
    change = Change.objects.get(kind=ChangeKind.COUNCIL_PAPER_UPDATED)
    assert change.user is None
    assert change.data["fields"]["status"] == {"old": "Beschlussvorlage", "new": "beschlossen"}


def test_a_failed_refresh_keeps_the_last_good_values_and_says_why(coordinator, council, initiative):
    council_papers.link(user=coordinator, initiative=initiative, url=council.paper_url(2))
    council.serve("/oparl/v1/paper/2", "Wartungsarbeiten", status=503, content_type="text/plain")

    assert council_papers.refresh_all() == {"changed": 0, "unchanged": 0, "failed": 1}

    paper = CouncilPaper.objects.get()
    assert paper.reference == "VORL 2026/221"
    assert paper.error == "Das Ratsinformationssystem hat die Anfrage abgelehnt (HTTP 503)."


def test_searching_the_council_system_reads_every_page_of_the_paper_list(
    client, coordinator, council, settings, initiative
):
    settings.OPARL_SYSTEM_URL = council.system_url()
    client.force_login(coordinator)
    url = reverse("initiatives:paper_search", args=[initiative.pk])

    found = client.get(url, {"q": "Haushalt"}, headers={"HX-Request": "true"}).content.decode()
    assert "MITT 2026/090" in found  # on the second page of the list
    assert council.paper_url(3) in found
    assert "VORL 2027/014" not in found

    none = client.get(url, {"q": "Partnerschaft mit Timbuktu"}, headers={"HX-Request": "true"}).content.decode()
    assert "Keine Drucksache gefunden" in none
    short = client.get(url, {"q": "ab"}, headers={"HX-Request": "true"}).content.decode()
    assert "mindestens drei Zeichen" in short


def test_without_a_configured_council_system_the_search_says_so(client, coordinator, settings, initiative):
    settings.OPARL_SYSTEM_URL = ""
    client.force_login(coordinator)
    page = client.get(reverse("initiatives:paper_search", args=[initiative.pk]), {"q": "Haushalt"}).content.decode()
    assert "kein Ratsinformationssystem eingerichtet" in page


def test_unlinking_twice_is_harmless_and_recorded_once(client, coordinator, council, initiative):
    council_papers.link(user=coordinator, initiative=initiative, url=council.paper_url(1))
    client.force_login(coordinator)
    for _ in range(2):
        assert client.post(reverse("initiatives:paper_unlink", args=[initiative.pk])).status_code == 302
    assert not CouncilPaper.objects.exists()
    assert Change.objects.filter(kind=ChangeKind.COUNCIL_PAPER_UNLINKED).count() == 1


def test_linking_the_same_paper_again_records_nothing_new(coordinator, council, initiative):
    council_papers.link(user=coordinator, initiative=initiative, url=council.paper_url(1))
    council_papers.link(user=coordinator, initiative=initiative, url=council.paper_url(1))
    assert Change.objects.filter(kind=ChangeKind.COUNCIL_PAPER_LINKED).count() == 1
    assert CouncilPaper.objects.get().version == 1


def test_a_paper_list_that_is_not_a_list_finds_nothing_instead_of_failing(
    client, coordinator, council, settings, initiative
):
    council.serve("/oparl/v1/body/1/papers", '{"data": 1, "links": {}}', content_type="application/json")
    settings.OPARL_SYSTEM_URL = council.system_url()
    client.force_login(coordinator)
    page = client.get(reverse("initiatives:paper_search", args=[initiative.pk]), {"q": "Haushalt"})
    assert page.status_code == 200
    assert "Keine Drucksache gefunden" in page.content.decode()
