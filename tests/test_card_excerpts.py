"""Cards and lists show a description's words without its Markdown; the profile renders the Markdown."""

import pytest

from knotenpunkt.lib.markdown import plain_text
from tests.factories import ActorFactory, ListingFactory

pytestmark = pytest.mark.django_db

DESCRIPTION = "**Klimapartnerschaft** mit [Kongoussi](https://example.org/kongoussi) & Ambato.\n\n- Bäume\n- Schulen"


@pytest.mark.parametrize(
    ("markdown", "plain"),
    [
        ("**Klimapartnerschaft**", "Klimapartnerschaft"),
        ("_kursiv_ und `Code`", "kursiv und Code"),
        ("[Kongoussi](https://example.org) & Ambato", "Kongoussi & Ambato"),
        ("# Titel\n\n- eins\n- zwei", "Titel eins zwei"),
        ("<script>alert(1)</script>Text", "Text"),
        ("", ""),
    ],
)
def test_plain_text_keeps_the_words_and_drops_the_markup(markdown, plain):
    assert plain_text(markdown) == plain


def test_a_directory_card_shows_the_description_without_markdown(client):
    ActorFactory(name="Förderkreis Kongoussi", description=DESCRIPTION)
    html = client.get("/akteure/").content.decode()
    assert "Klimapartnerschaft mit Kongoussi &amp; Ambato. Bäume Schulen" in html
    assert "**" not in html and "](https://" not in html


def test_the_profile_renders_the_markdown(client):
    actor = ActorFactory(name="Förderkreis Kongoussi", description=DESCRIPTION)
    html = client.get(actor.get_absolute_url()).content.decode()
    assert "<strong>Klimapartnerschaft</strong>" in html
    assert '<a href="https://example.org/kongoussi"' in html


def test_an_offer_card_shows_its_description_without_markdown(client):
    ListingFactory(description="**Gemeindesaal** mit _Küche_")
    html = client.get("/angebote/").content.decode()
    assert "Gemeindesaal mit Küche" in html and "**Gemeindesaal**" not in html
