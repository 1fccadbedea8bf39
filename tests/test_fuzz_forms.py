"""Fuzzing forms and query parameters: no input gives a 500, a rejected submission writes nothing,
an accepted one writes exactly one consistent record.

Every example runs in a savepoint that is rolled back afterwards, so examples do not see each
other's writes and a database error cannot poison the examples that follow. The test client
re-raises any exception a view raises, so a 500 fails the example.
"""

import datetime as dt
import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.db import transaction
from django.test.client import Client
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from knotenpunkt.accounts.models import Role
from knotenpunkt.actors import services
from knotenpunkt.actors.models import SDG, Actor, ActorCountry, ActorKind, Level
from knotenpunkt.changes.models import Change
from knotenpunkt.lib.markdown import ALLOWED_TAGS, render_markdown
from knotenpunkt.network.models import Tie, TieKind
from tests.factories import ActorFactory, DepartmentFactory, ThemeFactory, TieFactory, UserFactory

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Anything a URL-encoded or multipart request can carry: every code point except lone surrogates
# (which UTF-8 cannot encode), NUL and control characters included.
_CHARS = st.characters(exclude_categories=("Cs",))
HTTP_TEXT = st.one_of(
    st.text(_CHARS, max_size=40),
    # NUL is legal in a query string (%00) but not in a PostgreSQL text parameter.
    st.lists(st.text(_CHARS, max_size=8), min_size=2, max_size=3).map("\x00".join),
)
JUNK = st.one_of(
    HTTP_TEXT,
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.floats().map(str),
    st.sampled_from(["", " ", "0", "1", "-1", "on", "off", "true", "None", "null", "[]", "1e400", "NaN", "Infinity",
                     "0x10", "٣", "²", "\x00", "' OR 1=1 --", "%", "_", "\\", "../../etc/passwd",
                     "2024-02-30", "99999-01-01", "0000-00-00", "Förder\x00kreis"]),
    st.just("x" * 100_000),
)  # fmt: skip
# Field names for extra parameters: multipart encoding needs them printable.
FIELD_NAME = st.from_regex(r"[a-z_][a-z0-9_]{0,15}", fullmatch=True)


def _client(handler, user=None):
    client = Client(raise_request_exception=True)
    client.handler = handler
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def coordinator_client(shared_handler, coordinator):
    return _client(shared_handler, coordinator)


class rolled_back:
    """A savepoint that is always rolled back."""

    def __enter__(self):
        self.atomic = transaction.atomic()
        self.atomic.__enter__()

    def __exit__(self, *exc):
        transaction.set_rollback(True)
        return self.atomic.__exit__(*exc)


def counts():
    rows = {model.__name__: model.objects.count() for model in (Actor, ActorCountry, Tie)}
    # The actors' own history (ties, memberships … record changes of their own).
    rows["ActorChange"] = Change.objects.filter(record_type="actors.actor").count()
    return rows


def own_changes(actor):
    return Change.objects.for_record("actors.actor", actor.pk)


def _no_server_error(response):
    assert response.status_code < 500, response.content[:2000]
    event(f"HTTP {response.status_code}")


# --- directory and autocomplete ------------------------------------------------------------


@pytest.fixture
def directory_actors(actor_a, actor_b):
    theme = ThemeFactory(slug="fairer-handel")
    actor_a.themes.add(theme)
    actor_a.sdgs.add(SDG.objects.get(number=12))
    ActorCountry.objects.create(actor=actor_a, country="BF")
    return actor_a, actor_b


DIRECTORY_PARAMS = st.fixed_dictionaries(
    {},
    optional={
        "q": st.one_of(HTTP_TEXT, st.just("Förderkreis"), JUNK),
        "kind": st.one_of(st.sampled_from(ActorKind.values), JUNK),
        "level": st.one_of(st.sampled_from(Level.values), JUNK),
        "theme": st.one_of(st.just("fairer-handel"), JUNK),
        "sdg": st.one_of(st.integers(0, 18).map(str), JUNK),
        "country": st.one_of(st.sampled_from(["BF", "DE", "ZZ"]), JUNK),
        "page": st.one_of(st.integers(-5, 10**30).map(str), JUNK),
    },
)
UNKNOWN_PARAMS = st.dictionaries(HTTP_TEXT, st.one_of(HTTP_TEXT, st.lists(HTTP_TEXT, max_size=3)), max_size=3)


NUL_PARAMS = dict.fromkeys(("q", "kind", "level", "theme", "sdg", "country", "page"), "ab\x00cd")


@FUZZ
@given(params=DIRECTORY_PARAMS, unknown=UNKNOWN_PARAMS, htmx=st.booleans(), as_coordinator=st.booleans())
@example(params=NUL_PARAMS, unknown={"\x00": "\x00"}, htmx=False, as_coordinator=False)
@example(params={"sdg": str(10**30), "page": str(10**30), "theme": "x" * 100_000}, unknown={}, htmx=True,
         as_coordinator=True)  # fmt: skip
def test_directory_survives_any_query_string(shared_handler, coordinator, directory_actors, params, unknown, htmx,
                                             as_coordinator):  # fmt: skip
    client = _client(shared_handler, coordinator if as_coordinator else None)
    headers = {"HX-Request": "true"} if htmx else {}
    with rolled_back():
        before = counts()
        response = client.get(reverse("actors:directory"), {**unknown, **params}, headers=headers)
        assert response.status_code == 200
        shown = {actor.pk for actor in response.context["page"].object_list}
        assert as_coordinator or directory_actors[1].pk not in shown
        assert counts() == before


@settings(FUZZ, max_examples=100)
@given(key=st.sampled_from(["q", "target", "duplicate"]), value=st.one_of(HTTP_TEXT, JUNK))
@example(key="q", value="Förder\x00kreis")
@example(key="target", value="\x00\x00\x00")
def test_autocomplete_survives_any_query(shared_handler, directory_actors, key, value):
    response = _client(shared_handler).get(reverse("actors:autocomplete"), {key: value})
    assert response.status_code == 200
    assert directory_actors[1] not in list(response.context["actors"])


# --- actor create and edit -----------------------------------------------------------------


def _or_junk(strategy, plausible_only, *bad):
    """The plausible values only, or those mixed with junk, `bad` values and a missing field (None)."""
    return strategy if plausible_only else st.one_of(strategy, JUNK, *bad, st.none())


# Ids no row has, some beyond what SQLite can bind (64 bits).
OUT_OF_RANGE = [0, -1, 10**12, 2**63, -(2**70)]


@st.composite
def actor_form_data(draw, *, parent_ids, theme_ids, version=None):
    plausible_only = draw(st.booleans())

    def field(strategy, *bad):
        return draw(_or_junk(strategy, plausible_only, *bad))

    bad_ids = st.lists(st.sampled_from(OUT_OF_RANGE).map(str), min_size=1, max_size=2)
    data = {
        "name": field(st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=60)
                      .filter(str.strip)),
        "slug": field(st.one_of(st.just(""), st.from_regex(r"[a-z0-9][a-z0-9-]{0,30}", fullmatch=True))),
        "kind": field(st.sampled_from(ActorKind.values)),
        "level": field(st.sampled_from(Level.values)),
        "parent": field(st.sampled_from(["", *map(str, parent_ids)]), st.sampled_from(OUT_OF_RANGE).map(str)),
        "description": field(st.one_of(st.text(max_size=200), st.just("# Titel\n\n*fett* " * 5000))),
        "themes": field(st.lists(st.sampled_from([str(pk) for pk in theme_ids]), max_size=3), bad_ids),
        "sdgs": field(st.lists(st.integers(1, 17).map(str), max_size=4), bad_ids),
        "website": field(st.sampled_from(["", "https://example.org/verein", "http://xn--frderkreis-ecb.de"])),
        "contact_email": field(st.one_of(st.just(""), st.emails().filter(lambda e: len(e) <= 254))),
        "contact_phone": field(st.text(max_size=40)),
        "street": field(st.text(max_size=60)),
        "postcode": field(st.from_regex(r"[0-9]{0,5}", fullmatch=True)),
        "city": field(st.text(max_size=60)),
        "country": field(st.sampled_from(["", "DE", "BF", "NI"])),
        "latitude": field(st.decimals(-90, 90, places=6).map(str)),
        "longitude": field(st.decimals(-180, 180, places=6).map(str)),
        "published": field(st.sampled_from(["on", ""])),
        "internal_notes": field(st.text(max_size=200)),
        "countries": field(st.lists(st.sampled_from(["DE", "BF", "NI", "TZ"]), max_size=4)),
    }  # fmt: skip
    if version is not None:
        data["version"] = field(st.one_of(st.just(str(version)), st.integers(0, version + 2).map(str)))
    data = {name: value for name, value in data.items() if value is not None}
    extra = draw(st.dictionaries(FIELD_NAME, JUNK, max_size=2))
    return {**extra, **data}


@pytest.fixture
def form_context(department):
    themes = [ThemeFactory(slug="klimaschutz"), ThemeFactory(slug="fairer-handel")]
    return {"parent_ids": [department.pk], "theme_ids": [t.pk for t in themes]}


def _assert_consistent(actor):
    actor.full_clean()
    assert actor.slug
    assert own_changes(actor).filter(version=actor.version).count() == 1
    codes = list(actor.countries.values_list("country", flat=True))
    assert len(codes) == len(set(codes))


@FUZZ
@given(data=st.data())
def test_create_form_writes_one_actor_or_nothing(coordinator_client, form_context, data):
    post = data.draw(actor_form_data(**form_context))
    with rolled_back():
        before = counts()
        response = coordinator_client.post(reverse("actors:create"), post)
        _no_server_error(response)
        after = counts()
        if response.status_code == 302:
            assert after["Actor"] == before["Actor"] + 1
            assert after["ActorChange"] == before["ActorChange"] + 1
            actor = Actor.objects.order_by("-pk").first()
            assert response["Location"] == actor.get_absolute_url()
            assert own_changes(actor).get().kind == "actor.created"
            assert actor.version == 1
            _assert_consistent(actor)
        else:
            assert response.status_code == 200
            assert response.context["form"].errors
            assert after == before


@pytest.mark.parametrize("field", ["themes", "sdgs", "parent"])
@pytest.mark.parametrize("value", [str(2**63), str(-(2**70)), "1" * 400])
def test_out_of_range_ids_are_invalid_choices(coordinator_client, department, field, value):
    before = counts()
    post = {"name": "Neuer Verein", "kind": ActorKind.ASSOCIATION, "level": Level.LOCAL, field: [value]}
    response = coordinator_client.post(reverse("actors:create"), post)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert counts() == before


@pytest.fixture
def edited_actor(department, city_staff):
    """An actor with history (version 2), so a stale version meets real changes to rebase on."""
    actor = ActorFactory(name="Zu bearbeitender Verein", published=True, parent=department)
    ActorCountry.objects.create(actor=actor, country="BF")
    return services.actor_update(
        user=city_staff,
        actor=actor,
        data={"city": "Stuttgart", "themes": [ThemeFactory(slug="klimaschutz")], "countries": ["BF", "NI"]},
        expected_version=1,
    )


@FUZZ
@given(data=st.data())
def test_edit_form_writes_one_change_or_nothing(coordinator_client, form_context, edited_actor, data):
    post = data.draw(actor_form_data(**form_context, version=edited_actor.version))
    url = reverse("actors:edit", args=[edited_actor.slug])
    with rolled_back():
        before, version_before = counts(), Actor.objects.get(pk=edited_actor.pk).version
        response = coordinator_client.post(url, post)
        _no_server_error(response)
        after = counts()
        actor = Actor.objects.get(pk=edited_actor.pk)
        assert after["Actor"] == before["Actor"]
        if response.status_code == 302:
            assert after["ActorChange"] - before["ActorChange"] == actor.version - version_before
            assert actor.version - version_before in (0, 1)  # unchanged form: nothing to record
            _assert_consistent(actor)
        else:
            assert response.status_code in (200, 409)
            assert actor.version == version_before
            assert after == before


@FUZZ
@given(data=st.data(), persona=st.sampled_from(["editor_a", "city_staff"]))
def test_restricted_edit_forms_never_touch_coordinator_only_fields(shared_handler, request, form_context, actor_a,
                                                                     department, data, persona):  # fmt: skip
    user = request.getfixturevalue(persona)
    actor = actor_a if persona == "editor_a" else department
    post = data.draw(actor_form_data(**form_context, version=actor.version))
    client = _client(shared_handler, user)
    fields = ("published", "kind", "parent", "slug")
    with rolled_back():
        before = Actor.objects.filter(pk=actor.pk).values(*fields).get()
        response = client.post(reverse("actors:edit", args=[actor.slug]), post)
        _no_server_error(response)
        assert Actor.objects.filter(pk=actor.pk).values(*fields).get() == before


# --- ties --------------------------------------------------------------------------------


@pytest.fixture
def tie_context(actor_a, actor_b):
    partner = ActorFactory(name="Partnerstadt Kongoussi", published=True)
    TieFactory(source=actor_a, target=partner, kind=TieKind.COOPERATION)
    return {"source": actor_a, "targets": [actor_a, actor_b, partner]}


@st.composite
def tie_form_data(draw, targets):
    plausible_only = draw(st.booleans())

    def field(strategy):
        return draw(_or_junk(strategy, plausible_only))

    target = draw(st.sampled_from(targets))
    dates = st.one_of(st.just(""), st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31)).map(dt.date.isoformat))
    data = {
        "target": field(st.sampled_from([target.slug, target.name, target.name.upper(), f"  {target.slug} "])),
        "kind": field(st.sampled_from(TieKind.values)),
        "start_date": field(dates),
        "end_date": field(dates),
        "note": field(st.text(max_size=100)),
        "public": field(st.sampled_from(["on", ""])),
        "source": field(st.sampled_from([str(t.pk) for t in targets])),  # not a form field: ignored
    }
    data = {name: value for name, value in data.items() if value is not None}
    return {**draw(st.dictionaries(FIELD_NAME, JUNK, max_size=2)), **data}


@FUZZ
@given(data=st.data(), htmx=st.booleans())
def test_tie_form_writes_one_tie_or_nothing(coordinator_client, tie_context, data, htmx):
    source = tie_context["source"]
    post = data.draw(tie_form_data(tie_context["targets"]))
    headers = {"HX-Request": "true"} if htmx else {}
    with rolled_back():
        before = counts()
        response = coordinator_client.post(reverse("network:tie_create", args=[source.slug]), post, headers=headers)
        _no_server_error(response)
        after = counts()
        created = after["Tie"] - before["Tie"]
        assert {k: v for k, v in after.items() if k != "Tie"} == {k: v for k, v in before.items() if k != "Tie"}
        assert created in (0, 1)
        if htmx:
            assert response.status_code == (200 if created else 422)
        else:
            assert response.status_code == 302
        if created:
            tie = Tie.objects.order_by("-pk").first()
            assert tie.source_id == source.pk and tie.target_id != source.pk
            assert not (tie.start_date and tie.end_date and tie.end_date < tie.start_date)
            tie.full_clean()


# --- merge -------------------------------------------------------------------------------


@pytest.fixture
def merge_context(department):
    survivor = ActorFactory(name="Förderkreis Ludwigsburg", published=True, parent=department)
    duplicate = ActorFactory(name="Foerderkreis Ludwigsburg e.V.", published=False, description="")
    TieFactory(source=duplicate, target=survivor)  # becomes a self-loop: dropped
    TieFactory(source=duplicate, target=department)
    return {"survivor": survivor, "candidates": [survivor, duplicate, department]}


@FUZZ
@given(data=st.data())
def test_merge_form_merges_exactly_one_actor_or_nothing(coordinator_client, merge_context, data):
    survivor = merge_context["survivor"]
    candidate = data.draw(st.sampled_from(merge_context["candidates"]))
    plausible_only = data.draw(st.booleans())
    post = {
        **data.draw(st.dictionaries(FIELD_NAME, JUNK, max_size=2)),
        "duplicate": data.draw(_or_junk(st.sampled_from([candidate.slug, candidate.name.lower()]), plausible_only)),
        "confirm": data.draw(_or_junk(st.just("1"), plausible_only)),
    }
    post = {name: value for name, value in post.items() if value is not None}
    with rolled_back():
        before = counts()
        response = coordinator_client.post(reverse("actors:merge", args=[survivor.slug]), post)
        _no_server_error(response)
        after = counts()
        if response.status_code == 302:
            assert after["Actor"] == before["Actor"] - 1
            assert after["ActorChange"] == before["ActorChange"] + 1
            survivor_now = Actor.objects.get(pk=survivor.pk)
            assert own_changes(survivor_now).get(version=survivor_now.version).kind == "actor.merged"
            assert not Tie.objects.filter(source=survivor_now, target=survivor_now).exists()
            survivor_now.full_clean()
        else:
            assert response.status_code == 200
            assert after == before


def test_merge_never_leaves_a_parent_cycle(coordinator_client, department):
    """Duplicate → unit → survivor: after the merge the unit must not hang below the survivor and vice versa."""
    duplicate = DepartmentFactory(name="Altes Referat")
    unit = DepartmentFactory(name="Abteilung", parent=duplicate)
    survivor = DepartmentFactory(name="Sachgebiet", parent=unit)
    response = coordinator_client.post(
        reverse("actors:merge", args=[survivor.slug]), {"duplicate": duplicate.slug, "confirm": "1"}
    )
    assert response.status_code == 302
    unit.refresh_from_db()
    survivor.refresh_from_db()
    assert not (unit.parent_id == survivor.pk and survivor.parent_id == unit.pk)


# --- login -------------------------------------------------------------------------------


@FUZZ
@given(
    username=st.one_of(st.just("koordination"), HTTP_TEXT, JUNK),
    password=st.one_of(st.just("geheim-genug-123"), HTTP_TEXT, JUNK),
    next_url=st.one_of(st.none(), st.sampled_from(["/akteure/", "//evil.example/", "https://evil.example/",
                                                   "/\\evil.example", "javascript:alert(1)", "\\\\evil.example",
                                                   "http://testserver/akteure/"]), HTTP_TEXT),
    extra=st.dictionaries(FIELD_NAME, JUNK, max_size=2),
)  # fmt: skip
def test_login_form_survives_any_input_and_redirects_only_locally(shared_handler, coordinator, username, password,
                                                                  next_url, extra):  # fmt: skip
    client = _client(shared_handler)
    post = {**extra, "username": username, "password": password}
    if next_url is not None:
        post["next"] = next_url
    with rolled_back():
        response = client.post(reverse("accounts:login"), post)
        _no_server_error(response)
        if response.status_code == 302:
            assert (username, password) == ("koordination", "geheim-genug-123")
            location = response["Location"]
            assert url_has_allowed_host_and_scheme(location, allowed_hosts={"testserver"})
            assert urlsplit(location).netloc in ("", "testserver")
        else:
            assert response.status_code == 200
            assert "_auth_user_id" not in client.session


# --- Markdown descriptions ------------------------------------------------------------------

XSS_DESCRIPTIONS = [
    "<script>alert(1)</script>",
    "Hallo <SCRIPT src=//evil.example/x.js></SCRIPT> Welt",
    '<img src=x onerror="alert(1)">',
    "<svg/onload=alert(1)>",
    '<a href="#" onclick="alert(1)" onmouseover=alert(2)>Klick</a>',
    "[Klick](javascript:alert(1))",
    "[Klick](JaVaScRiPt:alert(1))",
    "[Klick]( javascript:alert(1) )",
    "[Klick](&#106;avascript:alert(1))",
    "[Klick](java\tscript:alert(1))",
    "<a href='javascript:alert(1)'>Klick</a>",
    '<a href="&#x6A;avascript:alert(1)">Klick</a>',
    "[Klick][1]\n\n[1]: javascript:alert(1)",
    "<javascript:alert(1)>",
    "![Bild](javascript:alert(1))",
    "<iframe src=javascript:alert(1)></iframe>",
    '<form action="javascript:alert(1)"><button>Los</button></form>',
    "<style>body{background:url(javascript:alert(1))}</style>",
    "[Klick](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "```\n<script>alert(1)</script>\n```",
    "`<script>alert(1)</script>`",
    "<p title='x\" onmouseover=\"alert(1)'>x</p>",
]


class _ProseCollector(HTMLParser):
    """Tags and attributes inside the profile's description (<div class="prose">)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.tags = []

    def handle_starttag(self, tag, attrs):
        if self.depth:
            if tag == "div":
                self.depth += 1
            self.tags.append((tag, dict(attrs)))
        elif tag == "div" and ("class", "prose") in attrs:
            self.depth = 1

    def handle_endtag(self, tag):
        if self.depth and tag == "div":
            self.depth -= 1


def _scheme(url):
    """The scheme a browser would see: it drops tabs and newlines and trims controls and spaces."""
    url = re.sub(r"[\t\n\r]", "", url or "").strip("".join(map(chr, range(33))))
    match = re.match(r"([a-zA-Z][a-zA-Z0-9+.-]*):", url)
    return match.group(1).lower() if match else ""


def _assert_harmless(tags):
    for tag, attrs in tags:
        assert tag in ALLOWED_TAGS, tag
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name)
            assert name in ("href", "title", "rel"), (tag, name)
            if name == "href":
                assert _scheme(value) in ("", "http", "https", "mailto"), value


def _prose_tags(html):
    parser = _ProseCollector()
    parser.feed(html)
    return parser.tags


@pytest.mark.parametrize("description", XSS_DESCRIPTIONS)
def test_scripts_handlers_and_javascript_links_do_not_survive_the_profile(shared_handler, actor_a, description):
    actor_a.description = f"Unser Verein.\n\n{description}\n\nEnde."
    actor_a.save()
    html = _client(shared_handler).get(actor_a.get_absolute_url()).content.decode()
    assert '<div class="prose">' in html
    prose = html.split('<div class="prose">', 1)[1].split("</div>", 1)[0]
    for tag in ("<script", "<img", "<svg", "<iframe", "<form", "<style"):
        assert tag not in prose.lower()  # as text they are escaped: &lt;script
    _assert_harmless(_prose_tags(html))
    # The directory card shows the description as plain text.
    card = _client(shared_handler).get(reverse("actors:directory"), headers={"HX-Request": "true"})
    assert "<script" not in card.content.decode().lower()


FRAGMENTS = st.sampled_from(
    ["<script>", "</script>", "<img src=x ", "onerror=alert(1)", ">", "<a href=", '"', "'", "javascript:", "java",
     "script:", "&#106;", "&#x6A;", "[x](", ")", "![y](", "\n\n", "`", "<svg", " onload=", "<", "data:", "\t", " ",
     "**", "_", "[1]: ", "[x][1]", "&lt;", "%6A", "<p ", "title=", "<!--", "-->", "<![CDATA[", "]]>"]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(FRAGMENTS, st.text(max_size=5)), max_size=30).map("".join))
def test_rendered_markdown_never_contains_scripts_handlers_or_javascript_links(text):
    parser = _ProseCollector()
    parser.feed(f'<div class="prose">{render_markdown(text)}</div>')
    _assert_harmless(parser.tags)


# --- every form as every role: never a 500 ------------------------------------------------------


@FUZZ
@given(
    url_name=st.sampled_from(["actors:create", "actors:edit", "actors:publish", "actors:merge", "network:tie_create"]),
    role=st.sampled_from([None, Role.COORDINATOR, Role.CITY_STAFF, Role.ACTOR_EDITOR]),
    post=st.dictionaries(st.sampled_from(["name", "kind", "published", "version", "duplicate", "confirm", "target",
                                          "slug", "parent", "themes"]), JUNK, max_size=5),
)  # fmt: skip
def test_any_post_by_any_role_gives_no_server_error(shared_handler, actor_a, url_name, role, post):
    with rolled_back():
        user = UserFactory(role=role) if role else None
        if role == Role.ACTOR_EDITOR:
            user.edited_actors.add(actor_a)
        client = _client(shared_handler, user)
        kwargs = None if url_name == "actors:create" else {"slug": actor_a.slug}
        before = counts()
        response = client.post(reverse(url_name, kwargs=kwargs), post)
        _no_server_error(response)
        if role != Role.COORDINATOR:
            assert counts() == before
