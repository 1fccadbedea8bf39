"""The one-page report of an initiative (its „Steckbrief"), as a page and as a tagged PDF."""

import datetime as dt
import os
import shutil
import subprocess

import pytest
from django.urls import reverse
from django.utils import timezone

from knotenpunkt.initiatives import services
from knotenpunkt.initiatives.models import Involvement
from tests.factories import ActorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def initiative(coordinator):
    initiative = services.initiative_create(
        user=coordinator,
        data={
            "title": "Klimapartnerschaft Kongoussi, dritte Phase",
            "decision_date": timezone.localdate() + dt.timedelta(days=100),
            "council_paper": "VORL 2027/014",
        },
    )
    services.stakeholder_add(
        user=coordinator,
        initiative=initiative,
        actor=ActorFactory(name="Förderkreis Burkina Faso"),
        data={
            "influence": 5,
            "reached": Involvement.CONSULT,
            "first_involved": timezone.localdate() - dt.timedelta(days=10),
        },
    )
    services.stakeholder_add(
        user=coordinator, initiative=initiative, actor=ActorFactory(name="Weltladen"), data={"influence": 4}
    )
    return initiative


def test_the_page_shows_the_stakeholders_their_lead_time_and_what_is_missing(client, coordinator, initiative):
    client.force_login(coordinator)
    response = client.get(reverse("reports:initiative", args=[initiative.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Förderkreis Burkina Faso" in page and "110 Tage" in page
    assert "1 von 2 Beteiligten mit großem Einfluss waren vor dem Ende der Planung einbezogen." in page
    assert "keine städtische Dienststelle" in page
    assert "Drucksache VORL 2027/014" in page


def test_the_pdf_is_tagged_and_reads_back(client, coordinator, initiative, tmp_path):
    if shutil.which("pdftotext") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("pdftotext fehlt (poppler-utils); unter CI=true muss der PDF-Test laufen.")
        pytest.skip("pdftotext fehlt (poppler-utils)")
    client.force_login(coordinator)
    response = client.get(reverse("reports:initiative", args=[initiative.pk]), {"format": "pdf"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    path = tmp_path / "steckbrief.pdf"
    path.write_bytes(response.content)
    text = " ".join(subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout.split())
    assert "Klimapartnerschaft Kongoussi, dritte Phase" in text
    assert "Förderkreis Burkina Faso" in text
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
    assert "Tagged: yes" in " ".join(info.split()), info


def test_a_city_staff_member_reads_it_and_an_unknown_initiative_is_a_404(client, city_staff, initiative):
    client.force_login(city_staff)
    assert client.get(reverse("reports:initiative", args=[initiative.pk])).status_code == 200
    assert client.get(reverse("reports:initiative", args=[initiative.pk + 1000])).status_code == 404
