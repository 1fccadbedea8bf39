"""A pair known only from a coordination-only contact reaches city staff as a "common partner"
in partner suggestions' reasons."""

import datetime as dt

import pytest

from knotenpunkt.network import derived
from knotenpunkt.network.models import DerivedTie
from knotenpunkt.synergies import suggestions
from knotenpunkt.synergies.models import Suggestion
from tests.factories import ActorFactory, InteractionFactory, ThemeFactory, TieFactory

pytestmark = pytest.mark.django_db


def test_common_partner_from_a_coordination_only_contact_shows_to_city_staff(client, city_staff, coordinator):
    theme = ThemeFactory(name_de="Klimaschutz", name_en="Climate")
    a = ActorFactory(name="Verein Alpha", description="Klimaschutz Partnerschaft Burkina Faso Schule")
    b = ActorFactory(name="Verein Beta", description="Klimaschutz Partnerschaft Burkina Faso Schule")
    c = ActorFactory(name="Geheimpartner Gamma", description="Etwas ganz anderes")
    a.themes.add(theme)
    b.themes.add(theme)
    TieFactory(source=b, target=c, public=False)
    InteractionFactory(date=dt.date(2026, 3, 17), visibility="coordination", actors=[a, c])
    derived.rebuild_all()
    pair = DerivedTie.objects.get()
    assert (pair.count, pair.staff_count) == (1, 0)  # city staff must not learn of A–C
    suggestions.compute_all()
    assert Suggestion.objects.filter(actor=a, partner=b).exists()

    client.force_login(city_staff)
    page = client.get(f"/akteure/{a.slug}/vorschlaege/").content.decode()
    assert "Verein Beta" in page
    assert "Geheimpartner Gamma" not in page, "A's tie to Gamma exists only through a coordination-only contact"
