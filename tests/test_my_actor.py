"""Each role's home: after logging in without a ?next=, the office and the city's staff land on their
Schreibtisch, an actor's editor on "Mein Akteur" – their actors with everything they look after, and
what the office records about them. The browser test (tests/browser/test_homes.py) logs in as each."""

import pytest
from django.urls import reverse
from django.utils import timezone

from knotenpunkt.accounts.models import Role
from knotenpunkt.synergies.models import Introduction, Suggestion
from tests.browser.conftest import PASSWORD
from tests.factories import ActorFactory, ListingFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def _log_in(client, user, next_url=None):
    data = {"username": user.username, "password": PASSWORD}
    url = reverse("accounts:login") + (f"?next={next_url}" if next_url else "")
    return client.post(url, data, follow=True)


@pytest.mark.parametrize(
    ("role", "home"),
    [
        (Role.COORDINATOR, "/schreibtisch/"),
        (Role.CITY_STAFF, "/schreibtisch/"),
        (Role.ACTOR_EDITOR, "/mein-akteur/"),
    ],
)
def test_after_login_each_role_lands_on_its_home(client, role, home):
    user = UserFactory(username="person", role=role)

    response = _log_in(client, user)

    assert response.redirect_chain[-1][0] == home
    assert response.status_code == 200


def test_an_explicit_next_wins_over_the_home(client):
    editor = UserFactory(username="redaktion", role=Role.ACTOR_EDITOR)

    response = _log_in(client, editor, next_url="/termine/")

    assert response.redirect_chain[-1][0] == "/termine/"


def test_the_start_page_login_link_carries_no_next(client):
    html = client.get("/").content.decode()

    assert 'href="/konto/anmelden/"' in html


def test_my_actor_shows_each_actor_with_its_parts(client, editor_a, actor_a, actor_b):
    actor_a.internal_notes = "Zuschuss 2026 beantragt."
    actor_a.save()
    MembershipFactory(actor=actor_a, function="Vorstand")
    ListingFactory(actor=actor_a, title="Saal für 80 Personen", direction="offer")
    partner = ActorFactory(name="Klimabündnis Ludwigsburg", published=True)
    hidden_partner = ActorFactory(name="Unveröffentlichter Partner", published=False)
    Suggestion.objects.create(actor=actor_a, partner=partner, rank=1, score=0.9, reasons=[], computed_at=timezone.now())
    Suggestion.objects.create(
        actor=actor_a, partner=hidden_partner, rank=2, score=0.8, reasons=[], computed_at=timezone.now()
    )
    pair = sorted([actor_a, partner], key=lambda a: a.pk)
    Introduction.objects.create(actor_a=pair[0], actor_b=pair[1], status="proposed")
    client.force_login(editor_a)

    response = client.get("/mein-akteur/")

    html = response.content.decode()
    assert response.status_code == 200
    assert actor_a.name in html
    assert actor_b.name not in html
    assert f'href="/akteure/{actor_a.slug}/bearbeiten/"' in html
    assert f'href="/akteure/{actor_a.slug}/kalender/"' in html
    assert "Saal für 80 Personen" in html
    assert "Klimabündnis Ludwigsburg" in html
    assert "Unveröffentlichter Partner" not in html
    assert "mit Klimabündnis Ludwigsburg" in html
    assert "Zuschuss 2026 beantragt." in html
    assert "Vorstand" in html


def test_an_editor_of_two_actors_gets_a_section_and_an_index_entry_for_each(client, actor_a, actor_b):
    editor = UserFactory(username="zweifach", role=Role.ACTOR_EDITOR)
    editor.edited_actors.add(actor_a, actor_b)
    client.force_login(editor)

    html = client.get("/mein-akteur/").content.decode()

    for actor in (actor_a, actor_b):
        assert f'href="#akteur-{actor.slug}"' in html
        assert f'id="akteur-{actor.slug}"' in html


def test_an_editor_without_an_actor_is_told_how_to_get_one(client):
    client.force_login(UserFactory(username="neu", role=Role.ACTOR_EDITOR))

    html = client.get("/mein-akteur/").content.decode()

    assert "Sie bearbeiten noch keinen Akteur." in html


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.CITY_STAFF])
def test_the_office_and_city_staff_are_sent_to_their_schreibtisch(client, role):
    client.force_login(UserFactory(username="amt", role=role))

    response = client.get("/mein-akteur/")

    assert response.status_code == 302
    assert response["Location"] == "/schreibtisch/"


def test_my_actor_is_in_the_navigation_of_editors_only(client, editor_a, coordinator):
    client.force_login(editor_a)
    assert 'href="/mein-akteur/"' in client.get("/").content.decode()
    client.force_login(coordinator)
    assert 'href="/mein-akteur/"' not in client.get("/").content.decode()


def test_the_profile_tells_the_office_which_internal_fields_the_actors_editor_reads(
    client, coordinator, editor_a, actor_a
):
    editor_a.first_name, editor_a.last_name = "Erika", "Beispiel"
    editor_a.save()
    client.force_login(coordinator)

    for url in (actor_a.get_absolute_url(), f"/akteure/{actor_a.slug}/bearbeiten/"):
        note = client.get(url).content.decode().split('class="internal-readers"')[1].split("</p>")[0]
        assert "Die Redaktion des Akteurs (Erika Beispiel) liest mit" in note
        assert "Kontaktprotokoll sieht sie nicht" in note


def test_without_an_editor_the_note_says_only_the_office_and_the_city_read_it(client, coordinator, actor_b):
    client.force_login(coordinator)

    html = client.get(actor_b.get_absolute_url()).content.decode()

    assert "Dieser Akteur hat keine eigene Redaktion" in html
