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


@pytest.mark.parametrize(
    ("text", "words", "expected"),
    [
        ("eins zwei drei", 2, "eins zwei …"),
        ("**eins** zwei", 5, "eins zwei"),
        # A long text is converted from its start only; the excerpt still says that more follows.
        ("**Wort** " * 2000, 3, "Wort Wort Wort …"),
        ("[" + "x" * 5000 + "](https://example.org) Rest", 3, "…"),
    ],
)
def test_an_excerpt_is_the_first_words_and_says_when_more_follow(text, words, expected):
    from knotenpunkt.core.templatetags.knotenpunkt import plain_excerpt

    assert plain_excerpt(text, words).endswith(expected) and "**" not in plain_excerpt(text, words)


def test_the_converter_kept_per_thread_forgets_the_previous_text():
    from knotenpunkt.lib.markdown import render_markdown

    assert plain_text("[a]: https://example.org\n\n[Link][a]") == "Link"
    # A reference defined in the text before must not resolve in the next one.
    assert "example.org" not in render_markdown("[Link][a]")
