"""The annual report: its figures on a small known world for 2025, an empty year, the theme filter,
refused filters, and the CSV, XLSX and PDF files read back by independent parsers."""

import csv
import datetime as dt
import io
import os
import re
import shutil
import subprocess
from types import SimpleNamespace

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from knotenpunkt.activities.services import activity_create
from knotenpunkt.actors.models import Actor, ActorKind, Level
from knotenpunkt.initiatives import services as initiatives
from knotenpunkt.initiatives.models import Initiative, Involvement, Phase
from knotenpunkt.interactions.services import interaction_create
from knotenpunkt.network.models import Tie, TieKind
from knotenpunkt.network.services import tie_create
from knotenpunkt.reports.annual import annual_report
from knotenpunkt.reports.indicators import INDICATORS
from knotenpunkt.synergies import introductions
from tests.factories import ActorFactory, ThemeFactory, TieFactory

pytestmark = pytest.mark.django_db

YEAR = 2025
YEAR_DAY = dt.date(2025, 2, 20)  # when the ties of the world were declared
UNKNOWN = "von der Koordinierungsstelle einzutragen"
NO_DATA = "Für 2010 liegen keine Daten vor"


def aware(year, month, day, hour=12):
    return timezone.make_aware(dt.datetime(year, month, day, hour))


def backdate(record, day: dt.date):
    type(record).objects.filter(pk=record.pk).update(created_at=aware(day.year, day.month, day.day))


def actor(name, kind, created: dt.date | None, *, country="DE", level=Level.LOCAL, themes=(), sdgs=()):
    """An actor as it stood in `created`'s year (None: created today, in the following year)."""
    made = ActorFactory(name=name, kind=kind, country=country, level=level, contact_email=f"{kind}@example.org")
    made.themes.set(themes)
    made.sdgs.set(sdgs)
    if created:
        backdate(made, created)
    return made


def rows(report, key) -> dict:
    """A two-column table as {label: figure}."""
    return dict(report.table(key).rows)


def pdf_text(response, tmp_path) -> str:
    if shutil.which("pdftotext") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("pdftotext fehlt (poppler-utils); unter CI=true muss der PDF-Test laufen.")
        pytest.skip("pdftotext fehlt (poppler-utils): das PDF lässt sich nicht zurücklesen")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pdf = tmp_path / "bericht.pdf"
    pdf.write_bytes(response.content)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, check=True, text=True).stdout
    return " ".join(text.split())  # table cells wrap: compare the words, not the lines


@pytest.fixture
def world(coordinator, seeded_sdgs):
    """2025: six actors (two of them from 2024), ties, dates, contacts, introductions, initiatives."""
    klima = ThemeFactory(name_de="Klima", slug="klima")
    w = SimpleNamespace(klima=klima)
    w.verein_a = actor("Eine-Welt-Verein", ActorKind.ASSOCIATION, dt.date(2024, 6, 1), themes=[klima], sdgs=[13])
    w.kongoussi = actor(
        "Kongoussi", ActorKind.PARTNER_MUNICIPALITY, dt.date(2024, 1, 10), country="BF", level=Level.INTERNATIONAL
    )
    w.verein_b = actor("Weltladen-Verein", ActorKind.ASSOCIATION, dt.date(2025, 3, 1))
    w.amt = actor("Referat Internationales", ActorKind.CITY_DEPARTMENT, dt.date(2025, 4, 1), level=Level.REGIONAL)
    w.diaspora = actor("Afrika-Forum", ActorKind.DIASPORA, dt.date(2025, 5, 1), themes=[klima])
    w.leon = actor("León", ActorKind.PARTNER_MUNICIPALITY, dt.date(2025, 8, 1), country="NI", level=Level.INTERNATIONAL)
    # Created in the following year (today): counted in no figure of 2025.
    actor("Ouahigouya", ActorKind.PARTNER_MUNICIPALITY, None, country="BF", themes=[klima], sdgs=[13])

    for source, target in ((w.verein_a, w.amt), (w.verein_a, w.verein_b), (w.verein_a, w.kongoussi)):
        backdate(tie_create(user=coordinator, source=source, target=target, kind=TieKind.COOPERATION), YEAR_DAY)

    def activity(title, start, **data):
        return activity_create(
            user=coordinator, data={"title": title, "start": start, "end": start + dt.timedelta(hours=2), **data}
        )

    activity("Klimawerkstatt", aware(2025, 3, 10), kind="workshop", themes=[klima], sdgs=[13])
    activity("Eine-Welt-Tag", aware(2025, 6, 1), kind="event", level=Level.REGIONAL, sdgs=[4, 13])
    activity("Stammtisch", aware(2025, 11, 15), kind="meeting", rrule="FREQ=MONTHLY;COUNT=3", sdgs=[17])
    activity("Abgesagtes Fest", aware(2025, 7, 1), kind="event", cancelled=True, sdgs=[13])
    activity("Fest im Vorjahr", aware(2024, 5, 1), kind="event", sdgs=[13])

    for day, channel in (
        (dt.date(2025, 2, 1), "email"),
        (dt.date(2025, 9, 9), "phone"),
        (dt.date(2024, 12, 31), "phone"),
    ):
        interaction_create(
            user=coordinator,
            data={"date": day, "channel": channel, "summary": "Absprache", "actors": [w.verein_a]},
        )

    # Introductions begun in 2025: one only proposed, one met, one cooperating (each meeting logs
    # a contact on its day); one begun in 2024.
    def introduce(a, b, begun, met=None, cooperating=False):
        intro = introductions.introduction_propose(user=coordinator, actor=a, partner=b)
        if met:
            intro = introductions.introduction_send(user=coordinator, introduction=intro)
            intro = introductions.introduction_mark_met(
                user=coordinator, introduction=intro, date=met, summary="Kaffee"
            )
        if cooperating:
            introductions.introduction_mark_cooperating(user=coordinator, introduction=intro)
        backdate(intro, begun)

    introduce(w.verein_b, w.amt, dt.date(2025, 2, 2))
    introduce(w.verein_b, w.diaspora, dt.date(2025, 4, 4), met=dt.date(2025, 5, 5))
    introduce(w.amt, w.diaspora, dt.date(2025, 5, 5), met=dt.date(2025, 6, 6), cooperating=True)
    introduce(w.verein_b, w.kongoussi, dt.date(2024, 4, 4))

    w.partnership = initiatives.initiative_create(
        user=coordinator,
        data={
            "title": "Klimapartnerschaft mit Kongoussi",
            "lead": w.amt,
            "phase": Phase.IMPLEMENTATION,
            "idea_from": dt.date(2024, 10, 1),
            "planning_from": dt.date(2025, 1, 15),
            "decision_from": dt.date(2025, 5, 1),
            "implementation_from": dt.date(2025, 7, 1),
            "decision_date": dt.date(2025, 6, 20),
            "countries": ["BF"],
            "themes": [klima],
            "sdgs": [13],
        },
    )
    backdate(w.partnership, dt.date(2024, 10, 1))
    stakeholder = initiatives.stakeholder_add
    # Each stakeholder put on the list in 2025 (a report counts only those on the list by the year's end).
    first = stakeholder(
        user=coordinator,
        initiative=w.partnership,
        actor=w.verein_a,
        data={"influence": 5, "reached": Involvement.CONSULT, "first_involved": dt.date(2025, 2, 1)},
    )
    backdate(first, dt.date(2025, 1, 20))
    closing = stakeholder(
        user=coordinator,
        initiative=w.partnership,
        actor=w.diaspora,
        data={"influence": 4, "reached": Involvement.INFORM, "first_involved": dt.date(2025, 6, 1)},
        source="gap:diaspora",
    )
    backdate(closing, dt.date(2025, 6, 1))
    backdate(stakeholder(user=coordinator, initiative=w.partnership, actor=w.kongoussi, data={"influence": 2}),
             dt.date(2025, 3, 1))  # fmt: skip

    schools = initiatives.initiative_create(
        user=coordinator,
        data={"title": "Fairtrade-Schulen", "phase": Phase.PLANNING, "planning_from": dt.date(2025, 9, 1)},
    )
    backdate(schools, dt.date(2025, 3, 1))
    backdate(stakeholder(user=coordinator, initiative=schools, actor=w.verein_b), dt.date(2025, 9, 5))
    evaluated = initiatives.initiative_create(
        user=coordinator,
        data={"title": "Altes Vorhaben", "phase": Phase.EVALUATION, "evaluation_from": dt.date(2024, 6, 1)},
    )
    backdate(evaluated, dt.date(2023, 1, 1))
    # Created in the following year (today).
    initiatives.initiative_create(user=coordinator, data={"title": "Neues Vorhaben", "sdgs": [17]})
    return w


# --- the figures of 2025 ---------------------------------------------------------------------------


def test_actors_by_kind_count_those_existing_at_year_end(world):
    report = annual_report(YEAR)

    assert rows(report, "akteure_nach_art") == {
        "Verein": 2,
        "Partnerkommune im Ausland": 2,
        "Städtische Dienststelle": 1,
        "Migranten-/Diasporaorganisation": 1,
    }
    assert rows(report, "akteure_nach_ebene") == {"lokal": 3, "regional": 1, "international": 2}


def test_growth_separates_the_actors_at_the_start_of_the_year_from_the_new_ones(world):
    report = annual_report(YEAR)

    assert report.table("wachstum").rows == [
        ["Akteure am Jahresanfang", 2],
        ["neu im Jahr", 4],
        ["neu im Vorjahr", 2],
        ["Akteure am Jahresende", 6],
    ]
    assert "6 Akteure am Jahresende, davon 4 neu im Jahr 2025." in report.sections[0].summary


def test_a_tie_across_sectors_is_counted_and_one_within_a_sector_is_named_in_the_note(world):
    table = annual_report(YEAR).table("bereichsuebergreifende_beziehungen")

    assert {row[0]: row[1] for row in table.rows} == {
        "Verwaltung – Zivilgesellschaft": 1,
        "Partner im Ausland – Zivilgesellschaft": 1,
    }
    assert table.note == "Beziehungen innerhalb eines Bereichs: 1."


def test_partner_municipalities_are_counted_by_country(world):
    assert rows(annual_report(YEAR), "partnerschaften_ausland") == {"Burkina Faso": 1, "Nicaragua": 1}


def test_dates_of_the_year_are_counted_by_kind_level_and_month_without_cancelled_or_other_years(world):
    report = annual_report(YEAR)

    assert report.table("termine_nach_art").rows == [["Veranstaltung", 1], ["Treffen", 2], ["Workshop", 1]]
    assert report.table("termine_nach_ebene").rows == [["lokal", 3], ["regional", 1]]
    months = {month: n for month, n in report.table("termine_nach_monat").rows if n}
    assert months == {"März": 1, "Juni": 1, "November": 1, "Dezember": 1}


def test_contacts_of_the_year_are_counted_by_channel(world):
    # The two meetings of introductions were logged as contacts on their days.
    assert annual_report(YEAR).table("kontakte").rows == [["Treffen", 2], ["Telefon", 1], ["E-Mail", 1]]


def test_the_introductions_funnel_counts_each_step_with_its_share(world):
    assert annual_report(YEAR).table("vermittlungen").rows == [
        ["vorgeschlagen", 3, "100 %"],
        ["bekannt gemacht", 2, "66,7 %"],
        ["getroffen", 2, "66,7 %"],
        ["kooperieren", 1, "33,3 %"],
        ["abgelehnt", 0, "0,0 %"],
    ]


def test_initiatives_by_phase_at_year_end_and_stakeholders_by_reached_level(world):
    report = annual_report(YEAR)

    assert report.table("vorhaben_nach_phase").rows == [["Planung", 1], ["Umsetzung", 1]]
    assert report.table("beteiligte_nach_stand").rows == [
        ["noch nicht einbezogen", 2],
        ["informieren", 1],
        ["konsultieren", 1],
    ]


def test_an_initiative_decided_in_the_year_shows_its_early_involvement(world):
    # High influence: the association (involved before planning ended, 139 days ahead) and the
    # diaspora organisation (after, 19 days ahead); the median of two lead times takes the upper.
    report = annual_report(YEAR)

    assert report.table("fruehe_beteiligung").rows == [["Klimapartnerschaft mit Kongoussi", "20.06.2025", "1 / 2", 139]]
    assert any("waren 1 von 2 Beteiligten mit großem Einfluss" in s for s in report.sections[3].summary)


def test_wer_fehlt_counts_gaps_closed_in_the_year_and_open_today(world):
    assert annual_report(YEAR).table("wer_fehlt").rows == [
        ["keine Migranten- oder Diasporaorganisation", 1, 1],
        ["keine städtische Dienststelle", 0, 1],
        ["kein Partner auf Landes- oder Bundesebene", 0, 2],
    ]


def test_sdgs_count_actors_dates_and_initiatives_of_the_year(world):
    counts = {row[0].split(" – ")[0]: row[1:] for row in annual_report(YEAR).table("nachhaltigkeitsziele").rows}

    assert counts == {"4": [0, 1, 0], "13": [1, 2, 1], "17": [0, 2, 0]}


# --- a year without data ------------------------------------------------------------------------


def test_a_year_without_data_says_so_instead_of_showing_tables_of_zeros(client, coordinator, world):
    assert annual_report(2010).has_data is False
    client.force_login(coordinator)

    response = client.get(reverse("reports:annual"), {"jahr": 2010})

    html = response.content.decode()
    assert response.status_code == 200
    assert NO_DATA in html
    assert html.count("<table") == 1
    assert '<table class="indicator-table">' in html


def test_the_pdf_of_a_year_without_data_says_so(client, coordinator, tmp_path):
    client.force_login(coordinator)

    text = pdf_text(client.get(reverse("reports:annual_pdf"), {"jahr": 2010}), tmp_path)

    assert NO_DATA in text


# --- the theme filter and refused filters -------------------------------------------------------


def test_the_theme_filter_leaves_out_actors_dates_and_initiatives_without_the_theme(client, coordinator, world):
    client.force_login(coordinator)

    response = client.get(reverse("reports:annual"), {"jahr": YEAR, "thema": "klima"})

    report = response.context["report"]
    assert response.status_code == 200
    assert "Jahresbericht 2025 · Klima" in response.content.decode()
    assert rows(report, "akteure_nach_art") == {"Verein": 1, "Migranten-/Diasporaorganisation": 1}
    assert report.table("termine_nach_art").rows == [["Workshop", 1]]
    assert report.table("vorhaben_nach_phase").rows == [["Umsetzung", 1]]
    assert report.table("partnerschaften_ausland").empty


@pytest.mark.parametrize("query", [{"jahr": YEAR, "thema": "gibt-es-nicht"}, {"jahr": "abc"}, {"jahr": 1800}])
def test_an_unknown_theme_or_year_answers_422_on_the_page_with_the_german_message(client, coordinator, query):
    client.force_login(coordinator)

    response = client.get(reverse("reports:annual"), query)

    assert response.status_code == 422
    assert "Bitte ein Jahr zwischen 2000 und 2100 und ein vorhandenes Thema wählen." in response.content.decode()


@pytest.mark.parametrize("query", [{"jahr": YEAR, "thema": "gibt-es-nicht"}, {"jahr": "abc"}, {"jahr": 1800}])
@pytest.mark.parametrize("url", ["reports:annual_pdf", "reports:annual_xlsx", "reports:annual_csv"])
def test_an_unknown_theme_or_year_answers_404_for_the_files(client, coordinator, url, query):
    client.force_login(coordinator)
    kwargs = {"table": "akteure_nach_art"} if url == "reports:annual_csv" else {}

    assert client.get(reverse(url, kwargs=kwargs), query).status_code == 404


def test_an_unknown_table_key_answers_404(client, coordinator):
    client.force_login(coordinator)

    assert client.get(reverse("reports:annual_csv", args=["gibt_es_nicht"]), {"jahr": YEAR}).status_code == 404


# --- files read back ----------------------------------------------------------------------------


def test_the_csv_reads_back_with_the_header_and_the_rows_of_its_table(client, coordinator, world):
    client.force_login(coordinator)
    table = annual_report(YEAR).table("vermittlungen")

    response = client.get(reverse("reports:annual_csv", args=["vermittlungen"]), {"jahr": YEAR})

    assert response["Content-Disposition"] == 'attachment; filename="vermittlungen-2025.csv"'
    read = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert read[0] == ["Schritt", "Vermittlungen", "Anteil"]
    assert read[1:] == [[str(cell) for cell in row] for row in table.rows]


def test_the_workbook_has_a_sheet_per_table_and_the_indicators_for_the_office(client, coordinator, world):
    client.force_login(coordinator)
    report = annual_report(YEAR)

    response = client.get(reverse("reports:annual_xlsx"), {"jahr": YEAR})

    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    by_title = {sheet["A1"].value: sheet for sheet in workbook.worksheets}
    for table in report.tables():
        sheet = by_title[table.title]
        values = [list(row) for row in sheet.iter_rows(min_row=2, values_only=True)]
        assert values[0][: len(table.columns)] == table.columns
        assert [row[: len(table.columns)] for row in values[1 : 1 + len(table.rows)]] == table.rows
    indicators = workbook["Indikatoren"]
    written = {row[0]: row[4] for row in indicators.iter_rows(min_row=2, values_only=True)}
    for indicator in INDICATORS:
        assert written[str(indicator.name)] == (None if indicator.known else UNKNOWN)


def test_the_pdf_reads_back_with_title_headings_and_figures_and_is_tagged(client, coordinator, world, tmp_path):
    client.force_login(coordinator)

    text = pdf_text(client.get(reverse("reports:annual_pdf"), {"jahr": YEAR}), tmp_path)

    assert "Jahresbericht 2025" in text
    assert "Zusammenarbeit" in text
    assert "6 Akteure am Jahresende, davon 4 neu im Jahr 2025." in text
    assert UNKNOWN in text
    info = subprocess.run(["pdfinfo", str(tmp_path / "bericht.pdf")], capture_output=True, check=True, text=True)
    assert re.search(r"^Tagged:\s+yes$", info.stdout, re.MULTILINE)


# --- indicators in the page ---------------------------------------------------------------------


@pytest.fixture
def page(client, coordinator, world) -> str:
    client.force_login(coordinator)
    return client.get(reverse("reports:annual"), {"jahr": YEAR}).content.decode()


def test_every_unknown_indicator_is_left_for_the_office_in_the_page(page):
    unknown = [indicator for indicator in INDICATORS if not indicator.known]

    assert unknown
    for indicator in unknown:
        row = re.search(rf'<th scope="row">{re.escape(escape(str(indicator.name)))}</th>(.*?)</tr>', page, re.DOTALL)
        assert row and UNKNOWN in row.group(1), indicator.key


def test_each_table_shown_names_the_indicators_it_serves(page):
    for table in annual_report(YEAR).tables():
        assert not table.empty, table.key
        figure = re.search(rf'<figure class="report-table" id="tabelle-{table.key}">(.*?)</figure>', page, re.DOTALL)
        assert figure, table.key
        if table.indicators:
            assert "Dient dem Indikator:" in figure.group(1), table.key
            for name in table.indicator_names():
                assert escape(name) in figure.group(1), (table.key, name)
        else:
            assert "Dient dem Indikator" not in figure.group(1), table.key


def test_city_staff_count_only_the_contacts_they_may_read(coordinator, city_staff):
    verein = ActorFactory(name="Verein für Zählungen")
    for channel, visibility in (("phone", "staff"), ("email", "coordination"), ("email", "coordination")):
        interaction_create(
            user=coordinator,
            data={
                "date": dt.date(2025, 3, 3),
                "channel": channel,
                "summary": "Absprache",
                "visibility": visibility,
                "actors": [verein],
            },
        )
    assert annual_report(YEAR, user=coordinator).table("kontakte").rows == [["Telefon", 1], ["E-Mail", 2]]
    assert annual_report(YEAR, user=city_staff).table("kontakte").rows == [["Telefon", 1]]


def test_a_tie_counts_once_under_a_theme_and_an_ended_one_not_at_all(coordinator):
    klima, wasser = ThemeFactory(name_de="Klima", slug="klima-2"), ThemeFactory(name_de="Wasser", slug="wasser-2")
    a = ActorFactory(name="Verein mit zwei Themen", kind="association")
    b = ActorFactory(name="Amt mit einem Thema", kind="city_department")
    c = ActorFactory(name="Schule ohne Beziehung mehr", kind="school")
    a.themes.add(klima, wasser)
    b.themes.add(klima)
    c.themes.add(klima)
    TieFactory(source=a, target=b)
    TieFactory(source=a, target=c, end_date=dt.date(YEAR - 1, 6, 30))
    for model in (Actor, Tie):
        model.objects.update(created_at=aware(YEAR - 1, 3, 1))

    table = annual_report(YEAR, klima).table("bereichsuebergreifende_beziehungen")

    assert table.rows == [["Verwaltung – Zivilgesellschaft", 1]]


def test_stakeholders_added_after_the_year_are_not_counted_in_it(coordinator):
    initiative = initiatives.initiative_create(user=coordinator, data={"title": "Vorhaben über zwei Jahre"})
    Initiative.objects.filter(pk=initiative.pk).update(created_at=aware(YEAR, 2, 1))
    initiatives.stakeholder_add(user=coordinator, initiative=initiative, actor=ActorFactory(name="Später dabei"))

    assert annual_report(YEAR).table("beteiligte_nach_stand").rows == []
