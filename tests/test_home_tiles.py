"""The start page's tiles: one per kind with a visible actor, the number and the kind's name in its plural."""

import re

import pytest

from knotenpunkt.actors.models import ActorKind, kind_count_label
from tests.factories import ActorFactory

pytestmark = pytest.mark.django_db


def tiles(response):
    html = response.content.decode()
    section = html[html.index('class="kind-tiles"') : html.index("</ul>", html.index('class="kind-tiles"'))]
    return [" ".join(re.sub(r"<[^>]+>", " ", tile).split()) for tile in re.findall(r"<a [^>]*>(.*?)</a>", section)]


def test_every_kind_with_a_published_actor_gets_a_tile_in_its_plural(client):
    for kind, n in [
        (ActorKind.ASSOCIATION, 3),
        (ActorKind.SCHOOL, 4),
        (ActorKind.FAIR_TRADE_SHOP, 2),
        (ActorKind.INITIATIVE, 2),
        (ActorKind.RELIGIOUS, 2),
        (ActorKind.FOUNDATION, 1),
        (ActorKind.UNIVERSITY, 1),
        (ActorKind.COMPANY, 1),
        (ActorKind.NETWORK, 1),
        (ActorKind.STATE_BODY, 1),
    ]:
        ActorFactory.create_batch(n, kind=kind)
    ActorFactory(kind=ActorKind.DIASPORA, published=False)

    shown = tiles(client.get("/"))

    assert shown == [
        "4 Schulen",
        "3 Vereine",
        "2 Initiativen",
        "2 Weltläden",
        "2 Religionsgemeinschaften",
        "1 Hochschule",
        "1 Stiftung",
        "1 Unternehmen",
        "1 Netzwerk/Forum",
        "1 Stelle des Landes",
    ]


def test_a_tile_links_to_the_directory_filtered_by_its_kind(client):
    ActorFactory(kind=ActorKind.FAIR_TRADE_SHOP)
    assert b'href="/akteure/?kind=fair_trade_shop"' in client.get("/").content


@pytest.mark.parametrize("kind", ActorKind.values)
def test_every_kind_has_a_singular_and_a_plural_name(kind):
    one, many = kind_count_label(kind, 1), kind_count_label(kind, 5)
    assert one and many and kind not in (one, many)
    if kind != ActorKind.COMPANY:  # "1 Unternehmen", "5 Unternehmen"
        assert one != many
