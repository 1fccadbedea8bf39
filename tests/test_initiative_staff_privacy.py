"""A coordination-only contact linked to an initiative shows to city staff as a stakeholder's
first involvement (day and channel)."""

import datetime as dt

import pytest

from knotenpunkt.initiatives import services
from tests.factories import InteractionFactory

pytestmark = pytest.mark.django_db


def test_coordination_only_contact_reaches_city_staff_through_stakeholder_first_involvement(
    client, coordinator, city_staff, actor_a
):
    initiative = services.initiative_create(user=coordinator, data={"title": "Klimapartnerschaft Kongoussi"})
    services.stakeholder_add(user=coordinator, initiative=initiative, actor=actor_a)
    secret = InteractionFactory(
        date=dt.date(2026, 3, 17),
        channel="meeting",
        visibility="coordination",
        actors=[actor_a],
        summary="Vertrauliches Gespräch",
    )
    services.initiative_link(user=coordinator, initiative=initiative, interaction=secret)

    client.force_login(city_staff)
    # City staff may not see that contact at all:
    assert client.get(secret.get_absolute_url()).status_code in (403, 404)
    page = client.get(initiative.get_absolute_url()).content.decode()
    assert "17.03.2026" not in page and "Kontakt (Treffen)" not in page, (
        "the coordination-only contact's day and channel show on the initiative page for city staff"
    )
