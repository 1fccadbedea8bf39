"""`manage.py load_demo`: the Ludwigsburg demo data."""

from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db.models import Q
from django.utils import timezone

from knotenpunkt.accounts.models import Role, User
from knotenpunkt.activities.models import Activity, ActivityOccurrence
from knotenpunkt.actors import search
from knotenpunkt.actors.models import Actor, ActorCountry, ActorKind, Level, Membership, Person, Theme
from knotenpunkt.changes.models import Change
from knotenpunkt.demo import data as demo_data
from knotenpunkt.initiatives import coverage
from knotenpunkt.initiatives.models import Initiative, Involvement, Stakeholder
from knotenpunkt.interactions.models import FollowUp, Interaction
from knotenpunkt.network.models import Tie, TieKind
from knotenpunkt.pages.models import AccessibilityStatement

NAMED_ACTORS = [
    "koordinierungsstelle-kommunale-entwicklungspolitik",
    "referat-nachhaltige-stadtentwicklung",
    "fachbereich-tiefbau-und-gruenflaechen",
    "fachbereich-buergerschaftliches-engagement",
    "fachbereich-organisation-und-personal",
    "zentrale-beschaffungsstelle",
    "montbeliard",
    "caerphilly",
    "jewpatorija",
    "st-charles",
    "novy-jicin",
    "bergamo",
    "kongoussi",
    "ambato",
    "foerderkreis-burkina-faso",
    "eine-welt-forum-ludwigsburg",
    "fairtrade-steuerungsgruppe-ludwigsburg",
    "staatsministerium-baden-wuerttemberg",
    "staedtetag-baden-wuerttemberg",
    "ag-kommunale-entwicklungspolitik-staedtetag-bw",
    "landesjury-entwicklungspolitische-bildung",
    "bmz",
    "auswaertiges-amt",
    "engagement-global",
    "skew",
    "afrikabeauftragte-der-bundesregierung",
    "bertelsmann-stiftung",
]


def _counts():
    return {
        model.__name__: model.objects.count()
        for model in (Actor, Tie, Person, Membership, Theme, User, ActorCountry, Change)
    }


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    # Each test loads the demo with its three logins; the production hasher would take seconds.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def demo(db):
    call_command("load_demo", quiet=True)


def test_it_loads_a_network_of_the_promised_size(demo):
    assert Actor.objects.count() >= 40
    assert Tie.objects.count() >= 60
    assert Theme.objects.count() >= 12
    assert 12 <= Person.objects.count() <= 20
    assert Actor.objects.filter(published=False).count() >= 3
    assert Actor.objects.filter(published=True).count() >= 30


def test_the_named_actors_exist_in_their_place(demo):
    found = set(Actor.objects.filter(slug__in=NAMED_ACTORS).values_list("slug", flat=True))
    assert found == set(NAMED_ACTORS)
    assert Actor.objects.get(slug="bertelsmann-stiftung").kind == ActorKind.FOUNDATION
    assert Actor.objects.get(slug="afrikabeauftragte-der-bundesregierung").kind == ActorKind.FEDERAL_BODY

    office = Actor.objects.get(slug="koordinierungsstelle-kommunale-entwicklungspolitik")
    assert office.kind == ActorKind.CITY_DEPARTMENT
    assert office.parent.slug == "referat-nachhaltige-stadtentwicklung"
    assert Actor.objects.get(slug="skew").parent.slug == "engagement-global"

    partner_towns = {
        "montbeliard": "FR",
        "caerphilly": "GB",
        "jewpatorija": "UA",
        "st-charles": "US",
        "novy-jicin": "CZ",
        "bergamo": "IT",
        "kongoussi": "BF",
        "ambato": "EC",
    }
    for slug, country in partner_towns.items():
        town = Actor.objects.get(slug=slug)
        assert (town.kind, town.level, town.country.code) == (
            ActorKind.PARTNER_MUNICIPALITY,
            Level.INTERNATIONAL,
            country,
        )
        assert town.latitude is not None and town.longitude is not None
    assert "ruhen" in Actor.objects.get(slug="jewpatorija").description


def test_ties_cover_every_kind_with_dates_internal_ties_and_isolates(demo):
    assert set(Tie.objects.values_list("kind", flat=True)) == set(TieKind.values)
    assert Tie.objects.filter(public=False).exists()
    assert Tie.objects.filter(start_date__isnull=False).count() >= 3

    montbeliard = Tie.objects.get(target__slug="montbeliard", kind=TieKind.TWIN_TOWN)
    assert montbeliard.start_date.isoformat() == "1950-01-01"
    assert Tie.objects.filter(target__slug="kongoussi", kind=TieKind.CLIMATE_PARTNERSHIP).exists()
    assert Tie.objects.filter(target__slug="ambato", kind=TieKind.CLIMATE_PARTNERSHIP).exists()
    assert Tie.objects.get(source__slug="montbeliard", target__slug="kongoussi").start_date.year == 2006

    isolated = Actor.objects.exclude(Q(ties_out__isnull=False) | Q(ties_in__isnull=False))
    assert set(isolated.values_list("slug", flat=True)) == {
        "grundschule-regenbogenweg",
        "repair-cafe-weststadt",
        "ukrainischer-hilfsverein-ludwigsburg",
    }


def test_profiles_have_themes_sdgs_countries_notes_and_example_contacts(demo):
    forderkreis = Actor.objects.get(slug="foerderkreis-burkina-faso")
    assert forderkreis.themes.filter(slug="afrika").exists()
    assert forderkreis.sdgs.exists()
    assert list(forderkreis.countries.values_list("country", flat=True)) == ["BF"]
    assert Actor.objects.exclude(internal_notes="").count() >= 5
    assert Change.objects.filter(kind="actor.created").count() == Actor.objects.count()

    with_email = Actor.objects.filter(contact_email__gt="")
    assert with_email.count() >= 15
    assert all(actor.contact_email.endswith(".example.org") for actor in with_email)


def test_running_it_again_duplicates_nothing_and_keeps_edits(demo):
    forderkreis = Actor.objects.get(slug="foerderkreis-burkina-faso")
    Actor.objects.filter(pk=forderkreis.pk).update(description="Von Hand geändert.")
    before = _counts()

    call_command("load_demo", quiet=True)

    assert _counts() == before
    assert Actor.objects.get(pk=forderkreis.pk).description == "Von Hand geändert."


def test_demo_users_have_their_roles(demo):
    koordination = User.objects.get(username="koordination")
    assert koordination.role == Role.COORDINATOR
    assert koordination.is_staff
    assert koordination.check_password(demo_data.DEMO_PASSWORD)

    fachbereich = User.objects.get(username="fachbereich")
    assert fachbereich.role == Role.CITY_STAFF
    assert fachbereich.department.slug == "fachbereich-tiefbau-und-gruenflaechen"
    assert not fachbereich.is_staff

    verein = User.objects.get(username="verein")
    assert verein.role == Role.ACTOR_EDITOR
    assert list(verein.edited_actors.values_list("slug", flat=True)) == ["foerderkreis-burkina-faso"]


def test_all_persons_are_fictional(demo):
    for person in Person.objects.all():
        assert person.last_name in demo_data.FICTIONAL_SURNAMES, person
        assert person.email.endswith("@example.org"), person
    assert Membership.objects.filter(function="Vorsitz").exists()


def test_every_actor_is_found_by_its_name(demo):
    for actor in Actor.objects.all():
        found = search.search_actors(Actor.objects.all(), actor.name)
        assert actor in found, actor.name


def test_it_prints_the_logins_unless_quiet(demo):
    out = StringIO()
    call_command("load_demo", stdout=out)
    for username in ("koordination", "fachbereich", "verein"):
        assert username in out.getvalue()
    assert demo_data.DEMO_PASSWORD in out.getvalue()

    quiet = StringIO()
    call_command("load_demo", "--quiet", stdout=quiet)
    assert quiet.getvalue() == ""


BERLIN = ZoneInfo("Europe/Berlin")


# --- activities ---------------------------------------------------------------


def test_the_historic_activities_of_the_public_record_are_there(demo):
    g20 = Activity.objects.get(uid="demo-g20-compact-with-africa@knotenpunkt")
    assert g20.all_day and g20.city == "Berlin" and g20.public
    assert (g20.start.astimezone(BERLIN).date().isoformat(), g20.end.astimezone(BERLIN).date().isoformat()) == (
        "2017-06-12",
        "2017-06-15",  # all-day end is exclusive: the conference ran 12–14 June
    )
    titles = set(Activity.objects.values_list("title", flat=True))
    for expected in (
        "BuKo",
        "Afrikatag",
        "Fachkommission Fluchtursachen",
        "Expertengruppe Kommunikation",
        "Städtetags",
        "Landesjury",
        "Bonn",
        "Berlin",
        "Afrikabeauftragten",
        "Migration und Entwicklung",
    ):
        assert any(expected in title for title in titles), expected
    kinds = set(Activity.objects.values_list("kind", flat=True))
    assert {"conference", "event", "committee", "meeting", "talk", "campaign", "workshop", "milestone"} <= kinds


def test_the_local_year_has_a_monthly_forum_with_a_summer_break_and_internal_meetings(demo):
    forum = Activity.objects.get(uid="demo-eine-welt-forum@knotenpunkt")
    occurrences = list(forum.occurrences.order_by("start"))
    assert len(occurrences) == 12
    assert [o.cancelled for o in occurrences].count(True) == 1
    assert forum.participations.count() == 6
    assert Activity.objects.filter(public=False, uid__startswith="demo-").exists()
    assert Activity.objects.filter(cancelled=True, uid__startswith="demo-").exists()


def test_running_it_again_adds_no_activities(demo):
    before = (Activity.objects.count(), ActivityOccurrence.objects.count())
    call_command("load_demo", quiet=True)
    assert (Activity.objects.count(), ActivityOccurrence.objects.count()) == before


def test_the_contact_log_has_an_overdue_follow_up_for_the_coordinator(demo):
    assert Interaction.objects.count() == 4
    overdue = FollowUp.objects.filter(assignee__username="koordination", due_date__lt=timezone.localdate())
    assert overdue.count() == 1
    assert FollowUp.objects.filter(assignee__username="fachbereich", interaction__visibility="staff").exists()
    call_command("load_demo", quiet=True)
    assert Interaction.objects.count() == 4


def test_every_demo_series_starts_on_its_own_first_date(demo):
    for activity in Activity.objects.exclude(rrule=""):
        assert activity.occurrences.order_by("start").first().start == activity.start, activity.title


def test_the_initiatives_show_every_level_of_involvement_and_a_gap(demo):
    titles = set(Initiative.objects.values_list("title", flat=True))
    assert {"Fairtrade-Town: Titel erneuern", "Veranstaltungsreihe zum Afrikatag"} <= titles
    assert any("Kongoussi" in title for title in titles)
    assert set(Stakeholder.objects.values_list("reached", flat=True)) == set(Involvement.values)
    gaps = coverage.gaps_for_all()
    assert all(Initiative.objects.get(pk=pk).stakeholders.exists() for pk in gaps)
    assert any(gaps.values())  # at least one "Wer fehlt?" gap to show
    call_command("load_demo", quiet=True)
    assert Initiative.objects.count() == len(titles)  # a second run adds none


def test_no_demo_suggestion_pairs_two_units_of_one_organisation(demo, seeded_sdgs):
    from knotenpunkt.actors.selectors import same_organisation
    from knotenpunkt.synergies.models import Suggestion

    call_command("compute_suggestions", stdout=StringIO())

    city = Actor.objects.get(slug="stadt-ludwigsburg")
    office = Actor.objects.get(slug="koordinierungsstelle-kommunale-entwicklungspolitik")
    suggested = list(Suggestion.objects.select_related("actor", "partner"))
    assert len(suggested) > 50
    assert not [s for s in suggested if {s.actor_id, s.partner_id} == {city.pk, office.pk}]
    assert not [(s.actor.name, s.partner.name) for s in suggested if same_organisation(s.actor, s.partner)]


def test_the_accessibility_statement_is_there_and_a_reload_keeps_the_offices_edits(demo):
    statement = AccessibilityStatement.objects.get()
    assert "**teilweise**" in statement.text and "Netzwerkkarte" in statement.text
    AccessibilityStatement.objects.update(text="Von der Koordinierungsstelle überarbeitet.")

    call_command("load_demo", quiet=True)

    assert AccessibilityStatement.objects.get().text == "Von der Koordinierungsstelle überarbeitet."
