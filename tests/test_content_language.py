"""German user content on English pages is marked lang="de" (WCAG 3.1.2): screen readers then read
"Förderkreis" and "Klimapartnerschaft" with German pronunciation, and hyphenation follows German rules."""

import datetime as dt
import re

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone, translation

from knotenpunkt.activities.services import activity_create
from knotenpunkt.initiatives import services as initiative_services
from tests.factories import ActorFactory, ListingFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("language", "rendered"), [("de", "<p>"), ("en", '<p lang="de">')])
def test_the_tag_marks_content_only_when_the_interface_is_not_german(language, rendered):
    with translation.override(language):
        assert Template("{% load knotenpunkt %}<p{% content_lang %}>").render(Context()) == rendered


@pytest.fixture
def english(client):
    client.get(reverse("core:set_language"), {"language": "en", "next": "/"})
    return client


def _marked(html: str, text: str) -> bool:
    """Is `text` inside an element with lang="de" (in an English page)?"""
    assert '<html lang="en"' in html
    return bool(re.search(r'lang="de"[^>]*>(?:<[^>]+>)*\s*' + re.escape(text), html))


def test_an_actors_name_and_description_are_german_on_the_english_profile_and_directory(english):
    actor = ActorFactory(name="Förderkreis Burkina Faso", description="Wir fördern die Klimapartnerschaft.")
    profile = english.get(actor.get_absolute_url()).content.decode()
    assert _marked(profile, "Förderkreis Burkina Faso")
    assert _marked(profile, "Wir fördern die Klimapartnerschaft.")
    directory = english.get(reverse("actors:directory")).content.decode()
    assert _marked(directory, "Förderkreis Burkina Faso")
    assert _marked(directory, "Wir fördern die Klimapartnerschaft.")


def test_activity_listing_and_initiative_texts_are_german_on_english_pages(english, coordinator):
    start = timezone.now() + dt.timedelta(days=2)
    activity = activity_create(
        user=None,
        data={"title": "Eine-Welt-Forum", "description": "Treffen im Rathaus.", "public": True, "kind": "event",
              "start": start, "end": start + dt.timedelta(hours=2)},
    )  # fmt: skip
    listing = ListingFactory(title="Gemeindesaal für 80 Personen", description="Mit Küche.")
    initiative = initiative_services.initiative_create(
        user=coordinator, data={"title": "Klimapartnerschaft Kongoussi", "summary": "Solarenergie.", "public": True}
    )
    pages = {
        reverse("activities:detail", args=[activity.pk]): ["Eine-Welt-Forum", "Treffen im Rathaus."],
        reverse("synergies:listing_detail", args=[listing.pk]): ["Gemeindesaal für 80 Personen", "Mit Küche."],
        reverse("synergies:board"): ["Gemeindesaal für 80 Personen"],
        initiative.get_absolute_url(): ["Klimapartnerschaft Kongoussi", "Solarenergie."],
        reverse("initiatives:public_list"): ["Klimapartnerschaft Kongoussi"],
    }
    for url, texts in pages.items():
        html = english.get(url).content.decode()
        for text in texts:
            assert _marked(html, text), (url, text)


def test_german_pages_do_not_repeat_the_pages_language(client):
    actor = ActorFactory(name="Förderkreis Burkina Faso")
    html = client.get(actor.get_absolute_url()).content.decode()
    assert '<html lang="de"' in html
    assert '<h1 lang="de">' not in html and "<h1>Förderkreis Burkina Faso</h1>" in html
