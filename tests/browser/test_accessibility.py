"""axe-core on every page of the app, in every role, at desktop and phone width (BITV 2.0 / WCAG 2.1 AA).

The pages come from the URL resolver, so a page added later is checked without a new line here; only
URLs with parameters need a way to fill them from the world below (a URL without one fails
`test_every_url_with_parameters_can_be_filled`). A URL that is no HTML page for a role (403, 404, a
redirect, a download, an htmx fragment) is skipped for that role. A failure lists URL, role, width
and every serious or critical violation.
"""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from knotenpunkt.accounts.models import Role
from knotenpunkt.activities.models import CalendarSource
from knotenpunkt.activities.services import ParticipantSpec, activity_create
from knotenpunkt.actors.models import SDG, ActorCountry, Membership
from knotenpunkt.changes.models import Change
from knotenpunkt.demo import accessibility as demo_accessibility
from knotenpunkt.initiatives import services as initiative_services
from knotenpunkt.initiatives.models import ParticipationRequest
from knotenpunkt.pages.services import accessibility_statement_save, barrier_report_create
from knotenpunkt.synergies.models import Introduction
from tests.browser.conftest import DESKTOP, axe_violations, log_in
from tests.factories import (
    ActorFactory,
    DepartmentFactory,
    FollowUpFactory,
    InteractionFactory,
    ListingFactory,
    PersonFactory,
    ThemeFactory,
    TieFactory,
    UserFactory,
)
from tests.test_permission_matrix import _named_urls

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = {"width": 390, "height": 844}
WIDTHS = {"1280": DESKTOP, "390": PHONE}
ROLES = ("anonymous", "editor", "city_staff", "coordinator")

# How to fill the parameters of each URL that has some, from the world of `_world()`.
KWARGS = {
    "pages:actor": lambda w: {"slug": w.actor.slug},
    "pages:personal_feed": lambda w: {"token": "kein-token"},
    "actors:edit": lambda w: {"slug": w.actor.slug},
    "actors:publish": lambda w: {"slug": w.actor.slug},
    "actors:merge": lambda w: {"slug": w.actor.slug},
    "network:tie_create": lambda w: {"slug": w.actor.slug},
    "network:tie_delete": lambda w: {"pk": w.tie.pk},
    "network:ego": lambda w: {"slug": w.actor.slug},
    "network:export": lambda w: {"fmt": "graphml"},
    "activities:detail": lambda w: {"pk": w.activity.pk},
    "activities:edit": lambda w: {"pk": w.activity.pk},
    "activities:cancel": lambda w: {"pk": w.activity.pk},
    "activities:exception": lambda w: {"pk": w.activity.pk},
    "activities:activity_ics": lambda w: {"pk": w.activity.pk},
    "activities:sources": lambda w: {"slug": w.actor.slug},
    "activities:source_refresh": lambda w: {"pk": w.source.pk},
    "activities:source_delete": lambda w: {"pk": w.source.pk},
    # POST only (confirming or declining a requested participation): every role gets 405, no page.
    "activities:participation_confirm": lambda w: {"pk": w.activity.participations.first().pk},
    "activities:participation_decline": lambda w: {"pk": w.activity.participations.first().pk},
    # A link from a mail that is not valid (any more): the page that says so and offers a new one.
    "accounts:password_reset_confirm": lambda w: {"uidb64": "MQ", "token": "abgelaufen-0"},
    "interactions:pick": lambda w: {"kind": "actors"},
    "interactions:detail": lambda w: {"pk": w.interaction.pk},
    "interactions:edit": lambda w: {"pk": w.interaction.pk},
    "interactions:delete": lambda w: {"pk": w.interaction.pk},
    "interactions:followup_add": lambda w: {"pk": w.interaction.pk},
    "interactions:followup_complete": lambda w: {"pk": w.followup.pk},
    "interactions:followup_reopen": lambda w: {"pk": w.followup.pk},
    "interactions:followup_delete": lambda w: {"pk": w.followup.pk},
    "synergies:listing_detail": lambda w: {"pk": w.listing.pk},
    "synergies:listing_edit": lambda w: {"pk": w.listing.pk},
    "synergies:listing_end": lambda w: {"pk": w.listing.pk},
    "synergies:listing_create": lambda w: {"slug": w.actor.slug},
    "synergies:actor_suggestions": lambda w: {"slug": w.actor.slug},
    "synergies:opt_out": lambda w: {"slug": w.actor.slug},
    "synergies:introduction_detail": lambda w: {"pk": w.introduction.pk},
    "synergies:introduction_advance": lambda w: {"pk": w.introduction.pk},
    "synergies:introduction_request": lambda w: {"slug": w.actor.slug, "partner": w.third.slug},
    "initiatives:detail": lambda w: {"pk": w.initiative.pk},
    "initiatives:edit": lambda w: {"pk": w.initiative.pk},
    "initiatives:delete": lambda w: {"pk": w.initiative.pk},
    "initiatives:proposals": lambda w: {"pk": w.initiative.pk},
    "initiatives:stakeholder_add": lambda w: {"pk": w.initiative.pk},
    "initiatives:stakeholder_update": lambda w: {"pk": w.stakeholder.pk},
    "initiatives:stakeholder_move": lambda w: {"pk": w.stakeholder.pk},
    "initiatives:stakeholder_remove": lambda w: {"pk": w.stakeholder.pk},
    "initiatives:link": lambda w: {"pk": w.initiative.pk},
    "initiatives:contact": lambda w: {"pk": w.initiative.pk},
    "initiatives:paper_link": lambda w: {"pk": w.initiative.pk},
    "initiatives:paper_unlink": lambda w: {"pk": w.initiative.pk},
    "initiatives:paper_search": lambda w: {"pk": w.initiative.pk},
    "initiatives:request": lambda w: {"pk": w.initiative.pk},
    "initiatives:request_answer": lambda w: {"pk": w.request.pk},
    "reports:annual_csv": lambda w: {"table": "akteure_nach_art"},
    "reports:initiative": lambda w: {"pk": w.initiative.pk},
    "history:restore": lambda w: {"change_id": w.change.pk},
    "history:record": lambda w: {"type_slug": "akteur", "pk": w.actor.pk},
    "privacy:person": lambda w: {"pk": w.person.pk},
    "privacy:legal_basis": lambda w: {"pk": w.person.pk},
    "privacy:restrict": lambda w: {"pk": w.person.pk},
    "privacy:export_json": lambda w: {"pk": w.person.pk},
    "privacy:export_html": lambda w: {"pk": w.person.pk},
    "privacy:erase": lambda w: {"pk": w.person.pk},
}

# The back office, for the coordinator only: its start page, a list, a change form and an add form.
ADMIN_PAGES = (
    ("admin:index", None),
    ("admin:actors_actor_changelist", None),
    ("admin:actors_actor_change", "actor"),
    ("admin:actors_actor_add", None),
    ("admin:actors_theme_changelist", None),
)


def _world():
    """A small network with one of everything a page shows, and one user per role."""
    department = DepartmentFactory(name="Referat Nachhaltige Stadtentwicklung", published=True)
    actor = ActorFactory(
        name="Förderkreis Burkina Faso e.V.",
        description="Wir unterstützen die **Klimapartnerschaft** mit Kongoussi.",
        contact_email="info@example.org",
    )
    actor.themes.set([ThemeFactory(name_de="Klimaschutz", slug="klimaschutz")])
    actor.sdgs.set(SDG.objects.all())
    ActorCountry.objects.create(actor=actor, country="BF")
    partner = ActorFactory(name="Weltladen Ludwigsburg")
    third = ActorFactory(name="Eine-Welt-Forum Ludwigsburg")
    tie = TieFactory(source=actor, target=partner, public=True)
    coordinator = UserFactory(username="koordination", role=Role.COORDINATOR)
    city_staff = UserFactory(username="fachbereich", role=Role.CITY_STAFF, department=department)
    editor = UserFactory(username="verein", role=Role.ACTOR_EDITOR)
    editor.edited_actors.add(actor)
    start = dt.datetime.combine(timezone.localdate(), dt.time(18, 0), tzinfo=timezone.get_current_timezone())
    activity = activity_create(
        user=coordinator,
        data={"title": "Eine-Welt-Forum", "kind": "event", "public": True, "start": start,
              "end": start + dt.timedelta(hours=2)},
        participants=[ParticipantSpec(role="organiser", actor_id=actor.pk)],
    )  # fmt: skip
    interaction = InteractionFactory(actors=[actor], created_by=city_staff, visibility="staff")
    followup = FollowUpFactory(interaction=interaction, assignee=coordinator, created_by=city_staff)
    lo, hi = sorted([actor, third], key=lambda a: a.pk)
    introduction = Introduction.objects.create(actor_a=lo, actor_b=hi, note="Beide arbeiten zu Burkina Faso.")
    initiative = initiative_services.initiative_create(
        user=coordinator,
        data={"title": "Klimapartnerschaft Kongoussi", "public": True, "lead": department,
              "decision_date": timezone.localdate() + dt.timedelta(days=120)},
    )  # fmt: skip
    stakeholder = initiative_services.stakeholder_add(user=coordinator, initiative=initiative, actor=actor)
    request = ParticipationRequest.objects.create(initiative=initiative, actor=partner, message="Wir wirken mit.")
    accessibility_statement_save(user=coordinator, text=demo_accessibility.STATEMENT, reviewed_on=timezone.localdate())
    barrier_report_create(user=None, message="Die Karte geht nicht mit der Tastatur.", contact_email="e@example.org")
    person = PersonFactory(first_name="Erika", last_name="Beispiel")
    Membership.objects.create(person=person, actor=actor, function="Vorsitz")
    return SimpleNamespace(
        actor=actor,
        third=third,
        tie=tie,
        activity=activity,
        source=CalendarSource.objects.create(actor=actor, url="https://kalender.example.org/verein.ics"),
        interaction=interaction,
        followup=followup,
        listing=ListingFactory(actor=actor, title="Gemeindesaal für 80 Personen"),
        introduction=introduction,
        initiative=initiative,
        stakeholder=stakeholder,
        request=request,
        person=person,
        change=Change.objects.order_by("pk").last(),
        users={"anonymous": None, "editor": editor, "city_staff": city_staff, "coordinator": coordinator},
    )


def _urls(w, role) -> list[str]:
    urls = []
    for name in sorted(set(_named_urls())):
        if name.startswith("admin:"):
            continue
        urls.append(reverse(name, kwargs=KWARGS[name](w) if name in KWARGS else None))
    if role == "coordinator":
        for name, arg in ADMIN_PAGES:
            urls.append(reverse(name, args=[getattr(w, arg).pk] if arg else None))
    return urls


def _html_pages(urls, user) -> list[str]:
    """The URLs that answer this user with a whole HTML page (no redirect, no download, no fragment)."""
    client = Client()
    if user is not None:
        client.force_login(user)
    pages = []
    for url in urls:
        response = client.get(url)
        if response.status_code != 200 or not response.get("Content-Type", "").startswith("text/html"):
            continue
        body = b"".join(response.streaming_content) if response.streaming else response.content
        if b"<html" in body[:500].lower():
            pages.append(url)
    return pages


def _name_mismatches(page) -> list[str]:
    """WCAG 2.5.3 (label in name): axe checks it only in its experimental rule, so it is asked for by name."""
    result = page.evaluate(
        "() => axe.run(document, {runOnly: {type: 'rule', values: ['label-content-name-mismatch']},"
        " rules: {'label-content-name-mismatch': {enabled: true}}, resultTypes: ['violations']})"
    )
    return [
        f"{v['id']}: {v['help']} – {', '.join(str(n['target']) for n in v['nodes'][:3])}" for v in result["violations"]
    ]


def test_every_url_with_parameters_can_be_filled():
    def needs_parameters(name):
        try:
            reverse(name)
        except NoReverseMatch:
            return True
        return False

    names = {name for name in _named_urls() if not name.startswith("admin:")}
    assert sorted(name for name in names if needs_parameters(name) and name not in KWARGS) == []


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("role", ROLES)
def test_no_page_has_serious_accessibility_violations(new_page, seeded_sdgs, role, width):
    w = _world()
    user = w.users[role]
    pages = _html_pages(_urls(w, role), user)
    assert len(pages) > 10, pages
    page = new_page(viewport=WIDTHS[width])
    if user is not None:
        log_in(page, user)

    found = []
    for url in pages:
        page.goto(url)
        violations = axe_violations(page) + _name_mismatches(page)
        found += [f"{url} [{role}, {width} px]: {violation}" for violation in violations]

    if found:
        pytest.fail(f"{len(found)} Verstöße gegen WCAG 2.1 AA:\n" + "\n".join(found), pytrace=False)
