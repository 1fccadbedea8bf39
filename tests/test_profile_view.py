import pytest

from tests.factories import ActorFactory, TieFactory

pytestmark = pytest.mark.django_db


def test_a_hub_profile_pages_its_ties(client):
    hub = ActorFactory(name="Netzwerk Eine Welt")
    for i in range(45):
        TieFactory(source=hub, target=ActorFactory(name=f"Partner {i:02d}"))
    first = client.get(hub.get_absolute_url())
    assert first.context["ties"].paginator.count == 45
    assert len(first.context["ties"].object_list) == 40
    assert "beziehungen=2" in first.content.decode()
    second = client.get(hub.get_absolute_url(), {"beziehungen": "2"}, HTTP_HX_REQUEST="true")
    assert b"<html" not in second.content
    assert len(second.context["ties"].object_list) == 5


def test_profile_page_shows_public_fields_and_hides_internal_ones_from_visitors(client, actor_a):
    html = client.get(actor_a.get_absolute_url()).content.decode()
    assert actor_a.name in html
    assert actor_a.internal_notes not in html
