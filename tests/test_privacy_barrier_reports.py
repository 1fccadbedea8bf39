"""A barrier report holds personal data (the reporter's address and text) outside every place
erasure, the access export and the Art. 30 register know."""

import pytest
from django.urls import reverse

from knotenpunkt.pages import services
from knotenpunkt.pages.models import BarrierReport
from knotenpunkt.privacy import erasure
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def test_erasing_a_person_leaves_their_address_and_name_in_barrier_reports(coordinator):
    person = PersonFactory(first_name="Erika", last_name="Mustermann", email="erika.mustermann@example.org")
    services.barrier_report_create(
        user=None,
        message="Ich bin Erika Mustermann, der Kalender geht nicht.",
        contact_email="erika.mustermann@example.org",
    )
    erasure.person_erase(user=coordinator, person=person)
    report = BarrierReport.objects.get()
    assert "erika.mustermann@example.org" not in report.contact_email
    assert "Mustermann" not in report.message


def test_the_access_export_lists_the_barriers_reported_from_the_persons_address(client, coordinator):
    from knotenpunkt.privacy import export

    person = PersonFactory(first_name="Erika", last_name="Mustermann", email="Erika.Mustermann@example.org")
    services.barrier_report_create(
        user=None, message="Der Kalender geht mit der Tastatur nicht.", page="/termine/",
        contact_email="erika.mustermann@example.org",
    )  # fmt: skip
    services.barrier_report_create(user=None, message="Eine andere Meldung", contact_email="jemand@example.org")
    reports = export.collect(person)["barrieremeldungen"]
    assert [(r["seite"], r["text"]) for r in reports] == [("/termine/", "Der Kalender geht mit der Tastatur nicht.")]
    client.force_login(coordinator)
    page = client.get(reverse("privacy:export_html", args=[person.pk]))
    assert page.status_code == 200 and "Der Kalender geht mit der Tastatur nicht." in page.content.decode()


def test_the_register_of_processing_names_barrier_reports(client, coordinator):
    from knotenpunkt.privacy import register

    services.barrier_report_create(user=None, message="Kontrast zu schwach", contact_email="a@example.org")
    processing = next(p for p in register.build()["activities"] if p.name == "Meldungen von Barrieren")
    assert processing.counts == {"Meldungen": 1}
    assert "E-Mail-Adresse für die Antwort" in processing.categories
