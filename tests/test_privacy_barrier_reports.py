"""A barrier report holds personal data (the reporter's address and text) outside every place
erasure, the access export and the Art. 30 register know."""

import pytest

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
