"""Initiatives in a real browser: a coordinator plans one with the network's proposals, places
stakeholders on the grid by mouse and keyboard, reads „Wer fehlt?" and records a meeting that
involves a stakeholder; a visitor reads the public Vorhabenliste; an actor's editor offers to join."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from knotenpunkt.accounts.models import Role
from knotenpunkt.actors.models import ActorKind
from knotenpunkt.initiatives import services
from knotenpunkt.initiatives.models import Initiative, Involvement, ParticipationRequest, Stakeholder
from tests.browser.conftest import DESKTOP, axe_violations
from tests.factories import ActorFactory, DepartmentFactory, ThemeFactory, UserFactory
from tests.oparl_server import OParlServer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = {"width": 390, "height": 844}


def field(scope, label):
    return scope.get_by_label(re.compile(rf"^{re.escape(label)}( \*)?$"))


def chip(page, name):
    return page.locator("#stakeholders .grid-chip[data-stakeholder]", has_text=name)


def cell(page, influence, interest):
    return page.locator(f'#stakeholders .grid-cell[data-influence="{influence}"][data-interest="{interest}"]')


def test_a_coordinator_plans_an_initiative_with_the_network(
    new_page, coordinator, screenshot, seeded_coverage_rules, settings
):
    klima = ThemeFactory(name_de="Klimaschutz", slug="klimaschutz")
    lead = DepartmentFactory(name="Referat Nachhaltige Stadtentwicklung", published=True)
    weltladen = ActorFactory(name="Weltladen Ludwigsburg", kind=ActorKind.FAIR_TRADE_SHOP, published=True)
    schule = ActorFactory(name="Goethe-Gymnasium", kind=ActorKind.SCHOOL, published=True)
    verein = ActorFactory(name="Burkinischer Kulturverein", kind=ActorKind.DIASPORA, published=True)
    weltladen.themes.add(klima)
    schule.themes.add(klima)
    page = new_page(user=coordinator)

    # Create it from the list.
    page.goto("/vorhaben/")
    page.get_by_role("button", name="Vorhaben anlegen", exact=True).click()
    field(page, "Titel").fill("Klimapartnerschaft Kongoussi, dritte Phase")
    field(page, "Kurzbeschreibung").fill("Gemeinsames Handlungsprogramm 2027–2030.")
    page.get_by_role("checkbox", name="Klimaschutz", exact=True).check()
    field(page, "Phase").select_option(label="Planung")
    decision = timezone.localdate() + dt.timedelta(days=150)
    field(page, "Beschluss im Gemeinderat am").fill(decision.isoformat())
    search = page.locator("#id_lead")
    search.fill("Referat Nach")
    page.get_by_role("radio", name=lead.name).check()
    page.get_by_role("button", name="Speichern").click()
    initiative = Initiative.objects.get()
    expect(page).to_have_url(re.compile(rf"/vorhaben/{initiative.pk}/$"))
    expect(page.locator(".messages")).to_contain_text("Vorhaben angelegt")

    # Two proposals accepted, one click each; the grid shows them in the middle cell.
    proposals = page.locator("#proposals")
    for actor in (weltladen, schule):
        accept = proposals.get_by_role("button", name=re.compile(rf"^Aufnehmen\W+{actor.name}$"))
        accept.first.click()
        expect(chip(page, actor.name)).to_be_visible()
        expect(accept).to_have_count(0)  # the proposals are read again, without the one just accepted
    assert set(Stakeholder.objects.values_list("actor__name", flat=True)) == {weltladen.name, schule.name}
    expect(cell(page, 3, 3).locator(".grid-chip")).to_have_count(2)

    # By mouse: Weltladen dragged to high influence and high interest.
    chip(page, weltladen.name).drag_to(cell(page, 5, 5))
    expect(cell(page, 5, 5).locator(".grid-chip", has_text=weltladen.name)).to_be_visible()
    expect(chip(page, weltladen.name)).to_be_focused()  # the moved name keeps the focus after the swap
    assert Stakeholder.objects.get(actor=weltladen).influence == 5

    # By keyboard: the school one step up (influence) and one right (interest); focus stays on it.
    chip(page, schule.name).focus()
    page.keyboard.press("ArrowUp")
    expect(cell(page, 4, 3).locator(".grid-chip", has_text=schule.name)).to_be_visible()
    expect(chip(page, schule.name)).to_be_focused()
    page.keyboard.press("ArrowRight")
    expect(cell(page, 4, 4).locator(".grid-chip", has_text=schule.name)).to_be_visible()
    expect(page.locator("#grid-status")).to_contain_text("Einfluss 4, Interesse 4")
    assert (Stakeholder.objects.get(actor=schule).influence, Stakeholder.objects.get(actor=schule).interest) == (4, 4)

    # The table edits a row: its form loads when opened, and saving re-renders the section.
    row = page.locator("#stakeholders tbody tr", has_text=schule.name)
    row.locator("summary").click()
    field(row, "Rolle").fill("Schulpartnerschaft Kongoussi")
    assert axe_violations(page) == []  # with the row's form open
    row.get_by_role("button", name="Speichern").click()
    expect(page.locator("#stakeholders tbody tr", has_text=schule.name)).to_contain_text("Schulpartnerschaft Kongoussi")

    # „Wer fehlt?": no diaspora organisation yet, and the one in the network is offered.
    gap = proposals.locator(".gap", has_text="keine Migranten- oder Diasporaorganisation")
    expect(gap).to_be_visible()
    expect(gap.get_by_role("link", name=verein.name)).to_be_visible()
    screenshot(page, "initiative-planned")
    assert axe_violations(page) == []

    # A meeting with the Weltladen, recorded from the initiative, involves it today.
    row = page.locator("#stakeholders tbody tr", has_text=weltladen.name)
    expect(row).to_contain_text("noch nicht einbezogen")
    page.get_by_role("button", name="Kontakt erfassen").click()
    field(page, "Art des Kontakts").select_option(label="Treffen")
    field(page, "Inhalt").fill("Erstes Treffen zur dritten Phase: Weltladen übernimmt die Bildungsarbeit.")
    page.locator("#id_actors").fill("Weltladen")
    page.get_by_role("checkbox", name=weltladen.name).check()
    page.get_by_role("button", name="Speichern und verknüpfen").click()
    expect(page).to_have_url(re.compile(rf"/vorhaben/{initiative.pk}/#zeitleiste$"))
    today = timezone.localdate()
    row = page.locator("#stakeholders tbody tr", has_text=weltladen.name)
    expect(row).to_contain_text(today.strftime("%d.%m.%Y"))
    expect(row).to_contain_text("informieren")
    expect(page.locator(".timeline")).to_contain_text("Kontakt (Treffen)")
    stakeholder = Stakeholder.objects.get(actor=weltladen)
    assert (stakeholder.first_involved, stakeholder.reached) == (today, Involvement.INFORM)

    # The council paper, from the city's council information system (a local OParl 1.1 server).
    settings.OPARL_ALLOW_PRIVATE_HOSTS = True
    with OParlServer() as council:
        council.set_result(1, "beschlossen")
        page.locator("#drucksache summary").click()
        field(page, "OParl-Adresse der Drucksache").fill(council.paper_url(1))
        page.locator("#drucksache").get_by_role("button", name="Verknüpfen").click()
        expect(page.locator(".messages")).to_contain_text("Drucksache verknüpft: VORL 2027/014")
        expect(page.locator("#drucksache")).to_contain_text("beschlossen")
        assert axe_violations(page) == []

    # The same page on a phone: the grid scrolls sideways, nothing fails axe.
    phone = new_page(user=coordinator, viewport=PHONE)
    phone.goto(initiative.get_absolute_url())
    expect(phone.locator("#proposals .proposal").first).to_be_visible()
    screenshot(phone, "initiative-phone")
    assert axe_violations(phone) == []


def test_a_visitor_reads_the_vorhabenliste_and_an_editor_offers_to_join(new_page, coordinator, screenshot):
    decision = timezone.localdate() + dt.timedelta(days=120)
    public = services.initiative_create(
        user=coordinator,
        data={
            "title": "Fairtrade-Town erneuern",
            "summary": "Ludwigsburg bleibt Fairtrade-Town.",
            "participation": "Offene Steuerungsgruppe, jeden ersten Dienstag im Rathaus.",
            "decision_date": decision,
            "public": True,
        },
    )
    internal = services.initiative_create(user=coordinator, data={"title": "Interne Haushaltsplanung Eine Welt"})
    weltladen = ActorFactory(name="Weltladen am Marktplatz", published=True)
    services.stakeholder_add(user=coordinator, initiative=public, actor=ActorFactory(name="Geheimer Partner"))

    for viewport in (DESKTOP, PHONE):
        page = new_page(viewport=viewport)
        page.goto("/")
        if viewport is PHONE:
            page.goto("/vorhabenliste/")
        else:
            page.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Vorhaben").click()
        expect(page.get_by_role("heading", name="Vorhabenliste", level=1)).to_be_visible()
        expect(page.locator("main")).to_contain_text("Offene Steuerungsgruppe")
        expect(page.locator("main")).not_to_contain_text(internal.title)
        assert axe_violations(page) == []
        page.get_by_role("link", name=public.title).click()
        expect(page.get_by_role("heading", name=public.title, level=1)).to_be_visible()
        expect(page.locator("main")).to_contain_text(decision.strftime("%d.%m.%Y"))
        expect(page.locator("main")).not_to_contain_text("Geheimer Partner")
        expect(page.locator("main")).not_to_contain_text("Wir möchten mitwirken")
        assert axe_violations(page) == []
        screenshot(page, f"vorhabenliste-{viewport['width']}")

    # An actor's editor offers their actor; the office sees the request on the initiative.
    editor = UserFactory(username="weltladen", role=Role.ACTOR_EDITOR)
    editor.edited_actors.add(weltladen)
    page = new_page(user=editor)
    page.goto(public.get_absolute_url())
    field(page, "Wie möchten Sie mitwirken?").fill("Wir verkaufen fair gehandelte Produkte beim Stadtfest.")
    page.get_by_role("button", name="Anfrage senden").click()
    expect(page.locator(".messages")).to_contain_text("Danke!")
    expect(page.locator("main")).to_contain_text("offen")
    assert ParticipationRequest.objects.get().actor == weltladen

    office = new_page(user=coordinator)
    office.goto(public.get_absolute_url())
    office.locator("#anfragen").get_by_role("button", name="Aufnehmen").click()
    expect(office.locator(".messages")).to_contain_text("ist jetzt beteiligt")
    expect(chip(office, weltladen.name)).to_be_visible()
