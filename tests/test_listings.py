"""Offers and needs: services, the board's selectors and filters, expiry, visibility, pages and demo data."""

import datetime as dt
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from knotenpunkt.accounts.models import Role
from knotenpunkt.actors.models import ActorKind
from knotenpunkt.changes.kinds import Audience, ChangeKind
from knotenpunkt.changes.locking import EditConflict
from knotenpunkt.changes.models import Change
from knotenpunkt.core.models import ContentGeneration
from knotenpunkt.synergies import listings
from knotenpunkt.synergies.models import Listing
from tests.factories import ActorFactory, ListingFactory, ThemeFactory, UserFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
DAY = dt.timedelta(days=1)


def _data(**changes):
    data = {
        "direction": "offer",
        "category": "rooms",
        "title": "Gemeindesaal für bis zu 80 Personen",
        "description": "Mit Küche und Beamer.",
        "valid_from": timezone.localdate(),
        "valid_until": None,
        "public": True,
    }
    return {**data, **changes}


def _generation():
    return ContentGeneration.objects.filter(pk=1).values_list("value", flat=True).first() or 0


def _board(user=None, today=None, **filters):
    return list(listings.board(user=user, filters=filters, today=today))


# --- services ---------------------------------------------------------------------------------


def test_an_editor_posts_an_offer_of_their_actor(editor_a, actor_a):
    theme = ThemeFactory(slug="klimaschutz")
    before = _generation()

    listing = listings.listing_create(user=editor_a, actor=actor_a, data=_data(themes=[theme], sdgs=[13]))

    assert (listing.actor, listing.created_by, listing.version) == (actor_a, editor_a, 1)
    assert list(listing.themes.all()) == [theme]
    assert list(listing.sdgs.values_list("number", flat=True)) == [13]
    assert _generation() == before + 1  # the public pages show it at once


def test_nobody_posts_for_an_actor_they_do_not_edit(editor_b, actor_a):
    with pytest.raises(PermissionDenied):
        listings.listing_create(user=editor_b, actor=actor_a, data=_data())
    assert not Listing.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": "   "}, "title"),
        ({"valid_from": TODAY, "valid_until": TODAY - DAY}, "valid_until"),
        ({"direction": "maybe"}, "direction"),
        ({"category": ""}, "category"),
    ],
)
def test_the_service_refuses_what_the_board_could_not_show(actor_a, changes, field):
    with pytest.raises(ValidationError) as error:
        listings.listing_create(user=None, actor=actor_a, data=_data(**changes))
    assert field in error.value.message_dict
    assert not Listing.objects.exists()


def test_an_end_before_the_start_gets_a_german_message(actor_a):
    with pytest.raises(ValidationError) as error:
        listings.listing_create(user=None, actor=actor_a, data=_data(valid_from=TODAY, valid_until=TODAY - DAY))
    assert error.value.message_dict["valid_until"] == ["Das Ende der Gültigkeit liegt vor ihrem Beginn."]


def test_an_update_saves_onto_the_version_it_was_loaded_with(editor_a, actor_a):
    listing = listings.listing_create(user=editor_a, actor=actor_a, data=_data())

    updated = listings.listing_update(
        user=editor_a, listing=listing, data={"title": "Saal mit Bühne"}, expected_version=1
    )

    assert (updated.title, updated.version) == ("Saal mit Bühne", 2)


def test_a_stale_update_is_a_conflict_and_changes_nothing(editor_a, actor_a):
    listing = listings.listing_create(user=editor_a, actor=actor_a, data=_data())
    listings.listing_update(user=editor_a, listing=listing, data={"title": "Erste Änderung"}, expected_version=1)

    with pytest.raises(EditConflict) as conflict:
        listings.listing_update(user=editor_a, listing=listing, data={"title": "Zweite"}, expected_version=1)

    assert str(conflict.value) == "Angebot oder Gesuch wurde inzwischen von jemand anderem geändert."
    assert conflict.value.record.title == "Erste Änderung"
    assert [(c.user, c.fields["title"]["new"]) for c in conflict.value.changes] == [(editor_a, "Erste Änderung")]
    assert Listing.objects.get().title == "Erste Änderung"


def test_ending_a_listing_takes_it_off_every_list_at_once(editor_a, actor_a):
    listing = ListingFactory(actor=actor_a, valid_from=TODAY - 30 * DAY)

    ended = listings.listing_end(user=editor_a, listing=listing, today=TODAY)

    assert (ended.valid_from, ended.valid_until, ended.version) == (TODAY - 30 * DAY, TODAY - DAY, 2)
    assert _board(today=TODAY) == []


def test_ending_a_listing_posted_today_keeps_its_period_valid(actor_a):
    listing = ListingFactory(actor=actor_a, valid_from=TODAY)

    ended = listings.listing_end(user=None, listing=listing, today=TODAY)

    assert (ended.valid_from, ended.valid_until) == (TODAY - DAY, TODAY - DAY)


def test_ending_an_expired_listing_keeps_its_end(actor_a):
    listing = ListingFactory(actor=actor_a, valid_from=TODAY - 90 * DAY, valid_until=TODAY - 10 * DAY)

    ended = listings.listing_end(user=None, listing=listing, today=TODAY)

    assert (ended.valid_until, ended.version) == (TODAY - 10 * DAY, 1)


def test_ending_a_listing_changed_meanwhile_is_a_conflict(actor_a):
    listing = ListingFactory(actor=actor_a, valid_from=TODAY - DAY, version=3)
    with pytest.raises(EditConflict):
        listings.listing_end(user=None, listing=listing, expected_version=2, today=TODAY)
    assert Listing.objects.get().valid_until is None


def test_city_staff_manage_the_listings_of_their_department_only(city_staff, department, actor_a):
    listings.listing_create(user=city_staff, actor=department, data=_data())
    with pytest.raises(PermissionDenied):
        listings.listing_create(user=city_staff, actor=actor_a, data=_data())


# --- expiry -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("valid_from", "valid_until", "shown"),
    [
        (TODAY - 10 * DAY, None, True),  # open end never expires
        (TODAY - 10 * DAY, TODAY, True),  # the last day still counts
        (TODAY, TODAY, True),
        (TODAY - 10 * DAY, TODAY - DAY, False),  # expired yesterday
        (TODAY + DAY, None, False),  # not yet valid
    ],
)
def test_the_board_shows_current_listings_only(actor_a, valid_from, valid_until, shown):
    ListingFactory(actor=actor_a, valid_from=valid_from, valid_until=valid_until)
    assert len(_board(today=TODAY)) == int(shown)


def test_a_listing_disappears_by_itself_the_day_after_its_end(actor_a):
    ListingFactory(actor=actor_a, valid_from=TODAY - 5 * DAY, valid_until=TODAY)
    assert len(_board(today=TODAY)) == 1
    assert _board(today=TODAY + DAY) == []


# --- visibility -------------------------------------------------------------------------------


@pytest.fixture
def visibility_world(actor_a, actor_b, department):
    """Public and internal listings of a published actor (actor_a), of an unpublished one (actor_b)
    and of a department."""
    rows = {
        "a_public": ListingFactory(actor=actor_a, title="Öffentlich von A", public=True),
        "a_internal": ListingFactory(actor=actor_a, title="Intern von A", public=False),
        "b_public": ListingFactory(actor=actor_b, title="Öffentlich von B (unveröffentlicht)", public=True),
        "b_internal": ListingFactory(actor=actor_b, title="Intern von B", public=False),
        "dept_internal": ListingFactory(actor=department, title="Intern vom Referat", public=False),
    }
    return rows


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("anonymous", {"a_public"}),
        ("editor_a", {"a_public", "a_internal"}),
        ("editor_b", {"a_public", "b_public", "b_internal"}),
        ("city_staff", {"a_public", "a_internal", "b_public", "b_internal", "dept_internal"}),
        ("coordinator", {"a_public", "a_internal", "b_public", "b_internal", "dept_internal"}),
    ],
)
def test_who_sees_which_listings_on_the_board(request, visibility_world, persona, expected):
    user = request.getfixturevalue(persona)
    shown = {listing.pk for listing in _board(user=user)}
    assert shown == {visibility_world[key].pk for key in expected}


def test_an_editor_of_another_actor_sees_public_listings_of_published_actors_only(visibility_world):
    editor = UserFactory(role=Role.ACTOR_EDITOR)
    editor.edited_actors.add(ActorFactory(name="Ganz anderer Verein"))
    assert {listing.pk for listing in _board(user=editor)} == {visibility_world["a_public"].pk}


# --- filters ----------------------------------------------------------------------------------


@pytest.fixture
def board_world(db):
    climate, fair = ThemeFactory(slug="klimaschutz", name_de="Klimaschutz"), ThemeFactory(slug="fairer-handel")
    church = ActorFactory(name="Ev. Kirchengemeinde", kind=ActorKind.RELIGIOUS)
    school = ActorFactory(name="Lindenblüte-Gymnasium", kind=ActorKind.SCHOOL)
    rows = {
        "hall": ListingFactory(actor=church, title="Gemeindesaal", category="rooms", themes=[fair],
                               valid_from=TODAY - 3 * DAY),
        "speaker": ListingFactory(actor=church, title="Referentin zu Burkina Faso", category="speakers",
                                  description="Vortrag über die Klimapartnerschaft mit Kongoussi.", country="BF",
                                  themes=[climate], valid_from=TODAY - 2 * DAY),
        "volunteers": ListingFactory(actor=school, title="Ehrenamtliche für den Schulgarten", direction="need",
                                     category="volunteers", themes=[climate], valid_from=TODAY - DAY),
    }  # fmt: skip
    rows["speaker"].sdgs.set([13])
    return rows


def _titles(**filters):
    return [listing.title for listing in _board(**filters)]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, ["Ehrenamtliche für den Schulgarten", "Referentin zu Burkina Faso", "Gemeindesaal"]),  # newest first
        ({"direction": "need"}, ["Ehrenamtliche für den Schulgarten"]),
        ({"category": "rooms"}, ["Gemeindesaal"]),
        ({"sdg": 13}, ["Referentin zu Burkina Faso"]),
        ({"country": "BF"}, ["Referentin zu Burkina Faso"]),
        ({"kind": ActorKind.SCHOOL}, ["Ehrenamtliche für den Schulgarten"]),
        ({"q": "kongoussi"}, ["Referentin zu Burkina Faso"]),  # description, any case
        ({"q": "Schulgarten Ehrenamtliche"}, ["Ehrenamtliche für den Schulgarten"]),  # every word somewhere
        ({"q": "Gemeindesaal Burkina"}, []),
        ({"q": "Kirchengemeinde"}, ["Referentin zu Burkina Faso", "Gemeindesaal"]),  # the actor's name
    ],
)
def test_board_filters(board_world, filters, expected):
    assert _titles(today=TODAY, **filters) == expected


def test_board_filters_by_theme_and_category_together(board_world):
    climate = board_world["speaker"].themes.get()
    assert _titles(today=TODAY, theme=climate) == ["Ehrenamtliche für den Schulgarten", "Referentin zu Burkina Faso"]
    assert _titles(today=TODAY, theme=climate, category="speakers") == ["Referentin zu Burkina Faso"]


def test_a_long_free_text_is_cut_not_refused(board_world):
    assert _titles(today=TODAY, q="Gemeindesaal " + "x" * 5000 + " y" * 100) == []
    assert listings.query_words("a\x00b " * 20) == ["a", "b"] * 4


# --- the board page -----------------------------------------------------------------------------


def test_the_board_page_filters_with_shareable_urls(client, board_world):
    response = client.get(reverse("synergies:board"), {"category": "speakers", "theme": "klimaschutz"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Referentin zu Burkina Faso" in html
    assert "Gemeindesaal" not in html
    assert 'value="speakers" selected' in html
    assert "1 Eintrag gefunden" in html


def test_an_htmx_request_gets_only_the_results(client, board_world):
    response = client.get(reverse("synergies:board"), {"direction": "need"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "<html" not in html
    assert "Ehrenamtliche für den Schulgarten" in html
    assert "sucht" in html


def test_bad_filter_values_are_dropped_not_refused(client, board_world):
    params = {"category": "nonsense", "sdg": "99", "theme": "gibt-es-nicht", "country": "ZZ", "page": "x",
              "direction": "need"}  # fmt: skip
    response = client.get(reverse("synergies:board"), params)
    assert response.status_code == 200
    assert [listing.title for listing in response.context["page"].object_list] == ["Ehrenamtliche für den Schulgarten"]


def test_the_empty_board_explains_itself(client, db):
    html = client.get(reverse("synergies:board")).content.decode()
    assert "Noch keine Angebote und Gesuche" in html
    html = client.get(reverse("synergies:board"), {"q": "Elefant"}).content.decode()
    assert "Keine passenden Einträge" in html


def test_the_board_is_paginated(client, actor_a, settings):
    for i in range(25):
        ListingFactory(actor=actor_a, title=f"Eintrag Nummer {i:02d}")
    first = client.get(reverse("synergies:board"))
    second = client.get(reverse("synergies:board"), {"page": 2})
    assert len(first.context["page"].object_list) == 20
    assert len(second.context["page"].object_list) == 5
    assert "Seite 2 von 2" in second.content.decode()


def test_the_board_query_count_does_not_grow_with_the_listings(client, actor_a, django_assert_max_num_queries):
    theme = ThemeFactory(slug="klimaschutz")
    for _ in range(15):
        listing = ListingFactory(actor=ActorFactory(), themes=[theme])
        listing.sdgs.set([13])
    # theme and SDG choices, the count, the page with its actors, themes, SDGs
    with django_assert_max_num_queries(7):
        client.get(reverse("synergies:board"))


# --- one listing ------------------------------------------------------------------------------


def test_a_visitor_opens_a_public_listing(client, actor_a):
    listing = ListingFactory(actor=actor_a, title="Beamer zu verleihen", category="equipment")
    html = client.get(listing.get_absolute_url()).content.decode()
    assert "Beamer zu verleihen" in html
    assert actor_a.name in html
    assert "bietet" in html


@pytest.mark.parametrize(
    "hidden",
    [
        {"public": False},
        {"valid_from": TODAY - 30 * DAY, "valid_until": TODAY - 30 * DAY},
        {"valid_from": dt.date(2199, 1, 1)},
    ],
)
def test_hidden_expired_and_future_listings_do_not_exist_for_visitors(client, actor_a, hidden):
    listing = ListingFactory(actor=actor_a, **hidden)
    assert client.get(listing.get_absolute_url()).status_code == 404


def test_a_listing_of_an_unpublished_actor_does_not_exist_for_visitors(client, actor_b):
    listing = ListingFactory(actor=actor_b, public=True)
    assert client.get(listing.get_absolute_url()).status_code == 404


def test_the_owner_still_opens_an_expired_listing_to_renew_it(client, editor_a, actor_a):
    listing = ListingFactory(actor=actor_a, valid_from=TODAY - 30 * DAY, valid_until=TODAY - 30 * DAY)
    client.force_login(editor_a)
    html = client.get(listing.get_absolute_url()).content.decode()
    assert "abgelaufen am" in html
    assert "Bearbeiten oder erneuern" in html


def test_an_out_of_range_id_is_a_404(client):
    assert client.get(f"/angebote/{2**64}/").status_code == 404


# --- forms ------------------------------------------------------------------------------------


def _post(**changes):
    data = {
        "direction": "need",
        "category": "volunteers",
        "title": "Helfende für den Eine-Welt-Tag",
        "description": "Auf- und Abbau, Standbetreuung.",
        "valid_from": timezone.localdate().isoformat(),
        "valid_until": "",
        "public": "on",
    }
    return {**data, **changes}


def test_an_editor_posts_a_need_through_the_form(client, editor_a, actor_a):
    client.force_login(editor_a)
    response = client.post(reverse("synergies:listing_create", args=[actor_a.slug]), _post())
    listing = Listing.objects.get()
    assert response.status_code == 302
    assert response["Location"] == listing.get_absolute_url()
    assert (listing.actor, listing.direction, listing.public) == (actor_a, "need", True)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"valid_from": "2026-12-10", "valid_until": "2026-12-01"}, "valid_until",
         "Das Ende der Gültigkeit liegt vor ihrem Beginn."),
        ({"valid_from": "2020-01-01", "valid_until": "2020-02-01"}, "valid_until",
         "Dieses Datum liegt in der Vergangenheit – der Eintrag wäre sofort abgelaufen."),
        ({"title": "   "}, "title", "Bitte einen Titel angeben."),
        ({"direction": ""}, "direction", "Bitte angeben, ob Sie etwas anbieten oder suchen."),
    ],
)  # fmt: skip
def test_the_form_explains_mistakes_in_german_and_saves_nothing(client, editor_a, actor_a, changes, field, message):
    client.force_login(editor_a)
    response = client.post(reverse("synergies:listing_create", args=[actor_a.slug]), _post(**changes))
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    assert message in response.content.decode()
    assert not Listing.objects.exists()


def test_themes_are_optional(client, editor_a, actor_a):
    client.force_login(editor_a)
    client.post(reverse("synergies:listing_create", args=[actor_a.slug]), _post())
    assert Listing.objects.get().themes.count() == 0


def test_a_stale_edit_shows_the_conflict_and_keeps_the_input(client, editor_a, actor_a):
    listing = ListingFactory(actor=actor_a, title="Alter Titel", version=1)
    colleague = UserFactory(first_name="Greta", last_name="Gegenüber", role=Role.COORDINATOR)
    listings.listing_update(user=colleague, listing=listing, data={"title": "Alter Titel"}, expected_version=1)
    client.force_login(editor_a)
    response = client.post(
        reverse("synergies:listing_edit", args=[listing.pk]),
        _post(title="Mein neuer Titel", version="1", valid_from=listing.valid_from.isoformat(), country="BF"),
    )
    html = response.content.decode()
    assert response.status_code == 409
    assert "Jemand anderes hat diesen Eintrag inzwischen geändert" in html
    assert "Greta Gegenüber" in html  # who saved in between, from the history
    assert 'value="Mein neuer Titel"' in html
    assert '<td>Titel</td><td class="pre-line">Alter Titel</td>' in html
    assert '<td class="pre-line">Burkina Faso</td>' in html  # the country by name, not as a code
    assert Listing.objects.get().title == "Alter Titel"
    # Saving again is an informed decision: it applies.
    response = client.post(
        reverse("synergies:listing_edit", args=[listing.pk]),
        _post(title="Mein neuer Titel", version="2", valid_from=listing.valid_from.isoformat()),
    )
    assert response.status_code == 302
    assert Listing.objects.get().title == "Mein neuer Titel"


def test_renewing_an_expired_listing_brings_it_back(client, editor_a, actor_a):
    listing = ListingFactory(actor=actor_a, valid_from=TODAY - 400 * DAY, valid_until=TODAY - 300 * DAY)
    client.force_login(editor_a)
    response = client.post(
        reverse("synergies:listing_edit", args=[listing.pk]),
        _post(title=listing.title, direction="offer", category="rooms", version="1",
              valid_from=(TODAY - 400 * DAY).isoformat(), valid_until="2199-12-31"),
    )  # fmt: skip
    assert response.status_code == 302
    assert [item.pk for item in _board()] == [listing.pk]


def test_ending_through_the_page_sends_the_owner_to_the_profile(client, editor_a, actor_a):
    listing = ListingFactory(actor=actor_a, title="Beamer zu verleihen")
    client.force_login(editor_a)
    response = client.post(reverse("synergies:listing_end", args=[listing.pk]), {"version": listing.version})
    assert response.status_code == 302
    assert response["Location"] == actor_a.get_absolute_url() + "#angebote"
    assert _board() == []


# --- profiles ---------------------------------------------------------------------------------


@pytest.fixture
def profile_listings(actor_a):
    return {
        "current": ListingFactory(actor=actor_a, title="Aktuelles Angebot"),
        "need": ListingFactory(actor=actor_a, title="Aktuelles Gesuch", direction="need", category="volunteers"),
        "internal": ListingFactory(actor=actor_a, title="Internes Angebot", public=False),
        "expired": ListingFactory(actor=actor_a, title="Abgelaufenes Angebot", valid_from=TODAY - 400 * DAY,
                                  valid_until=TODAY - 300 * DAY),
        "upcoming": ListingFactory(actor=actor_a, title="Künftiges Angebot", valid_from=dt.date(2199, 1, 1)),
    }  # fmt: skip


def test_visitors_see_the_current_public_listings_on_a_profile(client, actor_a, profile_listings):
    html = client.get(actor_a.get_absolute_url()).content.decode()
    assert "Aktuelles Angebot" in html
    assert "Aktuelles Gesuch" in html
    for hidden in ("Internes Angebot", "Abgelaufenes Angebot", "Künftiges Angebot", "Angebot oder Gesuch eintragen"):
        assert hidden not in html


def test_the_owner_sees_expired_listings_under_abgelaufen_to_renew_them(client, editor_a, actor_a, profile_listings):
    client.force_login(editor_a)
    html = client.get(actor_a.get_absolute_url()).content.decode()
    for shown in ("Aktuelles Angebot", "Internes Angebot", "Künftiges Angebot", "Abgelaufenes Angebot",
                  "abgelaufen (1)", "erneuern", reverse("synergies:listing_create", args=[actor_a.slug])):  # fmt: skip
        assert shown in html


def test_city_staff_see_internal_listings_but_not_expired_ones(client, city_staff, actor_a, profile_listings):
    client.force_login(city_staff)
    html = client.get(actor_a.get_absolute_url()).content.decode()
    assert "Internes Angebot" in html
    assert "Abgelaufenes Angebot" not in html


# --- demo data --------------------------------------------------------------------------------


def test_the_demo_has_public_internal_and_expired_listings_and_loads_twice_without_duplicates(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("load_demo", stdout=StringIO())
    count = Listing.objects.count()
    call_command("load_demo", stdout=StringIO())

    assert Listing.objects.count() == count >= 12
    assert Listing.objects.filter(public=False).exists()
    assert Listing.objects.filter(public=True).current().count() >= 8
    assert Listing.objects.exclude(pk__in=Listing.objects.current()).filter(valid_until__isnull=False).exists()
    assert set(Listing.objects.values_list("direction", flat=True)) == {"offer", "need"}


# --- admin ------------------------------------------------------------------------------------


def test_a_listing_added_in_the_admin_goes_through_the_service(client, coordinator, actor_a):
    client.force_login(coordinator)
    before = _generation()
    response = client.post(
        reverse("admin:synergies_listing_add"),
        {"actor": actor_a.pk, "direction": "offer", "category": "equipment", "title": "  Stellwände  ",
         "valid_from": TODAY.isoformat(), "public": "on"},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    listing = Listing.objects.get()
    assert (listing.title, listing.created_by, listing.version) == ("Stellwände", coordinator, 1)
    assert _generation() == before + 1


def test_the_admin_refuses_an_end_before_the_start_in_german(client, coordinator, actor_a):
    client.force_login(coordinator)
    response = client.post(
        reverse("admin:synergies_listing_add"),
        {"actor": actor_a.pk, "direction": "offer", "category": "equipment", "title": "Stellwände",
         "valid_from": "2026-12-10", "valid_until": "2026-12-01"},
    )  # fmt: skip
    assert response.status_code == 200
    assert "Das Ende der Gültigkeit liegt vor ihrem Beginn." in response.content.decode()
    assert not Listing.objects.exists()


def test_a_stale_admin_form_is_refused(client, coordinator, actor_a):
    listing = ListingFactory(actor=actor_a, title="Alter Titel", version=2)
    client.force_login(coordinator)
    response = client.post(
        reverse("admin:synergies_listing_change", args=[listing.pk]),
        {"direction": "offer", "category": "rooms", "title": "Neuer Titel", "valid_from": TODAY.isoformat(),
         "expected_version": 1},
    )  # fmt: skip
    assert response.status_code == 200
    assert "Jemand anderes hat diesen Eintrag inzwischen geändert" in response.content.decode()
    assert Listing.objects.get().title == "Alter Titel"


def test_a_listing_deleted_in_the_admin_goes_through_the_service(client, coordinator, actor_a):
    kept, gone, also_gone = (ListingFactory(actor=actor_a) for _ in range(3))
    client.force_login(coordinator)
    before = _generation()

    response = client.post(reverse("admin:synergies_listing_delete", args=[gone.pk]), {"post": "yes"})
    assert response.status_code == 302
    response = client.post(
        reverse("admin:synergies_listing_changelist"),
        {"action": "delete_selected", "_selected_action": [also_gone.pk], "post": "yes"},
    )
    assert response.status_code == 302

    assert list(Listing.objects.all()) == [kept]
    deleted = Change.objects.filter(kind=ChangeKind.LISTING_DELETED)
    assert {(c.record_id, c.user_id, c.public) for c in deleted} == {
        (gone.pk, coordinator.pk, True),
        (also_gone.pk, coordinator.pk, True),
    }
    assert _generation() == before + 2


# --- history: one change per listing changed ----------------------------------------------------------


def _actor_subjects(change) -> set[int]:
    return set(change.subjects.filter(kind="actor").values_list("subject_id", flat=True))


def test_each_service_records_one_change_touching_the_actor(editor_a, actor_a):
    listing = listings.listing_create(user=editor_a, actor=actor_a, data=_data(sdgs=[13]))
    listings.listing_update(user=editor_a, listing=listing, data={"title": "Saal mit Bühne"}, expected_version=1)
    listings.listing_end(user=editor_a, listing=listing, expected_version=2, today=TODAY)

    history = list(Change.objects.for_record("synergies.listing", listing.pk).order_by("id"))
    assert [(c.kind, c.version, c.user) for c in history] == [
        (ChangeKind.LISTING_CREATED, 1, editor_a),
        (ChangeKind.LISTING_UPDATED, 2, editor_a),
        (ChangeKind.LISTING_ENDED, 3, editor_a),
    ]
    for change in history:
        assert (change.audience, change.public, _actor_subjects(change)) == (Audience.INTERNAL, True, {actor_a.pk})
    assert history[0].data["values"]["sdgs"] == [13]
    assert history[1].fields == {"title": {"old": "Gemeindesaal für bis zu 80 Personen", "new": "Saal mit Bühne"}}
    assert history[2].fields["valid_until"] == {"old": None, "new": (TODAY - DAY).isoformat()}


@pytest.mark.parametrize(
    ("published", "public_before", "public_after", "visible"),
    [
        (True, False, False, False),  # internal listing: visitors never saw it
        (True, False, True, True),  # published now
        (True, True, False, True),  # withdrawn from the public board
        (False, True, True, False),  # the actor is not published: its listings are not public
    ],
)
def test_a_change_is_public_when_visitors_saw_the_listing_before_or_after(
    published, public_before, public_after, visible
):
    actor = ActorFactory(published=published)
    listing = ListingFactory(actor=actor, public=public_before)
    before = _generation()

    listings.listing_update(
        user=None, listing=listing, data={"public": public_after, "title": "Neu"}, expected_version=1
    )

    assert Change.objects.get(kind=ChangeKind.LISTING_UPDATED).public is visible
    assert _generation() == before + (1 if visible else 0)


def test_listing_changes_refresh_the_actors_suggestions_after_commit(
    editor_a, actor_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        listings.listing_create(user=editor_a, actor=actor_a, data=_data())
        assert not DBTaskResult.objects.exists()

    queued = DBTaskResult.objects.get(task_path="knotenpunkt.synergies.tasks.refresh_suggestions")
    assert queued.args_kwargs["args"] == [[actor_a.pk]]
