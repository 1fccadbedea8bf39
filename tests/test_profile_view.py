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


@pytest.mark.parametrize(
    ("asked", "number", "shown"),
    [("1", 1, 40), ("2", 2, 4), ("3", 2, 4), ("999", 2, 4), ("0", 1, 40), ("-4", 1, 40), ("zwei", 1, 40), ("", 1, 40)],
)
def test_a_page_of_ties_counts_only_what_the_visitor_may_see(client, asked, number, shown):
    hub = ActorFactory(name="Netzwerk Eine Welt")
    for i in range(44):
        TieFactory(source=hub, target=ActorFactory(name=f"Partner {i:02d}"))
    TieFactory(source=hub, target=ActorFactory(name="Interner Partner", published=False))
    TieFactory(source=ActorFactory(name="Stiller Partner"), target=hub, public=False)

    ties = client.get(hub.get_absolute_url(), {"beziehungen": asked}).context["ties"]

    assert (ties.paginator.count, ties.number, len(ties.object_list)) == (44, number, shown)
    names = {tie.other(hub).name for tie in ties.object_list}
    assert not names & {"Interner Partner", "Stiller Partner"}


def test_profile_page_shows_public_fields_and_hides_internal_ones_from_visitors(client, actor_a):
    html = client.get(actor_a.get_absolute_url()).content.decode()
    assert actor_a.name in html
    assert actor_a.internal_notes not in html
