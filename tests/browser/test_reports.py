"""The annual report in a real browser: a coordinator chooses the year, reads the report, downloads
its PDF, and the PDF's text is read back with pdftotext (poppler)."""

import datetime as dt
import os
import shutil
import subprocess

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from knotenpunkt.actors.models import ActorKind
from knotenpunkt.initiatives import services
from tests.browser.conftest import axe_violations
from tests.factories import ActorFactory, TieFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = {"width": 390, "height": 844}


def _pdftotext(path) -> str:
    if shutil.which("pdftotext") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("pdftotext fehlt (poppler-utils); unter CI=true muss der PDF-Test laufen.")
        pytest.skip("pdftotext fehlt (poppler-utils)")
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True, text=True).stdout
    return " ".join(text.split())  # table cells wrap: compare the words, not the lines


def test_a_coordinator_reads_the_annual_report_and_its_pdf(
    new_page, coordinator, tmp_path, screenshot, seeded_coverage_rules, seeded_sdgs
):
    year = timezone.localdate().year
    verein = ActorFactory(name="Eine-Welt-Verein", kind=ActorKind.ASSOCIATION, published=True)
    amt = ActorFactory(name="Referat Internationales", kind=ActorKind.CITY_DEPARTMENT, published=True)
    TieFactory(source=verein, target=amt)
    services.initiative_create(
        user=coordinator,
        data={"title": "Fairtrade-Town erneuern", "decision_date": timezone.localdate() + dt.timedelta(days=90)},
    )
    page = new_page(user=coordinator)

    page.goto("/vorhaben/")
    page.get_by_role("link", name="Jahresbericht").click()
    expect(page.get_by_role("heading", name=f"Jahresbericht {year}", level=1)).to_be_visible()
    expect(page.locator("#network")).to_contain_text("2 Akteure am Jahresende")
    expect(page.locator("#network")).to_contain_text("1 von 1 Beziehungen verbinden verschiedene Bereiche")
    expect(page.locator("#indikatoren")).to_contain_text("von der Koordinierungsstelle einzutragen")
    screenshot(page, "annual-report")
    assert axe_violations(page) == []

    with page.expect_download() as download:
        page.get_by_role("button", name="PDF herunterladen").click()
    pdf = tmp_path / download.value.suggested_filename
    download.value.save_as(pdf)
    assert pdf.name == f"jahresbericht-{year}.pdf"
    text = _pdftotext(pdf)
    assert f"Jahresbericht {year}" in text
    assert "2 Akteure am Jahresende" in text
    assert "1 Vorhaben mit 0 Beteiligten" in text
    assert "von der Koordinierungsstelle einzutragen" in text

    # An earlier year without any record is an honest empty report, not a page of zeros.
    page.get_by_role("spinbutton", name="Jahr").fill("2010")
    page.get_by_role("button", name="Bericht zeigen").click()
    expect(page.locator("main")).to_contain_text("Für 2010 liegen keine Daten vor")
    expect(page.locator("main table")).to_have_count(1)  # only the indicators

    phone = new_page(user=coordinator, viewport=PHONE)
    phone.goto(f"/berichte/jahresbericht/?jahr={year}")
    expect(phone.locator("#network")).to_be_visible()
    assert axe_violations(phone) == []
