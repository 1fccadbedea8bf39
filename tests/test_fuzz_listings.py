"""Fuzzing the offers board and the listing forms (as tests/test_fuzz_forms.py does for the others):
no input gives a 500, a rejected submission writes nothing, an accepted one writes one consistent listing."""

import datetime as dt

import pytest
from django.urls import reverse
from hypothesis import example, given, settings
from hypothesis import strategies as st

from knotenpunkt.accounts.models import Role
from knotenpunkt.actors.models import ActorKind
from knotenpunkt.synergies.models import Category, Direction, Listing
from tests.factories import ListingFactory, ThemeFactory, UserFactory
from tests.test_fuzz_forms import (
    FIELD_NAME,
    FUZZ,
    HTTP_TEXT,
    JUNK,
    OUT_OF_RANGE,
    _client,
    _no_server_error,
    _or_junk,
    rolled_back,
)

pytestmark = pytest.mark.django_db


def counts():
    return {
        "Listing": Listing.objects.count(),
        "themes": Listing.themes.through.objects.count(),
        "sdgs": Listing.sdgs.through.objects.count(),
    }


@pytest.fixture
def board_listings(actor_a, actor_b):
    theme = ThemeFactory(slug="klimaschutz")
    public = ListingFactory(actor=actor_a, title="Öffentlicher Saal", themes=[theme], country="BF")
    public.sdgs.set([13])
    internal = ListingFactory(actor=actor_a, title="Interner Saal", public=False)
    hidden = ListingFactory(actor=actor_b, title="Saal eines unveröffentlichten Akteurs")
    return public, internal, hidden


BOARD_PARAMS = st.fixed_dictionaries(
    {},
    optional={
        "q": st.one_of(HTTP_TEXT, st.just("Saal"), JUNK),
        "direction": st.one_of(st.sampled_from(Direction.values), JUNK),
        "category": st.one_of(st.sampled_from(Category.values), JUNK),
        "theme": st.one_of(st.just("klimaschutz"), JUNK),
        "sdg": st.one_of(st.integers(0, 18).map(str), JUNK),
        "country": st.one_of(st.sampled_from(["BF", "DE", "ZZ"]), JUNK),
        "kind": st.one_of(st.sampled_from(ActorKind.values), JUNK),
        "page": st.one_of(st.integers(-5, 10**30).map(str), JUNK),
    },
)


@FUZZ
@given(params=BOARD_PARAMS, htmx=st.booleans(), as_editor=st.booleans())
@example(params=dict.fromkeys(("q", "direction", "category", "theme", "sdg", "country", "kind", "page"), "a\x00b"),
         htmx=False, as_editor=False)  # fmt: skip
@example(params={"sdg": str(10**30), "page": str(10**30), "q": "x" * 100_000}, htmx=True, as_editor=True)
def test_the_board_survives_any_query_string(shared_handler, editor_b, board_listings, params, htmx, as_editor):
    client = _client(shared_handler, editor_b if as_editor else None)
    _public, internal, hidden = board_listings
    with rolled_back():
        before = counts()
        response = client.get(reverse("synergies:board"), params, headers={"HX-Request": "true"} if htmx else {})
        assert response.status_code == 200
        shown = {listing.pk for listing in response.context["page"].object_list}
        assert internal.pk not in shown
        assert as_editor or hidden.pk not in shown
        assert counts() == before


@st.composite
def listing_form_data(draw, *, theme_ids, version=None):
    plausible_only = draw(st.booleans())

    def field(strategy, *bad):
        return draw(_or_junk(strategy, plausible_only, *bad))

    today = dt.date.today()
    dates = st.one_of(
        st.just(""),
        st.dates(today - dt.timedelta(days=30), today + dt.timedelta(days=400)).map(dt.date.isoformat),
        st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31)).map(dt.date.isoformat),
    )
    bad_ids = st.lists(st.sampled_from(OUT_OF_RANGE).map(str), min_size=1, max_size=2)
    data = {
        "direction": field(st.sampled_from(Direction.values)),
        "category": field(st.sampled_from(Category.values)),
        "title": field(st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=60)
                       .filter(str.strip)),
        "description": field(st.one_of(st.text(max_size=200), st.just("# Titel\n\n*fett* " * 5000))),
        "themes": field(st.lists(st.sampled_from([str(pk) for pk in theme_ids]), max_size=3), bad_ids),
        "sdgs": field(st.lists(st.integers(1, 17).map(str), max_size=4), bad_ids),
        "country": field(st.sampled_from(["", "BF", "EC", "DE"])),
        "valid_from": field(dates),
        "valid_until": field(dates),
        "public": field(st.sampled_from(["on", ""])),
        "actor": field(st.sampled_from(["1", "2"])),  # not a form field: ignored
    }  # fmt: skip
    if version is not None:
        data["version"] = field(st.one_of(st.just(str(version)), st.integers(0, version + 2).map(str)))
    data = {name: value for name, value in data.items() if value is not None}
    return {**draw(st.dictionaries(FIELD_NAME, JUNK, max_size=2)), **data}


@pytest.fixture
def theme_ids(db):
    return [ThemeFactory(slug="klimaschutz").pk, ThemeFactory(slug="fairer-handel").pk]


def _assert_consistent(listing, actor):
    assert listing.actor == actor
    assert listing.title == listing.title.strip() != ""
    assert listing.valid_until is None or listing.valid_until >= listing.valid_from
    listing.full_clean()


@FUZZ
@given(data=st.data())
def test_the_create_form_writes_one_listing_or_nothing(shared_handler, editor_a, actor_a, theme_ids, data):
    post = data.draw(listing_form_data(theme_ids=theme_ids))
    client = _client(shared_handler, editor_a)
    with rolled_back():
        before = counts()
        response = client.post(reverse("synergies:listing_create", args=[actor_a.slug]), post)
        _no_server_error(response)
        if response.status_code == 302:
            listing = Listing.objects.order_by("-pk").first()
            assert Listing.objects.count() == before["Listing"] + 1
            assert response["Location"] == listing.get_absolute_url()
            _assert_consistent(listing, actor_a)
        else:
            assert response.status_code == 200
            assert response.context["form"].errors
            assert counts() == before


@settings(FUZZ, max_examples=30)
@given(data=st.data())
def test_the_edit_form_writes_one_change_or_nothing(shared_handler, editor_a, actor_a, theme_ids, data):
    post = data.draw(listing_form_data(theme_ids=theme_ids, version=2))
    client = _client(shared_handler, editor_a)
    with rolled_back():
        listing = ListingFactory(actor=actor_a, version=2)
        before = counts()
        response = client.post(reverse("synergies:listing_edit", args=[listing.pk]), post)
        _no_server_error(response)
        stored = Listing.objects.get(pk=listing.pk)
        if response.status_code == 302:
            assert stored.version == 3
            _assert_consistent(stored, actor_a)
        else:
            assert response.status_code in (200, 409)
            assert stored.version == 2
            assert counts() == before


@settings(FUZZ, max_examples=30)
@given(version=st.one_of(JUNK, st.none()))
def test_ending_survives_any_version(shared_handler, editor_a, actor_a, version):
    client = _client(shared_handler, editor_a)
    with rolled_back():
        listing = ListingFactory(actor=actor_a)
        response = client.post(
            reverse("synergies:listing_end", args=[listing.pk]), {} if version is None else {"version": version}
        )
        assert response.status_code == 302


@FUZZ
@given(
    url_name=st.sampled_from(["synergies:listing_create", "synergies:listing_edit", "synergies:listing_end"]),
    role=st.sampled_from([None, Role.COORDINATOR, Role.CITY_STAFF, Role.ACTOR_EDITOR]),
    post=st.dictionaries(st.sampled_from(["title", "direction", "category", "valid_from", "valid_until", "version",
                                          "themes", "sdgs", "country", "public"]), JUNK, max_size=5),
)  # fmt: skip
def test_any_post_by_any_role_gives_no_server_error(shared_handler, actor_a, url_name, role, post):
    with rolled_back():
        user = UserFactory(role=role) if role else None
        if role == Role.ACTOR_EDITOR:
            user.edited_actors.add(actor_a)
        listing = ListingFactory(actor=actor_a)
        client = _client(shared_handler, user)
        kwargs = {"slug": actor_a.slug} if url_name == "synergies:listing_create" else {"pk": listing.pk}
        before = counts()
        response = client.post(reverse(url_name, kwargs=kwargs), post)
        _no_server_error(response)
        if role not in (Role.COORDINATOR, Role.ACTOR_EDITOR):
            assert counts() == before
